"""Helpers shared by the Box2D parity suites: feeding rlforge's random draws to gymnasium's env.

gymnasium's Box2D envs draw from `self.np_random` (a numpy Generator). Assigning a ReplayGen
there and resetting without a seed makes gymnasium build the very episode rlforge drew (terrain,
initial force, track...), and pushing each step's draws does the same for stochastic steps.
Every call is checked: its bounds must contain the value handed out (a value drawn for a
different call would fall outside them sooner or later), and the sequence of (method, size)
is recorded so a test can compare it with the calls rlforge made.
"""

from __future__ import annotations

from collections import deque

import numpy as np


class ReplayGen:
    """Hands out `values` in order; after they run out, draws from `fallback` (if given)."""

    def __init__(self, values=(), fallback: np.random.Generator | None = None):
        self.values = deque(float(v) for v in values)
        self.fallback = fallback
        self.calls: list[tuple[str, object]] = []

    def push(self, *values: float) -> None:
        self.values.extend(float(v) for v in values)

    def _take(self, method: str, low: float, high: float, size, integral: bool):
        self.calls.append((method, size))
        n = 1 if size is None else int(np.prod(size))
        out = []
        for _ in range(n):
            if self.values:
                v = self.values.popleft()
            elif self.fallback is not None:
                v = (float(self.fallback.integers(low, high)) if integral
                     else float(self.fallback.uniform(low, high)))
            else:
                raise AssertionError(f"gymnasium asked for {method}({low}, {high}, size={size}) "
                                     "after rlforge's draws ran out")
            assert low <= v < high, f"{method}({low}, {high}): replayed value {v} is outside"
            if integral:
                assert v == int(v), f"{method}: replayed value {v} is not an integer"
            out.append(v)
        if size is None:
            return np.int64(out[0]) if integral else out[0]
        arr = np.array(out, dtype=np.int64 if integral else np.float64)
        return arr.reshape(size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._take("uniform", low, high, size, False)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        assert high is not None and not endpoint, "only integers(low, high) is replayed"
        return self._take("integers", low, high, size, True)

    def random(self, size=None):
        return self._take("random", 0.0, 1.0, size, False)
