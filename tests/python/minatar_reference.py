"""Writes tests/data/minatar/reference.json: random-policy statistics of the minatar package
(PyPI 1.0.15, the games' reference), which test_minatar.py compares rlforge's games with.

    .venv/bin/python tests/python/minatar_reference.py [--scale 1.0]

Per game and policy: episodes, mean and standard deviation of the return and the length, and
the per-step reward counts. The sample sizes make the standard error of each mean small next to
the 5% the test allows (about 1%), which 1000 episodes cannot do for games whose random return
is rare (Seaquest, Freeway); the package steps at ~2k-30k steps/s, so this runs for minutes
and its output is committed. Policies: "random" (uniform over the 6 actions, as MinAtar's
Environment takes them) and, for Freeway, "up" (always action 2), whose return is large.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

# (game, policy, episodes at scale 1)
RUNS = [
    ("breakout", "random", 40000),
    ("asterix", "random", 30000),
    ("seaquest", "random", 100000),
    ("space_invaders", "random", 12000),
    ("freeway", "random", 6000),
    ("freeway", "up", 3000),
]


def run(game: str, policy: str, episodes: int, seed: int) -> dict:
    from minatar import Environment
    env = Environment(game)  # sticky_action_prob=0.1, difficulty_ramping=True: the gym ids' defaults
    env.seed(seed)
    rng = np.random.default_rng(seed)
    rets = np.zeros(episodes)
    lens = np.zeros(episodes)
    rewards: dict[int, int] = {}
    for e in range(episodes):
        env.reset()
        ret, length, done = 0.0, 0, False
        while not done:
            a = int(rng.integers(6)) if policy == "random" else 2
            r, done = env.act(a)
            env.state()
            rewards[int(r)] = rewards.get(int(r), 0) + 1
            ret += r
            length += 1
        rets[e], lens[e] = ret, length
    return {"game": game, "policy": policy, "episodes": episodes,
            "return_mean": rets.mean(), "return_std": rets.std(ddof=1),
            "length_mean": lens.mean(), "length_std": lens.std(ddof=1),
            "reward_counts": {str(k): v for k, v in sorted(rewards.items())}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies every run's episodes")
    p.add_argument("--only", default="", help="game/policy,... to rerun, merged into --out's other runs")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data", "minatar", "reference.json"))
    args = p.parse_args()
    import minatar
    out = {"source": "minatar (PyPI) " + getattr(minatar, "__version__", "1.0.15"),
           "generator": "tests/python/minatar_reference.py", "runs": []}
    only = {x for x in args.only.split(",") if x}
    if only:
        with open(args.out) as f:
            kept = json.load(f)["runs"]
        out["runs"] = [r for r in kept if f"{r['game']}/{r['policy']}" not in only]
    for i, (game, policy, episodes) in enumerate(RUNS):
        if only and f"{game}/{policy}" not in only:
            continue
        t0 = time.time()
        res = run(game, policy, max(1, int(episodes * args.scale)), seed=1000 + i)
        out["runs"].append(res)
        print(f"{game}/{policy}: {res['episodes']} episodes, return {res['return_mean']:.4f} "
              f"(sd {res['return_std']:.3f}), length {res['length_mean']:.2f}, {time.time() - t0:.0f} s",
              file=sys.stderr, flush=True)
    order = [f"{g}/{p}" for g, p, _ in RUNS]
    out["runs"].sort(key=lambda r: order.index(f"{r['game']}/{r['policy']}"))
    tmp = args.out + ".tmp"
    with open(tmp, "x") as f:
        json.dump(out, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
