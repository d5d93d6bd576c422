"""A user's C++ env module built against the installed wheel (examples/python_env, from the
custom_env example's env sources): CMake finds rlforge through rlforge.cmake_dir(), the module
registers its envs on import, and they work with gymnasium, rlforge.train (to the target) and
bit-identical checkpoint/resume."""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlforge

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "python_env"
PPO_CONFIG = REPO / "examples" / "custom_env" / "configs" / "noisy_walk_ppo.json"


@pytest.fixture(scope="module")
def custom_envs(tmp_path_factory):
    """examples/python_env configured and built in a fresh folder, outside the source tree."""
    build = tmp_path_factory.mktemp("python_env_build")
    cmake = shutil.which("cmake")
    assert cmake, "cmake is needed to build a C++ env module"
    for cmd in ([cmake, "-S", str(EXAMPLE), "-B", str(build), f"-Drlforge_DIR={rlforge.cmake_dir()}",
                 f"-DPython_EXECUTABLE={sys.executable}"], [cmake, "--build", str(build), "-j2"]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
    sys.path.insert(0, str(build))
    try:
        import custom_envs as module
    finally:
        sys.path.remove(str(build))
    return module


def test_the_wheel_ships_headers_and_a_cmake_package():
    assert (Path(rlforge.cmake_dir()) / "rlforgeConfig.cmake").is_file()
    include = Path(rlforge.include_dir())
    assert (include / "core" / "env.hpp").is_file()
    assert (include / "rlforge_python" / "env_module.hpp").is_file()


def test_the_module_registers_its_envs_for_gymnasium(custom_envs):
    assert sorted(custom_envs.env_ids) == ["NoisyWalk-v0", "PointMass-v0"]
    for env_id in custom_envs.env_ids:
        check_env(gymnasium.make(f"rlforge/{env_id}").unwrapped)
    env = gymnasium.make("rlforge/NoisyWalk-v0")
    assert env.spec.max_episode_steps == 100 and env.spec.reward_threshold == -12.0
    obs, _ = env.reset(seed=3)
    assert obs.dtype == np.float32
    assert isinstance(gymnasium.make("rlforge/PointMass-v0").action_space, gymnasium.spaces.Box)


def test_a_module_env_that_draws_renders_and_one_that_does_not_is_refused(custom_envs):
    env = gymnasium.make("rlforge/PointMass-v0", render_mode="rgb_array")
    env.reset(seed=0)
    a = env.render()
    assert a.shape == (200, 600, 3) and a.dtype == np.uint8
    env.unwrapped.set_state([-0.5, 0.0, 0.5])
    left = env.render()
    env.unwrapped.set_state([0.5, 0.0, 0.5])
    right = env.render()
    # The mass (blue: far more blue than red) moved from x = -0.5 to +0.5: canvas x 175 and 425
    # (the viewport maps [-1.2, 1.2] onto 600 pixels).
    blue = lambda f: np.flatnonzero(((f[..., 2].astype(int) - f[..., 0]) > 100).any(axis=0))
    assert abs(blue(left).mean() - 175) < 3 and abs(blue(right).mean() - 425) < 3
    with pytest.raises(rlforge.UnsupportedMode, match="NoisyWalk-v0.*does not render"):
        gymnasium.make("rlforge/NoisyWalk-v0", render_mode="rgb_array")


def test_train_reaches_the_target(custom_envs, tmp_path):
    run = rlforge.train(PPO_CONFIG, out=tmp_path / "ppo")
    evals = [float(r["eval_return"]) for r in csv.DictReader((run / "metrics.csv").open()) if r["eval_return"]]
    assert evals[-1] >= -12, evals  # the env's reward_threshold; moving at random scores about -83
    assert evals[0] < -12 or len(evals) == 1, evals
    assert (run / "policy.rlft").exists()


def test_resume_is_bit_identical_for_an_env_that_exposes_its_state(custom_envs, tmp_path, capfd):
    config = json.loads(PPO_CONFIG.read_text())
    config.update(total_steps=4096, target_return=None)
    full = rlforge.train(config, out=tmp_path / "full")
    cfg, *_ = rlforge._rlforge.resolve_config(None, json.dumps(config), "config (dict)", [])
    part = tmp_path / "part"
    assert rlforge._rlforge.train(cfg, str(part), False, False, 3)["stopped"]  # after 3 updates
    capfd.readouterr()
    rlforge.resume(part)
    assert "not bit-identical" not in capfd.readouterr().err
    assert (part / "policy.rlft").read_bytes() == (full / "policy.rlft").read_bytes()
