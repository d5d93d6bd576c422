// kernel_isa.hpp: compiles the rest of a kernel file for one ISA, inside that ISA's namespace name.
//
// A kernel file (cpu/gemm.cpp, cpu/gemm_narrow.cpp) is compiled once per ISA by the files that
// tensor/CMakeLists.txt generates, each defining one of RLFORGE_KERNEL_ISA_{BASELINE,AVX2,AVX512}
// before including it. The file includes its ordinary headers first (compiled for the baseline,
// so no std/TBB inline function is ever emitted with AVX instructions), then this header, which
// switches GCC's target for the code that follows, defines RLFORGE_SIMD_AVX2 / RLFORGE_SIMD_AVX512
// for cpu/simd.hpp (the pragma does not define __AVX2__ / __AVX512F__, so without these the copies
// all fell back to the 4-wide vector code), and puts its code in namespace cpu::RLFORGE_KERNEL_NS (isa_avx512, ...), so
// the three copies never share a symbol. cpu/gemm_dispatch.cpp picks one by active_isa().
#pragma once

// Clang (the fuzz build) ignores GCC's target pragma: it gets the same target as an attribute on
// every function that follows, popped by the generated file after the kernel file ends.
#if defined(RLFORGE_KERNEL_ISA_AVX512)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,prefer-vector-width=512")
#endif
#define RLFORGE_KERNEL_NS isa_avx512
#define RLFORGE_SIMD_AVX512 1
#define RLFORGE_SIMD_AVX2 1
#elif defined(RLFORGE_KERNEL_ISA_AVX2)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#define RLFORGE_KERNEL_NS isa_avx2
#define RLFORGE_SIMD_AVX2 1
#elif defined(RLFORGE_KERNEL_ISA_BASELINE)
#define RLFORGE_KERNEL_NS isa_baseline
#else
#error "compile this kernel file through its generated per-ISA files (tensor/CMakeLists.txt)"
#endif
