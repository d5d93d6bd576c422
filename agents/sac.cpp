// Sac: replay collection with rescaled squashed-Gaussian actions, then critic, actor and
// temperature updates with Polyak-averaged target critics.
#include "agents/sac.hpp"

#include <algorithm>
#include <cmath>

#include "agents/checkpoint_io.hpp"
#include "agents/network.hpp"
#include "core/binary_io.hpp"
#include "core/error.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/ops.hpp"

namespace rlforge::agents {

namespace T = rlforge::tensor;

namespace {

constexpr std::uint32_t kStateMagic = 0x53414331;  // "SAC1"
constexpr double kLog2Pi = 1.8378770664093453;
constexpr double kLog2 = 0.6931471805599453;

T::nn::Sequential make_mlp(const SacConfig& c, std::int64_t in, std::int64_t out, Rng& gen) {
  return build_mlp(in, c.hidden, out, c.activation, gen);
}

}  // namespace

Sac::Sac(SacConfig config) : cfg_(std::move(config)), rng_(cfg_.seed) {
  dev_ = agent_device(cfg_.device, "SAC");  // before the envs: a missing GPU fails at once
  envs_ = make_training_envs(cfg_, "SAC");
  const Space& os = envs_->single_observation_space();
  const Space& as = envs_->single_action_space();
  if (as.kind() != Space::Kind::Box || as.dtype() != DType::float32 || as.shape().ndim() != 1 || !as.is_bounded())
    throw InvalidArgument(cfg_.env_id + ": SAC needs a bounded 1-D float32 Box action space, got " + as.repr());
  obs_dim_ = static_cast<int>(os.numel());
  act_dim_ = static_cast<int>(as.numel());
  for (int j = 0; j < act_dim_; ++j) {
    low_.push_back(static_cast<float>(as.low()[static_cast<std::size_t>(j)]));
    high_.push_back(static_cast<float>(as.high()[static_cast<std::size_t>(j)]));
  }
  target_entropy_ = cfg_.target_entropy.value_or(-static_cast<double>(act_dim_));
  Rng gen(cfg_.seed ^ 0x5DEECE66DULL);
  actor_ = make_mlp(cfg_, obs_dim_, 2 * act_dim_, gen);
  q1_ = make_mlp(cfg_, obs_dim_ + act_dim_, 1, gen);
  q2_ = make_mlp(cfg_, obs_dim_ + act_dim_, 1, gen);
  if (dev_.type != T::DeviceType::CPU) {  // initialized on the host (same values), then moved
    actor_ = actor_.to(dev_);
    q1_ = q1_.to(dev_);
    q2_ = q2_.to(dev_);
  }
  q1_target_ = q1_.clone();
  q2_target_ = q2_.clone();
  log_alpha_ = T::Tensor::full({1}, std::log(cfg_.init_alpha), DType::float32, dev_);
  log_alpha_.requires_grad_(true);
  T::optim::AdamOptions ao;
  ao.lr = cfg_.actor_lr;
  actor_opt_ = std::make_unique<T::optim::Adam>(actor_.parameters(), ao);
  std::vector<T::Tensor> qp = q1_.parameters();
  for (auto& p : q2_.parameters()) qp.push_back(p);
  ao.lr = cfg_.critic_lr;
  critic_opt_ = std::make_unique<T::optim::Adam>(qp, ao);
  ao.lr = cfg_.alpha_lr;
  alpha_opt_ = std::make_unique<T::optim::Adam>(std::vector<T::Tensor>{log_alpha_}, ao);
  replay_ = std::make_unique<ReplayBuffer<float>>(cfg_.buffer_size, obs_dim_, act_dim_);
  ep_return_.assign(static_cast<std::size_t>(cfg_.num_envs), 0.0);
  held_noise_.assign(static_cast<std::size_t>(cfg_.num_envs * act_dim_), 0.0f);
  held_uniform_.assign(held_noise_.size(), 0.0f);
  envs_->reset(cfg_.seed);
}

Sac::~Sac() = default;

std::vector<std::string> Sac::loss_names() const { return {"critic_loss", "actor_loss", "alpha"}; }

double Sac::alpha() const { return std::exp(log_alpha_.item()); }

T::Tensor Sac::q_value(const T::nn::Sequential& q, const T::Tensor& x, const T::Tensor& a) const {
  return q.forward(T::concat({x, a}, 1)).reshape({x.size(0)});
}

std::pair<T::Tensor, T::Tensor> Sac::sample(const T::Tensor& x, const float* noise_in) {
  const std::int64_t B = x.size(0);
  const T::Tensor out = actor_.forward(x);
  const T::Tensor mean = out.narrow(1, 0, act_dim_);
  const T::Tensor log_std = T::clamp(out.narrow(1, act_dim_, act_dim_), cfg_.log_std_min, cfg_.log_std_max);
  std::vector<float> eps(static_cast<std::size_t>(B * act_dim_));
  if (noise_in)
    std::copy(noise_in, noise_in + eps.size(), eps.begin());
  else
    for (float& e : eps) e = static_cast<float>(rng_.normal());
  const T::Tensor noise = T::Tensor::from_data(std::span<const float>(eps), {B, act_dim_}).to(dev_);
  const T::Tensor u = mean + T::exp(log_std) * noise;
  const T::Tensor a = T::tanh(u);
  // log N(u; mean, std) = -eps^2 / 2 - log_std - log(2 pi) / 2, minus the tanh Jacobian
  // log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)).
  const T::Tensor log_n = -0.5 * (noise * noise) - log_std - 0.5 * kLog2Pi;
  const T::Tensor log_det = 2.0 * (kLog2 - u - T::softplus(-2.0 * u));
  return {a, T::sum(log_n - log_det, 1)};
}

void Sac::act(std::span<const float> obs, int n, std::span<float> out) const {
  const auto D = static_cast<std::size_t>(obs_dim_), A = static_cast<std::size_t>(act_dim_);
  if (obs.size() != static_cast<std::size_t>(n) * D || out.size() < static_cast<std::size_t>(n) * A)
    throw InvalidArgument("Sac::act: obs has " + std::to_string(obs.size()) + " values and out " +
                          std::to_string(out.size()) + ", expected n * obs_dim = " +
                          std::to_string(static_cast<std::size_t>(n) * D) + " and n * act_dim");
  T::NoGradGuard ng;
  const T::Tensor o = actor_.forward(T::Tensor::from_data(obs.first(static_cast<std::size_t>(n) * D), {n, obs_dim_}).to(dev_))
                          .to(T::Device::cpu());
  const float* v = o.data<float>();
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
    for (std::size_t j = 0; j < A; ++j) {
      const float a = std::tanh(v[i * 2 * A + j]);
      out[i * A + j] = std::clamp(low_[j] + (a + 1.0f) * 0.5f * (high_[j] - low_[j]), low_[j], high_[j]);
    }
}

void Sac::readout(std::span<const float> obs, PolicyReadout& out) const {
  if (obs.size() != static_cast<std::size_t>(obs_dim_))
    throw InvalidArgument("Sac::readout: obs has " + std::to_string(obs.size()) + " values, expected obs_dim = " +
                          std::to_string(obs_dim_));
  T::NoGradGuard ng;
  const T::Tensor x = T::Tensor::from_data(obs, {1, obs_dim_}).to(dev_);
  const T::Tensor o = actor_.forward(x).to(T::Device::cpu());
  const float* v = o.data<float>();
  const auto A = static_cast<std::size_t>(act_dim_);
  std::vector<float> squashed(A);
  out.kind = PolicyReadout::Kind::Action;
  out.values.resize(A);
  for (std::size_t j = 0; j < A; ++j) {
    squashed[j] = std::tanh(v[j]);
    out.values[j] = std::clamp(low_[j] + (squashed[j] + 1.0f) * 0.5f * (high_[j] - low_[j]), low_[j], high_[j]);
  }
  // The critics read the action in (-1, 1), as stored in the replay buffer.
  const T::Tensor a = T::Tensor::from_data(std::span<const float>(squashed), {1, act_dim_}).to(dev_);
  const float q1 = q_value(q1_, x, a).to(T::Device::cpu()).data<float>()[0];
  const float q2 = q_value(q2_, x, a).to(T::Device::cpu()).data<float>()[0];
  out.value = std::min(q1, q2);
}

EvalResult Sac::evaluate(int episodes, std::uint64_t seed) const {
  return evaluate_policy(
      cfg_, [this](std::span<const float> obs, int n, std::span<std::int64_t>, std::span<float> b) { act(obs, n, b); },
      episodes, seed);
}

void Sac::train_step(double& critic_loss, double& actor_loss) {
  const auto B = static_cast<std::size_t>(cfg_.batch_size);
  const auto Bi = static_cast<std::int64_t>(B);
  const auto batch = replay_->sample(rng_, B);
  std::vector<float> target(B);
  const T::Tensor x = T::Tensor::from_data(std::span<const float>(batch.obs), {Bi, obs_dim_}).to(dev_);
  const double alpha_now = alpha();
  {
    T::NoGradGuard ng;
    const T::Tensor xn = T::Tensor::from_data(std::span<const float>(batch.next), {Bi, obs_dim_}).to(dev_);
    auto [an, logp_n] = sample(xn);
    const T::Tensor qn = (T::minimum(q_value(q1_target_, xn, an), q_value(q2_target_, xn, an)) - alpha_now * logp_n)
                             .to(T::Device::cpu());
    const float* v = qn.data<float>();
    for (std::size_t k = 0; k < B; ++k)
      target[k] = static_cast<float>(batch.rewards[k] + cfg_.gamma * (1.0 - batch.dones[k]) * v[k]);
  }
  const T::Tensor a = T::Tensor::from_data(std::span<const float>(batch.actions), {Bi, act_dim_}).to(dev_);
  const T::Tensor y = T::Tensor::from_data(std::span<const float>(target), {Bi}).to(dev_);
  const T::Tensor closs = 0.5 * (T::mse_loss(q_value(q1_, x, a), y) + T::mse_loss(q_value(q2_, x, a), y));
  critic_opt_->zero_grad();
  closs.backward();
  critic_opt_->step();
  critic_loss += closs.item();

  auto [a_pi, logp] = sample(x);
  const T::Tensor q_pi = T::minimum(q_value(q1_, x, a_pi), q_value(q2_, x, a_pi));
  const T::Tensor aloss = T::mean(alpha_now * logp - q_pi);
  actor_opt_->zero_grad();
  aloss.backward();
  actor_opt_->step();
  actor_loss += aloss.item();

  if (cfg_.auto_alpha) {
    const T::Tensor ent_err = logp.detach() + target_entropy_;
    const T::Tensor alpha_loss = -T::mean(log_alpha_ * ent_err);
    alpha_opt_->zero_grad();
    alpha_loss.backward();
    alpha_opt_->step();
  }
  T::nn::polyak_update(q1_.parameters(), q1_target_.parameters(), cfg_.tau);
  T::nn::polyak_update(q2_.parameters(), q2_target_.parameters(), cfg_.tau);
}

UpdateStats Sac::update() {
  const int N = cfg_.num_envs;
  const auto D = static_cast<std::size_t>(obs_dim_), A = static_cast<std::size_t>(act_dim_);
  UpdateStats st;
  st.lr = cfg_.actor_lr;
  double return_sum = 0;
  std::vector<float> obs(static_cast<std::size_t>(N) * D), unit(static_cast<std::size_t>(N) * A),
      env_act(static_cast<std::size_t>(N) * A);
  for (int k = 0; k < cfg_.train_freq; ++k) {
    const float* raw = envs_->observations_as<float>();
    std::copy(raw, raw + obs.size(), obs.begin());
    // Redraw (only the kind in use, so that hold 1 consumes the Rng as plain SAC does) every
    // noise_hold_steps vector steps, and on the first step of the learning phase.
    const bool fresh = vector_steps_ % cfg_.noise_hold_steps == 0;
    ++vector_steps_;
    if (global_step_ < cfg_.learning_starts) {
      if (fresh)
        for (float& u : held_uniform_) u = static_cast<float>(rng_.uniform(-1.0, 1.0));
      std::copy(held_uniform_.begin(), held_uniform_.end(), unit.begin());
    } else {
      if (fresh || global_step_ - N < cfg_.learning_starts)
        for (float& e : held_noise_) e = static_cast<float>(rng_.normal());
      T::NoGradGuard ng;
      auto [a, logp] = sample(T::Tensor::from_data(std::span<const float>(obs), {N, obs_dim_}).to(dev_), held_noise_.data());
      const auto v = a.to_vector<float>();
      std::copy(v.begin(), v.end(), unit.begin());
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i)
      for (std::size_t j = 0; j < A; ++j)
        env_act[i * A + j] =
            std::clamp(low_[j] + (unit[i * A + j] + 1.0f) * 0.5f * (high_[j] - low_[j]), low_[j], high_[j]);
    envs_->step(ConstArray{env_act.data(), DType::float32, Shape{N, act_dim_}});
    global_step_ += N;
    replay_->add(N, obs.data(), envs_->observations_as<float>(),
                 reinterpret_cast<const float*>(envs_->final_observations().data()), envs_->has_final(), unit.data(),
                 envs_->rewards(), envs_->terminated());
    for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) {
      ep_return_[i] += envs_->rewards()[i];
      if (envs_->has_final()[i]) {
        return_sum += ep_return_[i];
        ++st.episodes;
        ep_return_[i] = 0;
      }
    }
  }
  double closs = 0, aloss = 0;
  int steps = 0;
  if (global_step_ >= cfg_.learning_starts && replay_->size() >= cfg_.batch_size)
    for (; steps < cfg_.gradient_steps; ++steps) train_step(closs, aloss);
  st.mean_return = st.episodes ? return_sum / st.episodes : 0.0;
  st.losses = {steps ? closs / steps : 0.0, steps ? aloss / steps : 0.0, alpha()};
  ++updates_;
  return st;
}

std::vector<T::NamedTensor> Sac::named_parameters() const {
  std::vector<T::NamedTensor> out;
  auto add = [&](const char* prefix, const T::nn::Sequential& net) {
    const auto names = net.parameter_names();
    const auto p = net.parameters();
    for (std::size_t i = 0; i < p.size(); ++i) out.push_back({std::string(prefix) + names[i], p[i]});
  };
  add("actor.", actor_);
  add("q1.", q1_);
  add("q2.", q2_);
  out.push_back({"log_alpha", log_alpha_});
  return out;
}

std::vector<T::NamedTensor> Sac::state_tensors() const {
  std::vector<T::NamedTensor> t = named_parameters();
  const auto a = q1_target_.parameters(), b = q2_target_.parameters();
  for (std::size_t i = 0; i < a.size(); ++i) t.push_back({"q1_target." + std::to_string(i), a[i]});
  for (std::size_t i = 0; i < b.size(); ++i) t.push_back({"q2_target." + std::to_string(i), b[i]});
  for (const auto* opt : {actor_opt_.get(), critic_opt_.get(), alpha_opt_.get()})
    for (auto& s : opt->state()) t.push_back(s);
  return t;
}

std::string Sac::save_state() const {
  ByteWriter w;
  w.pod(kStateMagic);
  w.pod(updates_);
  w.pod(global_step_);
  w.bytes(rng_.state(), 4 * sizeof(std::uint64_t));
  write_episode_returns(w, ep_return_);
  w.pod(vector_steps_);
  w.vec(held_noise_);
  w.vec(held_uniform_);
  replay_->save(w);
  write_tensors(w, state_tensors());
  write_env_state_last(w, *envs_);
  return w.data();
}

void Sac::load_state(std::string_view blob) {
  ByteReader r(blob);
  if (r.pod<std::uint32_t>() != kStateMagic) throw ConfigError("checkpoint: not a SAC agent state");
  const auto updates = r.pod<std::int64_t>(), global_step = r.pod<std::int64_t>();
  check_field("sac.updates", updates, 0, num_updates(), "the config's number of iterations");
  const std::int64_t per = steps_per_update();
  check_field("sac.global_step", global_step, updates * per, updates * per, "updates * env.num_envs * sac.train_freq");
  r.bytes(rng_.state(), 4 * sizeof(std::uint64_t));
  read_episode_returns(r, ep_return_);
  const auto vector_steps = r.pod<std::int64_t>();
  check_field("sac.vector_steps", vector_steps, updates * cfg_.train_freq, updates * cfg_.train_freq,
              "updates * sac.train_freq");
  updates_ = updates;
  global_step_ = global_step;
  vector_steps_ = vector_steps;
  auto hn = r.vec<float>(), hu = r.vec<float>();
  if (hn.size() != held_noise_.size() || hu.size() != held_uniform_.size())
    throw ConfigError("checkpoint: exploration noise of " + std::to_string(hn.size()) + " values, the config needs " +
                      std::to_string(held_noise_.size()));
  held_noise_ = std::move(hn);
  held_uniform_ = std::move(hu);
  replay_->load(r, global_step);
  read_tensors_into(r, state_tensors());
  read_env_state_last(r, *envs_, ep_return_);
}

}  // namespace rlforge::agents
