"""rlforge.Env: one C++ env as a gymnasium.Env (fresh numpy observations, gymnasium semantics)."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, SupportsFloat

import gymnasium
import numpy as np

from rlforge import _rlforge
from rlforge._spaces import space_from_json
from rlforge.errors import UnsupportedMode

if TYPE_CHECKING:
    from rlforge._rlforge import CppSpec


def kwargs_json(kwargs: dict[str, Any]) -> str:
    """Env kwargs as the JSON object the C++ registry takes (numpy scalars become numbers)."""
    def plain(v: Any) -> Any:
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
        raise TypeError(f"kwarg value {v!r} ({type(v).__name__}) is not JSON-serializable")

    return json.dumps(kwargs, default=plain, allow_nan=True)


RENDER_MODES = ("rgb_array", "human")


@functools.cache
def display_problem() -> str:
    """Why a window cannot open here ("" when it can). Asked once per process: the check connects
    to the X server (and retries a failing one), which no env construction should pay again."""
    return _rlforge.display_problem()


def render_modes(renders: bool) -> list[str]:
    """The render modes of an env that draws (``Env::renders()`` in C++), none otherwise:
    "rgb_array" always, "human" where a window can open now (a display is there), so tools that
    try every listed mode (gymnasium's check_env) work on headless machines."""
    if not renders:
        return []
    return ["rgb_array", "human"] if not display_problem() else ["rgb_array"]


def check_render_mode(env_id: str, render_mode: str | None, renders: bool) -> None:
    """Refuses, at construction, a mode rlforge cannot give for this env: an unknown mode, or
    any mode for an env that does not draw itself (a custom env without ``draw(Frame&)``)."""
    if render_mode is None:
        return
    if not renders:
        raise UnsupportedMode(
            f"{env_id}: render_mode={render_mode!r} is not available: this env does not render "
            f"(its C++ class defines no draw(Frame&)); use render_mode=None")
    if render_mode not in RENDER_MODES:
        raise UnsupportedMode(
            f"{env_id}: render_mode={render_mode!r} is not one of {list(RENDER_MODES)}")
    if render_mode == "human":
        problem = display_problem()
        if problem:
            raise UnsupportedMode(
                f"{env_id}: render_mode='human' cannot open a window: {problem}; use "
                f"render_mode='rgb_array' to get frames without a display")


def metadata_for(spec: CppSpec, renders: bool) -> dict[str, Any]:
    return {"render_modes": render_modes(renders), "render_fps": spec["render_fps"] or None}


class Env(gymnasium.Env[np.ndarray, Any]):
    """A registered rlforge env. Prefer ``rlforge.make(id)`` or ``gymnasium.make("rlforge/<id>")``.

    ``step`` returns a new observation array each call (safe to keep). The TimeLimit is applied
    in C++ (``time_limit=True``), or left to gymnasium's ``TimeLimit`` wrapper when made
    through ``gymnasium.make``. Invalid actions raise ``rlforge.InvalidAction`` (a
    ``ValueError``) or ``TypeError``, naming the value and the space.
    """

    def __init__(self, env_id: str, render_mode: str | None = None, *, time_limit: bool = True,
                 **kwargs: Any) -> None:
        if not time_limit:
            kwargs = {**kwargs, "max_episode_steps": 0}
        self._env = _rlforge.Env(env_id, kwargs_json(kwargs))
        check_render_mode(env_id, render_mode, self._env.renders)
        self.observation_space = space_from_json(self._env.observation_space_json)
        self.action_space = space_from_json(self._env.action_space_json)
        self.metadata = metadata_for(self._env.spec, self._env.renders)
        self.render_mode = render_mode
        self._episode, self._return = 0, 0.0  # for the human window's overlay
        self._window_closed = False

    @property
    def cpp_spec(self) -> CppSpec:
        """The C++ EnvSpec this env was made with (resolved kwargs, TimeLimit)."""
        return self._env.spec

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Starts an episode; ``seed`` reseeds the env's own RNG, ``options`` go to the C++ env as JSON."""
        result = self._env.reset(seed, None if options is None else json.dumps(options))
        # env.np_random, for code that samples with it; C++ has checked the seed (numpy
        # integers are accepted, as everywhere in rlforge).
        super().reset(seed=None if seed is None else int(seed))
        if self.render_mode == "human":
            self._episode, self._return = self._episode + 1, 0.0
            self.render()
        return result

    def step(self, action: Any) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        if self.render_mode != "human":
            return self._env.step(action)
        result = self._env.step(action)  # as gymnasium's envs: human mode shows every step
        self._return += float(result[1])
        self.render()
        return result

    def render(self) -> np.ndarray | None:
        """The current state as a new (H, W, 3) uint8 array (``render_mode="rgb_array"``),
        drawn by rlforge's CPU rasterizer at the env's canvas size (CartPole 600x400)."""
        if self.render_mode is None:
            gymnasium.logger.warn(
                f"{self._env.id}: render() called without a render_mode; make the env with "
                f"render_mode='rgb_array' to get frames")
            return None
        if self.render_mode == "human":
            # The window (paced to metadata["render_fps"]; Space pauses, here inside render()).
            if not self._env.render_human(self._episode, self._return) and not self._window_closed:
                self._window_closed = True  # Esc or the close button: said once, stepping goes on
                gymnasium.logger.warn(f"{self._env.id}: the render window was closed; render() shows nothing more")
            return None
        return self._env.render_rgb()

    def close(self) -> None:
        """Closes the human window, if one is open."""
        self._env.close_window()
        super().close()

    def get_state(self) -> list[float]:
        """The env's dynamic state in float64 (e.g. CartPole's x, x_dot, theta, theta_dot)."""
        return self._env.get_state()

    def set_state(self, state: list[float] | np.ndarray) -> None:
        self._env.set_state([float(x) for x in np.asarray(state, dtype=np.float64).ravel()])
