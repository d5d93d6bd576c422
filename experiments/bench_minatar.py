"""Benchmark: the MinAtar games stepped by rlforge and by the minatar package, side by side.

For each game, in one run, random actions (drawn before the timed loops; the same for every
side), best of --repeats interleaved repeats:
  - rlforge from Python: rlforge.make_vec("MinAtar/<Game>-v0", 256, num_threads=T), T = 1, 2;
  - rlforge's C++ loop (`rlforge bench`, 256 envs, T threads; it samples its actions itself);
  - the minatar package (PyPI 1.0.15): one Environment stepped from Python, act() + state()
    per step (what an agent needs), one core, sticky actions and ramping as its defaults.
Snake-v0 is timed against envpool's Snake-v1 (a port of Jumanji's, 12x12: ours is made 12x12
too), 16 envs, 1 thread, when this envpool has it.
Prints the CPU, its ISA, the load and a Markdown table with ratios to the package.

usage: .venv/bin/python experiments/bench_minatar.py [--build-dir build] [--steps 2000] [--repeats 3]
"""
import argparse
import os
import platform
import sys
import time

import gymnasium
import numpy as np

import rlforge
from bench_common import action_batches, cli_binary, cpu_model, load_average, run_cli_bench, time_loop

GAMES = [("breakout", "Breakout"), ("asterix", "Asterix"), ("freeway", "Freeway"),
         ("seaquest", "Seaquest"), ("space_invaders", "SpaceInvaders")]
N = 256


def bench_minatar(game, actions):
    from minatar import Environment
    env = Environment(game)
    env.seed(0)
    env.reset()
    flat = actions.reshape(-1)
    t0 = time.perf_counter()
    for a in flat:
        _, done = env.act(int(a))
        env.state()
        if done:
            env.reset()
    return len(flat) / (time.perf_counter() - t0)


def bench_rlforge(env_id, threads, actions, warmup):
    envs = rlforge.make_vec(env_id, num_envs=actions.shape[1], num_threads=threads)
    envs.reset(seed=0)
    sps = time_loop(envs.step, actions, warmup)
    envs.close()
    return sps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.environ.get("RLFORGE_BUILD_DIR", "./build"))
    ap.add_argument("--steps", type=int, default=2000, help="timed vector steps (of 256 envs) for rlforge")
    ap.add_argument("--ref-steps", type=int, default=60000, help="timed steps of the minatar package")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    binary = cli_binary(args.build_dir)
    load_before = load_average()
    rows, isa = [], "?"
    for game, name in GAMES:
        env_id = f"MinAtar/{name}-v0"
        actions = action_batches(gymnasium.spaces.Discrete(6), N, args.warmup + args.steps, 0)
        ref_actions = action_batches(gymnasium.spaces.Discrete(6), 1, args.ref_steps, 1)
        best = {}
        for _ in range(args.repeats):
            for t in (1, 2):
                best[("py", t)] = max(best.get(("py", t), 0.0), bench_rlforge(env_id, t, actions, args.warmup))
                info = run_cli_bench(binary, env_id, N, t, args.steps, args.warmup)
                isa = info.get("isa", "?")
                best[("cli", t)] = max(best.get(("cli", t), 0.0), float(info["steps_per_second"]))
            best["ref"] = max(best.get("ref", 0.0), bench_minatar(game, ref_actions))
        rows.append((env_id, best))
        print(f"done {env_id}", file=sys.stderr)

    snake = None
    try:
        import envpool
        if "Snake-v1" in envpool.list_all_envs():
            snake = envpool
    except ImportError:
        pass
    snake_row = None
    if snake is not None:
        actions = action_batches(gymnasium.spaces.Discrete(4), 16, args.warmup + args.steps, 0)
        ep = snake.make_gymnasium("Snake-v1", num_envs=16, num_threads=1, seed=0)
        ep.reset()
        theirs = time_loop(ep.step, actions, args.warmup)
        envs = rlforge.make_vec("Snake-v0", num_envs=16, num_threads=1, width=12, height=12)
        envs.reset(seed=0)
        mine = time_loop(envs.step, actions, args.warmup)
        info = run_cli_bench(binary, "Snake-v0", 16, 1, args.steps, args.warmup,
                             ["--kwargs", '{"width": 12, "height": 12}'])
        snake_row = (mine, float(info["steps_per_second"]), theirs)

    print(f"MinAtar games, random actions (all 6), next-step autoreset; rlforge {N} envs, "
          f"{args.steps} timed vector steps after {args.warmup} warm-up; minatar {args.ref_steps} steps; "
          f"best of {args.repeats}")
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs); rlforge ISA: {isa}")
    print(f"load average before the runs: {load_before}; Python {platform.python_version()}")
    print()
    print("| game | threads | rlforge (Python) | rlforge (C++ loop) | minatar (1 core) | "
          "Python / minatar | C++ / minatar |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for env_id, b in rows:
        for t in (1, 2):
            print(f"| {env_id} | {t} | {b[('py', t)]:,.0f} | {b[('cli', t)]:,.0f} | {b['ref']:,.0f} | "
                  f"{b[('py', t)] / b['ref']:.0f}x | {b[('cli', t)] / b['ref']:.0f}x |")
    if snake_row:
        mine, cli, theirs = snake_row
        print()
        print("| Snake 12x12, 16 envs, 1 thread | rlforge (Python) | rlforge (C++ loop) | envpool Snake-v1 | "
              "Python / envpool | C++ / envpool |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        print(f"| Snake-v0 | {mine:,.0f} | {cli:,.0f} | {theirs:,.0f} | {mine / theirs:.0f}x | {cli / theirs:.0f}x |")
    else:
        print("\n(envpool here has no Snake-v1: Snake not timed against it)")


if __name__ == "__main__":
    main()
