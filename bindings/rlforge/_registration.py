"""Registers every rlforge env with gymnasium as "rlforge/<id>" (single and vector entry points)."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, Callable

import gymnasium

from rlforge import _rlforge
from rlforge.env import Env
from rlforge.vector import VectorEnv

if TYPE_CHECKING:
    from rlforge._rlforge import CppSpec

NAMESPACE = "rlforge"
_module = sys.modules[__name__]
# gymnasium ids have one namespace, so a C++ id with its own ("MinAtar/Breakout-v1") is
# registered as "rlforge/MinAtar-Breakout-v1"; this maps those back to the C++ ids.
_cpp_ids: dict[str, str] = {}


def gym_id(env_id: str) -> str:
    """The gymnasium id of a C++ env id: "rlforge/<id>", its own namespace joined with a dash."""
    return f"{NAMESPACE}/{env_id.replace('/', '-')}"


def cpp_id(env_id: str) -> str:
    """The C++ id of "rlforge/<...>" (or of a C++ id, unchanged)."""
    prefix = NAMESPACE + "/"
    if not env_id.startswith(prefix):
        return env_id
    return _cpp_ids.get(env_id, env_id[len(prefix):])


def _attr_name(env_id: str, kind: str) -> str:
    return f"{kind}_{re.sub(r'[^0-9A-Za-z_]', '_', env_id)}"


def _single_creator(env_id: str) -> Callable[..., Env]:
    def create(render_mode: str | None = None, **kwargs: Any) -> Env:
        # gymnasium.make adds its own TimeLimit wrapper from the spec, so C++ does not apply one.
        return Env(env_id, render_mode, time_limit=False, **kwargs)
    create.__qualname__ = create.__name__ = _attr_name(env_id, "make")
    return create


def _vector_creator(env_id: str) -> Callable[..., VectorEnv]:
    def create(num_envs: int = 1, **kwargs: Any) -> VectorEnv:
        # gymnasium.make_vec passes the spec's max_episode_steps, which C++ applies.
        return VectorEnv(env_id, num_envs, **kwargs)
    create.__qualname__ = create.__name__ = _attr_name(env_id, "make_vec")
    return create


def register_spec(spec: CppSpec) -> None:
    """Registers one C++ spec with gymnasium; the entry points are attributes of this module."""
    env_id = spec["id"]
    single, vector = _attr_name(env_id, "make"), _attr_name(env_id, "make_vec")
    if hasattr(_module, single):
        raise ValueError(f"rlforge env id {env_id!r} clashes with an already registered id "
                         f"(both map to {__name__}:{single})")
    setattr(_module, single, _single_creator(env_id))
    setattr(_module, vector, _vector_creator(env_id))
    _cpp_ids[gym_id(env_id)] = env_id
    gymnasium.register(
        id=gym_id(env_id),
        entry_point=f"{__name__}:{single}",
        vector_entry_point=f"{__name__}:{vector}",
        max_episode_steps=spec["max_episode_steps"],
        reward_threshold=spec["reward_threshold"],
        disable_env_checker=False,
    )


def register_all() -> None:
    for spec in _rlforge.env_specs():
        if gym_id(spec["id"]) not in gymnasium.registry:
            register_spec(spec)


def register_env_module(module_name: str, capsule: object) -> list[str]:
    """Called by a C++ env module's import (RLFORGE_PYTHON_ENV_MODULE): adds its envs to the
    C++ registry and to gymnasium; returns their ids."""
    ids = _rlforge.register_env_module(module_name, capsule)
    specs = {s["id"]: s for s in _rlforge.env_specs()}
    for env_id in ids:
        register_spec(specs[env_id])
    return ids
