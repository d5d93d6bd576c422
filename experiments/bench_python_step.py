"""Python step cost of rlforge vs its C++ step, gymnasium and envpool, side by side in one run.

    python experiments/bench_python_step.py [--steps 200000] [--vec-steps 2000] [--repeats 5]

Part 1, one CartPole-v1: seconds per step() from Python (rlforge.make, the unwrapped env;
and through gymnasium.make's wrappers) against the same env stepped in C++ (the overhead
target is <= 1.5 us) and against gymnasium's own CartPole. Part 2, CartPole-v1 x 1024 envs:
rlforge.make_vec on 2 threads against gymnasium's numpy CartPoleVectorEnv and envpool
(2 threads, if installed). Every timing is the best of --repeats runs; actions are drawn
beforehand and cycled, so sampling is not timed. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import gymnasium
import numpy as np

import rlforge
from rlforge import _rlforge


def best_of(repeats, fn):
    return min(fn() for _ in range(repeats))


def time_single(env, actions, steps):
    """Seconds per step of a gymnasium-style env, resetting when an episode ends."""
    env.reset(seed=0)
    step, reset, k = env.step, env.reset, len(actions)
    t0 = time.perf_counter()
    for i in range(steps):
        _, _, terminated, truncated, _ = step(actions[i % k])
        if terminated or truncated:
            reset()
    return (time.perf_counter() - t0) / steps


def time_vector(step, reset, actions, steps):
    """Seconds per batched step."""
    reset()
    k = len(actions)
    t0 = time.perf_counter()
    for i in range(steps):
        step(actions[i % k])
    return (time.perf_counter() - t0) / steps


def envpool_cartpole(num_envs, threads):
    try:
        import envpool
    except ImportError as e:
        return None, f"envpool not importable ({e})"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # envpool's Box bounds are float64 cast to float32
        env = envpool.make("CartPole-v1", env_type="gymnasium", num_envs=num_envs,
                           num_threads=threads, seed=0)
    return env, f"envpool {envpool.__version__}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=200_000, help="single-env steps per timing")
    p.add_argument("--vec-steps", type=int, default=2_000, help="batched steps per timing")
    p.add_argument("--num-envs", type=int, default=1024)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    rng = np.random.default_rng(0)

    # ---- one env ----
    ints = [int(x) for x in rng.integers(0, 2, 4096)]
    np_ints = [np.int64(x) for x in ints]
    cpp = best_of(a.repeats, lambda: _rlforge.time_cpp_steps(
        "CartPole-v1", np.array(ints, dtype=np.int64), a.steps))
    ours = rlforge.make("CartPole-v1")
    ours_int = best_of(a.repeats, lambda: time_single(ours, ints, a.steps))
    ours_np = best_of(a.repeats, lambda: time_single(ours, np_ints, a.steps))
    ours_gym = best_of(a.repeats, lambda: time_single(gymnasium.make("rlforge/CartPole-v1"), np_ints, a.steps))
    gym_raw = best_of(a.repeats, lambda: time_single(gymnasium.make("CartPole-v1").unwrapped, np_ints, a.steps))
    gym_made = best_of(a.repeats, lambda: time_single(gymnasium.make("CartPole-v1"), np_ints, a.steps))

    # ---- 1024 envs ----
    n, t = a.num_envs, a.threads
    batches = [rng.integers(0, 2, n).astype(np.int64) for _ in range(64)]
    vec = rlforge.make_vec("CartPole-v1", n, num_threads=t)
    rl_vec = best_of(a.repeats, lambda: time_vector(vec.step, lambda: vec.reset(seed=0), batches, a.vec_steps))
    vec1 = rlforge.make_vec("CartPole-v1", n, num_threads=1)
    rl_vec1 = best_of(a.repeats, lambda: time_vector(vec1.step, lambda: vec1.reset(seed=0), batches, a.vec_steps))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gvec = gymnasium.make_vec("CartPole-v1", num_envs=n, vectorization_mode="vector_entry_point")
    gym_vec = best_of(a.repeats, lambda: time_vector(gvec.step, lambda: gvec.reset(seed=0), batches, a.vec_steps))
    pool, pool_name = envpool_cartpole(n, t)
    pool_vec = None
    if pool is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # envpool rebuilds its float64-bounded spaces on reset
            pool_vec = best_of(a.repeats, lambda: time_vector(pool.step, pool.reset, batches, a.vec_steps))

    us = lambda s: f"{s * 1e6:.3f} us"  # noqa: E731
    sps = lambda s: f"{n / s / 1e6:.2f} M"  # noqa: E731
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {load}; python "
          f"{platform.python_version()}, gymnasium {gymnasium.__version__}, numpy {np.__version__}; "
          f"best of {a.repeats}\n")
    print("| one CartPole-v1 | time per step | vs C++ step | overhead over C++ |")
    print("| --- | --- | --- | --- |")
    rows = [("rlforge, C++ `Env::step` (baseline)", cpp),
            ("rlforge.make, action `int`", ours_int),
            ("rlforge.make, action `np.int64`", ours_np),
            ("gymnasium.make(\"rlforge/CartPole-v1\") (wrappers)", ours_gym),
            ("gymnasium CartPoleEnv, unwrapped", gym_raw),
            ("gymnasium.make(\"CartPole-v1\") (wrappers)", gym_made)]
    for name, s in rows:
        print(f"| {name} | {us(s)} | {s / cpp:.1f}x | {us(s - cpp)} |")
    print(f"\nrlforge.make step overhead over C++: {(ours_np - cpp) * 1e6:.3f} us "
          f"(target <= 1.5 us); gymnasium's CartPole step / rlforge's: {gym_raw / ours_np:.1f}x\n")
    print(f"| CartPole-v1 x {n} envs | threads | env steps/s | rlforge speedup |")
    print("| --- | --- | --- | --- |")
    print(f"| rlforge.make_vec (C++ TBB VectorEnv) | {t} | {sps(rl_vec)} | 1.0x |")
    print(f"| rlforge.make_vec (C++ TBB VectorEnv) | 1 | {sps(rl_vec1)} | {rl_vec1 / rl_vec:.1f}x |")
    print(f"| gymnasium CartPoleVectorEnv (numpy) | 1 | {sps(gym_vec)} | {gym_vec / rl_vec:.1f}x |")
    if pool_vec is not None:
        print(f"| {pool_name} CartPole-v1 | {t} | {sps(pool_vec)} | {pool_vec / rl_vec:.1f}x |")
    else:
        print(f"| envpool | - | not measured: {pool_name} | - |")


if __name__ == "__main__":
    main()
