// The blocked GEMM against the reference triple loop: edge sizes around the register tile and
// the cache blocks, every transpose combination, alpha/beta, padded leading dims, NaN in C.
#include <catch.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include "core/isa.hpp"
#include "core/rng.hpp"
#include "tensor/cpu/gemm.hpp"

#include <tbb/task_arena.h>

using namespace rlforge::tensor;
using rlforge::Rng;
using std::int64_t;

namespace {

void check_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, float beta, int64_t pad,
                Rng& gen, bool with_bias = false, bool relu = false, bool with_mask = false) {
  const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
  std::vector<float> A((ta ? K : M) * lda), B((tb ? N : K) * ldb), C(M * ldc), R;
  for (auto& v : A) v = static_cast<float>(gen.uniform(-1, 1));
  for (auto& v : B) v = static_cast<float>(gen.uniform(-1, 1));
  for (auto& v : C) v = static_cast<float>(gen.uniform(-1, 1));
  R = C;
  // |A| |B| bounds the rounding error of either summation order.
  std::vector<float> Aa(A.size()), Ba(B.size()), S(M * ldc, 0.0f);
  for (std::size_t i = 0; i < A.size(); ++i) Aa[i] = std::abs(A[i]);
  for (std::size_t i = 0; i < B.size(); ++i) Ba[i] = std::abs(B[i]);
  std::vector<float> bias(static_cast<std::size_t>(N));
  for (auto& v : bias) v = static_cast<float>(gen.uniform(-1, 1));
  std::vector<float> mask(static_cast<std::size_t>(M * ldc));
  for (auto& v : mask) v = gen.uniform(0, 1) < 0.5 ? 0.0f : static_cast<float>(gen.uniform(-1, 1));
  const cpu::Epilogue ep{with_bias ? bias.data() : nullptr, relu, with_mask ? mask.data() : nullptr, ldc};
  cpu::gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc, ep);
  cpu::gemm_reference<float>(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(), ldc);
  // The epilogue's reference: bias added to every row, then max(., 0).
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      float& r = R[i * ldc + j];
      if (with_bias) r += bias[static_cast<std::size_t>(j)];
      if (relu) r = r > 0.0f ? r : 0.0f;
      if (with_mask) r *= mask[static_cast<std::size_t>(i * ldc + j)] > 0.0f ? 1.0f : 0.0f;
    }
  }
  cpu::gemm_reference<float>(ta, tb, M, N, K, std::abs(alpha), Aa.data(), lda, Ba.data(), ldb, 0.0f, S.data(), ldc);
  int bad = 0;
  std::ostringstream msg;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      const float c = C[i * ldc + j], r = R[i * ldc + j];
      const float tol = 1e-6f + 4e-7f * static_cast<float>(K + 3) * (S[i * ldc + j] + std::abs(beta) + 1.0f);
      if (!(std::abs(c - r) <= tol)) {
        if (bad < 3) msg << " (" << i << "," << j << ") fast " << c << " ref " << r;
        ++bad;
      }
    }
    // Padding columns of C must be untouched.
    for (int64_t j = N; j < ldc; ++j) {
      if (C[i * ldc + j] != R[i * ldc + j]) ++bad;
    }
  }
  INFO("ta=" << ta << " tb=" << tb << " M=" << M << " N=" << N << " K=" << K << " alpha=" << alpha
             << " beta=" << beta << " pad=" << pad << " bias=" << with_bias << " relu=" << relu << msg.str());
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("blocked gemm equals the reference on edge sizes and all transposes") {
  Rng gen(5);
  const int64_t sizes[] = {1, 2, 5, 6, 7, 13, 31, 32, 33, 64, 65, 127};
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (int64_t M : sizes) {
        for (int64_t N : {int64_t{1}, int64_t{7}, int64_t{32}, int64_t{33}, int64_t{64}, int64_t{100}}) {
          check_gemm(ta, tb, M, N, (M * 7 + N) % 70 + 1, 1.0f, 0.0f, 0, gen);
        }
      }
    }
  }
}

TEST_CASE("blocked gemm crosses its cache blocks (K > 256, N > 1024, M > 120)") {
  Rng gen(6);
  check_gemm(false, false, 130, 1030, 300, 1.0f, 0.0f, 0, gen);
  check_gemm(true, true, 125, 70, 513, 0.5f, 1.0f, 3, gen);
  check_gemm(false, true, 241, 97, 260, -1.0f, 0.25f, 1, gen);
}

TEST_CASE("blocked gemm: alpha, beta and padded leading dims") {
  Rng gen(7);
  for (float beta : {0.0f, 1.0f, -0.5f}) {
    check_gemm(false, false, 17, 45, 23, 2.0f, beta, 5, gen);
    check_gemm(true, false, 17, 45, 23, -0.5f, beta, 2, gen);
  }
}

TEST_CASE("few-row GEMM (M <= 4, B read in place): alpha, beta, padding, every transpose") {
  Rng gen(8);
  for (int64_t M : {1, 2, 3, 4, 5}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (float beta : {0.0f, 1.0f, -0.5f}) {
          for (int64_t K : {1, 15, 16, 33, 64, 70}) check_gemm(ta, tb, M, 37, K, 1.5f, beta, 3, gen);
        }
      }
    }
  }
}

TEST_CASE("beta == 0 overwrites C even when C holds NaN") {
  for (int64_t M : {2, 8}) {  // the few-row path and the packed path
    for (bool tb : {false, true}) {
      std::vector<float> A(M * 2, 1.0f), B(4, 1.0f), C(M * 2, std::numeric_limits<float>::quiet_NaN());
      cpu::gemm(false, tb, M, 2, 2, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2);
      for (float c : C) CHECK(c == 2.0f);
    }
  }
}

TEST_CASE("a large GEMM gives bit-identical results with 1 thread and with the default arena") {
  Rng gen(9);
  const int64_t M = 600, N = 300, K = 400;
  std::vector<float> A(M * K), B(K * N), C1(M * N), C2(M * N);
  for (auto& v : A) v = static_cast<float>(gen.uniform(-1, 1));
  for (auto& v : B) v = static_cast<float>(gen.uniform(-1, 1));
  tbb::task_arena one(1);
  one.execute([&] { cpu::gemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C1.data(), N); });
  cpu::gemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C2.data(), N);
  CHECK(C1 == C2);
}

TEST_CASE("narrow-output paths (dot products, transposed output) and in-place B: alpha, beta, padding") {
  Rng gen(10);
  for (float beta : {0.0f, 1.0f, -0.5f}) {
    for (int64_t N : {1, 2, 3, 15}) {
      for (int64_t K : {1, 16, 17, 64, 100}) {
        check_gemm(false, true, 64, N, K, 1.5f, beta, 3, gen);  // x W^T, value/policy heads
        check_gemm(true, false, 70, N, K, -0.5f, beta, 2, gen);  // g^T x, first-layer weight grads
        check_gemm(false, true, 3, 40, K, 2.0f, beta, 1, gen);   // one observation at a time
      }
    }
    // Untransposed B read in place, a ragged last panel, and B too large to read in place.
    check_gemm(false, false, 64, 80, 64, 1.0f, beta, 5, gen);
    check_gemm(true, false, 64, 48, 64, 1.0f, beta, 0, gen);
    check_gemm(false, false, 40, 70, 300, 1.0f, beta, 260, gen);
  }
}

TEST_CASE("bias and relu epilogue on every path (rows, shallow, dot, transposed output, packed, multi-K-block)") {
  Rng gen(12);
  int zeros = 0;
  for (bool with_bias : {false, true}) {
    for (bool relu : {false, true}) {
      if (!with_bias && !relu) continue;
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          for (auto [M, N, K] : {std::array<int64_t, 3>{3, 40, 20}, {64, 64, 4}, {64, 2, 64}, {70, 3, 30}, {48, 1, 32},
                                 {70, 20, 30}, {64, 64, 64}, {50, 70, 300}, {5, 33, 17}}) {
            for (float beta : {0.0f, 0.5f}) {
              for (int64_t pad : {0, 1}) check_gemm(ta, tb, M, N, K, 1.0f, beta, pad, gen, with_bias, relu);
            }
          }
        }
      }
    }
  }
  // relu really clips: a product that is negative everywhere comes out as zeros.
  std::vector<float> A(64 * 64, 1.0f), B(64 * 64, -1.0f), C(64 * 64, 5.0f);
  cpu::gemm(false, true, 64, 64, 64, 1.0f, A.data(), 64, B.data(), 64, 0.0f, C.data(), 64, cpu::Epilogue{nullptr, true});
  for (float c : C) zeros += c == 0.0f;
  CHECK(zeros == 64 * 64);
}

TEST_CASE("relu-backward mask epilogue (C *= mask > 0) on every path") {
  Rng gen(13);
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (auto [M, N, K] : {std::array<int64_t, 3>{3, 40, 20}, {64, 64, 2}, {64, 2, 64}, {70, 3, 30}, {48, 1, 32},
                             {70, 20, 30}, {64, 64, 64}, {50, 70, 300}, {5, 33, 17}, {0, 4, 3}, {4, 5, 0}}) {
        for (int64_t pad : {0, 2}) check_gemm(ta, tb, M, N, K, 1.0f, 0.0f, pad, gen, false, false, true);
      }
    }
  }
  check_gemm(false, false, 64, 64, 64, 0.5f, 1.0f, 0, gen, true, true, true);  // with bias, relu, alpha, beta
}

TEST_CASE("every ISA this CPU has (core/isa.hpp) runs a GEMM that equals the reference on every path") {
  // The other cases run the ISA picked at start-up (the best, or RLFORGE_ISA); this one switches
  // to each supported ISA in turn and checks each path: packed, in place, rows, shallow, dot,
  // transposed output, epilogues, several K blocks.
  using namespace rlforge;
  const Isa start = active_isa();
  for (Isa isa : {Isa::baseline, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa)) {
      WARN("ISA " << isa_name(isa) << " not supported by this CPU: its GEMM is not tested here");
      continue;
    }
    set_active_isa(isa);
    INFO("ISA " << isa_name(isa));
    Rng gen(14);
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (auto [M, N, K] : {std::array<int64_t, 3>{3, 40, 20}, {64, 64, 4}, {64, 2, 64}, {70, 3, 30}, {48, 1, 32},
                               {70, 20, 30}, {64, 64, 64}, {50, 70, 300}, {5, 33, 17}, {13, 100, 65}, {130, 1030, 33}}) {
          check_gemm(ta, tb, M, N, K, 1.0f, 0.0f, 1, gen);
          check_gemm(ta, tb, M, N, K, -0.5f, 0.5f, 0, gen, true, true);
          check_gemm(ta, tb, M, N, K, 1.0f, 0.0f, 2, gen, false, false, true);
        }
      }
    }
  }
  set_active_isa(start);
}
