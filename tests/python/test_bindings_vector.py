"""Tests of rlforge.make_vec: gymnasium's vector semantics, zero-copy views, GIL, errors."""
import sys
import threading

import gymnasium
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv

import rlforge  # the test command installs it (pip install .): never skipped
from rlforge.vector import nest_infos  # noqa: E402

MODES = [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]


def random_actions(space, steps, seed):
    space.seed(seed)
    return [space.sample() for _ in range(steps)]


def assert_infos_equal(ours, theirs, where):
    assert set(ours) == set(theirs), (where, sorted(ours), sorted(theirs))
    for key in theirs:
        if isinstance(theirs[key], dict):
            assert_infos_equal(ours[key], theirs[key], f"{where}.{key}")
        elif key == "final_obs":
            for a, b in zip(ours[key], theirs[key]):
                assert (a is None) == (b is None), where
                if b is not None:
                    np.testing.assert_array_equal(a, b, err_msg=where)
        else:
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{where}: {key}")
            assert ours[key].dtype == theirs[key].dtype, (where, key)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("env_id, kwargs", [
    ("CartPole-v1", {}),                       # natively batched
    ("Pendulum-v1", {"max_episode_steps": 30}),  # continuous actions, truncation
    ("Acrobot-v1", {"max_episode_steps": 40}),
])
def test_matches_gymnasium_sync_vector_env(env_id, kwargs, mode):
    """Same seeds and actions: identical to gymnasium's SyncVectorEnv over rlforge's single
    envs (which the C++ tests show equal the batched path), in both autoreset modes."""
    n, steps = 7, 160
    ours = rlforge.make_vec(env_id, n, num_threads=2, autoreset_mode=mode, **kwargs)
    ref = SyncVectorEnv([lambda: rlforge.make(env_id, **kwargs) for _ in range(n)],
                        autoreset_mode=mode)
    assert isinstance(ours, VectorEnv)
    assert ours.metadata["autoreset_mode"] == ref.metadata["autoreset_mode"] == mode
    assert ours.single_observation_space == ref.single_observation_space
    assert ours.single_action_space == ref.single_action_space
    assert ours.observation_space == ref.observation_space
    assert ours.action_space == ref.action_space
    o1, i1 = ours.reset(seed=11)
    o2, i2 = ref.reset(seed=11)
    np.testing.assert_array_equal(o1, o2)
    assert i1 == i2 == {}
    ended = 0
    for t, actions in enumerate(random_actions(ref.action_space, steps, 3)):
        o1, r1, te1, tr1, i1 = ours.step(actions)
        o2, r2, te2, tr2, i2 = ref.step(actions)
        np.testing.assert_array_equal(o1, o2, err_msg=f"t={t}")
        np.testing.assert_array_equal(r1, r2, err_msg=f"t={t}")
        np.testing.assert_array_equal(te1, te2, err_msg=f"t={t}")
        np.testing.assert_array_equal(tr1, tr2, err_msg=f"t={t}")
        assert (o1.dtype, r1.dtype, te1.dtype, tr1.dtype) == (o2.dtype, r2.dtype, te2.dtype, tr2.dtype)
        assert_infos_equal(i1, i2, f"t={t}")
        ended += int(te2.sum() + tr2.sum())
    assert ended > 3  # the comparison covered autoresets


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
def test_infos_of_a_non_batched_env_match_sync_vector_env(mode):
    from rlforge.examples import corridor_env  # noqa: F401  registers Corridor-v0
    n = 5
    ours = rlforge.make_vec("Corridor-v0", n, autoreset_mode=mode, length=4, random_start=True)
    assert not ours.is_batched
    ref = SyncVectorEnv([lambda: rlforge.make("Corridor-v0", length=4, random_start=True)
                         for _ in range(n)], autoreset_mode=mode)
    ours.reset(seed=0)
    ref.reset(seed=0)
    saw_final = False
    for t, actions in enumerate(random_actions(ref.action_space, 60, 1)):
        o1, r1, _, _, i1 = ours.step(actions)
        o2, r2, _, _, i2 = ref.step(actions)
        np.testing.assert_array_equal(o1, o2)
        assert_infos_equal(i1, i2, f"t={t}")
        saw_final |= "final_info" in i2
    assert saw_final == (mode == AutoresetMode.SAME_STEP)


def test_nested_info_keys_follow_gymnasiums_add_info():
    """Dotted C++ keys ("episode.r") nest as gymnasium's VectorEnv._add_info nests dicts."""
    n = 4
    present = {0: {"episode.r": 3.0, "episode.l": 5.0}, 2: {"episode.r": 7.5, "episode.l": 9.0, "x": 1.0}}
    flat = {}
    for i, entries in present.items():
        for k, v in entries.items():
            values, mask = flat.setdefault(k, (np.zeros(n), np.zeros(n, dtype=np.uint8)))
            values[i], mask[i] = v, 1
    ours = nest_infos(flat)
    vec = SyncVectorEnv([lambda: rlforge.make("CartPole-v1")] * n)
    theirs = {}
    for i, entries in present.items():
        info = {}
        for k, v in entries.items():
            node = info
            *parents, leaf = k.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = v
        theirs = vec._add_info(theirs, info, i)
    assert_infos_equal(ours, theirs, "nested")


def test_outputs_are_views_of_the_cpp_buffers():
    vec = rlforge.make_vec("CartPole-v1", 16, num_threads=2)
    obs, _ = vec.reset(seed=0)
    handle = vec._vec
    assert obs.base is handle and not obs.flags.owndata and obs.flags.c_contiguous
    assert obs.__array_interface__["data"][0] == handle.observations_address
    before = obs.copy()
    obs2, rewards, terminated, truncated, _ = vec.step(np.zeros(16, dtype=np.int64))
    # The same memory, overwritten in place: valid until the next step/reset.
    assert obs2 is obs and obs2.__array_interface__["data"][0] == handle.observations_address
    assert not np.array_equal(before, obs)
    for arr in (rewards, terminated, truncated):
        assert arr.base is handle and not arr.flags.owndata
    assert terminated.dtype == np.bool_ and rewards.dtype == np.float64
    assert vec.step(np.ones(16, dtype=np.int64))[1] is rewards
    # The views keep the C++ buffers alive after the env object is gone.
    del vec, handle
    assert np.isfinite(obs).all()


def test_same_step_final_observations_are_copies():
    vec = rlforge.make_vec("CartPole-v1", 4, autoreset_mode=AutoresetMode.SAME_STEP,
                           max_episode_steps=2)
    vec.reset(seed=0)
    vec.step(np.zeros(4, dtype=np.int64))
    obs, _, _, truncated, infos = vec.step(np.zeros(4, dtype=np.int64))
    assert truncated.all() and infos["_final_obs"].all() and infos["_final_info"].all()
    finals = [f.copy() for f in infos["final_obs"]]
    vec.step(np.zeros(4, dtype=np.int64))
    for kept, f in zip(finals, infos["final_obs"]):
        np.testing.assert_array_equal(kept, f)  # not overwritten by the next step
    assert not np.array_equal(np.stack(finals), obs)  # obs are the reset observations


def test_same_results_for_any_thread_count():
    def run(threads):
        vec = rlforge.make_vec("Acrobot-v1", 33, num_threads=threads)
        vec.reset(seed=4)
        acts = random_actions(vec.action_space, 100, 9)
        return np.stack([vec.step(a)[0].copy() for a in acts])
    one = run(1)
    np.testing.assert_array_equal(one, run(2))
    np.testing.assert_array_equal(one, run(3))


def test_gymnasium_make_vec_uses_the_cpp_vector_env():
    vec = gymnasium.make_vec("rlforge/CartPole-v1", num_envs=64)
    assert isinstance(vec, rlforge.VectorEnv) and vec.num_envs == 64 and vec.is_batched
    assert vec.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert vec.spec.id == "rlforge/CartPole-v1"
    vec2 = gymnasium.make_vec("rlforge/CartPole-v1", num_envs=8, num_threads=1,
                              autoreset_mode=AutoresetMode.SAME_STEP)
    assert vec2.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP and vec2.num_threads == 1
    obs, _ = vec.reset(seed=[5 + i for i in range(64)])
    obs5 = rlforge.make("CartPole-v1").reset(seed=5 + 63)[0]
    np.testing.assert_array_equal(obs[63], obs5)  # env i is seeded with seed + i
    # The spec's TimeLimit (500) is applied.
    vec3 = gymnasium.make_vec("rlforge/MountainCar-v0", num_envs=2)
    vec3.reset(seed=0)
    truncs = [vec3.step(np.zeros(2, dtype=np.int64))[3].copy() for _ in range(200)]
    assert truncs[198].sum() == 0 and truncs[199].all()


def test_gil_is_released_while_stepping():
    vec = rlforge.make_vec("Acrobot-v1", 20000, num_threads=1)
    vec.reset(seed=0)
    actions = np.ones(20000, dtype=np.int64)
    count, stop = [0], threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    # A long switch interval: between bytecodes the main thread keeps the GIL, so the
    # spinning thread can only run while the C++ step has released it.
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.2)
    t = threading.Thread(target=spin)
    try:
        t.start()
        ran = []
        for _ in range(3):
            c0 = count[0]
            vec._vec.step(actions)  # the raw handle: no Python bytecode inside the timed call
            ran.append(count[0] - c0)
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert max(ran) > 100, ran


def test_bad_inputs_change_nothing_and_raise():
    vec = rlforge.make_vec("CartPole-v1", 4)
    with pytest.raises(rlforge.ResetNeeded, match="before reset"):
        vec.step(np.zeros(4, dtype=np.int64))
    obs, _ = vec.reset(seed=0)
    before = obs.copy()
    with pytest.raises(ValueError, match=r"shape \(3,\), expected \(4,\)"):
        vec.step(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match=r"env 2 5 is not in Discrete\(2\)"):
        vec.step(np.array([0, 1, 5, 0]))
    with pytest.raises(ValueError, match="Discrete\\(2\\)"):
        vec.step(np.zeros(4, dtype=np.float32))
    with pytest.raises(TypeError, match="Discrete\\(2\\)"):
        vec.step("left")
    np.testing.assert_array_equal(obs, before)  # no env moved
    vec.step([0, 1, 0, 1])  # lists are fine
    with pytest.raises(ValueError, match="seed list"):
        vec.reset(seed=[1, 2, 4, 5])
    with pytest.raises(ValueError, match=r"num_envs must be in \[1, "):
        rlforge.make_vec("CartPole-v1", 0)
    with pytest.raises(ValueError, match="num_threads"):
        rlforge.make_vec("CartPole-v1", 2, num_threads=0)
    with pytest.raises(rlforge.NameNotFound, match="did you mean"):
        rlforge.make_vec("CartPol-v1", 2)
    with pytest.raises(ValueError, match="not supported"):
        rlforge.make_vec("CartPole-v1", 2, autoreset_mode=AutoresetMode.DISABLED)
    pend = rlforge.make_vec("Pendulum-v1", 3)
    pend.reset(seed=0)
    with pytest.raises(ValueError, match=r"env 1 \[3\].*Box\(-2.0, 2.0, \(1,\), float32\)"):
        pend.step(np.array([[0.0], [3.0], [0.0]], dtype=np.float32))


def test_num_envs_and_num_threads_must_be_ints_in_range():
    with pytest.raises(TypeError, match=r"num_envs must be an int, got 10000000.0 \(float\)"):
        rlforge.make_vec("CartPole-v1", num_envs=1e7)
    with pytest.raises(TypeError, match="num_envs must be an int"):
        rlforge.make_vec("CartPole-v1", num_envs=True)
    with pytest.raises(ValueError, match=r"CartPole-v1: num_envs must be in \[1, 2147483647\], got 2147483648"):
        rlforge.make_vec("CartPole-v1", num_envs=2**31)
    with pytest.raises(ValueError, match="num_envs must be in"):
        rlforge.make_vec("CartPole-v1", num_envs=0)
    with pytest.raises(TypeError, match="num_threads must be an int"):
        rlforge.make_vec("CartPole-v1", num_envs=2, num_threads=1.5)
    assert rlforge.make_vec("CartPole-v1", num_envs=np.int64(3)).num_envs == 3
