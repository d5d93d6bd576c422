"""Builds gymnasium.spaces objects from the C++ Space JSON (Space::to_json)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from gymnasium import spaces


def space_from_json(text: str) -> spaces.Space[Any]:
    """The gymnasium space equal to a C++ space: same kind, dtype, shape and exact bounds."""
    d = json.loads(text)
    kind = d["type"]
    if kind == "Discrete":
        return spaces.Discrete(int(d["n"]), start=int(d["start"]))
    if kind == "Box":
        dtype = np.dtype(d["dtype"])
        shape = tuple(int(x) for x in d["shape"])
        low = np.array(d["low"], dtype=np.float64)
        high = np.array(d["high"], dtype=np.float64)
        if np.issubdtype(dtype, np.integer):
            # Unbounded integer sides are stored as +-inf; gymnasium keeps the dtype's limits.
            info = np.iinfo(dtype)
            low = np.where(np.isinf(low), info.min, low)
            high = np.where(np.isinf(high), info.max, high)
        low = low.astype(dtype).reshape(shape)
        high = high.astype(dtype).reshape(shape)
        return spaces.Box(low=low, high=high, shape=shape, dtype=dtype)
    if kind == "MultiDiscrete":
        nvec = np.array(d["nvec"], dtype=np.int64)
        start = np.array(d.get("start", [0] * len(nvec)), dtype=np.int64)
        return spaces.MultiDiscrete(nvec, start=start)
    if kind == "MultiBinary":
        shape = tuple(int(x) for x in d["shape"])
        return spaces.MultiBinary(list(shape))
    raise ValueError(f"unknown space type {kind!r} in {text}")
