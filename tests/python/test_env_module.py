"""A user's C++ env module built against the installed wheel (examples/python_env): CMake finds
rlforge through rlforge.cmake_dir(), the module registers its env on import, and the env works
with gymnasium, rlforge.train and bit-identical checkpoint/resume."""
import csv
import json
import os
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


@pytest.fixture(scope="module")
def target_walk(tmp_path_factory):
    """examples/python_env configured and built in a fresh folder, outside the source tree."""
    build = tmp_path_factory.mktemp("target_walk_build")
    cmake = shutil.which("cmake")
    assert cmake, "cmake is needed to build a C++ env module"
    subprocess.run([cmake, "-S", str(EXAMPLE), "-B", str(build), f"-Drlforge_DIR={rlforge.cmake_dir()}",
                    f"-DPython_EXECUTABLE={sys.executable}"], check=True, capture_output=True, text=True)
    subprocess.run([cmake, "--build", str(build), "-j2"], check=True, capture_output=True, text=True)
    sys.path.insert(0, str(build))
    try:
        import target_walk as module
    finally:
        sys.path.remove(str(build))
    return module


def test_the_wheel_ships_headers_and_a_cmake_package():
    cmake_dir = Path(rlforge.cmake_dir())
    assert (cmake_dir / "rlforgeConfig.cmake").is_file()
    include = Path(rlforge.include_dir())
    assert (include / "core" / "env.hpp").is_file()
    assert (include / "rlforge_python" / "env_module.hpp").is_file()


def test_the_module_registers_its_env_for_gymnasium(target_walk):
    assert target_walk.env_ids == ["TargetWalk-v0"]
    env = gymnasium.make("rlforge/TargetWalk-v0")
    check_env(env.unwrapped)
    assert env.spec.max_episode_steps == 60 and env.spec.reward_threshold == -12.0
    obs, _ = env.reset(seed=3)
    assert obs.shape == (2,) and obs.dtype == np.float32
    with pytest.raises(rlforge.InvalidArgument, match="noise must be in"):
        rlforge.make("TargetWalk-v0", noise=2.0)


def walk_config(total_steps=8192):
    return {"algo": "ppo", "seed": 1, "total_steps": total_steps, "target_return": -12,
            "env": {"id": "TargetWalk-v0", "num_envs": 8, "num_threads": 2},
            "eval": {"every_steps": 1024, "episodes": 20},
            "ppo": {"num_steps": 64, "epochs": 4, "minibatches": 2, "lr": 0.003, "gamma": 0.95},
            "policy": {"hidden": [32, 32]}}


def test_train_reaches_the_target_and_resumes_bit_identically(target_walk, tmp_path):
    full = rlforge.train(walk_config(), out=tmp_path / "full")
    rows = list(csv.DictReader((full / "metrics.csv").open()))
    evals = [float(r["eval_return"]) for r in rows if r["eval_return"]]
    assert evals[-1] >= -12, evals  # random actions: about -50 (the 60-step limit)
    assert evals[0] < -20, evals    # it was learned, not given
    # The same run stopped after 2 updates and resumed ends with the same bytes.
    cfg, *_ = rlforge._rlforge.resolve_config(None, json.dumps(walk_config()), "config (dict)", [])
    part = tmp_path / "part"
    assert rlforge._rlforge.train(cfg, str(part), False, False, 2)["stopped"]
    rlforge.resume(part)
    assert (part / "policy.rlft").read_bytes() == (full / "policy.rlft").read_bytes()
