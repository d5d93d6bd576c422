// Ppo: rollouts over a SameStep VectorEnv, GAE, and the clipped-surrogate minibatch updates.
#include "agents/ppo.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <variant>

#include "agents/checkpoint_io.hpp"
#include "agents/gae.hpp"
#include "agents/network.hpp"
#include "core/binary_io.hpp"
#include "core/error.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/distributions.hpp"
#include "tensor/ops.hpp"

namespace rlforge::agents {

namespace T = rlforge::tensor;

namespace {

constexpr double kLog2Pi = 1.8378770664093453;
// Format 2 embeds the normalizers as their own bytes (core/wrappers/vector_normalize); format 1
// files are already turned away by the checkpoint kind (rlforge.checkpoint/1).
constexpr std::uint32_t kStateMagic = 0x50504F32;  // "PPO2"

Network make_net(const PpoConfig& c, const Space& obs, std::int64_t out, double out_gain, Rng& gen) {
  T::nn::MlpOptions o;
  o.init = c.ortho_init ? T::nn::Init::Orthogonal : T::nn::Init::TorchDefault;
  o.hidden_gain = std::sqrt(2.0);  // conv layers too, as sb3's NatureCNN under ortho_init
  o.output_gain = out_gain;
  return build_network(obs, c.conv, "policy.conv", c.hidden, out, c.activation, gen, o);
}

}  // namespace

Ppo::Ppo(PpoConfig config) : cfg_(std::move(config)), rng_(cfg_.seed) {
  dev_ = agent_device(cfg_.device, "PPO");  // before the envs: a missing GPU fails at once
  envs_ = make_training_envs(cfg_, "PPO", "policy.conv", !cfg_.conv.empty());
  const Space& os = envs_->single_observation_space();
  const Space& as = envs_->single_action_space();
  obs_dim_ = static_cast<int>(os.numel());
  obs_dtype_ = os.dtype();
  if (as.kind() == Space::Kind::Discrete) {
    discrete_ = true;
    act_dim_ = static_cast<int>(as.n());
  } else if (as.kind() == Space::Kind::Box && as.dtype() == DType::float32 && as.shape().ndim() == 1) {
    discrete_ = false;
    act_dim_ = static_cast<int>(as.numel());
    for (int j = 0; j < act_dim_; ++j) {
      act_low_.push_back(static_cast<float>(as.low()[static_cast<std::size_t>(j)]));
      act_high_.push_back(static_cast<float>(as.high()[static_cast<std::size_t>(j)]));
    }
  } else {
    throw InvalidArgument(cfg_.env_id + ": PPO supports Discrete or 1-D float32 Box actions, got " + as.repr());
  }
  Rng gen(cfg_.seed ^ 0x5DEECE66DULL);
  actor_ = make_net(cfg_, os, act_dim_, 0.01, gen);
  critic_ = make_net(cfg_, os, 1, 1.0, gen);
  if (dev_.type != T::DeviceType::CPU) {  // initialized on the host (same values), then moved
    actor_ = actor_.to(dev_);
    critic_ = critic_.to(dev_);
  }
  std::vector<T::Tensor> params = actor_.parameters();
  for (auto& p : critic_.parameters()) params.push_back(p);
  if (!discrete_) {
    log_std_ = T::Tensor::full({act_dim_}, cfg_.log_std_init, DType::float32, dev_);
    log_std_.requires_grad_(true);
    params.push_back(log_std_);
  }
  T::optim::AdamOptions ao;
  ao.lr = cfg_.lr;
  ao.eps = cfg_.adam_eps;
  opt_ = std::make_unique<T::optim::Adam>(params, ao);
  schedule_ = cfg_.anneal_lr ? T::optim::LrSchedule::linear(cfg_.lr, cfg_.lr_end, cfg_.num_updates())
                             : T::optim::LrSchedule::constant(cfg_.lr);
  if (cfg_.norm_obs) obs_norm_.emplace(cfg_.num_envs, obs_dim_, cfg_.clip_obs);
  if (cfg_.norm_reward) rew_norm_.emplace(cfg_.num_envs, cfg_.gamma, cfg_.clip_reward);
  const auto n = static_cast<std::size_t>(cfg_.num_envs);
  ep_return_.assign(n, 0.0);
  scratch_rew_.resize(n);
  const std::size_t tn = n * static_cast<std::size_t>(cfg_.num_steps);
  b_obs_.resize(tn * static_cast<std::size_t>(obs_dim_));
  if (discrete_)
    b_act_i_.resize(tn);
  else
    b_act_.resize(tn * static_cast<std::size_t>(act_dim_));
  for (auto* v : {&b_logp_, &b_val_, &b_rew_, &b_done_, &b_adv_, &b_ret_}) v->resize(tn);
  envs_->reset(cfg_.seed);
}

Ppo::~Ppo() = default;

void Ppo::normalize_obs(std::span<const float> raw, int n, std::span<float> out) const {
  const std::size_t count = static_cast<std::size_t>(n) * static_cast<std::size_t>(obs_dim_);
  if (obs_norm_)
    obs_norm_->transform(raw.first(count), n, out.first(count));
  else
    std::copy_n(raw.begin(), count, out.begin());
}

T::Tensor Ppo::obs_tensor(std::span<const float> raw, int n, bool update_stats) {
  const auto count = static_cast<std::size_t>(n) * static_cast<std::size_t>(obs_dim_);
  scratch_obs_.resize(count);
  if (update_stats && obs_norm_)
    obs_norm_->normalize(raw.first(count), n, scratch_obs_);
  else
    normalize_obs(raw, n, scratch_obs_);
  return T::Tensor::from_data(std::span<const float>(scratch_obs_), {n, obs_dim_}).to(dev_);
}

T::Tensor Ppo::values_of(const T::Tensor& obs) const {
  return critic_.forward(obs).reshape({obs.size(0)});
}

UpdateStats Ppo::update() {
  const int N = cfg_.num_envs, Tn = cfg_.num_steps;
  const auto D = static_cast<std::size_t>(obs_dim_), A = static_cast<std::size_t>(act_dim_);
  UpdateStats st;
  st.lr = schedule_.at(updates_);
  opt_->set_lr(st.lr);
  double return_sum = 0;
  std::vector<std::int64_t> act_i(static_cast<std::size_t>(N));
  std::vector<float> act_f(static_cast<std::size_t>(N) * A), act_env(static_cast<std::size_t>(N) * A);
  const std::int64_t action_start = discrete_ ? envs_->single_action_space().start() : 0;
  Shape act_shape{N};
  if (!discrete_) act_shape.push_back(act_dim_);

  // ---- rollout ----
  for (int t = 0; t < Tn; ++t) {
    const std::size_t row0 = static_cast<std::size_t>(t) * static_cast<std::size_t>(N);
    const float* raw = observations_as_float(envs_->observations(), obs_dtype_, obs_f_).data();
    T::Tensor x = obs_tensor(std::span<const float>(raw, static_cast<std::size_t>(N) * D), N, true);
    std::copy(scratch_obs_.begin(), scratch_obs_.end(), b_obs_.begin() + static_cast<std::ptrdiff_t>(row0 * D));
    {
      T::NoGradGuard ng;
      // Back to the host for sampling and the env (to(cpu) of a CPU tensor is the tensor itself).
      T::Tensor out = actor_.forward(x).to(T::Device::cpu());
      T::Tensor v = values_of(x).to(T::Device::cpu());
      const float* o = out.data<float>();
      const float* vv = v.data<float>();
      for (int i = 0; i < N; ++i) b_val_[row0 + static_cast<std::size_t>(i)] = vv[i];
      if (discrete_) {
        for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) {
          const float* l = o + i * A;
          const double mx = *std::max_element(l, l + A);
          double z = 0;
          for (std::size_t a = 0; a < A; ++a) z += std::exp(l[a] - mx);
          const double logz = mx + std::log(z);
          double u = rng_.uniform(), c = 0;
          std::size_t pick = A - 1;
          for (std::size_t a = 0; a < A; ++a) {
            c += std::exp(l[a] - logz);
            if (u < c) {
              pick = a;
              break;
            }
          }
          b_act_i_[row0 + i] = static_cast<std::int64_t>(pick);
          b_logp_[row0 + i] = static_cast<float>(l[pick] - logz);
          act_i[i] = action_start + static_cast<std::int64_t>(pick);
        }
      } else {
        const auto ls = log_std_.to_vector<float>();
        for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) {
          double lp = 0;
          for (std::size_t a = 0; a < A; ++a) {
            const double eps = rng_.normal();
            const float s = static_cast<float>(o[i * A + a] + std::exp(static_cast<double>(ls[a])) * eps);
            act_f[i * A + a] = s;
            b_act_[(row0 + i) * A + a] = s;
            act_env[i * A + a] = std::clamp(s, act_low_[a], act_high_[a]);
            lp += -0.5 * eps * eps - ls[a] - 0.5 * kLog2Pi;
          }
          b_logp_[row0 + i] = static_cast<float>(lp);
        }
      }
    }
    if (discrete_)
      envs_->step(ConstArray{act_i.data(), DType::int64, act_shape});
    else
      envs_->step(ConstArray{act_env.data(), DType::float32, act_shape});
    global_step_ += N;

    const double* r = envs_->rewards();
    const std::uint8_t* term = envs_->terminated();
    const std::uint8_t* trunc = envs_->truncated();
    if (rew_norm_)
      rew_norm_->normalize(std::span<const double>(r, static_cast<std::size_t>(N)),
                           std::span<const std::uint8_t>(term, static_cast<std::size_t>(N)), scratch_rew_);
    std::vector<int> truncated_envs;
    for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) {
      b_rew_[row0 + i] = static_cast<float>(rew_norm_ ? scratch_rew_[i] : r[i]);
      b_done_[row0 + i] = (term[i] || trunc[i]) ? 1.0f : 0.0f;
      ep_return_[i] += r[i];
      if (term[i] || trunc[i]) {
        return_sum += ep_return_[i];
        ++st.episodes;
        ep_return_[i] = 0;
      }
      if (trunc[i] && !term[i]) truncated_envs.push_back(static_cast<int>(i));
    }
    if (!truncated_envs.empty()) {
      // Bootstrap: the episode was cut by the TimeLimit, not ended by the dynamics.
      const float* fin = observations_as_float(envs_->final_observations(), obs_dtype_, final_f_).data();
      std::vector<float> rows;
      for (int i : truncated_envs) rows.insert(rows.end(), fin + static_cast<std::size_t>(i) * D, fin + static_cast<std::size_t>(i + 1) * D);
      std::vector<float> norm(rows.size());
      normalize_obs(rows, static_cast<int>(truncated_envs.size()), norm);
      T::NoGradGuard ng;
      T::Tensor v = values_of(T::Tensor::from_data(std::span<const float>(norm), {static_cast<std::int64_t>(truncated_envs.size()), obs_dim_}).to(dev_))
                        .to(T::Device::cpu());
      const float* vv = v.data<float>();
      for (std::size_t k = 0; k < truncated_envs.size(); ++k)
        b_rew_[row0 + static_cast<std::size_t>(truncated_envs[k])] += static_cast<float>(cfg_.gamma * vv[k]);
    }
  }
  st.mean_return = st.episodes ? return_sum / st.episodes : 0.0;
  double policy_loss = 0, value_loss = 0, entropy_sum = 0, approx_kl = 0, clip_fraction = 0;

  // ---- advantages ----
  std::vector<float> last_values(static_cast<std::size_t>(N));
  {
    const float* raw = observations_as_float(envs_->observations(), obs_dtype_, obs_f_).data();
    T::Tensor x = obs_tensor(std::span<const float>(raw, static_cast<std::size_t>(N) * D), N, false);
    T::NoGradGuard ng;
    const auto v = values_of(x).to_vector<float>();
    std::copy(v.begin(), v.end(), last_values.begin());
  }
  compute_gae(b_rew_, b_val_, b_done_, last_values, Tn, N, cfg_.gamma, cfg_.gae_lambda, b_adv_, b_ret_);

  // ---- epochs of minibatch updates ----
  const std::size_t B = static_cast<std::size_t>(N) * static_cast<std::size_t>(Tn);
  const std::size_t M = B / static_cast<std::size_t>(cfg_.minibatches);
  std::vector<std::size_t> perm(B);
  for (std::size_t i = 0; i < B; ++i) perm[i] = i;
  std::vector<float> mb_obs(M * D), mb_act(discrete_ ? 0 : M * A), mb_logp(M), mb_adv(M), mb_ret(M), mb_val(M);
  std::vector<std::int64_t> mb_act_i(discrete_ ? M : 0);
  const auto params = opt_->params();
  int n_mb = 0;
  const auto Mi = static_cast<std::int64_t>(M);
  for (int epoch = 0; epoch < cfg_.epochs; ++epoch) {
    for (std::size_t i = B - 1; i > 0; --i) std::swap(perm[i], perm[rng_.below(i + 1)]);
    double epoch_kl = 0;
    int epoch_mb = 0;
    for (int mb = 0; mb < cfg_.minibatches; ++mb) {
      for (std::size_t k = 0; k < M; ++k) {
        const std::size_t j = perm[static_cast<std::size_t>(mb) * M + k];
        std::copy_n(b_obs_.begin() + static_cast<std::ptrdiff_t>(j * D), D, mb_obs.begin() + static_cast<std::ptrdiff_t>(k * D));
        if (discrete_)
          mb_act_i[k] = b_act_i_[j];
        else
          std::copy_n(b_act_.begin() + static_cast<std::ptrdiff_t>(j * A), A, mb_act.begin() + static_cast<std::ptrdiff_t>(k * A));
        mb_logp[k] = b_logp_[j];
        mb_adv[k] = b_adv_[j];
        mb_ret[k] = b_ret_[j];
        mb_val[k] = b_val_[j];
      }
      if (cfg_.norm_adv && M > 1) {
        double mean = 0, var = 0;
        for (float a : mb_adv) mean += a;
        mean /= static_cast<double>(M);
        for (float a : mb_adv) var += (a - mean) * (a - mean);
        const double sd = std::sqrt(var / static_cast<double>(M - 1));
        for (float& a : mb_adv) a = static_cast<float>((a - mean) / (sd + 1e-8));
      }
      T::Tensor x = T::Tensor::from_data(std::span<const float>(mb_obs), {Mi, obs_dim_}).to(dev_);
      T::Tensor out = actor_.forward(x);
      T::Tensor newlogp, entropy;
      if (discrete_) {
        T::dist::Categorical d(out);
        newlogp = d.log_prob(T::Tensor::from_data(std::span<const std::int64_t>(mb_act_i), {Mi}).to(dev_));
        entropy = d.entropy();
      } else {
        T::dist::Normal d(out, log_std_);
        newlogp = d.log_prob(T::Tensor::from_data(std::span<const float>(mb_act), {Mi, act_dim_}).to(dev_));
        entropy = d.entropy();
      }
      const T::Tensor oldlogp = T::Tensor::from_data(std::span<const float>(mb_logp), {Mi}).to(dev_);
      const T::Tensor adv = T::Tensor::from_data(std::span<const float>(mb_adv), {Mi}).to(dev_);
      const T::Tensor ret = T::Tensor::from_data(std::span<const float>(mb_ret), {Mi}).to(dev_);
      T::Tensor logratio = newlogp - oldlogp;
      T::Tensor ratio = T::exp(logratio);
      T::Tensor pg_loss = -T::mean(T::minimum(ratio * adv, T::clamp(ratio, 1.0 - cfg_.clip_coef, 1.0 + cfg_.clip_coef) * adv));
      T::Tensor v = values_of(x);
      T::Tensor v_loss;
      if (cfg_.clip_vloss) {
        const T::Tensor oldv = T::Tensor::from_data(std::span<const float>(mb_val), {Mi}).to(dev_);
        T::Tensor v_clipped = oldv + T::clamp(v - oldv, -cfg_.clip_coef, cfg_.clip_coef);
        v_loss = 0.5 * T::mean(T::maximum(T::pow(v - ret, 2.0), T::pow(v_clipped - ret, 2.0)));
      } else {
        v_loss = 0.5 * T::mse_loss(v, ret);
      }
      T::Tensor ent = T::mean(entropy);
      T::Tensor loss = pg_loss + cfg_.vf_coef * v_loss;
      if (cfg_.ent_coef != 0.0) loss = loss - cfg_.ent_coef * ent;
      opt_->zero_grad();
      loss.backward();
      if (cfg_.max_grad_norm > 0) T::optim::clip_grad_norm(params, cfg_.max_grad_norm);
      opt_->step();

      const auto lr_v = logratio.to_vector<float>();
      double kl = 0, clipped = 0;
      for (float l : lr_v) {
        kl += std::expm1(static_cast<double>(l)) - l;
        clipped += std::abs(std::expm1(static_cast<double>(l))) > cfg_.clip_coef;
      }
      kl /= static_cast<double>(M);
      policy_loss += pg_loss.item();
      value_loss += v_loss.item();
      entropy_sum += ent.item();
      approx_kl += kl;
      clip_fraction += clipped / static_cast<double>(M);
      epoch_kl += kl;
      ++epoch_mb;
      ++n_mb;
    }
    if (cfg_.target_kl && epoch_kl / epoch_mb > *cfg_.target_kl) break;
  }
  for (double v : {policy_loss, value_loss, entropy_sum, approx_kl, clip_fraction}) st.losses.push_back(v / n_mb);
  ++updates_;
  return st;
}

void Ppo::act(std::span<const float> obs, int n, std::span<std::int64_t> out_discrete,
              std::span<float> out_box) const {
  const auto D = static_cast<std::size_t>(obs_dim_), A = static_cast<std::size_t>(act_dim_);
  if (obs.size() != static_cast<std::size_t>(n) * D)
    throw InvalidArgument("Ppo::act: obs has " + std::to_string(obs.size()) + " values, expected n * obs_dim = " +
                          std::to_string(static_cast<std::size_t>(n) * D));
  if (discrete_ ? out_discrete.size() < static_cast<std::size_t>(n) : out_box.size() < static_cast<std::size_t>(n) * A)
    throw InvalidArgument("Ppo::act: the output span is too small for " + std::to_string(n) + " actions");
  std::vector<float> norm(obs.size());
  normalize_obs(obs, n, norm);
  T::NoGradGuard ng;
  T::Tensor out = actor_.forward(T::Tensor::from_data(std::span<const float>(norm), {n, obs_dim_}).to(dev_))
                     .to(T::Device::cpu());
  const float* o = out.data<float>();
  if (discrete_) {
    const std::int64_t start = envs_->single_action_space().start();
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
      out_discrete[i] = start + (std::max_element(o + i * A, o + (i + 1) * A) - (o + i * A));
  } else {
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
      for (std::size_t a = 0; a < A; ++a) out_box[i * A + a] = std::clamp(o[i * A + a], act_low_[a], act_high_[a]);
  }
}

void Ppo::readout(std::span<const float> obs, PolicyReadout& out) const {
  if (obs.size() != static_cast<std::size_t>(obs_dim_))
    throw InvalidArgument("Ppo::readout: obs has " + std::to_string(obs.size()) + " values, expected obs_dim = " +
                          std::to_string(obs_dim_));
  std::vector<float> norm(obs.size());
  normalize_obs(obs, 1, norm);
  T::NoGradGuard ng;
  const T::Tensor x = T::Tensor::from_data(std::span<const float>(norm), {1, obs_dim_}).to(dev_);
  const T::Tensor o = actor_.forward(x).to(T::Device::cpu());
  const float* v = o.data<float>();
  const auto A = static_cast<std::size_t>(act_dim_);
  out.values.resize(A);
  if (discrete_) {
    // Softmax in double, shifted by the max logit, as the categorical distribution computes it.
    const float m = *std::max_element(v, v + A);
    double z = 0.0;
    for (std::size_t a = 0; a < A; ++a) z += std::exp(double(v[a]) - m);
    for (std::size_t a = 0; a < A; ++a) out.values[a] = static_cast<float>(std::exp(double(v[a]) - m) / z);
    out.kind = PolicyReadout::Kind::Probabilities;
  } else {
    for (std::size_t a = 0; a < A; ++a) out.values[a] = std::clamp(v[a], act_low_[a], act_high_[a]);
    out.kind = PolicyReadout::Kind::Action;
  }
  out.value = values_of(x).to(T::Device::cpu()).data<float>()[0];
}

EvalResult Ppo::evaluate(int episodes, std::uint64_t seed) const {
  return evaluate_policy(
      cfg_, [this](std::span<const float> obs, int n, std::span<std::int64_t> d, std::span<float> b) { act(obs, n, d, b); },
      episodes, seed);
}

std::vector<std::string> Ppo::loss_names() const {
  return {"policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction"};
}

std::vector<T::NamedTensor> Ppo::named_parameters() const {
  std::vector<T::NamedTensor> out;
  const auto an = actor_.parameter_names(), cn = critic_.parameter_names();
  const auto ap = actor_.parameters(), cp = critic_.parameters();
  for (std::size_t i = 0; i < ap.size(); ++i) out.push_back({"actor." + an[i], ap[i]});
  for (std::size_t i = 0; i < cp.size(); ++i) out.push_back({"critic." + cn[i], cp[i]});
  if (!discrete_) out.push_back({"log_std", log_std_});
  return out;
}

std::string Ppo::save_state() const {
  ByteWriter w;
  w.pod(kStateMagic);
  w.pod(updates_);
  w.pod(global_step_);
  w.bytes(rng_.state(), 4 * sizeof(std::uint64_t));
  w.str(obs_norm_ ? obs_norm_->serialize() : std::string());
  w.str(rew_norm_ ? rew_norm_->serialize() : std::string());
  write_episode_returns(w, ep_return_);
  write_tensors(w, named_parameters());
  write_tensors(w, opt_->state());
  write_env_state_last(w, *envs_);
  return w.data();
}

void Ppo::load_state(std::string_view blob) {
  ByteReader r(blob);
  if (r.pod<std::uint32_t>() != kStateMagic) throw ConfigError("checkpoint: not a PPO agent state (format 2)");
  const auto updates = r.pod<std::int64_t>(), global_step = r.pod<std::int64_t>();
  check_field("ppo.updates", updates, 0, num_updates(), "the config's number of updates");
  check_field("ppo.global_step", global_step, updates * steps_per_update(), updates * steps_per_update(),
              "updates * env.num_envs * ppo.num_steps");
  updates_ = updates;
  global_step_ = global_step;
  r.bytes(rng_.state(), 4 * sizeof(std::uint64_t));
  const std::string obs_state = r.str(), rew_state = r.str();
  if (obs_norm_.has_value() == obs_state.empty() || rew_norm_.has_value() == rew_state.empty())
    throw ConfigError(std::string("checkpoint: holds normalizer state for observation ") +
                      (obs_state.empty() ? "off" : "on") + ", reward " + (rew_state.empty() ? "off" : "on") +
                      "; the config has normalize.observation " + (cfg_.norm_obs ? "true" : "false") +
                      ", normalize.reward " + (cfg_.norm_reward ? "true" : "false"));
  if (obs_norm_) obs_norm_->deserialize(obs_state, "checkpoint");
  if (rew_norm_) rew_norm_->deserialize(rew_state, "checkpoint");
  read_episode_returns(r, ep_return_);
  read_tensors_into(r, named_parameters());
  read_tensors_into(r, opt_->state());
  read_env_state_last(r, *envs_, ep_return_);
}

}  // namespace rlforge::agents
