// lander_trace: runs a LunarLander episode and prints what gymnasium's env needs to be synchronized
// with it step by step (tests/python/test_box2d_lander.py drives it).
//
// Usage: lander_trace ID SEED [KWARGS_JSON]; stdin: one action per line ("a" for Discrete,
// "a0 a1" for Box), stdout: one line after the reset and one per step:
//   reward terminated d0 d1 | obs[8] | lander x y angle vx vy omega awake | leg0 ... | leg1 ...
// with doubles in %.17g (the bodies' float32 values print exactly). Errors: stderr, exit 1.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/box2d/lunar_lander.hpp"

namespace {
void print_body(const rlforge::box2d::BodySnapshot& b) {
  std::printf(" | %.17g %.17g %.17g %.17g %.17g %.17g %d", b.x, b.y, b.angle, b.vx, b.vy, b.omega, b.awake ? 1 : 0);
}
void print_line(const rlforge::box2d::LunarLanderEnv& env, const float* obs, const rlforge::Info& info,
                double reward, bool terminated) {
  std::printf("%.17g %d %.17g %.17g |", reward, terminated ? 1 : 0, *info.find("dispersion_0"),
              *info.find("dispersion_1"));
  for (int k = 0; k < 8; ++k) std::printf(" %.9g", static_cast<double>(obs[k]));
  print_body(env.lander());
  print_body(env.leg(0));
  print_body(env.leg(1));
  std::printf("\n");
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: lander_trace ID SEED [KWARGS_JSON] < actions\n");
    return 2;
  }
  try {
    auto env = rlforge::make(argv[1], argc > 3 ? argv[3] : "{}");
    auto* lander = dynamic_cast<rlforge::box2d::LunarLanderEnv*>(env.get());
    if (!lander) throw rlforge::InvalidArgument(std::string(argv[1]) + " is not a LunarLander env");
    float obs[8];
    rlforge::Info info;
    env->reset(std::stoull(argv[2]), std::span<float>(obs, 8), info);
    print_line(*lander, obs, info, 0.0, false);
    const bool discrete = env->action_space().kind() == rlforge::Space::Kind::Discrete;
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream in(line);
      rlforge::StepResult r;
      if (discrete) {
        std::int64_t a;
        in >> a;
        r = env->step(rlforge::scalar_view(a), std::span<float>(obs, 8), info);
      } else {
        float a[2];
        in >> a[0] >> a[1];
        r = env->step(rlforge::array_view(a, 2), std::span<float>(obs, 8), info);
      }
      print_line(*lander, obs, info, r.reward, r.terminated);
      if (r.terminated) break;
    }
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lander_trace: %s\n", e.what());
    return 1;
  }
  return 0;
}
