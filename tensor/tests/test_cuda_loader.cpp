// The CUDA library's loader away from the build tree's RUNPATH. Built twice, both without any
// RUNPATH: alone (the library cannot be found: the error must name it, each place tried and the
// dynamic loader's reason, and CPU work goes on), and with the library copied beside it (found
// next to the program, the layout of an install that puts the two side by side). No GPU needed.
#include <catch.hpp>

#include <string>

#include "tensor/kernels/cuda_loader.hpp"
#include "tensor/ops.hpp"

using namespace rlforge::tensor;
using Catch::Matchers::Contains;

#if RLFORGE_EXPECT_CUDA_LIBRARY
TEST_CASE("the CUDA library is found next to the program") {
  REQUIRE(kern::cuda_loaded() == nullptr);  // nothing loaded it before the first CUDA use
  const cuda::Backend& b = kern::cuda_backend();
  CHECK(b.version == cuda::kBackendVersion);
  CHECK(kern::cuda_loaded() == &b);
  // Loaded: what is missing now is only the GPU, and the error says that.
  if (!cuda_available()) CHECK_THROWS_WITH(Tensor::ones({2}).to(Device::cuda()), Contains("no CUDA device available"));
}
#else
TEST_CASE("a CUDA library that cannot be found is named, with every place tried and why") {
  std::string first;
  try {
    (void)kern::cuda_backend();
    FAIL("the CUDA library loaded, but this test program has no way to find it");
  } catch (const DeviceError& e) {
    first = e.what();
  }
  INFO(first);
  CHECK_THAT(first, Contains("librlforge_tensor_cuda.so") && Contains("next to this program") &&
                        Contains("search path") && Contains("cannot open shared object file"));
  CHECK(kern::cuda_loaded() == nullptr);
  CHECK_FALSE(cuda_available());
  // The failure is remembered: the same error, no second search.
  CHECK_THROWS_WITH(kern::cuda_backend(), first);
  CHECK_THROWS_WITH(Tensor::ones({2, 2}).to(Device::cuda()), Contains("(2, 2)") && Contains(first));
  // CPU tensors never needed it.
  CHECK((Tensor::ones({2}) + Tensor::ones({2})).to_vector<float>() == std::vector<float>{2, 2});
}
#endif
