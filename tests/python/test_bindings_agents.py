"""Tests of agents from Python: rlforge.train / resume (run folder, overrides, config errors, Ctrl-C) and load_policy().act."""
import csv
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import gymnasium
import numpy as np
import pytest

import rlforge  # the test command installs it (pip install .): never skipped

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "experiments" / "configs"
CARTPOLE = CONFIGS / "cartpole_ppo.json"
# A small run: 4 iterations of 256 steps, 2 evaluations, no early stop.
SMALL = dict(total_steps=1024, eval__every_steps=512, eval__episodes=3, target_return=None)


def cartpole_dict():
    return json.loads(CARTPOLE.read_text())


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory):
    """The default cartpole_ppo config, trained to its target (475)."""
    return rlforge.train(cartpole_dict(), out=tmp_path_factory.mktemp("cartpole") / "run")


def test_train_from_a_dict_writes_the_run_folder(tmp_path):
    # A process started in the background by a non-interactive shell (as CI may be) inherits
    # SIGINT ignored, and then Python installs no Ctrl-C handler; install it so that the check
    # below tests what train() restores, not how the test runner was started.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        out = rlforge.train(cartpole_dict(), seed=3, out=tmp_path / "run", **SMALL)
        # Python's own Ctrl-C handling is back after train() returns.
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert isinstance(out, Path) and out == tmp_path / "run"
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["seed"] == 3 and cfg["total_steps"] == 1024 and cfg["target_return"] is None
    assert cfg["eval"] == {"every_steps": 512, "episodes": 3}
    assert cfg["ppo"]["gamma"] == 0.98 and "clip_vloss" in cfg["ppo"]  # resolved: defaults written too
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert [int(r["step"]) for r in rows] == [256, 512, 768, 1024]
    assert sum(1 for r in rows if r["eval_return"]) == 2
    assert (out / "checkpoints" / "latest.ckpt").exists() and (out / "checkpoints" / "best.ckpt").exists()
    assert (out / "policy.rlft").exists()


def test_train_from_a_path_defaults_to_runs_stem_seed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = rlforge.train(CARTPOLE, ppo__lr=5e-4, env__num_envs=2, **SMALL)
    assert out == Path("runs/cartpole_ppo-seed1")
    cfg = json.loads((tmp_path / out / "config.json").read_text())
    assert cfg["ppo"]["lr"] == 5e-4 and cfg["env"]["num_envs"] == 2
    out = rlforge.train({"env": {"id": "CartPole-v1"}, "seed": 7}, **SMALL)
    assert out == Path("runs/ppo-CartPole-v1-seed7") and (tmp_path / out / "policy.rlft").exists()


def test_same_config_same_policy_bytes(tmp_path):
    a = rlforge.train(CARTPOLE, out=tmp_path / "a", **SMALL)
    b = rlforge.train(cartpole_dict(), out=tmp_path / "b", env__num_threads=2, **SMALL)
    assert (a / "policy.rlft").read_bytes() == (b / "policy.rlft").read_bytes()


def test_training_releases_the_gil_and_runs_on_a_thread(tmp_path):
    span = {}

    def work():
        span["start"] = time.perf_counter()
        span["out"] = rlforge.train(CARTPOLE, out=tmp_path / "run", total_steps=16384,
                                    target_return=None, eval__every_steps=4096)
        span["end"] = time.perf_counter()

    t = threading.Thread(target=work)
    ticks = []
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
    t.join()
    assert (span["out"] / "policy.rlft").exists()
    inside = [x for x in ticks if span["start"] + 0.02 < x < span["end"] - 0.02]
    assert span["end"] - span["start"] > 0.1 and len(inside) > 100  # the main thread ran meanwhile


@pytest.mark.parametrize("config, overrides, names", [
    ({"algo": "ppo", "env": {"id": "CartPole-v1"}, "ppo": {"lrr": 1e-3}}, {}, ["config (dict)", "'ppo.lrr'"]),
    ({"algo": "ppo", "env": {"id": "CartPole-v1"}}, {"ppo__lr": "fast"}, ["config (dict)", "'ppo.lr'"]),
    ({"algo": "ppo", "env": {"id": "CartPole-v1"}}, {"env__num_envs": -1}, ["config (dict)", "'env.num_envs'"]),
    ({"algo": "a2c"}, {}, ["config (dict)", "'algo'"]),
    ({"algo": "ppo"}, {}, ["config (dict)", "'env.id'", "required"]),
    (CARTPOLE, {"ppo__lrr": 1}, [str(CARTPOLE), "'ppo.lrr'"]),
    (CARTPOLE, {"policy__hidden": [64, "x"]}, [str(CARTPOLE), "policy.hidden"]),
    (CONFIGS / "missing.json", {}, [str(CONFIGS / "missing.json")]),
])
def test_config_errors_name_the_source_and_key_path(tmp_path, config, overrides, names):
    with pytest.raises(ValueError) as e:
        rlforge.train(config, out=tmp_path / "run", **overrides)
    assert isinstance(e.value, rlforge.ConfigError)
    for name in names:
        assert name in str(e.value)
    assert not (tmp_path / "run").exists()  # checked before anything is written


def test_config_values_must_be_json(tmp_path):
    with pytest.raises(ValueError, match="ppo.lr"):
        rlforge.train(cartpole_dict(), out=tmp_path / "run", ppo__lr=object())
    with pytest.raises(TypeError):
        rlforge.train(42, out=tmp_path / "run")


def test_trained_policy_plays_cartpole_far_above_random(cartpole_run):
    policy = rlforge.load_policy(cartpole_run)
    assert policy.algo == "ppo" and policy.env_id == "CartPole-v1"
    assert policy.observation_space == gymnasium.make("rlforge/CartPole-v1").observation_space
    assert policy.action_space == gymnasium.spaces.Discrete(2)
    assert policy.checkpoint == cartpole_run / "checkpoints" / "best.ckpt"
    assert policy.config["ppo"]["gamma"] == 0.98 and policy.global_step > 0
    env = gymnasium.make("rlforge/CartPole-v1")
    returns = []
    for ep in range(5):
        obs, _ = env.reset(seed=100 + ep)
        done, total = False, 0.0
        while not done:
            action = policy.act(obs)
            assert isinstance(action, int) and env.action_space.contains(action)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns.append(total)
    assert np.mean(returns) > 150, returns  # random actions: ~22
    # The C++ evaluation (as `rlforge eval`) agrees that the policy is good.
    assert policy.evaluate(episodes=5, seed=1).mean() > 150


def test_act_single_and_batched_agree(cartpole_run):
    policy = rlforge.load_policy(cartpole_run)
    rng = np.random.default_rng(0)
    batch = rng.uniform(-0.5, 0.5, size=(64, 4)).astype(np.float32)
    actions = policy.act(batch)
    assert actions.dtype == np.int64 and actions.shape == (64,)
    assert set(np.unique(actions)) <= {0, 1}
    assert [policy.act(o) for o in batch] == actions.tolist()
    assert policy.act(batch).tolist() == actions.tolist()  # deterministic
    # float64, lists, non-contiguous views: converted to float32
    assert policy.act(batch.astype(np.float64)).tolist() == actions.tolist()
    assert policy.act(batch[0].tolist()) == actions[0]
    assert policy.act(np.asfortranarray(batch)).tolist() == actions.tolist()
    assert policy.act(batch[::2]).tolist() == actions[::2].tolist()
    assert policy.act(np.zeros((0, 4), np.float32)).shape == (0,)
    # A .ckpt file works as well as the run folder.
    latest = rlforge.load_policy(cartpole_run / "checkpoints" / "latest.ckpt")
    assert latest.checkpoint.name == "latest.ckpt"


@pytest.mark.parametrize("obs, expected", [
    (np.zeros(5, np.float32), "got shape (5,)"),
    (np.zeros((3, 2), np.float32), "got shape (3, 2)"),
    (np.zeros((2, 3, 4), np.float32), "got shape (2, 3, 4)"),
    (np.float32(0.0), "got shape ()"),
    (np.zeros(4, np.complex64), "got dtype complex64"),
    (np.array(["a", "b", "c", "d"]), "got dtype <U1"),
    (np.zeros(4, bool), "got dtype bool"),
])
def test_bad_observations_raise_value_error(cartpole_run, obs, expected):
    policy = rlforge.load_policy(cartpole_run)
    with pytest.raises(ValueError) as e:
        policy.act(obs)
    assert expected in str(e.value)
    if "shape" in expected:
        assert "(4,)" in str(e.value) and "(B, 4)" in str(e.value)


def test_load_policy_errors_name_the_path(tmp_path):
    with pytest.raises(ValueError, match=str(tmp_path)):
        rlforge.load_policy(tmp_path)  # a folder without checkpoints
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="bad.ckpt"):
        rlforge.load_policy(bad)


@pytest.mark.parametrize("config, algo, overrides", [
    ("pendulum_ppo.json", "ppo", dict(total_steps=4096, ppo__num_steps=256, ppo__minibatches=4)),
    ("pendulum_sac.json", "sac", dict(total_steps=300, sac__learning_starts=100)),
    ("cartpole_dqn.json", "dqn", dict(total_steps=512, dqn__learning_starts=256)),
])
def test_every_algo_loads_and_acts(tmp_path, config, algo, overrides):
    out = rlforge.train(CONFIGS / config, out=tmp_path / "run", target_return=None,
                        eval__episodes=2, **overrides)
    policy = rlforge.load_policy(out)
    assert policy.algo == algo
    env = gymnasium.make(f"rlforge/{policy.env_id}")
    assert policy.action_space == env.action_space
    obs, _ = env.reset(seed=0)
    single = policy.act(obs)
    batch = policy.act(np.stack([obs, obs * 0.5]))
    if algo == "dqn":
        assert isinstance(single, int) and batch.shape == (2,) and batch[0] == single
    else:
        assert isinstance(single, np.ndarray) and single.dtype == np.float32 and single.shape == (1,)
        assert batch.dtype == np.float32 and batch.shape == (2, 1)
        np.testing.assert_array_equal(batch[0], single)
        assert env.action_space.contains(single) and all(env.action_space.contains(a) for a in batch)
    env.step(single)


CTRL_C_SCRIPT = textwrap.dedent("""
    import sys, rlforge
    out = sys.argv[1]
    print("started", flush=True)
    try:
        rlforge.train(sys.argv[2], out=out, total_steps=400000, target_return=None, eval__every_steps=1024)
    except KeyboardInterrupt as e:
        print("interrupted:", e, flush=True)
    else:
        print("finished", flush=True)
""")


def test_ctrl_c_writes_a_checkpoint_then_raises_keyboard_interrupt(tmp_path):
    out = tmp_path / "run"
    p = subprocess.Popen([sys.executable, "-c", CTRL_C_SCRIPT, str(out), str(CARTPOLE)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    deadline = time.monotonic() + 60
    while not (out / "metrics.csv").exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the first evaluation has written a checkpoint: training is under way
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert "interrupted:" in stdout and "checkpoints/latest.ckpt" in stdout, (stdout, stderr)
    assert (out / "checkpoints" / "latest.ckpt").exists()
    assert not (out / "policy.rlft").exists()  # stopped early: resumable, not finished
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert 0 < int(rows[-1]["step"]) < 400000
    latest = rlforge.load_policy(out / "checkpoints" / "latest.ckpt")
    assert latest.global_step == int(rows[-1]["step"])  # the checkpoint of the interruption


def test_resume_continues_a_stopped_run_exactly(tmp_path):
    full = rlforge.train(CARTPOLE, out=tmp_path / "full", **SMALL)
    part = tmp_path / "part"
    cfg, *_ = rlforge._rlforge.resolve_config(str(CARTPOLE), None, str(CARTPOLE),
                                              [f"{k.replace('__', '.')}={json.dumps(v)}" for k, v in SMALL.items()])
    res = rlforge._rlforge.train(cfg, str(part), False, False, 2)  # stopped after 2 updates
    assert res["stopped"] and not (part / "policy.rlft").exists()
    assert rlforge.resume(part) == part
    assert (part / "policy.rlft").read_bytes() == (full / "policy.rlft").read_bytes()


def corridor_config():
    return {"algo": "ppo", "seed": 2, "total_steps": 2048, "target_return": None,
            "env": {"id": "Corridor-v0", "num_envs": 4, "num_threads": 2, "kwargs": {"length": 6}},
            "eval": {"every_steps": 512, "episodes": 4},
            "ppo": {"num_steps": 64, "epochs": 4, "minibatches": 2, "lr": 0.003},
            "policy": {"hidden": [32, 32]}}


def test_a_custom_env_without_state_trains_checkpoints_and_resumes(tmp_path, capfd):
    from rlforge.examples import corridor_env  # noqa: F401  registers Corridor-v0 (no get_state)
    full = rlforge.train(corridor_config(), out=tmp_path / "full")
    rows = list(csv.DictReader((full / "metrics.csv").open()))
    assert int(rows[-1]["step"]) == 2048 and (full / "policy.rlft").exists()
    # Always moving right takes 5 steps (return -4); PPO learns it from a -50-per-episode start.
    assert float(rows[-1]["eval_return"]) >= -6
    cfg, *_ = rlforge._rlforge.resolve_config(None, json.dumps(corridor_config()), "config (dict)", [])
    part = tmp_path / "part"
    assert rlforge._rlforge.train(cfg, str(part), False, False, 2)["stopped"]
    capfd.readouterr()
    rlforge.resume(part)
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "Corridor-v0 does not expose its state" in err, err
    assert "not bit-identical" in err
    assert int(list(csv.DictReader((part / "metrics.csv").open()))[-1]["step"]) == 2048


def test_train_refuses_a_folder_of_another_run_unless_forced(tmp_path):
    out = rlforge.train(cartpole_dict(), out=tmp_path / "run", **SMALL)
    with pytest.raises(rlforge.Error, match="holds another run"):
        rlforge.train(cartpole_dict(), seed=5, out=out, **SMALL)
    rlforge.train(cartpole_dict(), seed=5, out=out, force=True, **SMALL)
    assert json.loads((out / "config.json").read_text())["seed"] == 5


def test_silent_wrong_inputs_are_clear_errors(tmp_path, cartpole_run):
    with pytest.raises(TypeError, match=r"seed must be an int, got 1.5"):
        rlforge.train(cartpole_dict(), seed=1.5, out=tmp_path / "a", **SMALL)
    no_env = cartpole_dict()
    del no_env["env"]
    with pytest.raises(rlforge.ConfigError, match=r"config \(dict\): key 'env.id' must be an env id"):
        rlforge.train(no_env, out=tmp_path / "b", **SMALL)
    assert not (tmp_path / "b").exists()
    policy = rlforge.load_policy(cartpole_run)
    with pytest.raises(rlforge.InvalidArgument, match=r"observations must be finite, got nan at element 2"):
        policy.act(np.array([0.0, 0.0, np.nan, 0.0], dtype=np.float32))
    with pytest.raises(rlforge.InvalidArgument, match=r"got inf at row 1, element 0"):
        policy.act(np.array([[0, 0, 0, 0], [np.inf, 0, 0, 0]], dtype=np.float32))
    with pytest.raises(rlforge.ConfigError, match=r"policy.rlft: this is a tensor file .* not a checkpoint"):
        rlforge.load_policy(cartpole_run / "policy.rlft")


def test_resume_refuses_an_edited_config(tmp_path):
    cfg, *_ = rlforge._rlforge.resolve_config(str(CARTPOLE), None, str(CARTPOLE),
                                              [f"{k.replace('__', '.')}={json.dumps(v)}" for k, v in SMALL.items()])
    part = tmp_path / "part"
    assert rlforge._rlforge.train(cfg, str(part), False, False, 1)["stopped"]
    original = (part / "config.json").read_text()
    (part / "config.json").write_text(original.replace('"lr": 0.001', '"lr": 0.01'))
    with pytest.raises(rlforge.Error, match=r"config.json differs from the config in its checkpoint \(line \d+"):
        rlforge.resume(part)
    (part / "config.json").write_text(original)
    rlforge.resume(part)
    assert (part / "policy.rlft").exists()
