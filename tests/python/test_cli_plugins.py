"""`rlforge --plugin lib.so` and RLFORGE_PLUGINS: plugin envs in every command, and the errors
(missing file, not a library, unresolved symbol, no registration, a taken id), each naming the file."""
import json

import numpy as np
import pytest

from cli_run import BUILD_DIR, needs_cli, run

PLUGINS = BUILD_DIR / "tests"
CORRIDOR = PLUGINS / "libplugin_corridor.so"

pytestmark = [needs_cli, pytest.mark.skipif(not CORRIDOR.exists(), reason=f"{CORRIDOR} not built")]


def test_help_documents_plugins():
    out = run("--help", rc=0).stdout
    assert "--plugin PATH" in out and "RLFORGE_PLUGINS" in out


def test_plugin_envs_are_listed_and_step(tmp_path):
    assert "Corridor-v0" not in run("list", rc=0).stdout
    listing = run("--plugin", CORRIDOR, "list", rc=0).stdout
    row = next(line for line in listing.splitlines() if line.startswith("Corridor-v0 "))
    assert "Discrete(2)" in row and "50" in row
    assert "CartPole-v1" in listing  # the built-in envs stay
    out = tmp_path / "c.npz"
    run(f"--plugin={CORRIDOR}", "rollout", "--env", "Corridor-v0", "--seed", 1, "--steps", 200, "--out", out, rc=0)
    with np.load(out) as d:
        assert d["obs"].shape == (200, 8) and d["terminated"].any()
    bench = run("--plugin", CORRIDOR, "bench", "--env", "Corridor-v0", "--num-envs", 8, "--threads", 2,
                "--steps", 100, rc=0).stdout
    assert "steps_per_second:" in bench


def test_rlforge_plugins_variable_and_repeats_load_once(tmp_path):
    env = {"RLFORGE_PLUGINS": f":{CORRIDOR}::"}  # empty entries are skipped
    assert "Corridor-v0" in run("list", env=env, rc=0).stdout
    # The same file again (by another path) is loaded once, not refused as registering nothing.
    other = tmp_path / "link.so"
    other.symlink_to(CORRIDOR)
    assert "Corridor-v0" in run("--plugin", other, "--plugin", CORRIDOR, "list", env=env, rc=0).stdout


def test_train_and_eval_a_plugin_env(tmp_path):
    cfg = tmp_path / "corridor_ppo.json"
    cfg.write_text(json.dumps({"algo": "ppo", "total_steps": 20000, "target_return": -6,
                               "env": {"id": "Corridor-v0", "num_envs": 4},
                               "eval": {"every_steps": 1024, "episodes": 3},
                               "ppo": {"num_steps": 32, "lr": 0.001}}))
    out = run("--plugin", CORRIDOR, "train", cfg, "--out", tmp_path / "run", "--quiet", rc=0).stdout
    assert "target reached" in out
    # Length 8, always right: 7 steps, -1 each but the last.
    assert "Corridor-v0: -6.00" in run("--plugin", CORRIDOR, "eval", tmp_path / "run", rc=0).stdout
    # The run folder names its env by id; without the plugin nobody provides it.
    assert "unknown env id 'Corridor-v0'" in run("eval", tmp_path / "run", rc=1).stderr


def error_of(*args, env=None):
    p = run(*args, "list", env=env, rc=1)
    assert p.stderr.startswith("rlforge: error: plugin '"), p.stderr
    return p.stderr


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nope.so"
    assert f"plugin '{missing}': no such file" in error_of("--plugin", missing)
    # From the variable too, after a good plugin: the bad entry is the one named.
    err = error_of(env={"RLFORGE_PLUGINS": f"{CORRIDOR}:{missing}"})
    assert str(missing) in err and str(CORRIDOR) not in err


def test_not_a_library_shows_the_loader_message(tmp_path):
    text = tmp_path / "notes.so"
    text.write_text("not a shared library\n")
    err = error_of("--plugin", text)
    assert f"plugin '{text}': cannot load it: " in err and str(text.resolve()) in err.split("cannot load it: ")[1]
    assert "is a directory" in error_of("--plugin", tmp_path)


def test_unresolved_symbol_is_named():
    lib = PLUGINS / "libplugin_unresolved.so"
    err = error_of("--plugin", lib)
    assert "cannot load it" in err and "undefined symbol: rlforge_test_symbol_nobody_defines" in err


def test_library_without_registration():
    lib = PLUGINS / "libplugin_empty.so"
    assert (f"plugin '{lib}' registered no env; does it contain an RLFORGE_REGISTER_ENV line?"
            in error_of("--plugin", lib))


def test_taken_id_is_refused():
    lib = PLUGINS / "libplugin_duplicate.so"
    err = error_of("--plugin", lib)
    assert f"plugin '{lib}': cannot register env id 'CartPole-v1': it is already registered" in err


def test_plugin_flag_needs_a_path():
    p = run("--plugin", rc=2)
    assert "usage: rlforge [--plugin PATH ...]" in p.stderr and "--plugin needs a PATH" in p.stderr
    assert "--plugin needs a PATH" in run("--plugin=", "list", rc=2).stderr
