// evaluate_policy and make_training_envs, shared by every algorithm.
#include "agents/agent.hpp"

#include <cmath>

#include "agents/network.hpp"
#include "core/error.hpp"
#include "core/vector_env.hpp"

namespace rlforge::agents {

std::unique_ptr<VectorEnv> make_training_envs(const RunConfig& cfg, const char* algo, const char* conv_key,
                                              bool has_conv) {
  VectorEnvOptions vo;
  vo.num_threads = cfg.num_threads;
  vo.autoreset = AutoresetMode::SameStep;
  auto envs = std::make_unique<VectorEnv>(cfg.env_id, cfg.num_envs, cfg.env_kwargs, vo);
  const Space& os = envs->single_observation_space();
  if (has_conv) return envs;  // build_network checks the image shape and names the key
  if (os.kind() != Space::Kind::Box || os.dtype() != DType::float32 || os.shape().ndim() != 1) {
    const std::string hint = conv_key && is_image_space(os)
                                 ? std::string(" (an image observation needs a conv torso: config key '") + conv_key + "')"
                                 : std::string();
    throw InvalidArgument(cfg.env_id + ": " + algo + " needs a 1-D float32 Box observation space, got " +
                          os.repr() + hint);
  }
  return envs;
}

EvalResult evaluate_policy(const RunConfig& cfg, const ActFn& act, int episodes, std::uint64_t seed) {
  VectorEnvOptions vo;
  vo.num_threads = cfg.num_threads;
  VectorEnv envs(cfg.env_id, episodes, cfg.env_kwargs, vo);
  envs.reset(seed);
  const Space& as = envs.single_action_space();
  const bool discrete = as.kind() == Space::Kind::Discrete;
  const auto n = static_cast<std::size_t>(episodes);
  const auto obs_dim = static_cast<std::size_t>(envs.single_observation_space().numel());
  const DType obs_dtype = envs.single_observation_space().dtype();
  std::vector<float> scratch;  // image observations converted to float32
  std::vector<double> ret(n, 0.0);
  std::vector<std::uint8_t> done(n, 0);
  std::vector<std::int64_t> ai(discrete ? n : 0);
  std::vector<float> af(discrete ? 0 : n * static_cast<std::size_t>(as.numel()));
  Shape shape{episodes};
  for (auto d : as.shape()) shape.push_back(d);
  std::size_t remaining = n;
  while (remaining > 0) {
    act(observations_as_float(envs.observations(), obs_dtype, scratch).first(n * obs_dim), episodes, ai, af);
    if (discrete)
      envs.step(ConstArray{ai.data(), DType::int64, shape});
    else
      envs.step(ConstArray{af.data(), DType::float32, shape});
    for (std::size_t i = 0; i < n; ++i) {
      if (done[i]) continue;
      ret[i] += envs.rewards()[i];
      if (envs.terminated()[i] || envs.truncated()[i]) {
        done[i] = 1;
        --remaining;
      }
    }
  }
  EvalResult r;
  r.returns = ret;
  for (double v : ret) r.mean += v;
  r.mean /= static_cast<double>(n);
  for (double v : ret) r.std += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(r.std / static_cast<double>(n));
  return r;
}

}  // namespace rlforge::agents
