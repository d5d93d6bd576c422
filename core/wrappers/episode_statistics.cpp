// RecordEpisodeStatistics bookkeeping.
#include "core/wrappers/episode_statistics.hpp"

#include "core/error.hpp"

namespace rlforge {

RecordEpisodeStatistics::RecordEpisodeStatistics(std::unique_ptr<Env> inner,
                                                 std::size_t buffer_length)
    : Wrapper(std::move(inner)), buffer_length_(buffer_length) {
  if (buffer_length == 0)
    throw InvalidArgument(id() + ": RecordEpisodeStatistics buffer_length must be >= 1");
}

void RecordEpisodeStatistics::do_reset(Rng& rng, const JsonObject* options,
                                       std::span<std::byte> obs, Info& info) {
  Wrapper::do_reset(rng, options, obs, info);
  episode_return_ = 0.0;
  episode_length_ = 0;
  episode_start_ = std::chrono::steady_clock::now();
}

StepResult RecordEpisodeStatistics::do_step(const void* action, std::span<std::byte> obs,
                                            Info& info) {
  const StepResult r = Wrapper::do_step(action, obs, info);
  episode_return_ += r.reward;
  ++episode_length_;
  if (r.terminated || r.truncated) {
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - episode_start_;
    info.set("episode.r", episode_return_);
    info.set("episode.l", episode_length_);
    info.set("episode.t", t.count());
    returns_.push_back(episode_return_);
    lengths_.push_back(episode_length_);
    if (returns_.size() > buffer_length_) {
      returns_.pop_front();
      lengths_.pop_front();
    }
    ++episodes_;
  }
  return r;
}

std::vector<double> RecordEpisodeStatistics::checkpoint_state() const {
  const double own[2] = {episode_return_, static_cast<double>(episode_length_)};
  return append_state(own);
}

void RecordEpisodeStatistics::restore_checkpoint_state(std::span<const double> state) {
  const std::span<const double> own = restore_inner(state, 2);
  episode_return_ = own[0];
  episode_length_ = static_cast<int>(own[1]);
  episode_start_ = std::chrono::steady_clock::now();
}

}  // namespace rlforge
