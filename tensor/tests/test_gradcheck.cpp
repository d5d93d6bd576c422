// Gradient check of every op case in float64: analytic gradients from backward() against central
// finite differences of sum(f(x) * R) for a fixed random R.
#include <catch.hpp>

#include <cmath>
#include <sstream>

#include "op_cases.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/detail/tensor_impl.hpp"

using namespace rlforge::tensor;
using rlforge::DType;
using rlforge::Rng;
using namespace rlforge::tensor::testing;

namespace {

double weighted_sum(const Tensor& y, const Tensor& r) { return sum(y * r).item(); }

}  // namespace

TEST_CASE("every op's gradient matches central finite differences (float64)") {
  constexpr double h = 1e-6;
  for (const OpCase& c : op_cases()) {
    SECTION(c.name) {
      Rng gen(1234);
      std::vector<Tensor> xs;
      for (const InputSpec& in : c.inputs) {
        Tensor t = make_input(in, gen, DType::float64);
        if (t.dtype() != DType::int64) t.requires_grad_();
        xs.push_back(t);
      }
      Tensor y = c.ours(xs);
      REQUIRE(y.dtype() == DType::float64);
      const Tensor r = Tensor::randn(y.shape(), gen, DType::float64);
      sum(y * r).backward();
      for (std::size_t i = 0; i < xs.size(); ++i) {
        if (xs[i].dtype() == DType::int64) continue;
        const Tensor g = xs[i].grad();
        REQUIRE(g.defined());
        REQUIRE(g.shape() == xs[i].shape());
        const std::vector<double> analytic = g.to_vector<double>();
        double* p = xs[i].data<double>();
        NoGradGuard no_grad;
        for (std::int64_t k = 0; k < xs[i].numel(); ++k) {
          const double keep = p[k];
          p[k] = keep + h;
          const double up = weighted_sum(c.ours(xs), r);
          p[k] = keep - h;
          const double down = weighted_sum(c.ours(xs), r);
          p[k] = keep;
          const double numeric = (up - down) / (2 * h);
          const double a = analytic[static_cast<std::size_t>(k)];
          if (std::abs(a - numeric) > 1e-6 + 1e-5 * std::abs(numeric)) {
            std::ostringstream msg;
            msg << c.name << ": input " << i << " element " << k << " analytic " << a << " numeric " << numeric;
            FAIL(msg.str());
          }
        }
      }
    }
  }
}

TEST_CASE("the case table covers every differentiable op kind") {
  // A recorded op kind that no case reaches would ship an untested backward rule.
  std::vector<bool> seen(static_cast<std::size_t>(OpKind::kCount), false);
  for (const OpCase& c : op_cases()) {
    Rng gen(1);
    std::vector<Tensor> xs;
    for (const InputSpec& in : c.inputs) {
      Tensor t = make_input(in, gen, DType::float64);
      if (t.dtype() != DType::int64) t.requires_grad_();
      xs.push_back(t);
    }
    Tensor y = c.ours(xs);
    // Walk the graph through the public surface: every op kind reached is recorded in a node.
    std::vector<const detail::Node*> stack;
    if (y.impl()->grad_fn) stack.push_back(y.impl()->grad_fn);
    while (!stack.empty()) {
      const detail::Node* n = stack.back();
      stack.pop_back();
      seen[static_cast<std::size_t>(n->op)] = true;
      for (int i = 0; i < n->n_inputs; ++i) {
        if (n->inputs[i] && n->inputs[i]->grad_fn) stack.push_back(n->inputs[i]->grad_fn);
      }
    }
  }
  for (int k = 0; k < static_cast<int>(OpKind::kCount); ++k) {
    const auto kind = static_cast<OpKind>(k);
    // Compare is never recorded; Cast (float32 <-> float64) cannot be checked by float64 finite differences
    // through a float32 round trip and is tested in test_tensor_basics.cpp.
    if (kind == OpKind::Compare || kind == OpKind::Cast) continue;
    INFO("op kind " << op_name(kind));
    CHECK(seen[static_cast<std::size_t>(k)]);
  }
}
