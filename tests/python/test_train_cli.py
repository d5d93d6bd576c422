"""Tests of `rlforge train` / `rlforge eval`: run folder, config errors, resume equality, corrupt checkpoints."""
import csv
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cli_run import RLFORGE, needs_cli, run

REPO = Path(__file__).resolve().parents[2]
CARTPOLE = REPO / "experiments" / "configs" / "cartpole_ppo.json"
SMALL = ["--set", "total_steps=1536", "--set", "eval.every_steps=512", "--set", "eval.episodes=3",
         "--set", "target_return=null", "--quiet"]

pytestmark = needs_cli


def test_train_writes_the_run_folder(tmp_path):
    out = tmp_path / "run"
    p = run("train", CARTPOLE, *SMALL, "--seed", 3, "--out", out, rc=0)
    assert "final eval:" in p.stdout
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["seed"] == 3 and cfg["total_steps"] == 1536 and cfg["target_return"] is None
    assert cfg["ppo"]["gamma"] == 0.98 and "clip_vloss" in cfg["ppo"]  # resolved: defaults written too
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert [int(r["step"]) for r in rows] == [256 * (i + 1) for i in range(6)]
    assert sum(1 for r in rows if r["eval_return"]) == 3
    assert all(r["policy_loss"] and r["value_loss"] for r in rows)
    assert (out / "checkpoints" / "latest.ckpt").exists() and (out / "checkpoints" / "best.ckpt").exists()
    assert (out / "policy.rlft").exists()
    # The learning-curve plot: well-formed SVG with one training point per update and one
    # marker per evaluation, read from the same metrics.
    svg = ET.parse(out / "learning_curve.svg").getroot()
    ns = {"s": "http://www.w3.org/2000/svg"}
    line = svg.find("s:polyline[@class='train']", ns)
    assert line is not None and len(line.get("points").split()) == len(rows)
    assert len(svg.findall("s:circle[@class='eval']", ns)) == 3
    assert "ppo on CartPole-v1, seed 3" in "".join(svg.itertext())
    e = run("eval", out, "--episodes", 4, rc=0)
    assert "±" in e.stdout and "over 4 episodes" in e.stdout


def test_resume_ends_bit_identical(tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    run("train", CARTPOLE, *SMALL, "--out", full, rc=0)
    p = run("train", CARTPOLE, *SMALL, "--out", part, "--stop-after-updates", 2, rc=0)
    assert "--resume" in p.stdout
    assert not (part / "policy.rlft").exists()
    run("train", "--resume", part, "--quiet", rc=0)
    assert (part / "policy.rlft").read_bytes() == (full / "policy.rlft").read_bytes()
    strip = lambda path: [r[:1] + r[2:] for r in csv.reader(path.open())]  # drop wall seconds
    assert strip(part / "metrics.csv") == strip(full / "metrics.csv")


def test_stops_at_the_target(tmp_path):
    out = tmp_path / "t"
    p = run("train", CARTPOLE, "--set", "target_return=-1", "--quiet", "--out", out, rc=0)
    assert "target reached at step 2048" in p.stdout
    assert len(list(csv.DictReader((out / "metrics.csv").open()))) == 8


@pytest.mark.parametrize("override, needle", [
    ("ppo.gamma=1.5", "'ppo.gamma' must be a number in [0, 1]"),
    ("ppo.gama=0.9", "unknown key 'ppo.gama'"),
    ("env.num_envs=eight", "'env.num_envs' must be an integer"),
    ('policy.conv=[{"channels": 0}]', "'policy.conv[0].channels' must be an integer in [1, 65536], got 0"),
    # Checked against the env when the agent is built, still named with the file.
    ('policy.conv=[{"channels": 16}]', "'policy.conv': a conv torso needs an image observation"),
])
def test_bad_config_names_file_and_key(tmp_path, override, needle):
    p = run("train", CARTPOLE, "--set", override, "--out", tmp_path / "x", rc=1)
    assert str(CARTPOLE) in p.stderr and needle in p.stderr


def test_bad_config_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"env": {"id": "CartPole-v1"}, "eval": {"episodes": 0}}')
    p = run("train", bad, "--out", tmp_path / "x", rc=1)
    assert "bad.json" in p.stderr and "'eval.episodes'" in p.stderr


def test_corrupt_checkpoint_is_rejected(tmp_path):
    out = tmp_path / "run"
    run("train", CARTPOLE, *SMALL, "--out", out, rc=0)
    ck = out / "checkpoints" / "latest.ckpt"
    data = bytearray(ck.read_bytes())
    data[len(data) // 2] ^= 0xFF
    ck.write_bytes(bytes(data))
    p = run("eval", ck, rc=1)
    assert str(ck) in p.stderr and "checksum" in p.stderr
    p = run("train", "--resume", out, rc=1)
    assert "latest.ckpt" in p.stderr


def test_usage_errors(tmp_path):
    assert run("train", rc=2).stderr.startswith("usage: rlforge train")
    run("train", CARTPOLE, "--resume", tmp_path, rc=2)
    run("eval", rc=2)
    assert "--set KEY=VALUE..." in run("train", "--help", rc=0).stdout
    assert "no checkpoints" in run("eval", tmp_path, rc=1).stderr


def test_ctrl_c_writes_a_checkpoint_and_resume_matches(tmp_path):
    import signal
    # The signal goes out after the first evaluation (0.5% of the run); the 102,400 steps that
    # remain take ~1 s, so the signal always arrives mid-run: a finished run fails the test.
    args = ["--set", "total_steps=102400", "--set", "target_return=null", "--set", "eval.every_steps=512",
            "--set", "eval.episodes=2"]
    full, part = tmp_path / "full", tmp_path / "part"
    run("train", CARTPOLE, *args, "--quiet", "--out", full, rc=0)
    p = subprocess.Popen([str(RLFORGE), "train", str(CARTPOLE), *args, "--out", str(part)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stderr.readline()  # the first evaluation's progress line: training is under way
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=120)
    assert p.returncode == 130 and "--resume" in out, (p.returncode, out)
    assert (part / "checkpoints" / "latest.ckpt").exists() and not (part / "policy.rlft").exists()
    run("train", "--resume", part, "--quiet", rc=0)
    assert (part / "policy.rlft").read_bytes() == (full / "policy.rlft").read_bytes()


@pytest.mark.parametrize("config, sets, loss", [
    ("cartpole_dqn.json", ["total_steps=2048", "dqn.learning_starts=256"], "q_mean"),
    ("pendulum_sac.json", ["total_steps=600", "sac.learning_starts=200", "eval.every_steps=200"], "alpha"),
    # The Box2D configs, shrunk: a resumed run equals an uninterrupted one through the envs'
    # replay-log checkpoints (LunarLander mid-episode, BipedalWalker, CarRacing's conv policy).
    ("lunarlander_ppo.json", ["total_steps=2048", "env.num_envs=8", "ppo.num_steps=64",
                              "ppo.minibatches=8", "eval.every_steps=512"], "policy_loss"),
    ("bipedalwalker_sac.json", ["total_steps=1024", "sac.learning_starts=512", "network.hidden=[32, 32]",
                                "eval.every_steps=512"], "alpha"),
    ("carracing_ppo.json", ["total_steps=1024", "env.num_envs=4", "ppo.num_steps=64", "ppo.minibatches=4",
                            "ppo.epochs=1", "eval.every_steps=512"], "policy_loss"),
])
def test_dqn_sac_and_box2d_runs_resume_and_eval(tmp_path, config, sets, loss):
    cfg = REPO / "experiments" / "configs" / config
    args = [a for s in sets + ["target_return=null", "eval.episodes=2"] for a in ("--set", s)]
    full, part = tmp_path / "full", tmp_path / "part"
    run("train", cfg, *args, "--quiet", "--out", full, rc=0)
    header = (full / "metrics.csv").read_text().splitlines()[0].split(",")
    assert loss in header and header[:6] == ["step", "wall_seconds", "updates", "train_return", "eval_return", "eval_std"]
    run("train", cfg, *args, "--quiet", "--out", part, "--stop-after-updates", 3, rc=0)
    run("train", "--resume", part, "--quiet", rc=0)
    assert (part / "policy.rlft").read_bytes() == (full / "policy.rlft").read_bytes()
    assert "±" in run("eval", full, "--episodes", 2, rc=0).stdout


def test_out_folder_of_another_run_or_of_user_files_is_refused(tmp_path):
    small = ["--set", "total_steps=512", "--set", "target_return=null", "--quiet"]
    out = tmp_path / "run"
    run("train", CARTPOLE, *small, "--out", out, rc=0)
    policy = (out / "policy.rlft").read_bytes()
    run("train", CARTPOLE, *small, "--out", out, rc=0)  # the same run again is fine
    p = run("train", CARTPOLE, *small, "--seed", 9, "--out", out, rc=1)
    assert str(out) in p.stderr and "holds another run" in p.stderr and "--force" in p.stderr
    assert (out / "policy.rlft").read_bytes() == policy
    p = run("train", CARTPOLE, *small, "--set", 'env.id="Nope-v0"', "--out", tmp_path / "new", rc=1)
    assert "unknown env id" in p.stderr and not (tmp_path / "new").exists()  # checked before writing
    run("train", CARTPOLE, *small, "--seed", 9, "--out", out, "--force", rc=0)
    assert (out / "policy.rlft").read_bytes() != policy
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.json").write_text('{"my": "own"}')
    p = run("train", CARTPOLE, *small, "--out", mine, rc=1)
    assert "holds another run" in p.stderr
    assert (mine / "config.json").read_text() == '{"my": "own"}'
    (mine / "notes.txt").write_text("mine")
    p = run("train", CARTPOLE, *small, "--out", mine, rc=1)
    assert "not a run's (" in p.stderr and "notes.txt" in p.stderr
    stale = mine / "metrics.csv.tmp.999999999.3"
    stale.write_text("left by a killed run")
    run("train", CARTPOLE, *small, "--out", mine, "--force", rc=0)
    assert (mine / "notes.txt").read_text() == "mine" and not stale.exists()
