"""Tests of the `rlforge` CLI: list, rollout (.npz contents and determinism), bench, errors."""
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cli_run import RLFORGE, needs_cli, run

KEYS = ["obs", "actions", "rewards", "terminated", "truncated", "next_obs"]

pytestmark = needs_cli


def env_entry(env_id):
    listing = json.loads(run("list", "--json", rc=0).stdout)
    return next(e for e in listing["envs"] if e["id"] == env_id)


def rollout(tmp_path, seed=0, steps=600, name="r.npz", env="CartPole-v1", *extra):
    out = tmp_path / name
    run("rollout", "--env", env, "--seed", seed, "--steps", steps, "--out", out, *extra, rc=0)
    return out


def test_help_exits_0():
    assert "rollout" in run("--help", rc=0).stdout
    for cmd in ["list", "rollout", "bench"]:
        out = run(cmd, "--help", rc=0).stdout
        assert out.startswith(f"usage: rlforge {cmd}")
        assert "--help" in out
    assert "npy" in run("rollout", "--help").stdout


def test_list_has_cartpole_with_its_spaces():
    table = run("list", rc=0).stdout
    row = next(line for line in table.splitlines() if line.startswith("CartPole-v1 "))
    assert "Discrete(2)" in row and "(4,), float32)" in row and "500" in row and "475.0" in row
    e = env_entry("CartPole-v1")
    assert e["action_space"] == "Discrete(2)"
    assert e["observation_space"].startswith("Box(") and e["observation_space"].endswith("(4,), float32)")
    assert e["max_episode_steps"] == 500 and e["reward_threshold"] == 475.0
    assert e["observation_space_json"]["shape"] == [4]


def test_rollout_file_has_documented_keys_shapes_dtypes(tmp_path):
    n = 600
    out = rollout(tmp_path, steps=n)
    assert zipfile.ZipFile(out).testzip() is None  # every member's CRC-32 checks out
    assert sorted(os.listdir(tmp_path)) == ["r.npz"]  # no temporary left behind
    with np.load(out) as d:
        assert sorted(d.files) == sorted(KEYS)
        assert d["obs"].shape == (n, 4) and d["obs"].dtype == np.float32
        assert d["next_obs"].shape == (n, 4) and d["next_obs"].dtype == np.float32
        assert d["actions"].shape == (n,) and d["actions"].dtype == np.int64
        assert d["rewards"].shape == (n,) and d["rewards"].dtype == np.float64
        assert d["terminated"].dtype == np.bool_ and d["truncated"].dtype == np.bool_
        assert d["terminated"].shape == d["truncated"].shape == (n,)
        assert np.all(d["rewards"] == 1.0)  # CartPole pays 1 per step, also on the last
        assert d["terminated"].any()  # random CartPole episodes end within ~25 steps


def test_rollout_transitions_chain_and_actions_lie_in_the_space(tmp_path):
    space = env_entry("CartPole-v1")["action_space_json"]
    with np.load(rollout(tmp_path, seed=5, steps=800)) as d:
        obs, nxt = d["obs"], d["next_obs"]
        ended = d["terminated"] | d["truncated"]
        cont = ~ended[:-1]
        np.testing.assert_array_equal(nxt[:-1][cont], obs[1:][cont])
        # After an episode ends the next row starts a fresh episode: CartPole resets in +-0.05.
        assert np.all(np.abs(obs[1:][ended[:-1]]) <= 0.05)
        assert np.all(np.abs(obs[0]) <= 0.05)
        a = d["actions"]
        start = space.get("start", 0)
        assert np.all((a >= start) & (a < start + space["n"]))
        assert set(np.unique(a)) == {0, 1}


def test_rollout_kwargs_reach_the_env(tmp_path):
    out = rollout(tmp_path, 0, 200, "t.npz", "CartPole-v1", "--kwargs", '{"max_episode_steps": 5}')
    with np.load(out) as d:
        assert d["truncated"].any()
        assert not np.any(d["terminated"] & d["truncated"])


def test_rollout_is_deterministic_in_the_seed(tmp_path):
    a = rollout(tmp_path, seed=7, name="a.npz").read_bytes()
    b = rollout(tmp_path, seed=7, name="b.npz").read_bytes()
    c = rollout(tmp_path, seed=8, name="c.npz").read_bytes()
    assert a == b
    assert a != c


def test_rollout_refuses_an_existing_out_file_unless_forced(tmp_path):
    mine = tmp_path / "mine.npz"
    mine.write_bytes(b"the user's own data")
    p = run("rollout", "--env", "CartPole-v1", "--seed", 1, "--steps", 50, "--out", mine, rc=1)
    assert "mine.npz" in p.stderr and "exists" in p.stderr and "--force" in p.stderr
    assert mine.read_bytes() == b"the user's own data"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["mine.npz"]  # no temporary left
    rollout(tmp_path, 1, 50, "mine.npz", "CartPole-v1", "--force")
    with np.load(mine) as d:
        assert d["obs"].shape == (50, 4)


def test_bench_last_line_is_steps_per_second():
    for extra in [[], ["--autoreset", "same-step", "--no-batched"]]:
        p = run("bench", "--env", "CartPole-v1", "--num-envs", 64, "--threads", 2, "--steps", 200,
                "--warmup", 10, *extra, rc=0)
        last = p.stdout.rstrip("\n").splitlines()[-1]
        m = re.fullmatch(r"steps_per_second: (\d+(?:\.\d+)?)", last)
        assert m, last
        assert float(m.group(1)) > 0
        assert "num_envs: 64" in p.stdout and "threads: 2" in p.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["frobnicate"],
        ["rollout"],
        ["rollout", "--env", "CartPole-v1", "--seed", "1", "--steps", "5"],  # no --out
        ["rollout", "--env", "CartPole-v1", "--seed", "x", "--steps", "5", "--out", "a.npz"],
        ["rollout", "--env", "CartPole-v1", "--seed", "1", "--steps", "5", "--out", "a.npz", "--nope", "1"],
        ["rollout", "--env", "CartPole-v1", "--seed", "1", "--steps", "5", "--out", "a.npz", "--policy", "ppo"],
        ["rollout", "--env"],
        ["bench", "--env", "CartPole-v1", "--num-envs", "4", "--threads", "1", "--steps", "1e3"],
        ["bench", "--env", "CartPole-v1", "--num-envs", "0", "--threads", "1", "--steps", "10"],
        ["bench", "--env=CartPole-v1", "--num-envs=4", "--threads=1", "--steps=10", "--autoreset=never"],
        ["list", "--json=yes"],
    ],
)
def test_bad_usage_exits_2_with_a_usage_line(args, tmp_path):
    p = subprocess.run([str(RLFORGE), *args], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stderr.startswith("usage: rlforge ")
    assert not os.listdir(tmp_path)


def test_unknown_env_exits_1_naming_close_matches(tmp_path):
    for cmd in [["rollout", "--seed", 0, "--steps", 5, "--out", tmp_path / "x.npz"],
                ["bench", "--num-envs", 2, "--threads", 1, "--steps", 5]]:
        p = run(cmd[0], "--env", "CartPole-v9", *cmd[1:], rc=1)
        assert p.stderr.startswith("rlforge: error: ")
        assert "CartPole-v9" in p.stderr and "CartPole-v1" in p.stderr
    assert not os.listdir(tmp_path)


def test_bad_kwargs_exit_1_and_leave_an_existing_file_alone(tmp_path):
    out = tmp_path / "keep.npz"
    out.write_bytes(b"old")
    p = run("rollout", "--env", "CartPole-v1", "--seed", 0, "--steps", 5, "--out", out, "--force",
            "--kwargs", '{"no_such_kwarg": 1}', rc=1)  # even with --force: nothing is written
    assert p.stderr.startswith("rlforge: error: ") and "no_such_kwarg" in p.stderr
    assert out.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["keep.npz"]


def test_unwritable_output_fails_cleanly_and_leaves_nothing(tmp_path):
    missing = tmp_path / "no_such_dir"
    p = run("rollout", "--env", "CartPole-v1", "--seed", 0, "--steps", 5, "--out", missing / "x.npz",
            rc=1)
    assert p.stderr.startswith("rlforge: error: ") and "no_such_dir" in p.stderr
    (tmp_path / "adir").mkdir()
    run("rollout", "--env", "CartPole-v1", "--seed", 0, "--steps", 5, "--out", tmp_path / "adir",
        rc=1)
    assert not missing.exists()
    assert os.listdir(tmp_path) == ["adir"] and not os.listdir(tmp_path / "adir")


def test_rollout_too_large_for_the_npz_fails_before_stepping(tmp_path):
    p = run("rollout", "--env", "CartPole-v1", "--seed", 0, "--steps", 2_000_000_000,
            "--out", tmp_path / "big.npz", rc=1)
    assert p.stderr.startswith("rlforge: error: ") and "4 GiB" in p.stderr
    assert not os.listdir(tmp_path)


def test_rollout_of_every_registered_env_matches_its_spaces(tmp_path):
    for e in json.loads(run("list", "--json", rc=0).stdout)["envs"]:
        n = 40
        with np.load(rollout(tmp_path, 1, n, e["id"].replace("/", "-") + ".npz", e["id"])) as d:
            for key, space in [("obs", e["observation_space_json"]), ("next_obs", e["observation_space_json"]),
                               ("actions", e["action_space_json"])]:
                shape = tuple(space.get("shape", []))
                dtype = space.get("dtype", "int64" if space["type"] in ("Discrete", "MultiDiscrete") else "int8")
                assert d[key].shape == (n, *shape), (e["id"], key)
                assert d[key].dtype == np.dtype(dtype), (e["id"], key)
            a = d["actions"]
            if space["type"] == "Discrete":
                assert np.all((a >= space["start"]) & (a < space["start"] + space["n"])), e["id"]
            elif space["type"] == "Box":
                lo = np.array(space["low"]).reshape(shape)
                hi = np.array(space["high"]).reshape(shape)
                assert np.all((a >= lo) & (a <= hi)), e["id"]


def test_bench_reports_the_threads_tbb_grants():
    p = run("bench", "--env", "CartPole-v1", "--num-envs", 64, "--threads", 1000, "--steps", 10, rc=0)
    granted = len(os.sched_getaffinity(0))  # what TBB counts as the cores
    assert f"threads: {granted} (1000 requested; TBB grants at most {granted} here)" in p.stdout
