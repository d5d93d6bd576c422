"""rlforge.VectorEnv: the C++ TBB VectorEnv as a gymnasium.vector.VectorEnv, outputs without copies."""

from __future__ import annotations

import json
import operator
from typing import Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from rlforge import _rlforge
from rlforge._spaces import space_from_json
from rlforge.env import check_render_mode, kwargs_json, metadata_for


def nest_infos(flat: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    """{"episode.r": (values, present)} as gymnasium's vector info:
    {"episode": {"r": values, "_r": present}, "_episode": present-any}. Indexed keys
    ("action_mask[0]", "action_mask[1]", ...) become one (num_envs, n) array (int8 for
    "action_mask", as the single env's info)."""
    out: dict[str, Any] = {}
    indexed: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for key, (values, present) in flat.items():
        if key.endswith("]") and "[" in key:
            indexed.setdefault(key[: key.index("[")], []).append((values, present))
            continue
        _put(out, key, values, present.view(np.bool_))
    for key, columns in indexed.items():
        values = np.stack([v for v, _ in columns], axis=1)
        if key.rsplit(".", 1)[-1] == "action_mask":
            values = values.astype(np.int8)
        present = np.logical_or.reduce([p.view(np.bool_) for _, p in columns])
        _put(out, key, values, present)
    return out


def _put(out: dict[str, Any], key: str, values: np.ndarray, present: np.ndarray) -> None:
    parts = key.split(".")
    node = out
    for part in parts[:-1]:
        node[f"_{part}"] = node[f"_{part}"] | present if f"_{part}" in node else present.copy()
        node = node.setdefault(part, {})
    node[parts[-1]] = values
    node[f"_{parts[-1]}"] = present


def _as_int(env_id: str, name: str, value: Any) -> int:
    """An int (numpy integers too): 1e7 (a float) or True is a TypeError, not silently truncated."""
    if isinstance(value, bool):
        raise TypeError(f"{env_id}: {name} must be an int, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{env_id}: {name} must be an int, got {value!r} "
                        f"({type(value).__name__})") from None


def _index(env_id: str, index: Any, num_envs: int) -> int:
    """An env index in [0, num_envs); out of range is an IndexError."""
    i = _as_int(env_id, "env index", index)
    if not 0 <= i < num_envs:
        raise IndexError(f"{env_id}: env index {i} is not in [0, {num_envs})")
    return i


def _count(env_id: str, name: str, value: Any) -> int:
    """An int in [1, 2**31 - 1]."""
    n = _as_int(env_id, name, value)
    if not 1 <= n <= 2**31 - 1:
        raise ValueError(f"{env_id}: {name} must be in [1, 2147483647], got {n}")
    return n


class VectorEnv(gymnasium.vector.VectorEnv[np.ndarray, np.ndarray, np.ndarray]):
    """``num_envs`` copies of a registered rlforge env stepped in C++ by TBB threads.

    ``reset``/``step`` return numpy arrays that are views of the C++ output buffers (no copy):
    the same array objects every call, overwritten in place by the next ``step``/``reset``. An
    array's values are therefore valid until the next ``step``/``reset`` call; use
    ``np.copy`` to keep them longer (the memory itself stays valid as long as any view lives).
    ``rewards`` are float64, ``terminations``/``truncations`` bool. The GIL is released while
    the C++ envs step, so other Python threads run meanwhile.

    Autoreset follows ``metadata["autoreset_mode"]`` exactly as gymnasium's vector envs:
    NEXT_STEP (default) or SAME_STEP, whose infos carry ``final_obs``/``final_info`` with the
    ``_final_obs``/``_final_info`` masks.
    """

    def __init__(self, env_id: str, num_envs: int, num_threads: int | None = None,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
                 render_mode: str | None = None, **kwargs: Any) -> None:
        mode = AutoresetMode(autoreset_mode)
        if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise ValueError(f"{env_id}: autoreset_mode {mode} is not supported by rlforge's "
                             f"VectorEnv; use AutoresetMode.NEXT_STEP or AutoresetMode.SAME_STEP")
        num_envs = _count(env_id, "num_envs", num_envs)
        if num_threads is not None:
            num_threads = _count(env_id, "num_threads", num_threads)
        self._vec = _rlforge.VectorEnv(env_id, num_envs, kwargs_json(kwargs),
                                       num_threads or 0, mode == AutoresetMode.SAME_STEP)
        check_render_mode(env_id, render_mode, self._vec.renders)
        self.num_envs = self._vec.num_envs
        self.single_observation_space = space_from_json(self._vec.observation_space_json)
        self.single_action_space = space_from_json(self._vec.action_space_json)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.metadata = {"autoreset_mode": mode, **metadata_for(self._vec.spec, self._vec.renders)}
        self.render_mode = render_mode
        (self._obs, self._rewards, self._terminated, self._truncated,
         self._final_mask, self._final_obs) = self._vec.views()

    @property
    def num_threads(self) -> int:
        return self._vec.num_threads

    @property
    def is_batched(self) -> bool:
        """True when the env's native structure-of-arrays batch is used."""
        return self._vec.is_batched

    def reset(self, *, seed: int | list[int] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Resets every env; env i is seeded with ``seed + i`` (a list must be exactly that)."""
        if isinstance(seed, (list, tuple)):
            if len(seed) != self.num_envs or any(
                    s != seed[0] + i for i, s in enumerate(seed)):
                raise ValueError(f"seed list must be [s, s+1, ..., s+{self.num_envs - 1}] "
                                 f"(env i is seeded with seed + i), got {seed!r}")
            seed = seed[0]
        self._vec.reset(seed, None if options is None else json.dumps(options))
        if seed is not None:
            self._np_random, self._np_random_seed = gymnasium.utils.seeding.np_random(int(seed))
        if self.render_mode == "human":
            self._vec.render_human()
        return self._obs, nest_infos(self._vec.infos(False))

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                          dict[str, Any]]:
        self._vec.step(actions)
        infos = nest_infos(self._vec.infos(False))
        if self._final_mask is not None and self._final_obs is not None and self._final_mask.any():
            mask = self._final_mask.copy()
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in np.flatnonzero(mask):
                final_obs[i] = self._final_obs[i].copy()
            infos["final_obs"], infos["_final_obs"] = final_obs, mask
            infos["final_info"], infos["_final_info"] = nest_infos(self._vec.infos(True)), mask.copy()
        if self.render_mode == "human":
            self._vec.render_human()
        return self._obs, self._rewards, self._terminated, self._truncated, infos

    def render(self) -> tuple[np.ndarray, ...] | None:
        """Every env's current picture, as gymnasium's vector envs give them: a tuple of
        (H, W, 3) uint8 arrays (``render_mode="rgb_array"``). See ``render_env`` for one env and
        ``render_grid`` for all of them tiled into one picture."""
        if self.render_mode is None:
            gymnasium.logger.warn(f"{self._vec.spec['id']}: render() called without a render_mode")
            return None
        if self.render_mode == "human":
            self._vec.render_human()  # every env, tiled, in one window
            return None
        return tuple(self._vec.render_rgb(i) for i in range(self.num_envs))

    def close_extras(self, **kwargs: Any) -> None:
        """Closes the human window, if one is open (gymnasium's VectorEnv.close calls this)."""
        self._vec.close_window()

    def render_env(self, index: int) -> np.ndarray:
        """Env ``index``'s picture as a new (H, W, 3) uint8 array (either path: a natively
        batched lane is drawn from its state)."""
        return self._vec.render_rgb(_index(self._vec.spec["id"], index, self.num_envs))

    def render_grid(self, cols: int = 0, count: int = 0, scale: float = 1.0) -> np.ndarray:
        """The first ``count`` envs (0: all) tiled row-major into one (H, W, 3) uint8 picture,
        ``cols`` columns (0: a square grid), each cell the env's canvas size times ``scale``."""
        return self._vec.render_grid(int(cols), int(count), float(scale))
