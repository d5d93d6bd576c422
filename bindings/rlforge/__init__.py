"""rlforge: C++ reinforcement-learning environments as gymnasium Env and VectorEnv objects.

``rlforge.make(id)`` / ``rlforge.make_vec(id, num_envs)``, or through gymnasium:
``gymnasium.make("rlforge/CartPole-v1")``, ``gymnasium.make_vec("rlforge/CartPole-v1", 64)``.
Agents: ``rlforge.train(config, **overrides)`` returns the run folder,
``rlforge.load_policy(run_dir).act(obs)`` the trained policy's actions.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import gymnasium
from gymnasium.vector import AutoresetMode

from rlforge import _rlforge
from rlforge.errors import (CPP_ERROR_TYPES, ConfigError, Error, InvalidAction,
                            InvalidArgument, NameNotFound, ResetNeeded, UnsupportedMode)

_rlforge._set_error_types(CPP_ERROR_TYPES)

from rlforge.env import Env  # noqa: E402  (after the error types are installed)
from rlforge.vector import VectorEnv  # noqa: E402
from rlforge import _registration  # noqa: E402
from rlforge.agents import Policy, load_policy, resume, train  # noqa: E402

__all__ = ["make", "make_vec", "list_envs", "register_env_module", "cmake_dir", "include_dir", "Env", "VectorEnv",
           "train", "resume", "load_policy", "Policy",
           "AutoresetMode", "Error", "InvalidArgument", "InvalidAction", "ConfigError",
           "NameNotFound", "ResetNeeded", "UnsupportedMode"]
__version__ = "0.1.0"
_PACKAGE_DIR = Path(__file__).resolve().parent


def make(id: str, render_mode: str | None = None, **kwargs: Any) -> Env:
    """A new env by id (``"CartPole-v1"`` or ``"rlforge/CartPole-v1"``) with its kwargs.

    Returns the unwrapped ``rlforge.Env`` (a ``gymnasium.Env``) with the TimeLimit applied in
    C++; ``max_episode_steps=N`` overrides it (0 or None removes it). Unknown ids raise
    ``rlforge.NameNotFound`` with close matches, unknown kwargs ``rlforge.InvalidArgument``.
    """
    env_id = _strip_namespace(id)
    env = Env(env_id, render_mode, **kwargs)
    env.spec = _gym_spec(env_id, kwargs)
    return env


def make_vec(id: str, num_envs: int, num_threads: int | None = None,
             autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
             **kwargs: Any) -> VectorEnv:
    """``num_envs`` copies of an env stepped by the C++ TBB VectorEnv on ``num_threads``
    threads (None: one per core). Env i is seeded with ``seed + i``. See ``rlforge.VectorEnv``
    for how long returned arrays stay valid."""
    env_id = _strip_namespace(id)
    env = VectorEnv(env_id, num_envs, num_threads, autoreset_mode, **kwargs)
    env.spec = _gym_spec(env_id, kwargs)
    return env


def cmake_dir() -> str:
    """The folder of the CMake package that builds a C++ env module against this rlforge:
    ``cmake -Drlforge_DIR="$(python -c 'import rlforge; print(rlforge.cmake_dir())')"``, then
    ``find_package(rlforge CONFIG REQUIRED)`` and ``rlforge_add_env_module(name src.cpp)``."""
    return str(_PACKAGE_DIR / "cmake")


def include_dir() -> str:
    """The folder holding rlforge's C++ headers (``core/env.hpp``, ``rlforge_python/env_module.hpp``)."""
    return str(_PACKAGE_DIR / "include")


def list_envs() -> list[str]:
    """Every registered env id (without the ``rlforge/`` namespace), sorted."""
    return [s["id"] for s in _rlforge.env_specs()]


def register_env_module(module_name: str, capsule: object) -> list[str]:
    """Used by C++ env modules on import (``RLFORGE_PYTHON_ENV_MODULE``); not called by users."""
    return _registration.register_env_module(module_name, capsule)


def _strip_namespace(env_id: str) -> str:
    return _registration.cpp_id(env_id)


def _gym_spec(env_id: str, kwargs: dict[str, Any]) -> gymnasium.envs.registration.EnvSpec:
    """gymnasium's spec of "rlforge/<id>" with these kwargs (as gymnasium.make records them)."""
    kw = dict(kwargs)
    changes: dict[str, Any] = {"kwargs": kw}
    if "max_episode_steps" in kw:
        changes["max_episode_steps"] = kw.pop("max_episode_steps") or None
    return dataclasses.replace(gymnasium.spec(_registration.gym_id(env_id)), **changes)


_registration.register_all()
