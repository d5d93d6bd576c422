"""Benchmark: gymnasium's numpy CartPoleVectorEnv vs `rlforge bench` on CartPole-v1, as a Markdown table.

Both sides step N envs with fresh random actions every step (gymnasium:
envs.action_space.sample(); rlforge: Space::sample_batch over the Discrete space), with
next-step autoreset (both defaults), after an untimed warm-up. Each side is run
--repeats times and the BEST run is reported (the least disturbed by other load on the
machine); the median is printed too.

usage: .venv/bin/python experiments/bench_vector_cartpole.py [--build-dir DIR] [--num-envs 1024]
       [--threads 2] [--steps 2000] [--rlforge-steps 20000] [--repeats 5] [--isa avx2]
The rlforge binary is DIR/rlforge; DIR defaults to $RLFORGE_BUILD_DIR, else ./build.
--isa baseline|avx2|avx512 forces rlforge's kernels (RLFORGE_ISA; default: the best the CPU
has); the ISA rlforge ran is printed above the table, as `rlforge bench` reports it.
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import gymnasium
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv


def bench_gymnasium(num_envs, steps, warmup, seed):
    envs = CartPoleVectorEnv(num_envs=num_envs)
    envs.reset(seed=seed)
    envs.action_space.seed(seed)
    for _ in range(warmup):
        envs.step(envs.action_space.sample())
    t0 = time.perf_counter()
    for _ in range(steps):
        envs.step(envs.action_space.sample())
    seconds = time.perf_counter() - t0
    envs.close()
    return num_envs * steps / seconds


def bench_rlforge(binary, num_envs, threads, steps, warmup, seed, isa):
    cmd = [binary, "bench", "--env", "CartPole-v1", "--num-envs", str(num_envs),
           "--threads", str(threads), "--steps", str(steps), "--warmup", str(warmup),
           "--seed", str(seed)]
    env = dict(os.environ)
    if isa:
        env["RLFORGE_ISA"] = isa
    p = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    lines = p.stdout.strip().splitlines()
    m = re.fullmatch(r"steps_per_second: ([0-9.]+)", lines[-1])
    if not m:
        sys.exit(f"unexpected last line from rlforge bench: {lines[-1]!r}")
    info = {l.split(": ", 1)[0]: l.split(": ", 1)[1] for l in lines if ": " in l}
    return float(m.group(1)), info.get("batched", "?"), info.get("isa", "? (a build before runtime ISA dispatch)")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.environ.get("RLFORGE_BUILD_DIR", "./build"))
    ap.add_argument("--num-envs", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2000, help="timed vector steps per gymnasium run")
    ap.add_argument("--rlforge-steps", type=int, default=20000,
                    help="timed vector steps per rlforge run (more: each step is ~10x faster, so "
                         "this keeps both timing windows comparable, a few tenths of a second)")
    ap.add_argument("--warmup", type=int, default=100, help="untimed vector steps per run")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--isa", choices=["baseline", "avx2", "avx512"], default=os.environ.get("RLFORGE_ISA"),
                    help="force rlforge's kernels to this ISA (default: $RLFORGE_ISA, else the best)")
    args = ap.parse_args()
    binary = os.path.join(args.build_dir, "rlforge")
    if not os.access(binary, os.X_OK):
        sys.exit(f"no rlforge binary at {binary}; build it or pass --build-dir / RLFORGE_BUILD_DIR")

    # rlforge is measured on 1 thread too, so the per-core speed-up is visible apart from
    # the thread count.
    thread_counts = sorted({1, args.threads})
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    gym_runs, rl_runs, batched, isa = [], {t: [] for t in thread_counts}, "?", "?"
    for _ in range(args.repeats):  # interleaved, so slow phases of the machine hit both
        gym_runs.append(bench_gymnasium(args.num_envs, args.steps, args.warmup, args.seed))
        for t in thread_counts:
            sps, batched, isa = bench_rlforge(binary, args.num_envs, t, args.rlforge_steps,
                                              args.warmup, args.seed, args.isa)
            rl_runs[t].append(sps)

    g_best = max(gym_runs)
    print(f"CartPole-v1, {args.num_envs} envs, random actions, next-step autoreset, "
          f"{args.steps} (gymnasium) / {args.rlforge_steps} (rlforge) timed steps after "
          f"{args.warmup} warm-up, best of {args.repeats}")
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs); rlforge batched path: {batched}; "
          f"rlforge ISA: {isa}{' (forced)' if args.isa else ''}")
    print(f"load average before the runs: {load_before}")
    print(f"numpy {np.__version__}, gymnasium {gymnasium.__version__}, Python {platform.python_version()}"
          f", OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print()
    print(f"| implementation (rlforge ISA: {isa.split()[0]}) | steps/s (best) | steps/s (median) | ratio vs gymnasium |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| gymnasium CartPoleVectorEnv (numpy, 1 thread) | {g_best:,.0f} | "
          f"{statistics.median(gym_runs):,.0f} | 1.00 |")
    for t in thread_counts:
        best = max(rl_runs[t])
        print(f"| rlforge VectorEnv ({t} thread{'s' if t > 1 else ''}) | {best:,.0f} | "
              f"{statistics.median(rl_runs[t]):,.0f} | {best / g_best:.2f} |")


if __name__ == "__main__":
    main()
