"""Gymnasium parity for the classic-control envs: gymnasium's own trajectories replayed through rlforge's parity_replay."""
# For each id, gymnasium itself (seeded) is stepped with seeded random actions, resetting on
# termination or truncation; every reset's state (env.unwrapped.state) and every action go
# into a text trace that tests/parity_replay.cpp replays through rlforge. Observations must
# agree to 1e-5, flags exactly, rewards to 1e-9 relative. A second test compares rlforge's
# reset distributions (via `resets` mode) with gymnasium's.
import math
import os
import subprocess
from pathlib import Path

import gymnasium
import numpy as np
import pytest

BUILD_DIR = Path(os.environ.get("RLFORGE_BUILD_DIR", "/work/main/build"))
REPLAY = BUILD_DIR / "tests" / "parity_replay"

IDS = [
    "CartPole-v1",
    "CartPole-v0",
    "Pendulum-v1",
    "MountainCar-v0",
    "MountainCarContinuous-v0",
    "Acrobot-v1",
]
STEPS = 3000
OBS_ATOL = 1e-5
REWARD_RTOL = 1e-9
# rlforge reproduces gymnasium's arithmetic (float32/float64 mixing included); only sin/cos
# may differ by an ulp, so nearly every float32 observation should match bit for bit. This
# catches precision slips that stay below OBS_ATOL.
MIN_EXACT_OBS_FRACTION = 0.99


def replay(trace: str) -> list[str]:
    if not REPLAY.exists():
        pytest.fail(f"{REPLAY} not found: build the parity_replay target and set RLFORGE_BUILD_DIR")
    proc = subprocess.run([str(REPLAY)], input=trace, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"parity_replay failed: {proc.stderr}"
    return proc.stdout.splitlines()


def state_line(env) -> str:
    # float() first: Acrobot's reset state is float32, whose repr would not round-trip as float64.
    return "reset " + " ".join(repr(float(v)) for v in np.asarray(env.unwrapped.state).ravel())


def action_text(action) -> str:
    if np.ndim(action) == 0:
        return str(int(action))
    return " ".join(repr(float(v)) for v in np.asarray(action).ravel())


def gym_trace(env_id: str, seed: int, steps: int):
    env = gymnasium.make(env_id)
    env.action_space.seed(seed + 1)
    env.reset(seed=seed)
    lines = [f"env {env_id}", state_line(env)]
    expected = []
    episodes = 1
    for _ in range(steps):
        action = env.action_space.sample()
        obs, reward, terminated, truncated, _ = env.step(action)
        lines.append("step " + action_text(action))
        expected.append((np.asarray(obs, dtype=np.float64), float(reward), bool(terminated), bool(truncated)))
        if terminated or truncated:
            env.reset()
            lines.append(state_line(env))
            episodes += 1
    return "\n".join(lines) + "\n", expected, episodes


@pytest.mark.parametrize("env_id", IDS)
def test_trajectories_match_gymnasium(env_id):
    trace, expected, episodes = gym_trace(env_id, seed=123, steps=STEPS)
    out = replay(trace)
    assert len(out) == len(expected), f"{env_id}: {len(out)} output lines for {len(expected)} steps"
    assert episodes >= 2, f"{env_id}: the trace should span several episodes"
    exact_rows = 0
    for t, (line, (obs, reward, terminated, truncated)) in enumerate(zip(out, expected)):
        fields = line.split()
        ours_obs = np.array([float(v) for v in fields[: obs.size]])
        ours_reward = float(fields[obs.size])
        ours_term, ours_trunc = fields[obs.size + 1] == "1", fields[obs.size + 2] == "1"
        exact_rows += bool(np.all(ours_obs.astype(np.float32) == obs.astype(np.float32)))
        diff = np.abs(ours_obs - obs)
        if not np.all(diff <= OBS_ATOL):
            j = int(np.argmax(diff))
            pytest.fail(
                f"{env_id}: step {t}: obs[{j}] rlforge {ours_obs[j]!r} vs gymnasium {obs[j]!r} "
                f"(|diff| {diff[j]:.3g} > {OBS_ATOL}); rlforge obs {ours_obs}, gymnasium obs {obs}"
            )
        assert ours_term == terminated, f"{env_id}: step {t}: terminated rlforge {ours_term} vs gymnasium {terminated}"
        assert ours_trunc == truncated, f"{env_id}: step {t}: truncated rlforge {ours_trunc} vs gymnasium {truncated}"
        assert math.isclose(ours_reward, reward, rel_tol=REWARD_RTOL, abs_tol=1e-300), (
            f"{env_id}: step {t}: reward rlforge {ours_reward!r} vs gymnasium {reward!r}"
        )
    fraction = exact_rows / len(expected)
    assert fraction >= MIN_EXACT_OBS_FRACTION, (
        f"{env_id}: only {fraction:.4f} of the observations are bit-identical float32 values "
        f"(expected >= {MIN_EXACT_OBS_FRACTION}): a float32/float64 precision difference?"
    )


# (env id, reset options as gymnasium takes them)
RESET_CASES = [
    ("CartPole-v1", None),
    ("CartPole-v1", {"low": -0.3, "high": 0.2}),
    ("Pendulum-v1", None),
    ("Pendulum-v1", {"x_init": 0.5, "y_init": 2.0}),
    ("MountainCar-v0", None),
    ("MountainCar-v0", {"low": -1.0, "high": 0.1}),
    ("MountainCarContinuous-v0", None),
    ("MountainCarContinuous-v0", {"high": -0.5}),
    ("Acrobot-v1", None),
    ("Acrobot-v1", {"low": -0.5, "high": 0.5}),
]
RESETS = 20000


@pytest.mark.parametrize("env_id,options", RESET_CASES)
def test_reset_distribution_matches_gymnasium(env_id, options):
    import json

    env = gymnasium.make(env_id)
    env.reset(seed=5, options=options)
    gym_states = np.array(
        [np.asarray(env.unwrapped.state, dtype=np.float64) for _ in range(RESETS) if env.reset(options=options)]
    )
    line = f"resets {env_id} {RESETS} 11" + (" " + json.dumps(options) if options else "")
    ours = np.array([[float(v) for v in row.split()] for row in replay(line + "\n")])
    assert ours.shape == gym_states.shape, f"{env_id}: state shape {ours.shape} vs gymnasium {gym_states.shape}"
    for j in range(ours.shape[1]):
        g, o = gym_states[:, j], ours[:, j]
        width = g.max() - g.min()
        if width == 0:  # a fixed value, e.g. MountainCar's initial velocity
            assert np.all(o == g[0]), f"{env_id} {options}: state[{j}] should always be {g[0]}, got {np.unique(o)[:5]}"
            continue
        slack = width * 1e-3  # 20000 draws come within ~width/20000 of the true bounds
        assert o.min() >= g.min() - slack and o.max() <= g.max() + slack, (
            f"{env_id} {options}: state[{j}] range [{o.min()}, {o.max()}] vs gymnasium's [{g.min()}, {g.max()}]"
        )
        assert o.min() <= g.min() + 10 * slack and o.max() >= g.max() - 10 * slack, (
            f"{env_id} {options}: state[{j}] range [{o.min()}, {o.max()}] does not fill gymnasium's [{g.min()}, {g.max()}]"
        )
        sigma = math.sqrt(g.var() / len(g) + o.var() / len(o))
        assert abs(o.mean() - g.mean()) < 5 * sigma, (
            f"{env_id} {options}: state[{j}] mean {o.mean()} vs gymnasium {g.mean()} (5 sigma = {5 * sigma:.3g})"
        )
