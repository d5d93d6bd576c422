#!/usr/bin/env python3
"""Runs the tutorials in docs/tutorials/ as a reader would, so that their commands keep working.

For each tutorial:
- every fenced block right after a `<!-- file: PATH -->` line must be PATH's text verbatim (an
  excerpt of the file, whole lines), so the prose shows the code that is built;
- its ```sh blocks run in order, as one bash script (`set -euo pipefail`, each command echoed),
  from BUILD/tutorials/<name>/, a scratch root holding links `examples` and `experiments` -> the
  repository's examples/ and experiments/ (its configs), and `build` -> BUILD. Commands written
  "from the repository root" thus run as they read, while their outputs (runs/, ...) stay out of
  the repository. The scratch root keeps its path, so the example builds it configures are
  reused on the next run; its runs/ is emptied before each run.

usage: python3 scripts/check_tutorials.py [--build-dir DIR] [TUTORIAL.md ...]
       (default: every docs/tutorials/*.md; DIR: $RLFORGE_BUILD_DIR, else build/)
Exit status: 0 when every excerpt matches and every script succeeds, else 1.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w*)\s*$")
FILE_MARK = re.compile(r"^<!-- file: (\S+) -->\s*$")


def blocks(lines):
    """Yields (language, line number of the body's first line, body text, marked file or None).
    A `<!-- file: PATH -->` line marks the next block, with only blank lines between."""
    i, marked = 0, None
    while i < len(lines):
        text = lines[i]
        mark, fence = FILE_MARK.match(text), FENCE.match(text)
        if mark:
            marked = mark.group(1)
        elif fence:
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            if end == len(lines):
                raise SystemExit(f"line {i + 1}: a ``` block that is never closed")
            yield fence.group(1), i + 2, "".join(lines[i + 1:end]), marked
            marked, i = None, end
        elif text.strip():
            marked = None
        i += 1


def check_excerpts(md, found):
    bad = 0
    for lang, line, body, marked in found:
        if not marked:
            continue
        path = ROOT / marked
        if not path.is_file():
            print(f"{md}:{line}: excerpt of {marked}, which does not exist", file=sys.stderr)
            bad += 1
        elif body not in path.read_text():
            print(f"{md}:{line}: this {lang} block is not the text of {marked} (edit one of the two)",
                  file=sys.stderr)
            bad += 1
    return bad


def run_commands(md, found, build):
    work = build / "tutorials" / md.stem
    work.mkdir(parents=True, exist_ok=True)
    for name, target in (("examples", ROOT / "examples"), ("experiments", ROOT / "experiments"), ("build", build)):
        link = work / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
    shutil.rmtree(work / "runs", ignore_errors=True)
    script = ["set -euo pipefail", "export PS4='+ '", "set -x"]
    for lang, line, body, _ in found:
        if lang == "sh":
            script += [f": {md.relative_to(ROOT)} line {line}", body]
    t0 = time.monotonic()
    # `python` is this interpreter, as for a reader whose environment with rlforge is active.
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    rc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env).returncode
    secs = time.monotonic() - t0
    if rc:
        print(f"{md.relative_to(ROOT)}: a command failed (exit {rc}) after {secs:.1f} s; "
              f"the last '+ ' line above is the one (ran in {work})", file=sys.stderr)
    else:
        print(f"{md.relative_to(ROOT)}: every command ran ({secs:.1f} s)")
    return rc != 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", type=Path,
                    default=Path(os.environ.get("RLFORGE_BUILD_DIR", ROOT / "build")))
    ap.add_argument("tutorials", nargs="*", type=Path)
    args = ap.parse_args()
    build = args.build_dir.resolve()
    if not (build / "CMakeCache.txt").is_file():
        raise SystemExit(f"check_tutorials: {build} is not a configured build folder; build rlforge first")
    mds = [p.resolve() for p in args.tutorials] or sorted((ROOT / "docs" / "tutorials").glob("*.md"))
    failed = 0
    for md in mds:
        found = list(blocks(md.read_text().splitlines(keepends=True)))
        failed += check_excerpts(md, found)
        failed += run_commands(md, found, build)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
