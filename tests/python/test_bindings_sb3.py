"""stable-baselines3 trains PPO on rlforge/CartPole-v1 through gymnasium.make, unmodified."""
import time
import warnings

import gymnasium
import numpy as np
import pytest

import rlforge  # the test command installs it (pip install .): never skipped
# The test command installs both (tests/python/requirements-sb3.txt): a missing one fails.
import stable_baselines3 as sb3
import torch

pytestmark = pytest.mark.sb3


def mean_return(model, episodes, seed):
    env = gymnasium.make("rlforge/CartPole-v1")
    returns = []
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        done, total = False, 0.0
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns))


def test_ppo_learns_cartpole_through_gymnasium_make():
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_checker import check_env as sb3_check_env
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(gymnasium.make("rlforge/CartPole-v1").unwrapped)
    # make_vec_env asks for render_mode="rgb_array" and retries without it on TypeError.
    envs = make_vec_env("rlforge/CartPole-v1", n_envs=4, seed=0)
    model = PPO("MlpPolicy", envs, seed=0, n_steps=256, batch_size=64, verbose=0, device="cpu")
    t0 = time.perf_counter()
    model.learn(total_timesteps=20_000)
    seconds = time.perf_counter() - t0
    # Training episodes as the Monitor wrappers recorded them, in order per env.
    per_env = envs.env_method("get_episode_rewards")
    first = np.mean([r for rewards in per_env for r in rewards[:5]])
    last = np.mean([r for rewards in per_env for r in rewards[-5:]])
    evaluated = mean_return(model, 10, seed=1000)
    print(f"PPO on rlforge/CartPole-v1, 20k steps in {seconds:.1f} s: training return "
          f"{first:.1f} (first episodes) -> {last:.1f} (last); deterministic {evaluated:.1f}")
    assert last > 2 * first and evaluated > 150.0, (first, last, evaluated)


@pytest.mark.parametrize("env_id", ["LunarLander-v3", "LunarLanderContinuous-v3"])
def test_sb3_trains_on_lunar_lander_through_gymnasium_make(env_id):
    # A short run: sb3's env checker is clean on the Box2D env, and its PPO (Discrete) or SAC
    # (Box) trains through gymnasium.make unmodified; the learned policy's actions are valid.
    from stable_baselines3 import PPO, SAC
    from stable_baselines3.common.env_checker import check_env as sb3_check_env
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(gymnasium.make(f"rlforge/{env_id}").unwrapped)
    if env_id == "LunarLander-v3":
        envs = make_vec_env(f"rlforge/{env_id}", n_envs=4, seed=0)
        model = PPO("MlpPolicy", envs, seed=0, n_steps=256, batch_size=64, verbose=0, device="cpu")
        model.learn(total_timesteps=4096)
    else:
        model = SAC("MlpPolicy", gymnasium.make(f"rlforge/{env_id}"), seed=0, learning_starts=200,
                    verbose=0, device="cpu", policy_kwargs={"net_arch": [32, 32]})
        model.learn(total_timesteps=600)
    env = gymnasium.make(f"rlforge/{env_id}")
    obs, _ = env.reset(seed=3)
    for _ in range(50):
        action, _ = model.predict(obs, deterministic=True)
        assert env.action_space.contains(action)
        obs, reward, terminated, truncated, _ = env.step(action)
        assert np.isfinite(reward)
        if terminated or truncated:
            obs, _ = env.reset()
    assert model.num_timesteps >= 600
