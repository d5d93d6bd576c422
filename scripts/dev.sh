#!/usr/bin/env bash
# The project's two entry points (README quick start), idempotent and quick when repeated:
#   bash scripts/dev.sh run   installs what is missing, builds, runs the main job
#   bash scripts/dev.sh test  installs what is missing, builds, runs every test (also under
#                             ASan + UBSan in build-asan/, and the fuzzers in build-fuzz/)
# Works on a fresh Debian 12 machine as root. Nothing is fetched but Debian packages and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${RLFORGE_BUILD_DIR:-$ROOT/build}
VENV=$ROOT/.venv
JOBS=${RLFORGE_JOBS:-$(nproc)}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- system packages: install only those missing, so a second run installs nothing ---
DEBS=(build-essential cmake git pkg-config python3 python3-venv python3-dev
      libtbb-dev libcereal-dev rapidjson-dev catch2 libbox2d-dev libsfml-dev libimgui-dev libstb-dev
      libtorch-dev libopenblas-dev clang libclang-rt-14-dev
      libpng-dev libgif-dev libavcodec-dev libavformat-dev libswscale-dev xvfb xauth libgl1-mesa-dri libx11-dev)
# libpng/giflib/libavcodec: render/ (PNG frames, GIF and MP4 video); xvfb, xauth and Mesa's
# software GL: the SFML window tests run under Xvfb.
# clang (with libclang-rt-14-dev, only recommended by clang-14, which holds libFuzzer) builds the
# fuzzers in build-fuzz/.
# libopenblas-dev makes OpenBLAS the system BLAS, so LibTorch (test oracle and benchmark
# baseline) runs on an optimized BLAS rather than the slow reference one.
install_debs() {
  local missing=()
  for p in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# --- Python test venv from PyPI, reinstalled only when the lists change: numpy, gymnasium,
# pytest, the package's build tools, and stable-baselines3 (which brings torch: ~3 GB) ---
setup_venv() {
  local req=$ROOT/tests/python/requirements-sb3.txt stamp=$VENV/.requirements.sha
  local want
  want=$(cat "$ROOT"/tests/python/requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    /usr/bin/python3 -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages from $req"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
  fi
}

build() {
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    say "configuring $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$VENV/bin/python"
  fi
  say "building"
  cmake --build "$BUILD" -j"$JOBS"
}

# --- the C++ suites again under AddressSanitizer + UBSan, in build-asan/ (reused: a repeat
# rebuilds only what changed). The tensor pool is off (RLFORGE_TENSOR_POOL=off) so ASan sees
# every block at its size; test_tensor_no_alloc sets it back on for itself (it counts the pool). ---
ASAN_BUILD=${RLFORGE_ASAN_BUILD_DIR:-$ROOT/build-asan}
asan_test() {
  if [ ! -f "$ASAN_BUILD/CMakeCache.txt" ]; then
    say "configuring $ASAN_BUILD (AddressSanitizer + UBSan)"
    cmake -S "$ROOT" -B "$ASAN_BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1 -DNDEBUG" \
      -DRLFORGE_SANITIZE=ON \
      -DRLFORGE_CUDA=OFF -DPython3_EXECUTABLE="$VENV/bin/python"
  fi
  say "building $ASAN_BUILD"
  cmake --build "$ASAN_BUILD" -j"$JOBS"
  say "C++ tests under AddressSanitizer + UBSan (ctest in $ASAN_BUILD)"
  (cd "$ASAN_BUILD" && RLFORGE_TENSOR_POOL=off ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure --no-tests=error -j"$JOBS")
}

# --- libFuzzer targets (tests/fuzz/), built with clang in build-fuzz/ (reused), each run for
# RLFORGE_FUZZ_SECONDS (default 60) from its checked-in seeds; new inputs collect in
# build-fuzz/corpus/NAME, a crash is written to build-fuzz/artifacts/ and fails the run. ---
FUZZ_BUILD=${RLFORGE_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
FUZZERS=(config overrides checkpoint tensor_file raster)
fuzz_test() {
  if [ ! -f "$FUZZ_BUILD/CMakeCache.txt" ]; then
    say "configuring $FUZZ_BUILD (clang, libFuzzer + ASan + UBSan)"
    cmake -S "$ROOT" -B "$FUZZ_BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DRLFORGE_FUZZ=ON \
      -DRLFORGE_BUILD_TESTS=OFF -DRLFORGE_CUDA=OFF -DRLFORGE_NATIVE=OFF
  fi
  say "building the fuzzers ($FUZZ_BUILD)"
  cmake --build "$FUZZ_BUILD" -j"$JOBS" --target fuzz_all
  mkdir -p "$FUZZ_BUILD/artifacts"
  # A fuzzer is one process on one core: JOBS of them run at once (each its full time).
  local pids=() names=() i
  for i in "${!FUZZERS[@]}"; do
    local f=${FUZZERS[$i]}
    say "fuzz_$f for ${RLFORGE_FUZZ_SECONDS:-60} s"
    mkdir -p "$FUZZ_BUILD/corpus/$f"
    "$FUZZ_BUILD/tests/fuzz/fuzz_$f" -max_total_time="${RLFORGE_FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$FUZZ_BUILD/artifacts/$f-" \
      "$FUZZ_BUILD/corpus/$f" "$ROOT/tests/fuzz/corpus/$f" 2>"$FUZZ_BUILD/fuzz_$f.log" &
    pids+=($!)
    names+=("$f")
    if ((${#pids[@]} >= JOBS || i == ${#FUZZERS[@]} - 1)); then
      local k
      for k in "${!pids[@]}"; do
        local n=${names[$k]}
        wait "${pids[$k]}" || { tail -40 "$FUZZ_BUILD/fuzz_$n.log" >&2; echo "fuzz_$n failed" >&2; exit 1; }
        grep -E "^(stat::number_of_executed_units|Done )" "$FUZZ_BUILD/fuzz_$n.log" >&2 || true
      done
      pids=()
      names=()
    fi
  done
}

case "${1:-}" in
  run)
    install_debs
    build
    say "main job: train PPO on CartPole-v1 (experiments/configs/cartpole_ppo.json), then evaluate"
    "$BUILD/rlforge" train "$ROOT/experiments/configs/cartpole_ppo.json" --out "$ROOT/runs/cartpole_ppo"
    "$BUILD/rlforge" eval "$ROOT/runs/cartpole_ppo" --episodes 100
    ;;
  test)
    install_debs
    setup_venv
    build
    say "C++ tests (ctest)"
    # --no-tests=error: a build that registered no test fails instead of passing empty.
    (cd "$BUILD" && ctest --output-on-failure --no-tests=error -j"$JOBS")
    asan_test
    fuzz_test
    say "Python package rlforge (pip install . into $VENV; build folder build-py/)"
    CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" "$VENV/bin/pip" install -q --disable-pip-version-check \
      --no-build-isolation --no-deps "$ROOT"
    say "tutorials (docs/tutorials/: install into $BUILD/install, build examples against it, train from C++, the CLI and Python)"
    "$VENV/bin/python" "$ROOT/scripts/check_tutorials.py" --build-dir "$BUILD"
    say "Python tests (pytest)"
    RLFORGE_BUILD_DIR=$BUILD "$VENV/bin/python" -m pytest -q "$ROOT/tests/python"
    ;;
  *)
    echo "usage: bash scripts/dev.sh run|test" >&2
    exit 2
    ;;
esac
