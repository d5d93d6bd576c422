"""The built `rlforge` CLI as test_cli.py and test_train_cli.py run it."""
import os
import subprocess
from pathlib import Path

import pytest

BUILD_DIR = Path(os.environ.get("RLFORGE_BUILD_DIR", "/work/main/build")).resolve()
RLFORGE = BUILD_DIR / "rlforge"
# The CLI suites fail, never skip, when the program is missing: a vanished suite would pass CI.
if not RLFORGE.exists():
    raise RuntimeError(f"{RLFORGE} is not built: run `bash scripts/dev.sh test`, or set "
                       "RLFORGE_BUILD_DIR to the build folder")
needs_cli = pytest.mark.cli


def run(*args, rc=None, timeout=300, env=None, unset=(), prefix=()):
    """Runs `rlforge ARGS` (in this environment less the variables named in `unset`, plus `env`;
    behind the command words `prefix`, e.g. xvfb-run's). Whatever happens, never a crash: exit
    0, 1 or 2, no signal and no uncaught C++ exception; with rc, exactly that exit code."""
    full_env = None
    if env or unset:
        full_env = {**{k: v for k, v in os.environ.items() if k not in unset}, **(env or {})}
    p = subprocess.run([*map(str, prefix), str(RLFORGE), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=full_env)
    assert p.returncode in (0, 1, 2), (p.returncode, p.stderr)
    assert "terminate called" not in p.stderr
    if rc is not None:
        assert p.returncode == rc, (p.stdout, p.stderr)
    return p
