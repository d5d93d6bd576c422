#include "agents/episode_player.hpp"

#include <cstring>

#include "agents/network.hpp"
#include "core/error.hpp"
#include "render/raster.hpp"
#include "render/video.hpp"

namespace rlforge::agents {

EpisodePlayer::EpisodePlayer(std::unique_ptr<Env> env, ActFn act, ReadoutFn readout, std::uint64_t seed)
    : env_(std::move(env)), act_(std::move(act)), readout_(std::move(readout)), seed_(seed), action_rng_(seed) {
  const Space& os = env_->observation_space();
  const Space& as = env_->action_space();
  const bool flat = os.kind() == Space::Kind::Box && os.dtype() == DType::float32 && os.shape().ndim() == 1;
  if (act_ && !flat && !is_image_space(os))  // images: a conv policy (observe() converts them to float32)
    throw InvalidArgument(env_->id() + ": a policy reads a 1-D float32 Box or an (H, W, C) image observation; this env's is " +
                          os.to_json());
  if (act_ && as.kind() != Space::Kind::Discrete && !(as.kind() == Space::Kind::Box && as.dtype() == DType::float32))
    throw InvalidArgument(env_->id() + ": a policy acts in a Discrete or float32 Box space; this env's is " + as.to_json());
  discrete_ = as.kind() == Space::Kind::Discrete;
  obs_.resize(os.nbytes());
  obs_f_.resize(static_cast<std::size_t>(os.numel()));
  act_raw_.resize(as.nbytes());
  if (!discrete_) act_f_.resize(static_cast<std::size_t>(as.numel()));
}

void EpisodePlayer::observe() {
  const Space& os = env_->observation_space();
  if (os.dtype() == DType::float32) {
    std::memcpy(obs_f_.data(), obs_.data(), obs_.size());
  } else {
    for (std::size_t i = 0; i < obs_f_.size(); ++i)
      obs_f_[i] = static_cast<float>(load_as_double(obs_.data(), os.dtype(), i));
  }
  readout_fresh_ = false;
}

const PolicyReadout* EpisodePlayer::readout() const {
  if (!readout_) return nullptr;
  if (!readout_fresh_) {
    readout_(obs_f_, last_readout_);
    readout_fresh_ = true;
  }
  return &last_readout_;
}

std::unique_ptr<render::VideoWriter> EpisodePlayer::open_video(const std::string& path, double fps, bool overwrite) {
  std::vector<std::byte> obs(env_->observation_space().nbytes());
  Info info;
  env_->reset(seed_, obs, info);
  Frame probe;
  env_->draw_frame(probe);
  return render::open_video(path, probe.width(), probe.height(), fps, overwrite);
}

void EpisodePlayer::reset() {
  env_->reset(seed_ + static_cast<std::uint64_t>(episode_), obs_, info_);
  ++episode_;
  steps_ = 0;
  return_ = 0.0;
  done_ = terminated_ = false;
  observe();
}

void EpisodePlayer::restart() {
  if (episode_ == 0) return reset();
  --episode_;
  reset();
}

bool EpisodePlayer::step() {
  if (done_) throw StateError(env_->id() + ": EpisodePlayer::step after the episode ended; reset first");
  const Space& as = env_->action_space();
  ConstArray action;
  if (act_) {
    act_(obs_f_, 1, act_i_, act_f_);
    action = discrete_ ? ConstArray{act_i_.data(), DType::int64, Shape{}}
                       : ConstArray{act_f_.data(), DType::float32, as.shape()};
  } else {
    as.sample(action_rng_, act_raw_.data());
    action = ConstArray{act_raw_.data(), as.dtype(), as.shape()};
    if (discrete_) {
      act_i_[0] = static_cast<std::int64_t>(load_as_double(act_raw_.data(), as.dtype(), 0));
    } else {
      for (std::size_t i = 0; i < act_f_.size(); ++i)
        act_f_[i] = static_cast<float>(load_as_double(act_raw_.data(), as.dtype(), i));
    }
  }
  const StepResult r = env_->step(action, obs_, info_);
  ++steps_;
  return_ += r.reward;
  terminated_ = r.terminated;
  done_ = r.terminated || r.truncated;
  observe();
  return done_;
}

FrameRecorder::FrameRecorder(render::VideoWriter* video)
    : video_(video), raster_(video ? std::make_unique<render::Rasterizer>() : nullptr) {}
FrameRecorder::~FrameRecorder() = default;

void FrameRecorder::add(const Frame& frame) {
  if (!video_) return;
  rgb_.resize(static_cast<std::size_t>(frame.width()) * frame.height() * 3);
  raster_->draw(frame, rgb_);
  video_->write(rgb_.data(), frame.width(), frame.height());  // a size other than the video's: named
}

std::vector<EpisodeSummary> record_episodes(EpisodePlayer& player, int episodes, render::VideoWriter* video,
                                            const std::function<void(const EpisodeSummary&)>& on_episode,
                                            const std::atomic<bool>* stop) {
  Frame frame;
  FrameRecorder recorder(video);
  auto record = [&] {
    if (!video) return;
    player.env().draw_frame(frame);
    recorder.add(frame);
  };
  auto stopped = [&] { return stop && stop->load(); };
  std::vector<EpisodeSummary> out;
  for (int e = 0; e < episodes && !stopped(); ++e) {
    player.reset();
    record();
    bool ended = false;
    while (!ended && !stopped()) {
      ended = player.step();
      record();
    }
    if (!ended) break;  // interrupted mid-episode: not a finished episode
    out.push_back({player.episode_return(), player.steps(), player.terminated()});
    if (on_episode) on_episode(out.back());
  }
  return out;
}

}  // namespace rlforge::agents
