"""`rlforge watch`: headless GIF/MP4 recordings (frame counts, sizes, codecs, pixels against
gymnasium's pictures), the window under Xvfb (screenshot: picture and overlay), a checkpoint's
policy against `rlforge eval`, the errors (each leaving no file behind); and the evaluation
videos `rlforge train` writes for the config key "video"."""
import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # gymnasium's render() inits pygame's display

import gymnasium
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

import rlforge  # the test command installs it (pip install .): never skipped

from cli_run import BUILD_DIR, RLFORGE, needs_cli, run

pytestmark = needs_cli

REPO = Path(__file__).resolve().parents[2]
CARTPOLE = REPO / "experiments" / "configs" / "cartpole_ppo.json"
CORRIDOR = BUILD_DIR / "tests" / "libplugin_corridor.so"
VIDEO_PROBE = BUILD_DIR / "tests" / "video_probe"
# Fail, never skip, when a program is missing: a vanished suite would pass CI.
for _program in (VIDEO_PROBE, CORRIDOR):
    if not _program.exists():
        raise RuntimeError(f"{_program} is not built: build the tests, or set RLFORGE_BUILD_DIR to the build folder")

NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY")
EPISODE_LINE = re.compile(r"^(\S+) episode (\d+): return (-?\d+\.\d\d), (\d+) steps$", re.M)
WROTE_LINE = re.compile(r"^wrote (\S+) \((\d+) frames, (\d+)x(\d+), ([\d.]+) fps\)$", re.M)


def probe(path):
    """(frames, width, height, codec, pix_fmt) of a GIF or MP4, as tests/video_probe reads it."""
    p = subprocess.run([str(VIDEO_PROBE), str(path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    frames, width, height, codec, pix_fmt = p.stdout.split()
    return int(frames), int(width), int(height), codec, pix_fmt


def episodes(stdout, env_id):
    """[(return, steps)] of the printed episode lines, checked to be episodes 1, 2, ... of env_id."""
    found = EPISODE_LINE.findall(stdout)
    assert found, stdout
    assert [(i, k) for i, k, _, _ in found] == [(env_id, str(n + 1)) for n in range(len(found))], stdout
    return [(float(r), int(s)) for _, _, r, s in found]


def wrote(stdout):
    m = WROTE_LINE.search(stdout)
    assert m, stdout
    return m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)), float(m.group(5))


def xvfb():
    """The words that run a command on a private Xvfb (tests/with_xvfb.sh: not xvfb-run, whose
    clean-up can fail and replace the command's exit code with 5). Without Xvfb the script exits 1
    saying what to install, so these tests fail, never skip."""
    return ("sh", str(REPO / "tests" / "with_xvfb.sh"))


def eval_seed(seed, k):
    """The seed of evaluation k's first episode (agents/trainer.cpp eval_seed, k from 0)."""
    return (seed * 0x9E3779B97F4A7C15 + 1000003 * (k + 1)) % 2**64


# The picture metric of test_render_pictures.py: two pictures of one state are "close" when the
# mean absolute difference per channel is <= MAD_TOL (0..255) and at most BAD_TOL of the pixels
# differ by more than 64 in a channel. The GIF adds no error of its own here: a CartPole frame
# has under 256 colours, so its palette holds each one exactly.
MAD_TOL, BAD_TOL = 0.3, 0.0006


def metric(a, b):
    assert a.shape == b.shape and a.dtype == np.uint8 and b.dtype == np.uint8, (a.shape, b.shape)
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return float(d.mean()), float((d.max(axis=2) > 64).mean())


def close(a, b):
    mad, bad = metric(a, b)
    return mad <= MAD_TOL and bad <= BAD_TOL


def our_reset_picture(env_id, seed):
    env = rlforge.make(env_id, render_mode="rgb_array")
    obs, _ = env.reset(seed=seed)
    return obs, env.render()


def gym_picture(env_id, state):
    env = gymnasium.make(env_id, render_mode="rgb_array")
    try:
        env.reset(seed=0)
        env.unwrapped.state = np.array(state, dtype=np.float64)
        return env.render()
    finally:
        env.close()


def run_in(folder, *args, rc):
    """rlforge ARGS with `folder` as the working directory (relative paths land there)."""
    p = subprocess.run([str(RLFORGE), *map(str, args)], capture_output=True, text=True, timeout=120, cwd=folder)
    assert p.returncode == rc, (p.returncode, p.stdout, p.stderr)
    return p


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def video_run(tmp_path_factory):
    """cartpole_ppo.json, seed 2, with evaluation videos (every 2nd evaluation, GIF), stopped
    after evaluations 1, 3 and 5 to keep the policy each video shows (latest.ckpt then), then
    resumed to its end. Seed 2: its evaluation seeds fit watch's --seed (< 2^63)."""
    root = tmp_path_factory.mktemp("video")
    out = root / "run"
    run("train", CARTPOLE, "--seed", 2, "--out", out, "--quiet", "--stop-after-updates", 8,  # step 2048
        "--set", 'video={"every_evals": 2, "format": "gif"}', rc=0)
    policies = {}
    for k, more in ((1, 16), (3, 16), (5, None)):  # evaluations every 2048 steps = 8 updates
        policies[k] = root / f"eval_{k}.ckpt"
        shutil.copyfile(out / "checkpoints" / "latest.ckpt", policies[k])
        run("train", "--resume", out, "--quiet", *(("--stop-after-updates", more) if more else ()), rc=0)
    return out, policies


# --- headless recordings ---------------------------------------------------------------------

@pytest.mark.parametrize("env_id, ext, n, size, codec, fps", [
    ("CartPole-v1", "gif", 3, (600, 400), ("gif", "pal8"), 50),   # render_fps 50
    ("Pendulum-v1", "mp4", 1, (500, 500), ("h264", "yuv420p"), 30),
])
def test_headless_recording_holds_every_frame(tmp_path, env_id, ext, n, size, codec, fps):
    out = tmp_path / f"x.{ext}"
    p = run("watch", "--env", env_id, "--headless", "--episodes", n, "--seed", 5, "--record", out,
            unset=NO_DISPLAY, rc=0)
    eps = episodes(p.stdout, env_id)
    assert len(eps) == n
    if env_id == "CartPole-v1":  # +1 per step, ended by the pole falling long before 500 steps
        assert all(r == s and 5 <= s < 200 for r, s in eps), eps
    else:  # Pendulum never terminates: truncated at 200 steps, rewards in [-16.27, 0]
        assert all(s == 200 and -16.3 * 200 <= r < 0 for r, s in eps), eps
    frames = sum(s + 1 for _, s in eps)  # each episode: its reset frame, then one per step
    assert wrote(p.stdout) == (str(out), frames, *size, fps)
    assert probe(out) == (frames, *size, *codec)
    assert files_in(tmp_path) == [out.name]


def test_fps_sets_the_gif_frame_delay(tmp_path):
    out = tmp_path / "slow.gif"
    p = run("watch", "--env", "CartPole-v1", "--headless", "--fps", 25, "--record", out, rc=0)
    assert wrote(p.stdout)[4] == 25
    with Image.open(out) as im:
        assert im.info["duration"] == 40  # ms per frame


def test_gif_frames_are_the_env_pictures(tmp_path):
    """Frame 0 is the reset state of seed 5, drawn as gymnasium draws it; the frame after episode
    1's last is episode 2's reset, seeded 6."""
    assert run("watch", "--env", "CartPole-v1", "--headless", "--seed", 5, "--episodes", 2,
               "--record", tmp_path / "x.gif", unset=NO_DISPLAY, rc=0).returncode == 0
    (ret1, steps1), _ = episodes(run("watch", "--env", "CartPole-v1", "--headless", "--seed", 5,
                                     "--episodes", 2, rc=0).stdout, "CartPole-v1")
    gif = iio.imread(tmp_path / "x.gif", index=None)[..., :3]  # (frames, 400, 600, 3)
    obs5, ours5 = our_reset_picture("CartPole-v1", 5)
    _, ours6 = our_reset_picture("CartPole-v1", 6)
    assert np.array_equal(gif[0], ours5), "frame 0 is not rlforge's own picture of reset(seed=5)"
    assert np.array_equal(gif[steps1 + 1], ours6), f"frame {steps1 + 1} is not episode 2's reset (seed 6)"
    assert not close(gif[steps1], ours6)  # episode 1's end: the pole has fallen
    # rlforge's reset states are not gymnasium's for the same seed, so gymnasium draws ours.
    theirs = gym_picture("CartPole-v1", obs5)
    mad, bad = metric(gif[0], theirs)
    assert mad <= MAD_TOL and bad <= BAD_TOL, (mad, bad)
    # ... and the metric can tell: the same state with the pole 0.1 rad further is not close.
    tilted = np.array(obs5, dtype=np.float64) + [0, 0, 0.1, 0]
    assert not close(gif[0], gym_picture("CartPole-v1", tilted))


def test_mp4_frames_are_the_env_pictures(tmp_path):
    run("watch", "--env", "Pendulum-v1", "--headless", "--seed", 3, "--record", tmp_path / "p.mp4", rc=0)
    frames = iio.imread(tmp_path / "p.mp4", index=None, plugin="FFMPEG")  # imageio-ffmpeg decodes
    assert frames.shape == (201, 500, 500, 3)
    _, ours3 = our_reset_picture("Pendulum-v1", 3)
    _, ours4 = our_reset_picture("Pendulum-v1", 4)
    # h264 in yuv420p is lossy: measured 0.07 mean abs diff, 0.002 % of pixels off (edges of
    # the rod); the reset picture of another seed is 2.9 and 2.2 % off.
    mad, bad = metric(frames[0], ours3)
    assert mad <= 0.5 and bad <= 0.001, (mad, bad)
    mad, bad = metric(frames[0], ours4)
    assert mad > 1.0 and bad > 0.005, (mad, bad)


# --- the window ------------------------------------------------------------------------------

@pytest.mark.parametrize("display, why", [
    (None, "DISPLAY is not set"),
    (":7777", "cannot connect to the X server at DISPLAY=:7777"),  # no server there
])
def test_window_without_a_display_says_use_headless(tmp_path, display, why):
    p = run("watch", "--env", "CartPole-v1", "--record", tmp_path / "x.gif", unset=NO_DISPLAY,
            env={"DISPLAY": display} if display else None, rc=1)
    assert "cannot open a window: no display" in p.stderr and why in p.stderr and "--headless" in p.stderr
    assert files_in(tmp_path) == []


def cart_columns(picture):
    """Columns [first, last] and the row count of CartPole's black cart (the track, the one black
    row across the whole width, left out)."""
    black = (picture == 0).all(axis=2)
    black[black.mean(axis=1) > 0.9] = False
    cols = np.flatnonzero(black.sum(axis=0) >= 10)
    rows = np.flatnonzero(black.any(axis=1))
    assert cols.size and rows.size, "no cart in the picture"
    return cols[0], cols[-1], rows[-1] - rows[0] + 1


def test_window_screenshot_shows_picture_and_overlay(tmp_path, video_run):
    policy = video_run[1][1]  # evaluation 1's: a short episode (the window shows ~100 frames a second)
    shot, video = tmp_path / "shot.png", tmp_path / "win.gif"
    p = run("watch", "--checkpoint", policy, "--fps", 1000, "--screenshot", shot, "--record", video,
            prefix=xvfb(), rc=0)
    [(_, steps)] = episodes(p.stdout, "CartPole-v1")
    assert probe(video)[0] == steps + 1
    assert f"wrote {shot} (960x480)" in p.stdout
    img = iio.imread(shot)
    assert img.shape == (480, 960, 3) and img.dtype == np.uint8  # 600x400 canvas + 360-px panel, 480 high
    # The picture (left 600 px) holds the cart where the episode's last frame has it.
    last = iio.imread(video, index=None)[-1][..., :3]
    first, end, height = cart_columns(img[:, :600])
    want = cart_columns(last)
    assert abs(first - want[0]) <= 1 and abs(end - want[1]) <= 1 and abs(height - want[2]) <= 1, (
        (first, end, height), want)
    assert 48 <= end - first + 1 <= 52 and 28 <= height <= 32  # gymnasium's cart: 50 x 30 px
    # The panel is the overlay, not the picture's white background: dark, with text and bars.
    panel = img[:, 600:].reshape(-1, 3)
    assert (panel == 255).all(axis=1).mean() < 0.1
    assert len(np.unique(panel, axis=0)) >= 20
    # The window plays and records the very episode --headless does.
    run("watch", "--checkpoint", policy, "--headless", "--record", tmp_path / "headless.gif", rc=0)
    assert (tmp_path / "headless.gif").read_bytes() == video.read_bytes()


def test_window_screenshot_refuses_an_existing_file(tmp_path):
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"keep me")
    p = run("watch", "--env", "CartPole-v1", "--fps", 1000, "--screenshot", shot, prefix=xvfb(), rc=1)
    assert f"{shot}: exists" in p.stderr and "--force" in p.stderr
    assert shot.read_bytes() == b"keep me" and files_in(tmp_path) == ["shot.png"]


# --- a checkpoint's policy -------------------------------------------------------------------

def test_checkpoint_returns_are_evals(video_run):
    """watch seeds episode k with S + k - 1, eval env i with S + i: the same episodes."""
    policy = video_run[1][3]
    eps = episodes(run("watch", "--checkpoint", policy, "--headless", "--episodes", 5, "--seed", 7,
                       unset=NO_DISPLAY, rc=0).stdout, "CartPole-v1")
    returns = np.array([r for r, _ in eps])
    assert len(set(returns)) > 1, f"{returns}: equal returns would not tell the seeds apart"
    assert returns.mean() > 50  # the policy, not random actions (about 20)
    e = run("eval", policy, "--episodes", 5, "--seed", 7, rc=0).stdout
    m = re.search(r"CartPole-v1: (-?[\d.]+) ± ([\d.]+) return over 5 episodes", e)
    assert m, e
    assert (float(m.group(1)), float(m.group(2))) == (round(returns.mean(), 2), round(returns.std(), 2)), e
    # Seed 8 plays seed 7's episodes 2.. first.
    later = episodes(run("watch", "--checkpoint", policy, "--headless", "--episodes", 4, "--seed", 8,
                         rc=0).stdout, "CartPole-v1")
    assert later == eps[1:]


def test_checkpoint_env_must_match(tmp_path, video_run):
    out = video_run[0]
    p = run("watch", "--checkpoint", out, "--env", "Pendulum-v1", "--headless",
            "--record", tmp_path / "x.gif", rc=2)
    assert "--env Pendulum-v1 does not match the checkpoint's env CartPole-v1" in p.stderr
    p = run("watch", "--checkpoint", out, "--kwargs", '{"sutton_barto_reward": true}', "--headless", rc=2)
    assert "--kwargs cannot change the env of a checkpoint" in p.stderr
    assert files_in(tmp_path) == []


# --- errors: each leaves no file behind ------------------------------------------------------

@pytest.mark.parametrize("name, rc, needle", [
    ("x.avi", 1, "unknown video format '.avi'; the file name must end in .gif or .mp4"),
    ("x", 1, "unknown video format ''"),
    ("nodir/x.gif", 1, "the folder 'nodir' does not exist"),
])
def test_bad_record_path(tmp_path, name, rc, needle):
    p = run_in(tmp_path, "watch", "--env", "CartPole-v1", "--headless", "--record", name, rc=rc)
    assert needle in p.stderr and f"'{name}'" in p.stderr
    assert "episode" not in p.stdout  # reported before anything plays
    assert files_in(tmp_path) == []


def test_existing_recording_needs_force(tmp_path):
    out = tmp_path / "x.gif"
    run("watch", "--env", "CartPole-v1", "--headless", "--seed", 1, "--record", out, rc=0)
    before = out.read_bytes()
    p = run("watch", "--env", "CartPole-v1", "--headless", "--seed", 2, "--episodes", 2, "--record", out, rc=1)
    assert f"video '{out}' exists" in p.stderr and "--force" in p.stderr and "episode" not in p.stdout
    assert out.read_bytes() == before and files_in(tmp_path) == ["x.gif"]
    p = run("watch", "--env", "CartPole-v1", "--headless", "--seed", 2, "--episodes", 2, "--record", out,
            "--force", rc=0)
    frames = sum(s + 1 for _, s in episodes(p.stdout, "CartPole-v1"))
    assert probe(out)[0] == frames and out.read_bytes() != before and files_in(tmp_path) == ["x.gif"]


def test_screenshot_needs_the_window(tmp_path):
    p = run("watch", "--env", "CartPole-v1", "--headless", "--screenshot", tmp_path / "s.png", rc=2)
    assert "--screenshot saves the window" in p.stderr and p.stderr.startswith("usage: rlforge watch")
    assert files_in(tmp_path) == []


def test_env_that_does_not_render(tmp_path):
    p = run("watch", "--plugin", CORRIDOR, "--env", "Corridor-v0", "--headless", "--record", tmp_path / "c.gif",
            rc=1)
    assert "Corridor-v0: this env does not render" in p.stderr
    assert files_in(tmp_path) == []


def test_unknown_env_id(tmp_path):
    p = run("watch", "--env", "CartPol-v1", "--headless", "--record", tmp_path / "c.gif", rc=1)
    assert "unknown env id 'CartPol-v1'; did you mean 'CartPole-v1'" in p.stderr
    assert files_in(tmp_path) == []


# --- evaluation videos of training -----------------------------------------------------------

def test_training_writes_evaluation_videos(video_run):
    out, policies = video_run
    rows = [line.split(",") for line in (out / "metrics.csv").read_text().splitlines()[1:]]
    eval_steps = [int(r[0]) for r in rows if r[4]]
    assert len(eval_steps) >= 5  # the fixture stopped after evaluation 5
    want = [f"eval_{k}_step_{eval_steps[k - 1]}.gif" for k in range(1, len(eval_steps) + 1, 2)]
    assert len(want) == math.ceil(len(eval_steps) / 2)
    assert sorted(files_in(out / "videos")) == sorted(want)
    for k, ckpt in policies.items():
        video = out / "videos" / f"eval_{k}_step_{eval_steps[k - 1]}.gif"
        frames, w, h, codec, pix_fmt = probe(video)
        assert (w, h, codec, pix_fmt) == (600, 400, "gif", "pal8")
        # The video is one episode of that evaluation's policy, seeded as its first episode:
        # watch plays the same one, frame for frame.
        p = run("watch", "--checkpoint", ckpt, "--headless", "--seed", eval_seed(2, k - 1),
                "--record", out.parent / f"watch_{k}.gif", rc=0)
        [(_, steps)] = episodes(p.stdout, "CartPole-v1")
        assert frames == steps + 1, (video.name, frames, steps)
        assert (out.parent / f"watch_{k}.gif").read_bytes() == video.read_bytes()
    png = iio.imread(out / "learning_curve.png")
    assert png.shape[:2] == (440, 720) and len(np.unique(png.reshape(-1, png.shape[2]), axis=0)) > 3


def test_evaluation_video_episode_matches_python(video_run):
    """The episode length of each video, stepped independently: the Python env and policy."""
    out, policies = video_run
    for k, ckpt in policies.items():
        policy = rlforge.load_policy(ckpt)
        env = rlforge.make("CartPole-v1")
        obs, _ = env.reset(seed=eval_seed(2, k - 1))
        steps, done = 0, False
        while not done:
            obs, _, terminated, truncated, _ = env.step(policy.act(obs))
            steps, done = steps + 1, terminated or truncated
        [video] = (out / "videos").glob(f"eval_{k}_step_*.gif")
        assert probe(video)[0] == steps + 1, (video.name, steps)


def test_videos_do_not_change_training(tmp_path, video_run):
    out, _ = video_run
    plain = tmp_path / "plain"
    run("train", CARTPOLE, "--seed", 2, "--out", plain, "--quiet", rc=0)
    assert not (plain / "videos").exists()
    assert (plain / "policy.rlft").read_bytes() == (out / "policy.rlft").read_bytes()


def test_training_video_bad_format(tmp_path):
    p = run("train", CARTPOLE, "--set", 'video={"every_evals": 2, "format": "avi"}', "--out", tmp_path / "r", rc=1)
    assert str(CARTPOLE) in p.stderr and "'video.format'" in p.stderr and '"avi"' in p.stderr
    assert files_in(tmp_path) == []


def test_training_video_of_an_env_that_does_not_render(tmp_path):
    cfg = tmp_path / "corridor.json"
    cfg.write_text(json.dumps({"algo": "ppo", "total_steps": 2048, "env": {"id": "Corridor-v0", "num_envs": 4},
                               "eval": {"every_steps": 1024, "episodes": 3}, "ppo": {"num_steps": 32},
                               "video": {"every_evals": 1}}))
    p = run("--plugin", CORRIDOR, "train", cfg, "--out", tmp_path / "r", rc=1)
    assert "'video.every_evals'" in p.stderr and "Corridor-v0 does not render" in p.stderr
    assert files_in(tmp_path) == ["corridor.json"]


@pytest.mark.parametrize("shot, extra, needle", [
    ("s.jpg", [], "must end in .png"),
    ("same.gif", ["--record", "same.gif"], "must end in .png"),  # so never the recording's file
    ("nodir/s.png", [], "does not exist"),
])
def test_screenshot_path_is_checked_before_playing(tmp_path, shot, extra, needle):
    # No display is needed to be refused: the path is checked before the window opens.
    p = subprocess.run([*xvfb(), str(RLFORGE), "watch", "--env", "CartPole-v1",
                        "--fps", "1000", "--screenshot", shot, *extra], capture_output=True, text=True, timeout=120,
                       cwd=tmp_path)
    assert p.returncode in (1, 2), (p.returncode, p.stderr)
    assert needle in p.stderr
    assert "episode 1" not in p.stdout  # nothing played
    assert files_in(tmp_path) == []


def test_ctrl_c_closes_a_playable_partial_recording(tmp_path):
    import signal
    import time
    proc = subprocess.Popen([str(RLFORGE), "watch", "--env", "Pendulum-v1", "--headless", "--episodes", "1000",
                             "--record", "long.mp4"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err
    assert files_in(tmp_path) == ["long.mp4"]  # no temporary left behind
    frames = probe(tmp_path / "long.mp4")[0]
    done = episodes(out, "Pendulum-v1")
    assert frames >= sum(s + 1 for _, s in done) + 1  # every finished episode, and the one cut short
    assert wrote(out)[1] == frames
