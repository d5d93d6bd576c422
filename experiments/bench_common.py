"""Helpers the Python benchmarks in experiments/ share: action batches drawn before the timed
loop (every side steps the same actions), the timed loop, the CLI's `rlforge bench`, the CPU."""
import os
import platform
import subprocess
import sys
import time

import gymnasium
import numpy as np


def action_batches(space, n, steps, seed):
    rng = np.random.default_rng(seed)
    if isinstance(space, gymnasium.spaces.Discrete):
        return rng.integers(0, space.n, size=(steps, n))
    low, high = space.low, space.high
    return rng.uniform(low, high, size=(steps, n) + space.shape).astype(space.dtype)


def time_loop(step, actions, warmup):
    """Env steps per second of step(a) over actions[warmup:] (each row one vector step)."""
    for a in actions[:warmup]:
        step(a)
    t0 = time.perf_counter()
    for a in actions[warmup:]:
        step(a)
    return (len(actions) - warmup) * actions.shape[1] / (time.perf_counter() - t0)


def run_cli_bench(binary, env_id, n, threads, steps, warmup, extra=()):
    """`rlforge bench`'s "key: value" lines as a dict."""
    cmd = [binary, "bench", "--env", env_id, "--num-envs", str(n), "--threads", str(threads),
           "--steps", str(steps), "--warmup", str(warmup), *extra]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return dict(l.split(": ", 1) for l in p.stdout.splitlines() if ": " in l)


def cli_binary(build_dir):
    binary = os.path.join(build_dir, "rlforge")
    if not os.access(binary, os.X_OK):
        sys.exit(f"no rlforge binary at {binary}; build it or pass --build-dir")
    return binary


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
