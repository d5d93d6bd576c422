"""rgb_array rendering: rlforge's CPU rasterizer against gymnasium's pygame pictures, side by side.

    python experiments/bench_render.py [--frames 2000] [--repeats 3] [--envs CartPole-v1,...]

For every classic-control env: steps + frames per second of `step(); render()` from Python with
render_mode="rgb_array", rlforge (gymnasium.make("rlforge/<id>")) against gymnasium
(gymnasium.make("<id>")), both at the env's own canvas size (CartPole 600x400), actions drawn
beforehand and cycled, resets when an episode ends. Every figure is the best of --repeats runs.
Prints the CPU and its vector ISA (the rasterizer is plain scalar C++, compiled for x86-64-v2:
it runs the same code on AVX2-only and AVX-512 machines), then a Markdown table with ratios.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import gymnasium
import numpy as np

import rlforge  # noqa: F401  (registers rlforge/<id> with gymnasium)

ENVS = ["CartPole-v1", "Pendulum-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Acrobot-v1"]


def cpu_line() -> str:
    model, flags = platform.processor() or "?", set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and model in ("?", "", platform.machine()):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE4.2 or less"
    load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    return f"{model}; widest vector ISA: {isa}; {os.cpu_count()} cores, load {load}"


def frames_per_second(env, actions, frames: int) -> tuple[float, tuple[int, ...]]:
    env.reset(seed=0)
    shape = env.render().shape
    k = len(actions)
    t0 = time.perf_counter()
    for i in range(frames):
        _, _, term, trunc, _ = env.step(actions[i % k])
        env.render()
        if term or trunc:
            env.reset()
    return frames / (time.perf_counter() - t0), shape


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--frames", type=int, default=2000, help="steps+frames per timing (gymnasium: a tenth)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--envs", default=",".join(ENVS))
    a = p.parse_args()
    print(f"machine: {cpu_line()}")
    print(f"python {platform.python_version()}, gymnasium {gymnasium.__version__}, numpy {np.__version__}; "
          f"best of {a.repeats}\n")
    print("| env | canvas | rlforge steps+frames/s | gymnasium (pygame) steps+frames/s | rlforge / gymnasium |")
    print("| --- | --- | --- | --- | --- |")
    for env_id in a.envs.split(","):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = gymnasium.make(f"rlforge/{env_id}", render_mode="rgb_array")
            ref = gymnasium.make(env_id, render_mode="rgb_array")
        ours.action_space.seed(0)
        actions = [ours.action_space.sample() for _ in range(512)]
        r = max(frames_per_second(ours, actions, a.frames)[0] for _ in range(a.repeats))
        g, shape = 0.0, None
        for _ in range(a.repeats):
            fps, shape = frames_per_second(ref, actions, max(50, a.frames // 10))
            g = max(g, fps)
        print(f"| {env_id} | {shape[1]}x{shape[0]} | {r:,.0f} | {g:,.0f} | {r / g:.1f}x |")
        ours.close()
        ref.close()


if __name__ == "__main__":
    main()
