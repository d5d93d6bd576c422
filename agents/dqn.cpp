// Dqn: epsilon-greedy vectorized collection into a replay ring buffer, then TD updates.
#include "agents/dqn.hpp"

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
constexpr std::uint32_t kStateMagic = 0x44514E31;  // "DQN1"
}

Dqn::Dqn(DqnConfig config) : cfg_(std::move(config)), rng_(cfg_.seed) {
  dev_ = agent_device(cfg_.device, "DQN");  // before the envs: a missing GPU fails at once
  envs_ = make_training_envs(cfg_, "DQN", "network.conv", !cfg_.conv.empty());
  const Space& os = envs_->single_observation_space();
  const Space& as = envs_->single_action_space();
  if (as.kind() != Space::Kind::Discrete)
    throw InvalidArgument(cfg_.env_id + ": DQN needs a Discrete action space, got " + as.repr());
  obs_dim_ = static_cast<int>(os.numel());
  obs_dtype_ = os.dtype();
  n_actions_ = static_cast<int>(as.n());
  action_start_ = as.start();
  Rng gen(cfg_.seed ^ 0x5DEECE66DULL);
  q_ = build_network(os, cfg_.conv, "network.conv", cfg_.hidden, n_actions_, cfg_.activation, gen);
  if (dev_.type != T::DeviceType::CPU) q_ = q_.to(dev_);  // initialized on the host, then moved
  q_target_ = q_.clone();
  T::optim::AdamOptions ao;
  ao.lr = cfg_.lr;
  opt_ = std::make_unique<T::optim::Adam>(q_.parameters(), ao);
  replay_ = std::make_unique<ReplayBuffer<std::int64_t>>(cfg_.buffer_size, obs_dim_, 1);
  ep_return_.assign(static_cast<std::size_t>(cfg_.num_envs), 0.0);
  envs_->reset(cfg_.seed);
}

Dqn::~Dqn() = default;

std::vector<std::string> Dqn::loss_names() const { return {"loss", "q_mean", "epsilon"}; }

double Dqn::epsilon() const {
  const double span = cfg_.exploration_fraction * static_cast<double>(cfg_.total_steps);
  const double frac = span > 0 ? std::min(1.0, static_cast<double>(global_step_) / span) : 1.0;
  return cfg_.exploration_initial + frac * (cfg_.exploration_final - cfg_.exploration_initial);
}

void Dqn::act(std::span<const float> obs, int n, std::span<std::int64_t> out) const {
  const auto D = static_cast<std::size_t>(obs_dim_), A = static_cast<std::size_t>(n_actions_);
  if (obs.size() != static_cast<std::size_t>(n) * D || out.size() < static_cast<std::size_t>(n))
    throw InvalidArgument("Dqn::act: obs has " + std::to_string(obs.size()) + " values and out " +
                          std::to_string(out.size()) + " slots, expected n * obs_dim = " +
                          std::to_string(static_cast<std::size_t>(n) * D) + " and n = " + std::to_string(n));
  T::NoGradGuard ng;
  const T::Tensor q = q_.forward(T::Tensor::from_data(obs.first(static_cast<std::size_t>(n) * D), {n, obs_dim_}).to(dev_))
                          .to(T::Device::cpu());
  const float* v = q.data<float>();
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
    out[i] = action_start_ + (std::max_element(v + i * A, v + (i + 1) * A) - (v + i * A));
}

void Dqn::readout(std::span<const float> obs, PolicyReadout& out) const {
  if (obs.size() != static_cast<std::size_t>(obs_dim_))
    throw InvalidArgument("Dqn::readout: obs has " + std::to_string(obs.size()) + " values, expected obs_dim = " +
                          std::to_string(obs_dim_));
  T::NoGradGuard ng;
  const T::Tensor q = q_.forward(T::Tensor::from_data(obs, {1, obs_dim_}).to(dev_)).to(T::Device::cpu());
  const float* v = q.data<float>();
  out.kind = PolicyReadout::Kind::QValues;
  out.values.assign(v, v + n_actions_);
  out.value = *std::max_element(v, v + n_actions_);
}

EvalResult Dqn::evaluate(int episodes, std::uint64_t seed) const {
  return evaluate_policy(
      cfg_, [this](std::span<const float> obs, int n, std::span<std::int64_t> d, std::span<float>) { act(obs, n, d); },
      episodes, seed);
}

void Dqn::update_target() {
  const auto src = q_.parameters(), dst = q_target_.parameters();
  if (cfg_.tau >= 1.0)
    T::nn::copy_parameters(src, dst);
  else
    T::nn::polyak_update(src, dst, cfg_.tau);
}

double Dqn::train_step() {
  const auto B = static_cast<std::size_t>(cfg_.batch_size);
  const auto Bi = static_cast<std::int64_t>(B);
  const auto batch = replay_->sample(rng_, B);
  const std::vector<float>& rew = batch.rewards;
  const std::vector<float>& done = batch.dones;
  std::vector<float> target(B);
  {
    T::NoGradGuard ng;
    const T::Tensor xn = T::Tensor::from_data(std::span<const float>(batch.next), {Bi, obs_dim_}).to(dev_);
    const T::Tensor qn = q_target_.forward(xn);
    T::Tensor q_next;
    if (cfg_.double_dqn) {
      const T::Tensor a_star = T::argmax(q_.forward(xn), 1, true);  // [B, 1]
      q_next = T::gather(qn, 1, a_star);
    } else {
      q_next = T::max(qn, 1);
    }
    q_next = q_next.to(T::Device::cpu());
    const float* v = q_next.data<float>();
    for (std::size_t k = 0; k < B; ++k)
      target[k] = static_cast<float>(rew[k] + cfg_.gamma * (1.0 - done[k]) * v[k]);
  }
  const T::Tensor x = T::Tensor::from_data(std::span<const float>(batch.obs), {Bi, obs_dim_}).to(dev_);
  const T::Tensor a = T::Tensor::from_data(std::span<const std::int64_t>(batch.actions), {Bi, 1}).to(dev_);
  const T::Tensor q = T::gather(q_.forward(x), 1, a).reshape({Bi});
  const T::Tensor y = T::Tensor::from_data(std::span<const float>(target), {Bi}).to(dev_);
  const T::Tensor loss = cfg_.loss == "mse" ? T::mse_loss(q, y) : T::huber_loss(q, y, 1.0);
  opt_->zero_grad();
  loss.backward();
  if (cfg_.max_grad_norm > 0) T::optim::clip_grad_norm(opt_->params(), cfg_.max_grad_norm);
  opt_->step();
  const auto qv = q.to_vector<float>();
  double qm = 0;
  for (float v : qv) qm += v;
  q_mean_ += qm / static_cast<double>(B);
  return loss.item();
}

UpdateStats Dqn::update() {
  const int N = cfg_.num_envs;
  const auto D = static_cast<std::size_t>(obs_dim_);
  UpdateStats st;
  st.lr = cfg_.lr;
  double eps = epsilon();
  double return_sum = 0;
  std::vector<std::int64_t> greedy(static_cast<std::size_t>(N)), actions(static_cast<std::size_t>(N)),
      indices(static_cast<std::size_t>(N));
  std::vector<float> obs(static_cast<std::size_t>(N) * D);
  // Target updates every target_update_interval env steps, counted in vector steps.
  const std::int64_t target_every = std::max<std::int64_t>(1, cfg_.target_update_interval / N);
  for (int k = 0; k < cfg_.train_freq; ++k) {
    eps = epsilon();
    const float* raw = observations_as_float(envs_->observations(), obs_dtype_, next_f_).data();
    std::copy(raw, raw + obs.size(), obs.begin());
    act(obs, N, greedy);
    for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i)
      actions[i] = rng_.uniform() < eps
                       ? action_start_ + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(n_actions_)))
                       : greedy[i];
    envs_->step(ConstArray{actions.data(), DType::int64, Shape{N}});
    global_step_ += N;
    ++vector_steps_;
    for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) indices[i] = actions[i] - action_start_;
    replay_->add(N, obs.data(), observations_as_float(envs_->observations(), obs_dtype_, next_f_).data(),
                 observations_as_float(envs_->final_observations(), obs_dtype_, final_f_).data(), envs_->has_final(),
                 indices.data(), envs_->rewards(), envs_->terminated());
    for (std::size_t i = 0; i < static_cast<std::size_t>(N); ++i) {
      ep_return_[i] += envs_->rewards()[i];
      if (envs_->has_final()[i]) {
        return_sum += ep_return_[i];
        ++st.episodes;
        ep_return_[i] = 0;
      }
    }
    if (vector_steps_ % target_every == 0) update_target();
  }
  double loss = 0;
  int steps = 0;
  q_mean_ = 0;
  if (global_step_ >= cfg_.learning_starts && replay_->size() >= cfg_.batch_size)
    for (int g = 0; g < cfg_.gradient_steps; ++g, ++steps) loss += train_step();
  st.mean_return = st.episodes ? return_sum / st.episodes : 0.0;
  st.losses = {steps ? loss / steps : 0.0, steps ? q_mean_ / steps : 0.0, eps};
  ++updates_;
  return st;
}

std::vector<T::NamedTensor> Dqn::named_parameters() const {
  std::vector<T::NamedTensor> out;
  const auto names = q_.parameter_names();
  const auto p = q_.parameters();
  for (std::size_t i = 0; i < p.size(); ++i) out.push_back({"q." + names[i], p[i]});
  return out;
}

std::vector<T::NamedTensor> Dqn::state_tensors() const {
  std::vector<T::NamedTensor> tensors = named_parameters();
  const auto tp = q_target_.parameters();
  for (std::size_t i = 0; i < tp.size(); ++i) tensors.push_back({"target." + std::to_string(i), tp[i]});
  for (auto& s : opt_->state()) tensors.push_back(s);
  return tensors;
}

std::string Dqn::save_state() const {
  ByteWriter w;
  w.pod(kStateMagic);
  w.pod(updates_);
  w.pod(global_step_);
  w.pod(vector_steps_);
  w.bytes(rng_.state(), 4 * sizeof(std::uint64_t));
  write_episode_returns(w, ep_return_);
  replay_->save(w);
  write_tensors(w, state_tensors());
  write_env_state_last(w, *envs_);
  return w.data();
}

void Dqn::load_state(std::string_view blob) {
  ByteReader r(blob);
  if (r.pod<std::uint32_t>() != kStateMagic) throw ConfigError("checkpoint: not a DQN agent state");
  const auto updates = r.pod<std::int64_t>(), global_step = r.pod<std::int64_t>(),
             vector_steps = r.pod<std::int64_t>();
  check_field("dqn.updates", updates, 0, num_updates(), "the config's number of iterations");
  const std::int64_t per = steps_per_update();
  check_field("dqn.global_step", global_step, updates * per, updates * per, "updates * env.num_envs * dqn.train_freq");
  check_field("dqn.vector_steps", vector_steps, updates * cfg_.train_freq, updates * cfg_.train_freq,
              "updates * dqn.train_freq");
  updates_ = updates;
  global_step_ = global_step;
  vector_steps_ = vector_steps;
  r.bytes(rng_.state(), 4 * sizeof(std::uint64_t));
  read_episode_returns(r, ep_return_);
  replay_->load(r, global_step);
  read_tensors_into(r, state_tensors());
  read_env_state_last(r, *envs_, ep_return_);
}

}  // namespace rlforge::agents
