# _rlforge.pyi: type stubs of the C++ extension rlforge._rlforge (bindings/src/module.cpp).
"""rlforge's C++ core: env and vector-env handles, the env registry, agents, error mapping."""

from collections.abc import Sequence
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

class CppSpec(TypedDict):
    id: str
    max_episode_steps: int | None
    reward_threshold: float | None
    render_fps: int
    kwargs: str          # JSON object: every accepted kwarg with its (resolved) value
    entry_point: str     # C++ class name

def _set_error_types(types: dict[str, type[Exception]]) -> None: ...
def env_specs() -> list[CppSpec]:
    """Specs of every registered env, sorted by id."""

def register_env_module(module_name: str, capsule: object) -> list[str]: ...
def time_cpp_steps(id: str, actions: npt.ArrayLike, steps: int, seed: int = 0) -> float:
    """Seconds per C++ step of one env with these actions (cycled); for benchmarks."""

class Env:
    """One C++ env; rlforge.Env wraps it as a gymnasium.Env."""

    def __init__(self, id: str, kwargs_json: str = "{}") -> None: ...
    @property
    def id(self) -> str: ...
    @property
    def observation_space_json(self) -> str: ...
    @property
    def action_space_json(self) -> str: ...
    @property
    def spec(self) -> CppSpec: ...
    @property
    def elapsed_steps(self) -> int: ...
    @property
    def needs_reset(self) -> bool: ...
    def reset(self, seed: int | None, options_json: str | None) -> tuple[np.ndarray, dict[str, Any]]: ...
    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]: ...
    def get_state(self) -> list[float]: ...
    def set_state(self, state: Sequence[float]) -> None: ...

class VectorEnv:
    """N C++ envs stepped with TBB; rlforge.VectorEnv wraps it."""

    def __init__(self, id: str, num_envs: int, kwargs_json: str = "{}", num_threads: int = 0,
                 same_step: bool = False) -> None: ...
    @property
    def num_envs(self) -> int: ...
    @property
    def num_threads(self) -> int: ...
    @property
    def is_batched(self) -> bool: ...
    @property
    def same_step(self) -> bool: ...
    @property
    def observation_space_json(self) -> str: ...
    @property
    def action_space_json(self) -> str: ...
    @property
    def spec(self) -> CppSpec: ...
    def views(self) -> tuple[np.ndarray, npt.NDArray[np.float64], npt.NDArray[np.bool_],
                             npt.NDArray[np.bool_], npt.NDArray[np.bool_] | None,
                             np.ndarray | None]:
        """(obs, rewards, terminated, truncated, final_mask, final_obs) views of the C++
        buffers; the last two are None in NextStep mode."""
    def reset(self, seed: int | None, options_json: str | None) -> None: ...
    def step(self, actions: npt.ArrayLike) -> None: ...
    def infos(self, final: bool = False) -> dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]]: ...
    @property
    def observations_address(self) -> int: ...

class TrainResult(TypedDict):
    steps: int
    updates: int
    seconds: float
    reached_target: bool
    steps_to_target: int
    seconds_to_target: float
    stopped: bool
    eval_mean: float | None
    eval_std: float | None

def resolve_config(path: str | None, json: str | None, source: str,
                   overrides: Sequence[str]) -> tuple[str, str, str, int]:
    """(resolved JSON, algo, env id, seed) of a config file or JSON text with key.path=<JSON> overrides."""
def train(config_json: str | None, out_dir: str, progress: bool, handle_sigint: bool,
          stop_after_updates: int = 0, force: bool = False) -> TrainResult:
    """Trains (config_json) or resumes (None) the run in out_dir without the GIL; returns the result."""

class Policy:
    """A trained agent's deterministic policy; rlforge.Policy wraps it."""

    def __init__(self, path: str) -> None: ...
    @property
    def algo(self) -> str: ...
    @property
    def env_id(self) -> str: ...
    @property
    def env_kwargs(self) -> str: ...
    @property
    def config_json(self) -> str: ...
    @property
    def checkpoint(self) -> str: ...
    @property
    def global_step(self) -> int: ...
    @property
    def observation_space_json(self) -> str: ...
    @property
    def action_space_json(self) -> str: ...
    def act(self, obs: npt.NDArray[np.float32]) -> npt.NDArray[np.int64] | npt.NDArray[np.float32]:
        """obs: C-contiguous float32 [B, obs numel] -> int64 [B] (Discrete) or float32 [B, *act shape]."""
    def evaluate(self, episodes: int, seed: int) -> tuple[float, float, list[float]]: ...
