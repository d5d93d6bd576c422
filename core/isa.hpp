// isa.hpp: which x86 vector ISA the hot kernels run (baseline, AVX2+FMA, AVX-512), chosen once at run time.
//
// The library is compiled for a portable baseline (x86-64-v2 unless RLFORGE_NATIVE); the hot
// loops (classic batched steps, VectorEnv bookkeeping, tensor GEMM) are compiled once more per
// ISA (RLFORGE_TARGET_AVX2 / RLFORGE_TARGET_AVX512 below, or per-ISA objects) and pick one at
// run time through active_isa(). The choice is the best the CPU (and OS) supports, or the one
// named by the environment variable RLFORGE_ISA=baseline|avx2|avx512. Naming an ISA the CPU
// lacks, or an unknown name, throws InvalidArgument saying what this CPU supports.
// Results: the envs give bit-identical values on every ISA (no FMA contraction, no reductions);
// the float32 GEMM's fast paths use FMA on avx2/avx512 and mul+add on baseline (see tensor/README.md).
#pragma once
#include <string>

namespace rlforge {

enum class Isa : int { baseline = 0, avx2 = 1, avx512 = 2 };

// "baseline", "avx2", "avx512".
const char* isa_name(Isa isa);
// What the running CPU and OS support: avx2 needs AVX2 and FMA; avx512 needs AVX-512 F, VL, BW
// and DQ (and AVX2/FMA) with the OS saving the ZMM registers.
bool isa_supported(Isa isa);
Isa best_supported_isa();
// The ISA the kernels use: decided on the first call (RLFORGE_ISA, else best_supported_isa()),
// then fixed unless set_active_isa() changes it. Throws InvalidArgument for a bad RLFORGE_ISA.
Isa active_isa();
// Switches the kernels to `isa` (tests compare ISAs in one process); throws InvalidArgument
// when the CPU lacks it. Not for use while other threads run kernels.
void set_active_isa(Isa isa);
// Parses "baseline" / "avx2" / "avx512"; throws InvalidArgument naming `what` and the choices.
Isa parse_isa(const std::string& name, const std::string& what);
// "avx512 (AVX-512)" style line for benchmark headers: the active ISA and its vector width.
std::string isa_description(Isa isa);

}  // namespace rlforge

// Function attributes compiling one function for an ISA above the baseline. Only ISA flags
// (no arch=/tune=), so GCC may still inline the baseline-compiled inline helpers into it; the
// body is typically an always_inline template so that it is vectorized for the caller's ISA.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RLFORGE_HAS_ISA_TARGETS 1
#define RLFORGE_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define RLFORGE_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,prefer-vector-width=512")))
#else
#define RLFORGE_HAS_ISA_TARGETS 0
#define RLFORGE_TARGET_AVX2
#define RLFORGE_TARGET_AVX512
#endif
