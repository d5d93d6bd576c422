"""BipedalWalker-v3 and BipedalWalkerHardcore-v3 against gymnasium 1.4's BipedalWalker on
pybox2d 2.3.10: spaces, check_env, reset parity from our own draws, step parity per phase,
the heuristic's and a random policy's scores, and the picture right after reset.

Synchronizing: our reset draws (terrain, clouds, the hull's push) are the start of our
get_state() log; ReplayGen hands them to gymnasium's env as its np_random and asserts that
each call gymnasium makes asks for a value of the kind we drew (method, bounds, no size), so a
different draw order, including hardcore's pits/stumps/stairs, fails at the first wrong call.
"""
import math
import os
import warnings

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # gymnasium's render() inits pygame

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlforge

IDS = ["BipedalWalker-v3", "BipedalWalkerHardcore-v3"]


class ReplayGen:
    """A stand-in for numpy's Generator that returns our draws in order and checks that each
    call is one our env made: uniform(low, high) / integers(low, high) / random(), size None,
    the value in [low, high) (an integer for integers)."""

    def __init__(self, draws):
        self.draws = list(draws)
        self.i = 0
        self.calls = []

    def _take(self, method, low, high, integral):
        assert self.i < len(self.draws), f"gymnasium asks for draw {self.i}: {method}({low}, {high}), ours made {len(self.draws)}"
        v = self.draws[self.i]
        assert low <= v < high and (not integral or v == int(v)), \
            f"draw {self.i}: gymnasium calls {method}({low}, {high}), our value is {v}"
        self.i += 1
        self.calls.append((method, low, high))
        return np.int64(int(v)) if integral else float(v)

    def uniform(self, low=0.0, high=1.0, size=None):
        assert size is None, size
        return self._take("uniform", low, high, False)

    def integers(self, low, high=None, size=None):
        assert size is None and high is not None, (low, high, size)
        return self._take("integers", low, high, True)

    def random(self, size=None):
        assert size is None, size
        return self._take("random", 0.0, 1.0, False)


def synced(env_id, seed, render_mode=None):
    """Our env reset with `seed`, and a fresh gymnasium env reset from our draws (gymnasium's
    reset without a seed keeps the np_random it was given). Returns both, both first obs and
    the ReplayGen (fully consumed)."""
    ours = rlforge.make(env_id, render_mode=render_mode)
    o1, _ = ours.reset(seed=seed)
    state = ours.unwrapped.get_state()
    assert state[0] == 2 and state[1] == ("Hardcore" in env_id)
    ref = gymnasium.make(env_id, render_mode=render_mode)
    gen = ReplayGen(state[2:])
    ref.unwrapped.np_random = gen
    o2, _ = ref.reset()
    assert gen.i == len(gen.draws), f"gymnasium used {gen.i} of our {len(gen.draws)} reset draws"
    return ours, ref, o1, o2, gen


def test_spaces_equal_gymnasiums():
    for env_id in IDS:
        ours, ref = rlforge.make(env_id), gymnasium.make(env_id)
        for a, b in ((ours.observation_space, ref.observation_space), (ours.action_space, ref.action_space)):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a.low, b.low)
            np.testing.assert_array_equal(a.high, b.high)
            # -0.0 lower bounds of the contact flags, bit for bit
            np.testing.assert_array_equal(np.signbit(a.low), np.signbit(b.low))
        spec, gspec = ours.spec, ref.spec
        assert (spec.max_episode_steps, spec.reward_threshold) == (gspec.max_episode_steps, gspec.reward_threshold)
        assert ours.metadata["render_fps"] == ref.metadata["render_fps"] == 50


def test_check_env_through_gymnasium_make():
    for env_id in IDS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(gymnasium.make(f"rlforge/{env_id}").unwrapped)


@pytest.mark.parametrize("env_id", IDS)
def test_reset_parity_and_draw_order(env_id):
    """The first observation (terrain under the lidar, bodies, the push, reset's step(0)) from
    the same draws. Measured max |diff| 2.3e-6 (1 Dec 2026, seeds 0..11): float32 rounding of a
    step that runs on two Box2D versions. Tolerance 2e-5."""
    kinds = set()
    for seed in range(12):
        _, ref, o1, o2, gen = synced(env_id, seed)
        np.testing.assert_allclose(o1, o2, rtol=0, atol=2e-5, err_msg=f"{env_id} seed {seed}")
        kinds.update(gen.calls)
        ref.close()
    if "Hardcore" in env_id:
        # every state of the generator ran: pit, stump, stairs (and the state choice itself)
        assert {("integers", 3, 5), ("integers", 1, 3), ("random", 0.0, 1.0), ("integers", 4, 5),
                ("integers", 1, 4)} <= kinds, kinds
    else:
        assert {c[:1] for c in kinds} == {("uniform",), ("integers",)}
        assert ("integers", 1, 4) not in kinds


def action_cycle(kind, t):
    if kind == 0:  # motors off: the walker folds down and falls
        return np.zeros(4, np.float32)
    if kind == 1:  # tiny alternating torques
        return np.full(4, 0.05 if (t // 10) % 2 else -0.05, np.float32)
    if kind == 2:  # small sinusoids
        return (0.2 * np.array([math.sin(0.1 * t), math.cos(0.13 * t), math.sin(0.07 * t + 1),
                                math.cos(0.11 * t + 2)])).astype(np.float32)
    return np.full(4, 0.8 if (t // 20) % 2 else -0.8, np.float32)  # large, all joints together


# Step parity, per phase. Box2D 2.4.1 (ours) and 2.3.10 (gymnasium's) solve revolute-joint
# limits differently: 2.3 decides a limit's state once per step and leaves an inactive limit
# unenforced for the whole step, 2.4 enforces both limits in every iteration. The knees start
# at angle 0, outside their [-1.6, -0.1] range, so the very first steps already differ in the
# joints by up to 0.6 rad (the hull, carried by both legs, by < 1e-2). Measured maxima over
# seeds 0..7 x the 4 cycles above, both ids (1 Dec 2026):
#   steps 1-10:  hull obs[0:4] 6.4e-3, lidar obs[14:24] 2.5e-3, joints 0.58, contacts equal,
#                reward 5.4e-3
#   steps 11-40: hull 0.17, contacts and joints differ (a foot lands a step earlier or later)
#   later: the trajectories are different walks (cycle 2: ours falls near step 113, gymnasium's
#   stands), so they are compared as distributions (heuristic and random-policy tests below).
PHASES = [  # (last step, hull atol, lidar atol, joints atol, reward atol, contacts equal)
    (10, 2e-2, 1e-2, 1.5, 2e-2, True),
    (40, 0.4, None, None, None, False),
]


@pytest.mark.parametrize("env_id", IDS)
def test_step_parity_per_phase(env_id):
    for seed in range(4):
        for kind in range(4):
            ours, ref, o1, o2, _ = synced(env_id, seed)
            for t in range(1, PHASES[-1][0] + 1):
                a = action_cycle(kind, t)
                o1, r1, te1, tr1, _ = ours.step(a)
                o2, r2, te2, tr2, _ = ref.step(a)
                last, hull, lidar, joints, reward, contacts = next(p for p in PHASES if t <= p[0])
                where = f"{env_id} seed {seed} cycle {kind} step {t}"
                d = np.abs(o1 - o2)
                assert d[0:4].max() <= hull, (where, "hull", d[0:4])
                if lidar is not None:
                    assert d[14:].max() <= lidar, (where, "lidar", d[14:])
                if joints is not None:
                    assert d[[4, 5, 6, 7, 9, 10, 11, 12]].max() <= joints, (where, "joints", d[4:14])
                if reward is not None:
                    assert abs(r1 - float(r2)) <= reward, (where, r1, r2)
                if contacts:
                    assert (o1[8], o1[13]) == (o2[8], o2[13]), where
                    assert (te1, tr1) == (bool(te2), bool(tr2)), where
                if te1 or te2:
                    break
            ref.close()


class Heuristic:
    """gymnasium's BipedalWalkerHeuristics (bipedal_walker.py), written again: a gait state
    machine with PD targets for hips and knees."""
    STAY_ON_ONE_LEG, PUT_OTHER_DOWN, PUSH_OFF = 1, 2, 3
    SPEED = 0.29
    SUPPORT_KNEE_ANGLE = 0.1

    def __init__(self):
        self.state = self.STAY_ON_ONE_LEG
        self.moving_leg, self.supporting_leg = 0, 1
        self.supporting_knee_angle = self.SUPPORT_KNEE_ANGLE

    def __call__(self, s):
        moving, supporting = 4 + 5 * self.moving_leg, 4 + 5 * self.supporting_leg
        hip_targ, knee_targ = [None, None], [None, None]
        hip_todo, knee_todo = [0.0, 0.0], [0.0, 0.0]
        if self.state == self.STAY_ON_ONE_LEG:
            hip_targ[self.moving_leg], knee_targ[self.moving_leg] = 1.1, -0.6
            self.supporting_knee_angle += 0.03
            if s[2] > self.SPEED:
                self.supporting_knee_angle += 0.03
            self.supporting_knee_angle = min(self.supporting_knee_angle, self.SUPPORT_KNEE_ANGLE)
            knee_targ[self.supporting_leg] = self.supporting_knee_angle
            if s[supporting] < 0.10:
                self.state = self.PUT_OTHER_DOWN
        if self.state == self.PUT_OTHER_DOWN:
            hip_targ[self.moving_leg] = 0.1
            knee_targ[self.moving_leg] = self.SUPPORT_KNEE_ANGLE
            knee_targ[self.supporting_leg] = self.supporting_knee_angle
            if s[moving + 4]:
                self.state = self.PUSH_OFF
                self.supporting_knee_angle = min(s[moving + 2], self.SUPPORT_KNEE_ANGLE)
        if self.state == self.PUSH_OFF:
            knee_targ[self.moving_leg] = self.supporting_knee_angle
            knee_targ[self.supporting_leg] = 1.0
            if s[supporting + 2] > 0.88 or s[2] > 1.2 * self.SPEED:
                self.state = self.STAY_ON_ONE_LEG
                self.moving_leg = 1 - self.moving_leg
                self.supporting_leg = 1 - self.moving_leg
        for leg, base in ((0, 4), (1, 9)):
            if hip_targ[leg]:
                hip_todo[leg] = 0.9 * (hip_targ[leg] - s[base]) - 0.25 * s[base + 1]
            if knee_targ[leg]:
                knee_todo[leg] = 4.0 * (knee_targ[leg] - s[base + 2]) - 0.25 * s[base + 3]
        for leg in (0, 1):
            hip_todo[leg] -= 0.9 * (0 - s[0]) - 1.5 * s[1]  # keep the hull level
            knee_todo[leg] -= 15.0 * s[3]  # damp vertical oscillation
        a = np.array([hip_todo[0], knee_todo[0], hip_todo[1], knee_todo[1]])
        return np.clip(0.5 * a, -1.0, 1.0).astype(np.float32)


def heuristic_episode(env, obs):
    """gymnasium's demo loop: the first action is zeros, then the heuristic's."""
    policy, a, total, steps = Heuristic(), np.zeros(4, np.float32), 0.0, 0
    while True:
        obs, r, terminated, truncated, _ = env.step(a)
        total += float(r)
        steps += 1
        a = policy(obs)
        if terminated or truncated:
            return total, steps, bool(terminated and r != -100)  # reached the far end


def random_episode(env, obs, rng):
    total, steps = 0.0, 0
    while True:
        a = rng.uniform(-1, 1, size=4).astype(np.float32)
        _, r, terminated, truncated, _ = env.step(a)
        total += float(r)
        steps += 1
        if terminated or truncated:
            return total, steps


def paired_runs(env_id, seeds, episode):
    """Each seed played on our env and on gymnasium's with the same terrain and push."""
    ours, ref = [], []
    for seed in seeds:
        o, g, o1, o2, _ = synced(env_id, seed)
        ours.append(episode(o, o1, seed))
        ref.append(episode(g, o2, seed))
        g.close()
    return np.array(ours, dtype=np.float64), np.array(ref, dtype=np.float64)


def mean_tolerance(x, y, rel):
    """The issue's relative bound, widened to 3 standard errors of the difference of the means
    when the sample cannot resolve it: a heuristic episode either walks to the end (~300) or
    falls (-100..100), so returns spread by ~120 and 50 episodes resolve a mean to about +-17.
    (gymnasium against itself on two sets of 50 seeds, 1000-1049 and 1050-1099, gave means of
    99.6 and 164.2: 10 % alone would fail gymnasium too at that size.)"""
    se = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
    return max(rel * abs(y.mean()), 3 * se)


def heuristic_scores(make_env, seeds):
    results = []
    for seed in seeds:
        env = make_env()
        obs, _ = env.reset(seed=seed)
        results.append(heuristic_episode(env, obs))
        env.close()
    r = np.array(results, dtype=np.float64)
    return r[:, 0], r[:, 2]


# gymnasium's heuristic scores, measured once because 300 episodes under gymnasium take about
# 50 s (python tests/python/test_box2d_walker.py --reference prints them again): gymnasium 1.4.0,
# pybox2d 2.3.10, seeds 10000..10299 on gymnasium's own seeding, 1 Dec 2026: mean, its standard
# error, and the share of episodes that reach the far end. 300 episodes resolve the mean to
# about 7 (normal), so the 10 % (about 11) is a real bound at this size; at 50 seeds it
# is not (see mean_tolerance). Ours on the same seed numbers (our own seeding, so other
# terrains): 109.8 (se 7.1), 11.0 %; hardcore -61.2 (se 1.5), 0 %.
REFERENCE_SEEDS = range(10000, 10300)
GYM_HEURISTIC = {
    "BipedalWalker-v3": dict(mean=108.1, se=7.2, success=0.120),
    "BipedalWalkerHardcore-v3": dict(mean=-60.5, se=1.4, success=0.000),
}


@pytest.mark.parametrize("env_id", IDS)
def test_heuristic_scores_like_gymnasiums_recorded_scores(env_id):
    """300 seeds on ours against gymnasium's recorded 300: mean return within 10 %, success
    rate within 5 points (the issue's bounds)."""
    ref = GYM_HEURISTIC[env_id]
    returns, success = heuristic_scores(lambda: rlforge.make(env_id), REFERENCE_SEEDS)
    assert abs(returns.mean() - ref["mean"]) <= 0.10 * abs(ref["mean"]), (returns.mean(), ref)
    assert abs(success.mean() - ref["success"]) <= 0.05, (success.mean(), ref)
    # The heuristic walks: far better than folding down (about -92), so a broken motor or
    # contact flag (which it reads) cannot pass.
    assert returns.mean() > (50 if "Hardcore" not in env_id else -80)


@pytest.mark.parametrize("env_id", IDS)
def test_heuristic_scores_like_live_gymnasium(env_id):
    """50 seeds played on both, each with the same terrain and push: the live gymnasium agrees
    with its recorded scores (3 standard errors of both samples), and ours with it (the
    issue's 10 %, or 3 standard errors where 50 episodes cannot resolve 10 %)."""
    ours, ref = paired_runs(env_id, range(50), lambda env, obs, seed: heuristic_episode(env, obs))
    r1, s1, r2, s2 = ours[:, 0], ours[:, 2], ref[:, 0], ref[:, 2]
    recorded = GYM_HEURISTIC[env_id]
    live_se = r2.std(ddof=1) / math.sqrt(len(r2))
    assert abs(r2.mean() - recorded["mean"]) <= 3 * math.hypot(live_se, recorded["se"]), (r2.mean(), recorded)
    tol = mean_tolerance(r1, r2, 0.10)
    assert abs(r1.mean() - r2.mean()) <= tol, (r1.mean(), r2.mean(), tol)
    p = (s1.mean() + s2.mean()) / 2
    p_tol = max(0.05, 3 * math.sqrt(2 * p * (1 - p) / len(s1)))
    assert abs(s1.mean() - s2.mean()) <= p_tol, (s1.mean(), s2.mean(), p_tol)


def ks_statistic(x, y):
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    grid = np.sort(np.concatenate([x, y]))
    cx = np.searchsorted(np.sort(x), grid, side="right") / len(x)
    cy = np.searchsorted(np.sort(y), grid, side="right") / len(y)
    return float(np.abs(cx - cy).max())


RANDOM_SEEDS = range(40)


@pytest.mark.parametrize("env_id", IDS)
def test_random_policy_distributions_close(env_id):
    """Random actions (the same per seed on both): returns and episode lengths. Statistic: the
    two-sample KS distance, bound 1.63 * sqrt(2 / n) (the 1 % critical value; 0.36 for n = 40).
    Measured (100 seeds, BipedalWalker-v3): return mean -103.2 vs -101.6, quantiles 10/50/90 %
    (-119, -102, -80) vs (-119, -102, -81); lengths (56, 88, 1600) vs (55, 86, 1600)."""
    episode = lambda env, obs, seed: random_episode(env, obs, np.random.default_rng(seed))
    ours, ref = paired_runs(env_id, RANDOM_SEEDS, episode)
    bound = 1.63 * math.sqrt(2 / len(RANDOM_SEEDS))
    for col, what in ((0, "return"), (1, "length")):
        d = ks_statistic(ours[:, col], ref[:, col])
        assert d <= bound, (what, d, bound, np.percentile(ours[:, col], [10, 50, 90]),
                            np.percentile(ref[:, col], [10, 50, 90]))
    assert abs(ours[:, 0].mean() - ref[:, 0].mean()) <= mean_tolerance(ours[:, 0], ref[:, 0], 0.10)


# Pictures right after reset (the one state both envs share): mean absolute difference per
# channel over the frame, and the share of pixels off by more than 64 in some channel. Measured
# (1 Dec 2026, seeds 0..2, both ids): mean 0.080-0.085, pixels off 0.040-0.045 % (edges of the
# anti-aliased outlines and the 1-pixel lidar line). Another seed's picture is far off.
MAD_TOL = 0.25
BAD_TOL = 0.0015


def picture_metric(a, b):
    assert a.shape == b.shape == (400, 600, 3) and a.dtype == b.dtype == np.uint8
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(d.mean()), float((d.max(axis=2) > 64).mean())


@pytest.mark.parametrize("env_id", IDS)
def test_picture_after_reset_matches_gymnasiums(env_id):
    frames = []
    for seed in range(3):
        ours, ref, *_ = synced(env_id, seed, render_mode="rgb_array")
        a, b = ours.render(), ref.render()
        mad, bad = picture_metric(a, b)
        assert mad <= MAD_TOL and bad <= BAD_TOL, (env_id, seed, mad, bad)
        frames.append((a, b))
        ref.close()
    # the metric tells different states apart: our seed 0 against gymnasium's seed 1
    mad, bad = picture_metric(frames[0][0], frames[1][1])
    assert mad > MAD_TOL and bad > BAD_TOL, (mad, bad)


if __name__ == "__main__":
    import sys
    if "--reference" in sys.argv:  # gymnasium's heuristic scores on REFERENCE_SEEDS (~50 s per id)
        for env_id in IDS:
            r, ok = heuristic_scores(lambda: gymnasium.make(env_id), REFERENCE_SEEDS)
            print(f"{env_id}: mean {r.mean():.1f} se {r.std(ddof=1) / math.sqrt(len(r)):.1f} success {ok.mean():.3f}")
