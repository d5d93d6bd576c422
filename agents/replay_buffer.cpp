// ReplayBuffer: ring insertion, Rng-driven minibatch sampling and the checkpoint bytes.
#include "agents/replay_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "agents/checkpoint_io.hpp"
#include "core/error.hpp"

namespace rlforge::agents {

template <class Action>
ReplayBuffer<Action>::ReplayBuffer(std::int64_t capacity, int obs_dim, int act_dim)
    : capacity_(capacity), obs_dim_(static_cast<std::size_t>(obs_dim)), act_dim_(static_cast<std::size_t>(act_dim)) {
  const auto cap = static_cast<std::size_t>(capacity_);
  obs_.resize(cap * obs_dim_);
  next_.resize(cap * obs_dim_);
  act_.resize(cap * act_dim_);
  rew_.resize(cap);
  done_.resize(cap);
}

template <class Action>
void ReplayBuffer<Action>::add(int n, const float* obs, const float* next, const float* final_obs,
                               const std::uint8_t* has_final, const Action* actions, const double* rewards,
                               const std::uint8_t* terminated) {
  const std::size_t D = obs_dim_, A = act_dim_;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    const auto p = static_cast<std::size_t>(pos_);
    std::memcpy(obs_.data() + p * D, obs + i * D, D * sizeof(float));
    std::memcpy(next_.data() + p * D, (has_final[i] ? final_obs : next) + i * D, D * sizeof(float));
    std::memcpy(act_.data() + p * A, actions + i * A, A * sizeof(Action));
    rew_[p] = static_cast<float>(rewards[i]);
    done_[p] = terminated[i] ? 1.0f : 0.0f;
    pos_ = (pos_ + 1) % capacity_;
    size_ = std::min(size_ + 1, capacity_);
  }
}

template <class Action>
typename ReplayBuffer<Action>::Batch ReplayBuffer<Action>::sample(Rng& rng, std::size_t batch) const {
  const std::size_t D = obs_dim_, A = act_dim_;
  Batch b;
  b.obs.resize(batch * D);
  b.next.resize(batch * D);
  b.actions.resize(batch * A);
  b.rewards.resize(batch);
  b.dones.resize(batch);
  for (std::size_t k = 0; k < batch; ++k) {
    const auto j = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(size_)));
    std::memcpy(b.obs.data() + k * D, obs_.data() + j * D, D * sizeof(float));
    std::memcpy(b.next.data() + k * D, next_.data() + j * D, D * sizeof(float));
    std::memcpy(b.actions.data() + k * A, act_.data() + j * A, A * sizeof(Action));
    b.rewards[k] = rew_[j];
    b.dones[k] = done_[j];
  }
  return b;
}

template <class Action>
void ReplayBuffer<Action>::save(ByteWriter& w) const {
  w.pod(size_);
  w.pod(pos_);
  // Only the filled part of the ring (the whole ring once it has wrapped).
  const auto n = static_cast<std::size_t>(size_);
  w.bytes(obs_.data(), n * obs_dim_ * sizeof(float));
  w.bytes(next_.data(), n * obs_dim_ * sizeof(float));
  w.bytes(act_.data(), n * act_dim_ * sizeof(Action));
  w.bytes(rew_.data(), n * sizeof(float));
  w.bytes(done_.data(), n * sizeof(float));
}

template <class Action>
void ReplayBuffer<Action>::load(ByteReader& r, std::int64_t added) {
  const auto size = r.pod<std::int64_t>(), pos = r.pod<std::int64_t>();
  const std::int64_t want_size = std::min(added, capacity_), want_pos = added % capacity_;
  check_field("replay.size", size, want_size, want_size,
              "min(env steps " + std::to_string(added) + ", buffer_size " + std::to_string(capacity_) + ")");
  check_field("replay.pos", pos, want_pos, want_pos,
              "env steps " + std::to_string(added) + " % buffer_size " + std::to_string(capacity_));
  size_ = size;
  pos_ = pos;
  const auto n = static_cast<std::size_t>(size_);
  r.bytes(obs_.data(), n * obs_dim_ * sizeof(float));
  r.bytes(next_.data(), n * obs_dim_ * sizeof(float));
  r.bytes(act_.data(), n * act_dim_ * sizeof(Action));
  r.bytes(rew_.data(), n * sizeof(float));
  r.bytes(done_.data(), n * sizeof(float));
}

template class ReplayBuffer<std::int64_t>;
template class ReplayBuffer<float>;

}  // namespace rlforge::agents
