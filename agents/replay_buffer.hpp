// ReplayBuffer: the fixed-capacity replay ring DQN (int64 actions) and SAC (float actions) share.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/binary_io.hpp"
#include "core/rng.hpp"

namespace rlforge::agents {

// obs/next [capacity, obs_dim], actions [capacity, act_dim] of Action (std::int64_t or float),
// reward and done (terminated, 1 or 0) [capacity]. Transitions go in at pos, which wraps; the
// oldest is overwritten once the ring is full.
template <class Action>
class ReplayBuffer {
 public:
  // One sampled minibatch, rows in sampling order.
  struct Batch {
    std::vector<float> obs, next;  // [B, obs_dim]
    std::vector<Action> actions;   // [B, act_dim]
    std::vector<float> rewards, dones;  // [B]
  };

  ReplayBuffer(std::int64_t capacity, int obs_dim, int act_dim);

  std::int64_t size() const { return size_; }
  std::int64_t capacity() const { return capacity_; }

  // Adds the n transitions of one vector step, env 0 first: obs row i, next row i (the row of
  // final_obs where has_final[i]), actions row i, rewards[i] (as float), done = terminated[i].
  void add(int n, const float* obs, const float* next, const float* final_obs, const std::uint8_t* has_final,
           const Action* actions, const double* rewards, const std::uint8_t* terminated);
  // batch indices drawn as rng.below(size()) one after the other (size() must be > 0).
  Batch sample(Rng& rng, std::size_t batch) const;

  // size, pos, then only the filled rows of obs, next, actions, rewards, dones.
  void save(ByteWriter& w) const;
  // `added` is the number of transitions ever added (the agent's env steps): the ring then holds
  // min(added, capacity) of them with pos at added % capacity. Throws ConfigError naming the
  // field (replay.size, replay.pos) when the bytes disagree.
  void load(ByteReader& r, std::int64_t added);

 private:
  std::int64_t capacity_ = 0, size_ = 0, pos_ = 0;
  std::size_t obs_dim_ = 0, act_dim_ = 0;
  std::vector<float> obs_, next_, rew_, done_;
  std::vector<Action> act_;
};

extern template class ReplayBuffer<std::int64_t>;
extern template class ReplayBuffer<float>;

}  // namespace rlforge::agents
