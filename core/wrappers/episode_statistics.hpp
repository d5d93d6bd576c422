// RecordEpisodeStatistics: adds the episode's return, length and wall time to the info of its
// last step ("episode.r", "episode.l", "episode.t", as gymnasium's info["episode"]).
#pragma once
#include <chrono>
#include <deque>

#include "core/wrappers/wrapper.hpp"

namespace rlforge {

class RecordEpisodeStatistics : public Wrapper {
 public:
  // Keeps the last `buffer_length` episodes' returns and lengths.
  explicit RecordEpisodeStatistics(std::unique_ptr<Env> inner, std::size_t buffer_length = 100);

  const std::deque<double>& recent_returns() const { return returns_; }
  const std::deque<int>& recent_lengths() const { return lengths_; }
  long episodes() const { return episodes_; }
  // The inner env's state, then the running episode's return and length (its wall time restarts).
  std::vector<double> checkpoint_state() const override;
  void restore_checkpoint_state(std::span<const double> state) override;

 protected:
  void do_reset(Rng& rng, const JsonObject* options, std::span<std::byte> obs,
                Info& info) override;
  StepResult do_step(const void* action, std::span<std::byte> obs, Info& info) override;

 private:
  std::size_t buffer_length_;
  double episode_return_ = 0.0;
  int episode_length_ = 0;
  long episodes_ = 0;
  std::chrono::steady_clock::time_point episode_start_;
  std::deque<double> returns_;
  std::deque<int> lengths_;
};

}  // namespace rlforge
