#!/usr/bin/env bash
# gpu-check.sh: the one prepared check for a machine with a GPU (and maybe no network): builds the
# tensor library and its CUDA tests for one architecture (sm_90 by default), then runs the CUDA
# suite, bench_tensor's CUDA rows and a short PPO CartPole run with "device": "cuda", within
# about 10 minutes. Without a GPU it builds, then says clearly that none is present (exit 3).
#
# A GPU machine may lack the build's Debian packages (TBB, cereal, Catch2). Fetch them here, where
# apt works, into a folder that travels with the working tree (shared/ or a carried path):
#   scripts/gpu-check.sh --fetch-debs shared/gpu-debs     # apt-get download + dpkg -x into .../prefix
# and on the GPU machine:
#   scripts/gpu-check.sh --debs shared/gpu-debs           # CMake and the compilers look in .../prefix
#
# Options: --arch N (CMAKE_CUDA_ARCHITECTURES, default 90), --build DIR (default build-gpu-check),
# --jobs N (default: all cores), --build-only (stop after building, GPU or not).
# Exit status: 0 all passed, 1 a step failed, 2 bad usage, 3 built but no GPU present,
# 4 no nvcc (nothing can be built).
set -uo pipefail

cd "$(dirname "$0")/.."
ARCH=90
BUILD=build-gpu-check
DEBS=""
FETCH=""
JOBS=$(nproc 2>/dev/null || echo 2)
BUILD_ONLY=0
# What the build needs beyond a compiler, CMake and the CUDA toolkit (Debian 12 names).
PACKAGES=(libtbb-dev libtbb12 libtbbmalloc2 libtbbbind-2-5 libhwloc15 libcereal-dev catch2)

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) ARCH=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --debs) DEBS=$2; shift 2 ;;
    --fetch-debs) FETCH=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --build-only) BUILD_ONLY=1; shift ;;
    -h|--help) usage ;;
    *) echo "gpu-check: unknown option '$1'" >&2; usage ;;
  esac
done

say() { printf 'gpu-check: %s\n' "$*"; }
T0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - T0 ))s"; }

# ---- here, with apt: download and extract the packages ----
if [ -n "$FETCH" ]; then
  mkdir -p "$FETCH/prefix"
  (cd "$FETCH" && apt-get download "${PACKAGES[@]}") || { say "apt-get download failed"; exit 1; }
  for deb in "$FETCH"/*.deb; do dpkg -x "$deb" "$FETCH/prefix" || { say "dpkg -x $deb failed"; exit 1; }; done
  say "extracted $(ls "$FETCH"/*.deb | wc -l) packages into $FETCH/prefix ($(du -sh "$FETCH" | cut -f1))"
  exit 0
fi

# ---- the toolchain ----
NVCC=""
for c in "${CUDACXX:-}" "$(command -v nvcc 2>/dev/null)" /usr/local/cuda/bin/nvcc; do
  if [ -n "$c" ] && [ -x "$c" ]; then NVCC=$c; break; fi
done
if [ -z "$NVCC" ]; then
  say "FAILED: no nvcc (looked at \$CUDACXX, PATH, /usr/local/cuda/bin): the CUDA kernels cannot be built"
  exit 4
fi
say "nvcc: $NVCC ($("$NVCC" --version | tail -1))"

CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES="$ARCH"
            -DRLFORGE_CUDA=ON -DRLFORGE_PYTHON=OFF -DRLFORGE_NATIVE=OFF)
if [ -n "$DEBS" ]; then
  P=$(cd "$DEBS/prefix" 2>/dev/null && pwd) || { say "FAILED: no extracted packages at $DEBS/prefix (run --fetch-debs first)"; exit 1; }
  ML=$P/usr/lib/x86_64-linux-gnu
  # find_package(TBB) and find_package(Catch2) read the packages' CMake files; cereal and Catch2's
  # single header (the tests name /usr/include/catch2) through the include path; the linker and
  # the loader find libtbb.
  CMAKE_ARGS+=(-DCMAKE_PREFIX_PATH="$P/usr;$ML/cmake" -DCMAKE_INCLUDE_PATH="$P/usr/include"
               -DCMAKE_LIBRARY_PATH="$ML" -DCMAKE_CXX_FLAGS="-isystem $P/usr/include -isystem $P/usr/include/catch2"
               -DCMAKE_CUDA_FLAGS="-isystem $P/usr/include" -DCMAKE_BUILD_RPATH="$ML")
  export LD_LIBRARY_PATH="$ML${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "using the extracted packages in $P"
fi

# ---- build: the tensor library, its CUDA tests, bench_tensor and the CLI ----
mkdir -p "$BUILD"
say "configuring $BUILD for sm_$ARCH"
cmake -S . -B "$BUILD" "${CMAKE_ARGS[@]}" >"$BUILD/gpu-check.configure.log" 2>&1 \
  || { tail -30 "$BUILD/gpu-check.configure.log"; say "FAILED: configure (log: $BUILD/gpu-check.configure.log)"; exit 1; }
grep 'rlforge: \[' "$BUILD/gpu-check.configure.log" | sed 's/^-- /  /'
TARGETS=(rlforge_tensor_cuda test_tensor_cuda test_tensor_kernels_math test_tensor_cuda_loader_0
         test_tensor_cuda_loader_1 rlforge)
HELP=$(cmake --build "$BUILD" --target help 2>/dev/null)  # (not piped into grep -q: pipefail)
grep -qw bench_tensor <<<"$HELP" && TARGETS+=(bench_tensor)
say "building ${TARGETS[*]} with -j$JOBS"
cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]}" >"$BUILD/gpu-check.build.log" 2>&1 \
  || { grep -m20 -E 'error|Error' "$BUILD/gpu-check.build.log"; say "FAILED: build (log: $BUILD/gpu-check.build.log)"; exit 1; }
cuobjdump --list-elf "$BUILD/tensor/librlforge_tensor_cuda.so" 2>/dev/null | grep -o 'sm_[0-9]*' | sort -u | tr '\n' ' ' \
  | sed 's/^/gpu-check: device code in librlforge_tensor_cuda.so: /;s/$/\n/'
say "built in $(elapsed)"
[ "$BUILD_ONLY" = 1 ] && exit 0

# ---- is there a GPU? ----
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  why="nvidia-smi not found"
  command -v nvidia-smi >/dev/null 2>&1 && why="nvidia-smi -L: $(nvidia-smi -L 2>&1 | head -1)"
  say "NO GPU PRESENT ($why): built for sm_$ARCH, nothing run on a device"
  "$BUILD/tensor/tests/test_tensor_cuda" | head -1  # its own words: why the runtime sees no device
  exit 3
fi
nvidia-smi -L | sed 's/^/gpu-check: /'

STATUS=0
step() {  # step NAME TIMEOUT_S CMD...: runs one check, keeps going after a failure
  local name=$1 limit=$2; shift 2
  say "---- $name (limit ${limit}s, at $(elapsed))"
  timeout "$limit" "$@"; local rc=$?
  if [ $rc -eq 0 ]; then say "ok: $name"; else say "FAILED: $name (exit $rc)"; STATUS=1; fi
}
step "CUDA suite (test_tensor_cuda)" 240 "$BUILD/tensor/tests/test_tensor_cuda"
step "shared math on the host (test_tensor_kernels_math)" 60 "$BUILD/tensor/tests/test_tensor_kernels_math"
if [ -x "$BUILD/experiments/bench_tensor" ]; then
  step "bench_tensor CUDA rows" 120 "$BUILD/experiments/bench_tensor" --cuda-only
else
  say "bench_tensor not built (no LibTorch and no CUDA?)"; STATUS=1
fi
OUT=$(mktemp -d)
step "PPO CartPole, device cuda" 180 "$BUILD/rlforge" train experiments/configs/cartpole_ppo.json \
  --set device=cuda --set total_steps=20480 --set target_return=null --out "$OUT/run"
grep -q '"device": "cuda"' "$OUT/run/config.json" 2>/dev/null && say "the run folder's config says device cuda"
tail -3 "$OUT/run/metrics.csv" 2>/dev/null | sed 's/^/  metrics: /'
say "done in $(elapsed): $([ $STATUS -eq 0 ] && echo 'all passed' || echo 'some steps FAILED')"
exit $STATUS
