"""Tests of the rlforge Python package, single envs: spaces, check_env, registry, errors, parity."""
import json
import re
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlforge  # the test command installs it (pip install .): never skipped

ALL_IDS = rlforge.list_envs()
# Every rlforge env that gymnasium also has (the reference for spaces and dynamics).
GYM_IDS = [i for i in ALL_IDS if i in gymnasium.registry]
# Those whose gymnasium twin keeps its whole state in `env.state` (classic control); the Box2D
# envs' parity tests (tests/python/test_box2d_*.py) synchronize through their random draws.
STATE_IDS = [i for i in GYM_IDS
             if gymnasium.spec(i).entry_point.startswith("gymnasium.envs.classic_control")]


def gym_reference(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # CartPole-v0 is "out of date"
        return gymnasium.make(env_id).unwrapped


def test_every_builtin_env_is_listed_and_registered_with_gymnasium():
    assert {"CartPole-v1", "CartPole-v0", "Pendulum-v1", "MountainCar-v0",
            "MountainCarContinuous-v0", "Acrobot-v1"} <= set(ALL_IDS)
    for env_id in ALL_IDS:
        # A C++ id with its own namespace ("MinAtar/Breakout-v1") is "rlforge/MinAtar-Breakout-v1".
        spec = gymnasium.spec(f"rlforge/{env_id.replace('/', '-')}")
        assert spec.namespace == "rlforge" and spec.vector_entry_point is not None
        assert rlforge.make(spec.id).spec.id == spec.id


@pytest.mark.parametrize("env_id", GYM_IDS)
def test_spaces_and_spec_equal_gymnasiums(env_id):
    ours = rlforge.make(env_id)
    ref = gym_reference(env_id)
    for mine, theirs in [(ours.observation_space, ref.observation_space),
                         (ours.action_space, ref.action_space)]:
        assert type(mine) is type(theirs)
        assert mine == theirs
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        if isinstance(theirs, gymnasium.spaces.Box):
            np.testing.assert_array_equal(mine.low, theirs.low)  # exact, infinities included
            np.testing.assert_array_equal(mine.high, theirs.high)
            assert mine.low.dtype == theirs.low.dtype
            np.testing.assert_array_equal(mine.bounded_below, theirs.bounded_below)
            np.testing.assert_array_equal(mine.bounded_above, theirs.bounded_above)
        if isinstance(theirs, gymnasium.spaces.Discrete):
            assert (mine.n, mine.start) == (theirs.n, theirs.start)
    ours_spec, ref_spec = gymnasium.spec(f"rlforge/{env_id}"), gymnasium.spec(env_id)
    assert ours_spec.max_episode_steps == ref_spec.max_episode_steps
    assert ours_spec.reward_threshold == ref_spec.reward_threshold
    assert ours.metadata["render_fps"] == ref.metadata["render_fps"]


def warning_messages(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return sorted({str(w.message) for w in caught})


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_check_env_passes_without_warnings(env_id):
    env = rlforge.make(env_id)
    # gymnasium's own CartPole (infinite bounds) and Pendulum (action range [-2, 2]) make
    # check_env warn about their spaces; rlforge's equal spaces may raise exactly those
    # warnings and nothing else. Every other env: no warning at all.
    allowed = (warning_messages(lambda: check_env(gym_reference(env_id), skip_render_check=True))
               if env_id in GYM_IDS else [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for message in allowed:
            warnings.filterwarnings("ignore", message=re.escape(message), category=UserWarning)
        check_env(env)  # render check included: no render modes are declared


def test_check_env_through_gymnasium_make():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gymnasium.make("rlforge/Acrobot-v1").unwrapped)


@pytest.mark.parametrize("env_id", STATE_IDS)
def test_dynamics_match_gymnasium_from_the_same_state(env_id):
    """Starting from gymnasium's initial state, the same actions give the same transitions."""
    ours, ref = rlforge.make(env_id, max_episode_steps=0), gym_reference(env_id)
    rng = np.random.default_rng(0)
    for episode in range(3):
        ref.reset(seed=episode)
        ours.reset(seed=episode)
        ours.set_state(np.asarray(ref.state, dtype=np.float64))
        for t in range(300):
            action = ref.action_space.sample() if isinstance(ref.action_space, gymnasium.spaces.Discrete) \
                else rng.uniform(ref.action_space.low, ref.action_space.high).astype(np.float32)
            o1, r1, te1, tr1, _ = ref.step(action)
            o2, r2, te2, tr2, info = ours.step(action)
            assert o2.dtype == ref.observation_space.dtype and o2.shape == o1.shape
            np.testing.assert_allclose(o2, o1, rtol=1e-5, atol=1e-5, err_msg=f"{env_id} t={t}")
            assert r2 == pytest.approx(float(r1), rel=1e-9, abs=1e-12)
            assert (te2, tr2) == (bool(te1), False) and info == {}
            assert type(r2) is float and type(te2) is bool and type(tr2) is bool
            if te1:
                break


def test_gymnasium_make_applies_the_time_limit_like_gymnasium():
    env = gymnasium.make("rlforge/CartPole-v1")
    assert env.spec.max_episode_steps == 500
    env.reset(seed=0)
    for t in range(500):
        env.unwrapped.set_state([0.0, 0.0, 0.0, 0.0])  # upright and still: never falls
        _, _, terminated, truncated, _ = env.step(t % 2)
        assert not terminated
        assert truncated == (t == 499)
    short = gymnasium.make("rlforge/CartPole-v1", max_episode_steps=3)
    short.reset(seed=0)
    assert [short.step(0)[3] for _ in range(3)] == [False, False, True]


def test_make_kwargs_and_time_limit_override():
    env = rlforge.make("CartPole-v1", sutton_barto_reward=True, max_episode_steps=4)
    assert env.spec.kwargs == {"sutton_barto_reward": True} and env.spec.max_episode_steps == 4
    env.reset(seed=1)
    env.set_state([0.0, 0.0, 0.0, 0.0])
    results = [env.step(i % 2)[1:4] for i in range(4)]
    assert [r[0] for r in results] == [0.0] * 4  # Sutton-Barto: 0 per step
    assert [r[2] for r in results] == [False, False, False, True]
    made = gymnasium.make("rlforge/Pendulum-v1", g=9.81)
    cpp = made.unwrapped.cpp_spec
    # gymnasium's TimeLimit wrapper, not C++, ends episodes made through gymnasium.make.
    assert json.loads(cpp["kwargs"]) == {"g": 9.81} and cpp["max_episode_steps"] is None
    assert made.spec.max_episode_steps == 200 and made.spec.kwargs == {"g": 9.81}
    assert rlforge.make("rlforge/MountainCar-v0").spec.id == "rlforge/MountainCar-v0"


def test_same_seed_same_trajectory_and_reset_options():
    def trajectory(seed):
        env = rlforge.make("Acrobot-v1")
        obs, _ = env.reset(seed=seed)
        out = [obs]
        for t in range(200):
            out.append(env.step(t % 3)[0])
        return np.array(out)
    np.testing.assert_array_equal(trajectory(5), trajectory(5))
    assert not np.array_equal(trajectory(5), trajectory(6))
    env = rlforge.make("CartPole-v1")
    obs, _ = env.reset(seed=0, options={"low": 0.2, "high": 0.3})
    assert np.all((obs >= 0.2) & (obs <= 0.3))
    # An unseeded reset continues the stream: a different start, same as gymnasium.
    assert not np.array_equal(env.reset()[0], env.reset()[0])


def test_returned_observations_are_fresh_arrays():
    env = rlforge.make("CartPole-v1")
    first, _ = env.reset(seed=0)
    kept = first.copy()
    second = env.step(0)[0]
    assert second is not first and np.array_equal(first, kept)
    assert first.flags.owndata and first.flags.writeable


# ---- errors: every C++ error is a Python exception naming the value and the space ----

def test_unknown_id_raises_name_not_found_with_close_matches():
    with pytest.raises(rlforge.NameNotFound, match="CartPole-v1") as e:
        rlforge.make("CartPole-v9")
    assert isinstance(e.value, gymnasium.error.NameNotFound) and isinstance(e.value, LookupError)
    with pytest.raises(gymnasium.error.Error):
        gymnasium.make("rlforge/CartPole-v9")


def test_bad_kwargs_raise_value_errors():
    with pytest.raises(rlforge.InvalidArgument, match="unknown kwarg 'gravity'.*sutton_barto_reward"):
        rlforge.make("CartPole-v1", gravity=3.0)
    with pytest.raises(ValueError, match="must be a bool"):
        rlforge.make("CartPole-v1", sutton_barto_reward=3)
    with pytest.raises(TypeError, match="JSON-serializable"):
        rlforge.make("CartPole-v1", sutton_barto_reward=object())


def test_non_finite_kwargs_huge_time_limits_and_unknown_reset_options_are_refused():
    with pytest.raises(rlforge.InvalidArgument, match="Pendulum-v1: kwarg 'g' must be a finite number"):
        rlforge.make("Pendulum-v1", g=float("nan"))
    with pytest.raises(rlforge.InvalidArgument, match=r"max_episode_steps must be in \[0, 2147483647\]"):
        rlforge.make("CartPole-v1", max_episode_steps=2**31)
    with pytest.raises(rlforge.InvalidArgument, match=r"max_episode_steps must be in"):
        rlforge.make_vec("CartPole-v1", 2, max_episode_steps=2**31)
    env = rlforge.make("CartPole-v1")
    with pytest.raises(rlforge.InvalidArgument, match="unknown reset option 'lowx'; accepted options: low, high"):
        env.reset(seed=1, options={"lowx": 0.0})
    with pytest.raises(rlforge.InvalidArgument, match="reset option 'low' must be a finite number"):
        env.reset(seed=1, options={"low": float("nan")})
    env.reset(seed=1, options={"low": -0.01, "high": 0.01})


@pytest.mark.parametrize("action, error, pieces", [
    (2, ValueError, ["2", "Discrete(2)", "CartPole-v1"]),
    (-1, ValueError, ["-1", "Discrete(2)"]),
    (1.0, ValueError, ["1.0", "Discrete(2)"]),
    (np.float32(1.0), ValueError, ["Discrete(2)"]),
    (np.array([1, 0]), ValueError, ["Discrete(2)"]),
    ("left", TypeError, ["'left'", "Discrete(2)"]),
    (None, TypeError, ["None", "Discrete(2)"]),
    (object(), TypeError, ["Discrete(2)"]),
    (2**70, ValueError, [str(2**70), "Discrete(2)"]),
])
def test_invalid_discrete_actions(action, error, pieces):
    env = rlforge.make("CartPole-v1")
    env.reset(seed=0)
    with pytest.raises(error) as e:
        env.step(action)
    for piece in pieces:
        assert piece in str(e.value), (piece, str(e.value))
    env.step(1)  # the env is still usable


@pytest.mark.parametrize("action, error, pieces", [
    (np.array([2.5], dtype=np.float32), ValueError, ["2.5", "Box(-2.0, 2.0, (1,), float32)"]),
    (np.array([np.nan], dtype=np.float32), ValueError, ["nan", "Box(-2.0, 2.0, (1,), float32)"]),
    (np.zeros((2,), dtype=np.float32), ValueError, ["Box(-2.0, 2.0, (1,), float32)"]),
    (np.array([1.0]), ValueError, ["float64", "Box(-2.0, 2.0, (1,), float32)"]),
    ([[1.0]], ValueError, ["Box(-2.0, 2.0, (1,), float32)"]),
    (["x"], TypeError, ["'x'", "Box(-2.0, 2.0, (1,), float32)"]),
])
def test_invalid_box_actions(action, error, pieces):
    env = rlforge.make("Pendulum-v1")
    env.reset(seed=0)
    with pytest.raises(error) as e:
        env.step(action)
    for piece in pieces:
        assert piece in str(e.value), (piece, str(e.value))


def test_accepted_action_forms_match_gymnasium_contains():
    env = rlforge.make("CartPole-v1")
    env.reset(seed=0)
    for a in [1, True, np.int64(1), np.int32(0), np.uint8(1), np.array(1), np.array(0, dtype=np.int16)]:
        assert env.action_space.contains(a), a  # gymnasium accepts it, so must we
        env.step(a)
    pend = rlforge.make("Pendulum-v1")
    pend.reset(seed=0)
    for a in [[0.5], np.array([0.5], dtype=np.float32), np.array([1], dtype=np.int8),
              np.array([[0.5]], dtype=np.float32)[0], np.array([0.5, 9], dtype=np.float32)[:1]]:
        pend.step(a)


def test_state_errors_and_bad_seeds():
    env = rlforge.make("CartPole-v1")
    with pytest.raises(rlforge.ResetNeeded, match="before reset") as e:
        env.step(0)
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, gymnasium.error.ResetNeeded)
    env.reset(seed=0)
    env.set_state([3.0, 0.0, 0.0, 0.0])  # outside the track: the next step terminates
    assert env.step(0)[2]
    with pytest.raises(rlforge.ResetNeeded, match="after the episode ended"):
        env.step(0)
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=-1)
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=2**64)
    with pytest.raises(TypeError, match="seed"):
        env.reset(seed="1")
    env.reset(seed=2**64 - 1)
    np.testing.assert_array_equal(env.reset(seed=np.int64(3))[0], env.reset(seed=3)[0])
    with pytest.raises(ValueError, match="low.*must be a number"):
        env.reset(options={"low": "zero"})
    with pytest.raises(ValueError, match="lower than high"):
        env.reset(options={"low": 1.0, "high": 0.0})
    with pytest.raises(ValueError, match="4"):
        env.set_state([1.0, 2.0])


# ---- a user's C++ env, exposed through a C++ env module ----

def test_cpp_env_module_registers_its_envs():
    from rlforge.examples import corridor_env
    assert corridor_env.env_ids == ["Corridor-v0"]
    assert "Corridor-v0" in rlforge.list_envs()
    env = rlforge.make("Corridor-v0", length=5)
    obs, info = env.reset(seed=0)
    assert obs.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0] and info == {}
    ret, steps, done = 0.0, 0, False
    while not done:
        obs, r, terminated, truncated, info = env.step(1)
        ret, steps, done = ret + r, steps + 1, terminated or truncated
    assert (steps, ret, info) == (4, -3.0, {"position": 4.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gymnasium.make("rlforge/Corridor-v0").unwrapped)
    # The module's own C++ exceptions keep their type across the two shared objects.
    with pytest.raises(rlforge.InvalidArgument, match="length must be >= 2, got 1"):
        rlforge.make("Corridor-v0", length=1)
    with pytest.raises(rlforge.InvalidAction, match="Discrete\\(2\\)"):
        env.reset(seed=0)
        env.step(3)
    vec = gymnasium.make_vec("rlforge/Corridor-v0", num_envs=3, length=3)
    vec.reset(seed=0)
    _, rewards, terminated, _, infos = vec.step(np.ones(3, dtype=np.int64))
    assert rewards.tolist() == [-1.0] * 3 and not terminated.any()
    np.testing.assert_array_equal(infos["position"], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(infos["_position"], [True, True, True])
