// isa.cpp: CPU feature detection and the run-time choice of the kernels' ISA (RLFORGE_ISA).
#include "core/isa.hpp"

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "core/error.hpp"

namespace rlforge {
namespace {

std::atomic<int> g_active{-1};
std::once_flag g_once;

std::string supported_list() {
  std::string s;
  for (Isa i : {Isa::avx512, Isa::avx2, Isa::baseline})
    if (isa_supported(i)) s += std::string(s.empty() ? "" : ", ") + isa_name(i);
  return s;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::baseline: return "baseline";
  }
  return "?";
}

std::string isa_description(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512 (AVX-512, 64-byte vectors)";
    case Isa::avx2: return "avx2 (AVX2+FMA, 32-byte vectors)";
    case Isa::baseline: return "baseline (the build's target, no AVX2 kernels)";
  }
  return "?";
}

bool isa_supported(Isa isa) {
#if RLFORGE_HAS_ISA_TARGETS
  // libgcc's feature bits include the OS check (XGETBV) for the AVX and AVX-512 state.
  __builtin_cpu_init();
  switch (isa) {
    case Isa::baseline: return true;
    case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512:
      return isa_supported(Isa::avx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return isa == Isa::baseline;
#endif
}

Isa best_supported_isa() {
  for (Isa i : {Isa::avx512, Isa::avx2})
    if (isa_supported(i)) return i;
  return Isa::baseline;
}

Isa parse_isa(const std::string& name, const std::string& what) {
  for (Isa i : {Isa::baseline, Isa::avx2, Isa::avx512})
    if (name == isa_name(i)) return i;
  throw InvalidArgument(what + "=\"" + name + "\": expected baseline, avx2 or avx512 (this CPU supports: " +
                        supported_list() + ")");
}

void set_active_isa(Isa isa) {
  if (!isa_supported(isa))
    throw InvalidArgument(std::string("ISA ") + isa_name(isa) + " is not supported by this CPU (it supports: " +
                          supported_list() + ")");
  g_active.store(static_cast<int>(isa), std::memory_order_relaxed);
}

Isa active_isa() {
  const int a = g_active.load(std::memory_order_relaxed);
  if (a >= 0) [[likely]]
    return static_cast<Isa>(a);
  std::call_once(g_once, [] {
    const char* env = std::getenv("RLFORGE_ISA");
    if (env == nullptr || *env == '\0') {
      g_active.store(static_cast<int>(best_supported_isa()), std::memory_order_relaxed);
      return;
    }
    const Isa want = parse_isa(env, "RLFORGE_ISA");
    if (!isa_supported(want))
      throw InvalidArgument(std::string("RLFORGE_ISA=") + env + ": this CPU lacks " + isa_name(want) +
                            " (it supports: " + supported_list() + "); unset RLFORGE_ISA to pick the best");
    g_active.store(static_cast<int>(want), std::memory_order_relaxed);
  });
  return static_cast<Isa>(g_active.load(std::memory_order_relaxed));
}

}  // namespace rlforge
