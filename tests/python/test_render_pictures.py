"""Classic-control pictures against gymnasium's: one state drawn by gymnasium 1.4's render()
(pygame, render_mode="rgb_array") and by rlforge's draw() + CPU rasterizer (tests/render_frame),
compared pixel by pixel."""
import os
import subprocess
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # gymnasium's render() inits pygame's display

import gymnasium
import numpy as np
import pygame
import pytest

BUILD_DIR = Path(os.environ.get("RLFORGE_BUILD_DIR", "/work/main/build")).resolve()
RENDER_FRAME = BUILD_DIR / "tests" / "render_frame"
# Fail, never skip, when the program is missing: a vanished suite would pass CI.
if not RENDER_FRAME.exists():
    raise RuntimeError(f"{RENDER_FRAME} is not built: build the render_frame target, or set "
                       "RLFORGE_BUILD_DIR to the build folder")

# The metric. Two pictures of one state are "close" when both hold:
#   mean absolute difference per channel over the whole frame <= MAD_TOL (0..255 scale), and
#   the share of pixels differing by more than 64 in any channel <= BAD_TOL.
# The renderers differ only at edges: pygame's gfxdraw fills whole pixels and adds a 1-pixel
# anti-aliased outline, ours covers exact areas; pygame's aalines (MountainCar's hill) are a
# little lighter than our 1-pixel stroke; the Pendulum arrow is redrawn from primitives instead
# of a resampled PNG. Measured on the CASES (1 Dec 2026, gymnasium 1.4.0, pygame 2.6.1): mean
# abs diff at most 0.176 (MountainCar: its hill), pixels off at most 0.031 % (Pendulum: its
# arrow). Gymnasium's own pictures of NEAR_MISSES states (a step's worth of motion apart) are
# at least 0.226 and 0.122 % apart, and each pair exceeds BAD_TOL, so a wrong picture fails.
MAD_TOL = 0.3
BAD_TOL = 0.0006  # 0.06 % of the pixels
BAD_LEVEL = 64


def metric(a, b):
    assert a.shape == b.shape and a.dtype == np.uint8 and b.dtype == np.uint8, (a.shape, b.shape)
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(d.mean()), float((d.max(axis=2) > BAD_LEVEL).mean())


def close(a, b):
    mad, bad = metric(a, b)
    return mad <= MAD_TOL and bad <= BAD_TOL


def gym_frame(env_id, state, last_u=None):
    env = gymnasium.make(env_id, render_mode="rgb_array")
    try:
        env.reset(seed=0)
        env.unwrapped.state = np.array(state, dtype=np.float64)
        if last_u is not None:
            # step() keeps the clipped action as a numpy float32
            env.unwrapped.last_u = np.float32(last_u)
        return env.render()
    finally:
        env.close()


def read_png(path):
    return np.ascontiguousarray(pygame.surfarray.array3d(pygame.image.load(str(path))).transpose(1, 0, 2))


def our_frame(tmp_path, env_id, state, action=None):
    out = tmp_path / f"{env_id}.png"
    cmd = [str(RENDER_FRAME), env_id, str(out), "--state", ",".join(repr(float(v)) for v in state)]
    if action is not None:
        cmd += ["--action", repr(action)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return read_png(out)


PI = float(np.pi)
# (env id, state, action or None). For Pendulum the action is the last torque (gymnasium's
# last_u, the arrow); render_frame steps it once and puts the state back.
CASES = [
    ("CartPole-v1", [0.0, 0.0, 0.0, 0.0], None),
    ("CartPole-v1", [0.3, 0.5, 0.15, -0.2], None),
    ("CartPole-v1", [2.35, 0.0, 0.2, 0.0], None),      # cart half off the right edge
    ("CartPole-v1", [-2.4, 0.0, -0.2, 0.0], None),     # and the left
    ("CartPole-v1", [0.5, 0.0, 1.3, 0.0], None),       # pole far tilted (past termination)
    ("CartPole-v1", [-1.0, 0.0, -2.8, 0.0], None),     # pole hanging below the track
    ("CartPole-v0", [-0.7, 0.0, 0.05, 0.0], None),
    ("Pendulum-v1", [0.0, 0.0], None),                 # after reset: no arrow
    ("Pendulum-v1", [PI, 0.0], 2.0),                   # hanging down, full torque
    ("Pendulum-v1", [PI / 2, 0.0], -2.0),
    ("Pendulum-v1", [0.6, 1.0], -1.5),
    ("Pendulum-v1", [-2.5, -3.0], 0.7),
    ("Pendulum-v1", [4.0, 0.0], 0.0),                  # zero torque: gymnasium draws no arrow
    ("Pendulum-v1", [-0.3, 0.0], 0.05),                # a tiny arrow
    ("MountainCar-v0", [-0.5236, 0.0], None),          # the valley
    ("MountainCar-v0", [-1.2, 0.0], None),             # the left wall
    ("MountainCar-v0", [0.45, 0.03], None),            # near the flag
    ("MountainCar-v0", [0.6, 0.0], None),              # past it, at the right edge
    ("MountainCar-v0", [-0.9, -0.02], None),
    ("MountainCarContinuous-v0", [-0.5236, 0.0], None),
    ("MountainCarContinuous-v0", [0.4, 0.01], None),   # its flag is at 0.45
    ("MountainCarContinuous-v0", [-1.1, 0.0], None),
    ("Acrobot-v1", [0.0, 0.0, 0.0, 0.0], None),        # hanging straight down
    ("Acrobot-v1", [PI / 2, 0.0, 0.0, 0.0], None),
    ("Acrobot-v1", [PI, 0.0, 0.0, 0.0], None),         # straight up, through the line
    ("Acrobot-v1", [-1.0, 2.0, 0.0, 0.0], None),
    ("Acrobot-v1", [2.5, -2.8, 1.0, -1.0], None),
    ("Acrobot-v1", [0.3, 1.2, 0.0, 0.0], None),
]


@pytest.mark.parametrize("env_id,state,action", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_picture_matches_gymnasium(tmp_path, env_id, state, action):
    ours = our_frame(tmp_path, env_id, state, action)
    theirs = gym_frame(env_id, state, action)
    assert ours.shape == theirs.shape
    mad, bad = metric(ours, theirs)
    print(f"{env_id} {state} {action}: mean abs diff {mad:.3f}, pixels off by > {BAD_LEVEL}: {bad:.4%}")
    assert mad <= MAD_TOL and bad <= BAD_TOL, (
        f"{env_id} state {state} action {action}: mean abs diff {mad:.3f} (tolerance {MAD_TOL}), "
        f"pixels off by > {BAD_LEVEL}: {bad:.4%} (tolerance {BAD_TOL:.4%})")


# Pairs of states a little apart: gymnasium's own two pictures must NOT be close by the metric,
# so the tolerance above could catch a picture that is off by this much.
NEAR_MISSES = [
    ("CartPole-v1", [0.0, 0.0, 0.0, 0.0], None, [0.0, 0.0, 0.1, 0.0], None),   # pole 0.1 rad
    ("CartPole-v1", [0.0, 0.0, 0.0, 0.0], None, [0.2, 0.0, 0.0, 0.0], None),   # cart 0.2 m
    ("Pendulum-v1", [0.6, 0.0], None, [0.7, 0.0], None),                        # rod 0.1 rad
    ("Pendulum-v1", [0.6, 0.0], -1.5, [0.6, 0.0], 1.5),                         # arrow reversed
    ("Pendulum-v1", [0.6, 0.0], None, [0.6, 0.0], 1.0),                         # arrow or none
    ("MountainCar-v0", [-0.5, 0.0], None, [-0.45, 0.0], None),                  # car 0.05
    ("MountainCarContinuous-v0", [-0.5, 0.0], None, [-0.45, 0.0], None),
    ("Acrobot-v1", [0.5, 0.5, 0.0, 0.0], None, [0.5, 0.6, 0.0, 0.0], None),     # link 2 0.1 rad
    ("Acrobot-v1", [0.5, 0.5, 0.0, 0.0], None, [0.6, 0.5, 0.0, 0.0], None),     # link 1 0.1 rad
]


@pytest.mark.parametrize("env_id,s1,u1,s2,u2", NEAR_MISSES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NEAR_MISSES)])
def test_metric_tells_near_states_apart(env_id, s1, u1, s2, u2):
    a, b = gym_frame(env_id, s1, u1), gym_frame(env_id, s2, u2)
    mad, bad = metric(a, b)
    print(f"{env_id} {s1} {u1} vs {s2} {u2}: mean abs diff {mad:.3f}, pixels off: {bad:.4%}")
    assert not close(a, b), (f"{env_id}: gymnasium's pictures of {s1} and {s2} are within the "
                             f"tolerance (mad {mad:.3f}, off {bad:.4%}): the test could not fail")


def test_render_frame_names_a_bad_argument(tmp_path):
    out = tmp_path / "x.png"
    for args, needle in [(["CartPole-v1", str(out), "--state", "0,zero,0,0"], "'zero'"),
                         (["CartPole-v1", str(out), "--action", "1.5"], "'1.5'"),
                         (["CartPole-v1", str(out), "--colour", "red"], "'--colour'"),
                         (["CartPole-v1"], "got 1 positional"),
                         (["NoSuchEnv-v0", str(out)], "NoSuchEnv-v0"),
                         (["CartPole-v1", str(out), "--state", "0,0"], "CartPole-v1")]:
        p = subprocess.run([str(RENDER_FRAME), *args], capture_output=True, text=True, timeout=60)
        assert p.returncode in (1, 2), (args, p.returncode, p.stderr)
        assert needle in p.stderr, (args, p.stderr)
        assert "terminate called" not in p.stderr
