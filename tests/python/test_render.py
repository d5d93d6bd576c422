"""render_mode from Python: rgb_array frames from the C++ rasterizer, refusals for envs that do
not draw, vector envs (one env, all envs, a grid), and gymnasium's own RecordVideo wrapper."""

from __future__ import annotations

import warnings
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlforge

RENDERING_ENVS = ["CartPole-v1", "Pendulum-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Acrobot-v1"]
CANVAS = {"CartPole-v1": (400, 600), "Pendulum-v1": (500, 500), "MountainCar-v0": (400, 600),
          "MountainCarContinuous-v0": (400, 600), "Acrobot-v1": (500, 500)}


def corridor_id() -> str:
    from rlforge.examples import corridor_env  # a user's C++ env: it defines no draw()
    return corridor_env.env_ids[0]


def test_an_env_that_does_not_draw_is_refused_by_name():
    env_id = corridor_id()
    for make in (lambda: rlforge.make(env_id, render_mode="rgb_array"),
                 lambda: gymnasium.make(f"rlforge/{env_id}", render_mode="rgb_array"),
                 lambda: rlforge.make_vec(env_id, 2, render_mode="rgb_array")):
        with pytest.raises(rlforge.UnsupportedMode, match=f"{env_id}.*does not render"):
            make()
    env = rlforge.make(env_id)
    assert env.render_mode is None and env.metadata["render_modes"] == []


def test_unknown_render_mode_is_refused():
    with pytest.raises(rlforge.UnsupportedMode, match="'ansi' is not one of"):
        rlforge.make("CartPole-v1", render_mode="ansi")


def test_render_without_a_mode_warns_and_returns_none():
    env = rlforge.make("CartPole-v1")
    env.reset(seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert env.render() is None
    assert any("without a render_mode" in str(w.message) for w in caught)


@pytest.mark.parametrize("env_id", RENDERING_ENVS)
def test_rgb_array_frames(env_id):
    env = rlforge.make(env_id, render_mode="rgb_array")
    assert "rgb_array" in env.metadata["render_modes"]
    env.reset(seed=3)
    env.action_space.seed(3)  # a fixed action sequence: the test cannot depend on luck
    a = env.render()
    assert a.dtype == np.uint8 and a.shape == (*CANVAS[env_id], 3) and a.flags["C_CONTIGUOUS"]
    b = env.render()
    assert np.array_equal(a, b) and a is not b
    assert not np.shares_memory(a, b)  # callers keep frames: each call is a new array
    for _ in range(5):
        env.step(env.action_space.sample())
    assert not np.array_equal(env.render(), a)  # the picture follows the state


def test_gymnasium_make_and_check_env_with_rendering():
    env = gymnasium.make("rlforge/CartPole-v1", render_mode="rgb_array")
    env.reset(seed=1)
    assert env.render().shape == (400, 600, 3)
    check_env(env.unwrapped)  # gymnasium's checker, render check included


def test_vector_env_renders_each_env_and_a_grid():
    vec = rlforge.make_vec("CartPole-v1", 5, render_mode="rgb_array")
    assert vec.is_batched  # a natively batched lane is drawn from its state
    obs, _ = vec.reset(seed=7)
    for _ in range(3):
        obs, *_ = vec.step(vec.action_space.sample())
    frames = vec.render()
    assert isinstance(frames, tuple) and len(frames) == 5
    single = rlforge.make("CartPole-v1", render_mode="rgb_array")
    single.reset(seed=0)
    for i in (0, 4):
        # CartPole's observation is its state (in float32: a sub-pixel difference at most).
        single.unwrapped.set_state(obs[i].astype(np.float64))
        diff = np.abs(vec.render_env(i).astype(int) - single.render().astype(int))
        assert diff.max() <= 2, f"env {i}"
    assert not np.array_equal(frames[0], frames[4])
    grid = vec.render_grid(cols=3, scale=0.5)
    assert grid.shape == (2 * 200, 3 * 300, 3)
    cell = vec.render_grid(cols=3, count=1, scale=0.5)
    assert np.array_equal(grid[:200, :300], cell)
    with pytest.raises(IndexError, match="not in \\[0, 5\\)"):
        vec.render_env(5)


def test_record_video_wrapper_end_to_end(tmp_path: Path):
    env = gymnasium.make("rlforge/CartPole-v1", render_mode="rgb_array")
    env = gymnasium.wrappers.RecordVideo(env, str(tmp_path), episode_trigger=lambda e: e == 0,
                                         disable_logger=True)
    env.action_space.seed(0)
    env.reset(seed=2)
    reset_picture = env.unwrapped.render()
    steps = 0
    while True:
        _, _, term, trunc, _ = env.step(env.action_space.sample())
        steps += 1
        if term or trunc:
            break
    env.close()
    videos = sorted(tmp_path.glob("*.mp4"))
    assert len(videos) == 1
    import imageio.v3 as iio
    frames = list(iio.imiter(videos[0]))
    # The wrapper collects the reset frame and one per step (steps + 1) and moviepy writes them
    # at 50 fps; its duration rounding can drop the last one of a short clip on decoding.
    assert steps <= len(frames) <= steps + 1, (len(frames), steps)
    assert frames[0].shape == (400, 600, 3)
    # Our picture, through H.264: the first frame is the reset state as rlforge draws it.
    assert np.abs(frames[0].astype(int) - reset_picture.astype(int)).mean() < 2.0


def test_human_mode_without_a_display_is_refused_at_make(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    import rlforge.env
    rlforge.env.display_problem.cache_clear()  # asked once per process: ask again without DISPLAY
    for make in (lambda: rlforge.make("CartPole-v1", render_mode="human"),
                 lambda: gymnasium.make("rlforge/CartPole-v1", render_mode="human"),
                 lambda: rlforge.make_vec("CartPole-v1", 2, render_mode="human")):
        with pytest.raises(rlforge.UnsupportedMode, match="DISPLAY is not set.*rgb_array"):
            make()
    rlforge.env.display_problem.cache_clear()


HUMAN_SCRIPT = r"""
import time, gymnasium, rlforge
env = gymnasium.make("rlforge/CartPole-v1", render_mode="human")
assert env.metadata["render_fps"] == 50
env.reset(seed=0)
t0 = time.perf_counter()
for _ in range(25):
    _, _, term, trunc, _ = env.step(env.action_space.sample())
    if term or trunc:
        env.reset()
elapsed = time.perf_counter() - t0
env.close()
vec = rlforge.make_vec("CartPole-v1", 4, render_mode="human")
vec.reset(seed=0)
for _ in range(3):
    vec.step(vec.action_space.sample())
vec.close()
print(f"elapsed {elapsed:.3f}")
"""


def test_human_mode_opens_a_paced_window_under_xvfb(tmp_path: Path):
    import subprocess
    import sys
    script = tmp_path / "human.py"
    script.write_text(HUMAN_SCRIPT)
    with_xvfb = Path(__file__).resolve().parents[1] / "with_xvfb.sh"  # not xvfb-run: see that file
    p = subprocess.run(["sh", str(with_xvfb), sys.executable, str(script)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    # 25 frames shown at the env's 50 fps take at least ~0.48 s: the window paces them.
    elapsed = float(p.stdout.split("elapsed")[1])
    assert elapsed >= 0.45, p.stdout


def test_gymnasium_human_rendering_wrapper_runs_on_our_frames(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")  # pygame's window without a display
    env = gymnasium.wrappers.HumanRendering(gymnasium.make("rlforge/CartPole-v1", render_mode="rgb_array"))
    env.reset(seed=0)
    for _ in range(3):
        env.step(env.action_space.sample())
    env.close()


def test_a_picture_that_cannot_be_drawn_names_the_env():
    env = rlforge.make("CartPole-v1", render_mode="rgb_array")
    env.reset(seed=0)
    env.unwrapped.set_state([1e300, 0.0, 0.0, 0.0])  # a diverged state: the cart at infinity
    with pytest.raises(rlforge.InvalidArgument, match="CartPole-v1: draw: Frame: .*infinite"):
        env.render()


def test_vector_grid_beyond_the_size_limit_is_refused():
    vec = rlforge.make_vec("CartPole-v1", 64, render_mode="rgb_array")
    vec.reset(seed=0)
    with pytest.raises(rlforge.InvalidArgument, match="at most 16384 pixels a side"):
        vec.render_grid(cols=64, scale=1.0)  # 64 x 600 pixels wide
