"""Agents from Python: ``train`` / ``resume`` a PPO, DQN or SAC run, ``load_policy`` its deterministic policy."""

from __future__ import annotations

import json
import numbers
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from rlforge import _rlforge
from rlforge._spaces import space_from_json
from rlforge.errors import InvalidArgument

__all__ = ["train", "resume", "load_policy", "Policy"]


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, os.PathLike):
        return os.fspath(o)
    raise TypeError(f"{o!r} ({type(o).__name__}) cannot be written as a JSON config value")


def _to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, allow_nan=False)


def _overrides(overrides: Mapping[str, Any]) -> list[str]:
    """``ppo__lr=1e-3`` -> ``"ppo.lr=0.001"`` (the value as JSON), as the CLI's ``--set``."""
    out = []
    for key, value in overrides.items():
        path = key.replace("__", ".")
        try:
            out.append(f"{path}={_to_json(value)}")
        except (TypeError, ValueError) as e:
            raise InvalidArgument(f"override {path}: {e}") from None
    return out


def train(config: str | os.PathLike[str] | Mapping[str, Any], *, seed: int | None = None,
          out: str | os.PathLike[str] | None = None, progress: bool = False,
          force: bool = False, **overrides: Any) -> Path:
    """Trains an agent as ``rlforge train`` does and returns the run folder.

    ``config``: a JSON config file (``experiments/configs/cartpole_ppo.json``) or a dict of the
    same layout. Keyword ``overrides`` set values by key path, ``__`` separating the levels:
    ``train(cfg, total_steps=20000, ppo__lr=1e-3, env__num_envs=8)`` is the CLI's
    ``--set total_steps=20000 --set ppo.lr=0.001 --set env.num_envs=8``; values are Python
    values (written as JSON). ``seed`` overrides the config's seed. ``out``: the run folder
    (default ``runs/<config file stem>-seed<N>``, or ``runs/<algo>-<env id>-seed<N>`` for a
    dict, relative to the working directory). ``progress``: the live progress line on stderr.

    Config errors raise ``rlforge.ConfigError`` (a ``ValueError``) naming the file (or
    ``config (dict)``) and the key path. A run folder that holds another run or other files
    raises ``rlforge.Error`` naming it, before anything is written; ``force=True`` replaces that
    run's files (others stay). The GIL is released while training. Ctrl-C (on the
    main thread) stops at the end of the current iteration, writes
    ``checkpoints/latest.ckpt`` and raises ``KeyboardInterrupt``; ``rlforge.resume(run_dir)``
    then continues the run, ending as an uninterrupted one would.
    """
    sets = _overrides(overrides)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"seed must be an int, got {seed!r} ({type(seed).__name__})")
        sets.append(f"seed={_to_json(int(seed))}")
    if isinstance(config, Mapping):
        try:
            text = _to_json(dict(config))
        except (TypeError, ValueError) as e:
            raise InvalidArgument(f"config (dict): {e}") from None
        resolved, algo, env_id, run_seed = _rlforge.resolve_config(None, text, "config (dict)", sets)
        default_out = f"runs/{algo}-{env_id}-seed{run_seed}"
    elif isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        resolved, algo, env_id, run_seed = _rlforge.resolve_config(path, None, path, sets)
        default_out = f"runs/{Path(path).stem}-seed{run_seed}"
    else:
        raise TypeError(f"config must be a path or a dict, got {type(config).__name__}")
    run_dir = Path(out) if out is not None else Path(default_out)
    _rlforge.train(resolved, str(run_dir), progress, _on_main_thread(), 0, force)
    return run_dir


def resume(run_dir: str | os.PathLike[str], *, progress: bool = False) -> Path:
    """Continues the run in ``run_dir`` from ``checkpoints/latest.ckpt`` (after Ctrl-C) to its
    end, exactly as an uninterrupted run; returns the run folder. Ctrl-C as in ``train``."""
    path = Path(run_dir)
    _rlforge.train(None, str(path), progress, _on_main_thread())
    return path


def _on_main_thread() -> bool:
    # Signal handlers run on the main thread only: elsewhere Ctrl-C is left to Python.
    return threading.current_thread() is threading.main_thread()


class Policy:
    """A trained agent's deterministic policy (PPO: the distribution's mode; DQN: greedy;
    SAC: the squashed mean), with the observation normalization it was trained with."""

    def __init__(self, handle: _rlforge.Policy) -> None:
        self._handle = handle
        self.observation_space: spaces.Space[Any] = space_from_json(handle.observation_space_json)
        self.action_space: spaces.Space[Any] = space_from_json(handle.action_space_json)
        self._obs_shape: tuple[int, ...] = tuple(self.observation_space.shape or ())
        self._discrete = isinstance(self.action_space, spaces.Discrete)

    @property
    def algo(self) -> str:
        """``"ppo"``, ``"dqn"`` or ``"sac"``."""
        return self._handle.algo

    @property
    def env_id(self) -> str:
        """The id of the env it was trained on (without the ``rlforge/`` namespace)."""
        return self._handle.env_id

    @property
    def env_kwargs(self) -> dict[str, Any]:
        """The kwargs of that env."""
        return json.loads(self._handle.env_kwargs)

    @property
    def config(self) -> dict[str, Any]:
        """The run's fully resolved config."""
        return json.loads(self._handle.config_json)

    @property
    def checkpoint(self) -> Path:
        """The checkpoint file it was loaded from."""
        return Path(self._handle.checkpoint)

    @property
    def global_step(self) -> int:
        """Env steps the agent had trained for at that checkpoint."""
        return self._handle.global_step

    def act(self, obs: Any) -> Any:
        """The deterministic action for one observation (shape of the observation space):
        an ``int`` for a Discrete action space, a float32 array for a Box. For a batch
        ``[B, *obs_shape]``: an int64 array ``[B]`` or a float32 array ``[B, *act_shape]``.
        Any real dtype is accepted (converted to float32: uint8 pixels stay 0..255, a conv
        policy scales them itself); other shapes and dtypes raise
        ``rlforge.InvalidArgument`` (a ``ValueError``) naming what was expected and given."""
        a = np.asarray(obs)
        shape = self._obs_shape
        if a.dtype.kind not in "fiu":
            raise InvalidArgument(
                f"{self.env_id} policy: observations must be real numbers (float32), "
                f"got dtype {a.dtype}")
        if a.shape == shape:
            single = True
        elif a.ndim == len(shape) + 1 and a.shape[1:] == shape:
            single = False
        else:
            raise InvalidArgument(
                f"{self.env_id} policy: expected an observation of shape {shape} or a batch of "
                f"shape (B, {', '.join(map(str, shape))}), got shape {a.shape}")
        x = np.ascontiguousarray(a.reshape(-1, int(np.prod(shape, dtype=np.int64))), dtype=np.float32)
        finite = np.isfinite(x)
        if not finite.all():
            row, col = np.argwhere(~finite)[0]
            where = f"element {col}" if single else f"row {row}, element {col}"
            raise InvalidArgument(f"{self.env_id} policy: observations must be finite, got "
                                  f"{x[row, col]} at {where}")
        actions = self._handle.act(x)
        if not single:
            return actions
        return int(actions[0]) if self._discrete else actions[0]

    def evaluate(self, episodes: int = 10, seed: int = 12345) -> np.ndarray:
        """Returns of ``episodes`` episodes (one per env, env i seeded ``seed + i``) run in C++,
        as ``rlforge eval`` does; float64 array."""
        _, _, returns = self._handle.evaluate(int(episodes), int(seed))
        return np.asarray(returns, dtype=np.float64)

    def __repr__(self) -> str:
        return (f"<rlforge.Policy {self.algo} on {self.env_id}, step {self.global_step}, "
                f"{self.checkpoint}>")


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """The deterministic policy of a run folder (its ``checkpoints/best.ckpt``, else
    ``latest.ckpt``, as ``rlforge eval``) or of a ``.ckpt`` file. A missing or corrupt
    checkpoint raises ``rlforge.ConfigError`` naming the file."""
    return Policy(_rlforge.Policy(os.fspath(path)))
