"""Snake-v0 from Python: gymnasium's checker, the action mask as gymnasium-style int8 arrays
(single env and vector infos), and the mask agreeing with what a step does."""

from __future__ import annotations

import gymnasium
import numpy as np
from gymnasium.utils.env_checker import check_env

import rlforge


def test_check_env_passes_for_both_observations():
    for obs in ("grid", "features"):
        env = gymnasium.make("rlforge/Snake-v0", observation=obs)
        check_env(env.unwrapped, skip_render_check=True)
    assert gymnasium.make("rlforge/Snake-v0").observation_space.shape == (8, 8, 4)
    assert gymnasium.make("rlforge/Snake-v0", observation="features").observation_space.shape == (12,)


def test_the_action_mask_says_which_moves_end_the_episode():
    env = rlforge.make("Snake-v0")
    rng = np.random.default_rng(0)
    checked = deadly = 0
    for episode in range(30):
        obs, info = env.reset(seed=episode)
        done = False
        while not done:
            mask = info["action_mask"]
            assert mask.dtype == np.int8 and mask.shape == (4,)
            a = int(rng.integers(4))
            obs, reward, terminated, truncated, info = env.step(a)
            # A masked move ends the episode at once; an allowed one never does (unless it wins).
            assert terminated == (mask[a] == 0) or (reward == 1.0 and terminated)
            checked += 1
            deadly += int(mask[a] == 0)
            done = terminated or truncated
    assert checked > 100 and deadly == 30


def test_vector_infos_carry_one_mask_row_per_env():
    envs = rlforge.make_vec("Snake-v0", 6, num_threads=2)
    obs, infos = envs.reset(seed=3)
    assert infos["action_mask"].shape == (6, 4) and infos["action_mask"].dtype == np.int8
    assert infos["_action_mask"].all()
    for _ in range(20):
        obs, rewards, terminated, truncated, infos = envs.step(np.zeros(6, dtype=np.int64))
        assert infos["action_mask"].shape == (6, 4)
    assert obs.shape == (6, 8, 8, 4)
