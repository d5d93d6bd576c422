"""MinAtar games against the minatar package (PyPI 1.0.15, GPL: run, never copied).

- spaces and action sets equal the package's gym envs (its observations are bool, ours uint8);
- random-policy statistics equal the package's: tests/data/minatar/reference.json holds the
  package's own figures over 12k-100k episodes per game (written by minatar_reference.py, too
  slow for CI: its Python steps at 2k-30k steps/s), and a live run of the package here checks
  that file still describes it. Statistic: the mean episode return and mean episode length over
  all episodes; tolerance: 5% of the reference's mean. Every such check first asserts that the
  two samples can resolve 5% (three standard errors of the difference below it). Freeway's
  random return (0.15 a 2501-step episode, standard deviation 2.4 times its mean) cannot be
  resolved to 5% with any affordable sample, so it is checked to 3.5 standard errors, and its
  rules to 5% with the "always up" policy, whose return is ~20 per episode;
- the per-step reward distribution: the same reward values, each value's frequency per step
  within 5% (values seen at least 2,000 times in the reference).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import gymnasium
import numpy as np
import pytest

import minatar_reference  # the generator of reference.json: one way to play the package
import rlforge

import minatar  # noqa: F401  (the reference, tests/python/requirements.txt)

REFERENCE = json.loads((Path(__file__).parent.parent / "data" / "minatar" / "reference.json").read_text())
NAMES = {"breakout": "Breakout", "asterix": "Asterix", "freeway": "Freeway", "seaquest": "Seaquest",
         "space_invaders": "SpaceInvaders"}
CHANNELS = {"breakout": 4, "asterix": 4, "freeway": 7, "seaquest": 10, "space_invaders": 6}


def reference(game: str, policy: str) -> dict:
    return next(r for r in REFERENCE["runs"] if r["game"] == game and r["policy"] == policy)


def ours(game: str, policy: str, episodes: int, seed: int = 0, num_envs: int = 512) -> dict:
    """Our statistics over `episodes` episodes: each env plays the same number of whole episodes
    (stopping at a fixed step count would favour short ones)."""
    env = rlforge.make_vec(f"MinAtar/{NAMES[game]}-v0", num_envs, autoreset_mode="SameStep")
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    quota = -(-episodes // num_envs)
    finished = np.zeros(num_envs, dtype=np.int64)
    ret = np.zeros(num_envs)
    length = np.zeros(num_envs, dtype=np.int64)
    rets, lens = [], []
    counts: dict[int, int] = {}
    while (finished < quota).any():
        a = rng.integers(6, size=num_envs) if policy == "random" else np.full(num_envs, 2)
        _, r, term, trunc, _ = env.step(a)
        assert not trunc.any()
        live = finished < quota
        vals, cnt = np.unique(r[live].astype(np.int64), return_counts=True)
        for v, c in zip(vals, cnt):
            counts[int(v)] = counts.get(int(v), 0) + int(c)
        ret += r
        length += 1
        ended = term & live
        rets.extend(ret[ended])
        lens.extend(length[ended])
        finished += ended
        ret[term] = 0
        length[term] = 0
    env.close()
    rets, lens = np.array(rets), np.array(lens, dtype=float)
    return {"episodes": len(rets), "return_mean": rets.mean(), "return_std": rets.std(ddof=1),
            "length_mean": lens.mean(), "length_std": lens.std(ddof=1), "reward_counts": counts}


def live_reference(game: str, policy: str, episodes: int, seed: int) -> dict:
    return minatar_reference.run(game, policy, episodes, seed)


def standard_error_of_difference(a: dict, b: dict, key: str) -> float:
    return math.sqrt(a[key + "_std"] ** 2 / a["episodes"] + b[key + "_std"] ** 2 / b["episodes"])


def check_mean(mine: dict, ref: dict, key: str, resolvable: bool = True) -> None:
    diff = abs(mine[key + "_mean"] - ref[key + "_mean"])
    se = standard_error_of_difference(mine, ref, key)
    tol = 0.05 * abs(ref[key + "_mean"])
    msg = (f"{key}: ours {mine[key + '_mean']:.4f} ({mine['episodes']} episodes), reference "
           f"{ref[key + '_mean']:.4f} ({ref['episodes']}), standard error of the difference {se:.4f}")
    if resolvable:
        assert 3 * se <= tol or se == 0, "the samples cannot resolve 5%: " + msg
        assert diff <= tol, msg
    else:
        assert diff <= 3.5 * se, msg


# (game, policy, our episodes, whether 5% of the mean return is resolvable)
CASES = [
    ("breakout", "random", 200_000, True),
    ("asterix", "random", 150_000, True),
    ("seaquest", "random", 500_000, True),
    ("space_invaders", "random", 60_000, True),
    ("freeway", "random", 6_000, False),
    ("freeway", "up", 8_000, True),
]


@pytest.mark.parametrize("game,policy,episodes,resolvable", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_random_policy_statistics_match_the_package(game, policy, episodes, resolvable):
    ref = reference(game, policy)
    mine = ours(game, policy, episodes)
    check_mean(mine, ref, "return", resolvable)
    check_mean(mine, ref, "length")
    # Per-step reward distribution: the same values; each value's frequency within 5%.
    ref_counts = {int(k): v for k, v in ref["reward_counts"].items()}
    ref_steps, my_steps = sum(ref_counts.values()), sum(mine["reward_counts"].values())
    assert set(mine["reward_counts"]) <= set(ref_counts) | {v for v, c in mine["reward_counts"].items() if c < 20}
    for value, count in ref_counts.items():
        if count >= 2000:
            mine_freq, ref_freq = mine["reward_counts"].get(value, 0) / my_steps, count / ref_steps
            assert abs(mine_freq - ref_freq) <= 0.05 * ref_freq, (value, mine_freq, ref_freq)


@pytest.mark.parametrize("game", ["breakout", "asterix", "seaquest", "space_invaders", "freeway"])
def test_the_reference_file_still_describes_the_package(game):
    """A short live run of the package agrees with the committed reference within 4 standard
    errors (its sample is small: this guards the file, the 5% checks are above)."""
    episodes = {"breakout": 1000, "asterix": 300, "seaquest": 1000, "space_invaders": 60, "freeway": 6}[game]
    policy = "up" if game == "freeway" else "random"
    live = live_reference(game, policy, episodes, seed=77)
    ref = reference(game, policy)
    for key in ("return", "length"):
        se = standard_error_of_difference(live, ref, key)
        assert abs(live[key + "_mean"] - ref[key + "_mean"]) <= 4 * se + 1e-9, (key, live, ref)


@pytest.mark.parametrize("game", list(NAMES))
@pytest.mark.parametrize("minimal", [False, True])
def test_spaces_and_action_sets_match_the_packages_gym_envs(game, minimal):
    from minatar.gym import BaseEnv
    theirs = BaseEnv(game, use_minimal_action_set=minimal)
    version = "v1" if minimal else "v0"
    mine = gymnasium.make(f"rlforge/MinAtar-{NAMES[game]}-{version}")
    assert mine.observation_space.shape == theirs.observation_space.shape == (10, 10, CHANNELS[game])
    assert mine.observation_space.dtype == np.uint8  # theirs is bool; the values are the same 0/1
    assert mine.action_space == theirs.action_space
    assert mine.spec.max_episode_steps is None  # as the package registers them
    from gymnasium.utils.env_checker import check_env
    check_env(mine.unwrapped, skip_render_check=True)
    obs, _ = mine.reset(seed=1)
    ref_obs, _ = theirs.reset(seed=1)
    # The deterministic start states (all but Breakout's ball side and Freeway's cars) agree.
    if game in ("asterix", "seaquest", "space_invaders"):
        np.testing.assert_array_equal(obs, ref_obs.astype(np.uint8))
    assert rlforge.make(f"MinAtar/{NAMES[game]}-{version}").spec.id == f"rlforge/MinAtar-{NAMES[game]}-{version}"


def test_rgb_frames_show_every_channel_in_its_colour():
    env = gymnasium.make("rlforge/MinAtar-Breakout-v1", render_mode="rgb_array")
    obs, _ = env.reset(seed=3)
    frame = env.render()
    assert frame.shape == (320, 320, 3)
    # A brick cell's centre (row 2, column 4) is the brick colour, an empty cell's is the background.
    assert tuple(frame[2 * 32 + 16, 4 * 32 + 16]) == (232, 150, 40)
    assert tuple(frame[6 * 32 + 16, 4 * 32 + 16]) == (20, 20, 28)
    assert tuple(frame[9 * 32 + 16, 4 * 32 + 16]) == (236, 236, 236)  # the paddle
