"""Benchmark: the Box2D envs stepped by rlforge, envpool and gymnasium's SyncVectorEnv, side by side.

For each id, in one run: N envs (64; CarRacing 8) with fresh random actions every step (one numpy
batch per step, drawn before the timed loop so every side steps the same actions), next-step
autoreset, after an untimed warm-up, best of --repeats (interleaved, so a slow phase of the
machine hits every side):
  - rlforge from Python: rlforge.make_vec(id, num_envs=N, num_threads=T), T = 1 and 2;
  - rlforge's C++ loop (`rlforge bench`), and its physics floor (`rlforge bench --physics-floor`:
    the rate if a step cost only its b2World::Step, T threads busy). "C++ / floor" is the median
    over the repeats of the floor run's own rate over its floor (two clock reads per Step, ~0.1%),
    so machine drift between runs does not enter it; "Python / floor" divides the best rates of
    separate runs;
  - envpool.make_gymnasium(id, num_envs=N, num_threads=T) (its own Box2D build);
  - gymnasium.vector.SyncVectorEnv of N gymnasium envs (pybox2d), 1 thread.
Prints the CPU, its ISA, the load, and a Markdown table with ratios to envpool at the same
thread count and to the floor.

usage: .venv/bin/python experiments/bench_box2d.py [--build-dir build] [--ids LunarLander-v3,...]
       [--steps 600] [--repeats 3]     (envpool from experiments/requirements-bench.txt)
"""
import argparse
import os
import platform
import statistics
import sys

import gymnasium

import rlforge
from bench_common import action_batches, cli_binary, cpu_model, load_average, run_cli_bench, time_loop

DEFAULT_IDS = ["LunarLander-v3", "LunarLanderContinuous-v3", "BipedalWalker-v3",
               "BipedalWalkerHardcore-v3", "CarRacing-v3"]


def num_envs_for(env_id):
    return 8 if env_id.startswith("CarRacing") else 64


def bench_rlforge_python(env_id, n, threads, actions, warmup):
    envs = rlforge.make_vec(env_id, num_envs=n, num_threads=threads)
    envs.reset(seed=0)
    sps = time_loop(envs.step, actions, warmup)
    envs.close()
    return sps


def bench_envpool(env_id, n, threads, actions, warmup):
    import envpool
    envs = envpool.make_gymnasium(env_id, num_envs=n, num_threads=threads, seed=0)
    envs.reset()
    sps = time_loop(envs.step, actions, warmup)
    envs.close()
    return sps


def bench_gymnasium(env_id, n, actions, warmup):
    envs = gymnasium.vector.SyncVectorEnv([lambda: gymnasium.make(env_id) for _ in range(n)])
    envs.reset(seed=0)
    sps = time_loop(envs.step, actions, warmup)
    envs.close()
    return sps


def bench_cli(binary, env_id, n, threads, steps, warmup, floor):
    info = run_cli_bench(binary, env_id, n, threads, steps, warmup, ["--physics-floor"] if floor else [])
    sps = float(info["steps_per_second"])
    if floor:  # the floor and the rate of the same run: their ratio does not see the machine drift
        return float(info["physics_floor_steps_per_second"]), sps
    return sps, info.get("isa", "?")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.environ.get("RLFORGE_BUILD_DIR", "./build"))
    ap.add_argument("--ids", default=",".join(DEFAULT_IDS))
    ap.add_argument("--steps", type=int, default=600, help="timed vector steps per run")
    ap.add_argument("--gym-steps", type=int, default=100, help="timed vector steps for gymnasium (slow)")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    binary = cli_binary(args.build_dir)
    ids = [i for i in args.ids.split(",") if i]
    known = set(rlforge.list_envs()) if hasattr(rlforge, "list_envs") else None
    load_before = load_average()
    rows, isa = [], "?"
    for env_id in ids:
        if known is not None and env_id not in known:
            print(f"(skipping {env_id}: not registered in this build)", file=sys.stderr)
            continue
        n = num_envs_for(env_id)
        space = gymnasium.make(env_id).action_space
        actions = action_batches(space, n, args.warmup + args.steps, 0)
        gym_actions = actions[: args.warmup + args.gym_steps]
        best, ratios = {}, {1: [], 2: []}
        def keep(key, value):
            best[key] = max(best.get(key, 0.0), value)
        for _ in range(args.repeats):
            for t in (1, 2):
                keep(("rlforge", t), bench_rlforge_python(env_id, n, t, actions, args.warmup))
                keep(("envpool", t), bench_envpool(env_id, n, t, actions, args.warmup))
                sps, isa = bench_cli(binary, env_id, n, t, args.steps, args.warmup, False)
                keep(("cli", t), sps)
                floor, same_run = bench_cli(binary, env_id, n, t, args.steps, args.warmup, True)
                keep(("floor", t), floor)
                ratios[t].append(same_run / floor)
            keep(("gymnasium", 1), bench_gymnasium(env_id, n, gym_actions, args.warmup))
        rows.append((env_id, n, best, {t: statistics.median(r) for t, r in ratios.items()}))
        print(f"done {env_id}", file=sys.stderr)

    print(f"Box2D envs, random actions, next-step autoreset, {args.steps} timed vector steps "
          f"({args.gym_steps} for gymnasium) after {args.warmup} warm-up, best of {args.repeats}")
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs); rlforge ISA: {isa}")
    print(f"load average before the runs: {load_before}")
    import envpool
    print(f"envpool {envpool.__version__}, gymnasium {gymnasium.__version__}, Python {platform.python_version()}")
    print()
    print("| env (N envs) | threads | rlforge (Python) | rlforge (C++ loop) | physics floor | "
          "Python / floor | C++ / floor | envpool | rlforge / envpool | gymnasium sync | rlforge / gymnasium |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for env_id, n, b, cpp_floor in rows:
        for t in (1, 2):
            r = b[("rlforge", t)]
            g = b[("gymnasium", 1)]
            print(f"| {env_id} ({n}) | {t} | {r:,.0f} | {b[('cli', t)]:,.0f} | {b[('floor', t)]:,.0f} | "
                  f"{r / b[('floor', t)]:.2f} | {cpp_floor[t]:.2f} | {b[('envpool', t)]:,.0f} | {r / b[('envpool', t)]:.2f} | "
                  f"{g:,.0f} | {r / g:.1f} |")


if __name__ == "__main__":
    main()
