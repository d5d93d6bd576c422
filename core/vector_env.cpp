// VectorEnv: chunked TBB stepping, action validation before any env moves, autoreset.
#include "core/vector_env.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/action_check.hpp"
#include "core/binary_io.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/registry.hpp"

namespace rlforge {

struct VectorEnv::Pool {
  explicit Pool(int threads) : arena(threads) {}
  tbb::task_arena arena;
};

VectorEnv::VectorEnv(std::string_view id, int num_envs, std::string_view kwargs_json,
                     VectorEnvOptions options)
    : n_(num_envs) {
  if (num_envs <= 0)
    throw InvalidArgument(std::string(id) + ": num_envs must be >= 1, got " +
                          std::to_string(num_envs));
  auto first = Registry::global().make(id, kwargs_json);
  if (options.use_batched) batched_ = first->make_batched(num_envs);
  if (!batched_) {
    envs_.push_back(std::move(first));
    for (int i = 1; i < num_envs; ++i) envs_.push_back(Registry::global().make(id, kwargs_json));
    init(options);
    return;
  }
  spec_ = first->spec();
  obs_space_ = first->observation_space();
  act_space_ = first->action_space();
  picture_env_ = std::move(first);  // draws a batched lane: its state is copied in
  init(options);
}

VectorEnv::VectorEnv(const Factory& factory, int num_envs, VectorEnvOptions options)
    : n_(num_envs) {
  if (num_envs <= 0)
    throw InvalidArgument("VectorEnv: num_envs must be >= 1, got " + std::to_string(num_envs));
  for (int i = 0; i < num_envs; ++i) {
    auto env = factory(i);
    if (!env) throw InvalidArgument("VectorEnv: the factory returned no env for index " +
                                    std::to_string(i));
    envs_.push_back(std::move(env));
  }
  init(options);
}

VectorEnv::~VectorEnv() = default;

void VectorEnv::init(VectorEnvOptions options) {
  options_ = options;
  if (!envs_.empty()) {
    spec_ = envs_[0]->spec();
    obs_space_ = envs_[0]->observation_space();
    act_space_ = envs_[0]->action_space();
    for (int i = 1; i < n_; ++i) {
      const Env& e = *envs_[static_cast<std::size_t>(i)];
      if (!(e.observation_space() == obs_space_) || !(e.action_space() == act_space_))
        throw InvalidArgument("VectorEnv: env " + std::to_string(i) + " (" + e.id() +
                              ") has spaces " + e.observation_space().repr() + " / " +
                              e.action_space().repr() + ", but env 0 has " + obs_space_.repr() +
                              " / " + act_space_.repr());
    }
  }
  if (options.num_threads < 0)
    throw InvalidArgument("VectorEnv: num_threads must be >= 0, got " +
                          std::to_string(options.num_threads));
  requested_threads_ = options.num_threads ? options.num_threads
                                           : static_cast<int>(tbb::info::default_concurrency());
  // TBB runs at most max_allowed_parallelism threads (the cores, unless a global_control says
  // otherwise), whatever an arena asks for: report and plan for what it grants.
  const auto allowed = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  threads_ = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(requested_threads_), allowed));
  if (threads_ > 1) pool_ = std::make_unique<Pool>(threads_);
  // Several chunks per thread so that a slow env (Box2D contact-heavy) does not leave
  // threads idle; chunk boundaries never change results.
  // A batched env's lanes all cost the same, so it gets one contiguous chunk per thread
  // (rounded to 64 envs to keep SIMD loops and cache lines whole): fewest tasks per step.
  const int tasks = batched_ ? threads_ : threads_ * 4;
  chunk_ = options.chunk_size > 0 ? options.chunk_size : std::max(1, (n_ + tasks - 1) / tasks);
  if (batched_ && options.chunk_size <= 0) chunk_ = (chunk_ + 63) / 64 * 64;
  obs_bytes_ = obs_space_.nbytes();
  act_bytes_ = act_space_.nbytes();
  const auto n = static_cast<std::size_t>(n_);
  obs_.assign(n * obs_bytes_, std::byte{0});
  rewards_.assign(n, 0.0);
  terminated_.assign(n, 0);
  truncated_.assign(n, 0);
  infos_.resize(n);
  if (options.autoreset == AutoresetMode::SameStep) {
    final_obs_.assign(n * obs_bytes_, std::byte{0});
    has_final_.assign(n, 0);
    final_infos_.resize(n);
  }
  if (batched_) {
    rngs_.resize(n);
    saved_rngs_.resize(n);
    batched_draws_ = batched_->step_draws_random();
  }
  elapsed_.assign(n, 0);
  pending_reset_.assign(n, 0);
  reset_due_.assign(n, 0);
}

Rng& VectorEnv::lane_rng(std::size_t k) const {
  return batched_ ? rngs_[k] : envs_[k]->rng();
}

void VectorEnv::reset_lane(std::size_t k, const JsonObject* options) {
  std::byte* row = obs_.data() + k * obs_bytes_;
  if (batched_)
    batched_->reset(static_cast<int>(k), rngs_[k], options, row);
  else
    envs_[k]->reset_unchecked(options, std::span<std::byte>(row, obs_bytes_), infos_[k]);
  elapsed_[k] = 0;
}

bool VectorEnv::renders() const {
  return batched_ ? picture_env_->renders() : envs_.front()->renders();
}

void VectorEnv::draw(int i, Frame& frame) const {
  if (i < 0 || i >= n_)
    throw InvalidArgument("VectorEnv::draw: index " + std::to_string(i) + " out of range [0, " +
                          std::to_string(n_) + ")");
  if (!batched_) {
    envs_[static_cast<std::size_t>(i)]->draw_frame(frame);
    return;
  }
  // A batched lane is drawn by a single env of the same id and kwargs holding its state: a
  // lane's values are what the single env's checkpoint_state() holds (MountainCarContinuous's
  // float32 flag too), so they are restored as a checkpoint.
  picture_env_->restore_checkpoint_state(batched_->get_state(i));
  picture_env_->draw_frame(frame);
}

Env& VectorEnv::env(int i) {
  if (i < 0 || i >= static_cast<int>(envs_.size()))
    throw InvalidArgument("VectorEnv::env: index " + std::to_string(i) + " out of range [0, " +
                          std::to_string(envs_.size()) + ")" +
                          (batched_ ? " (the batched path holds no single envs)" : ""));
  return *envs_[static_cast<std::size_t>(i)];
}

void VectorEnv::check_obs_type(DType t) const {
  if (t != obs_space_.dtype())
    throw InvalidArgument(spec_.id + ": observations are " +
                          std::string(dtype_name(obs_space_.dtype())) + ", not " +
                          std::string(dtype_name(t)));
}

template <class F>
void VectorEnv::for_each_chunk(F&& f) {
  const int chunks = (n_ + chunk_ - 1) / chunk_;
  auto body = [&](int c) { f(c * chunk_, std::min(n_, (c + 1) * chunk_)); };
  if (!pool_ || chunks == 1) {
    for (int c = 0; c < chunks; ++c) body(c);
    return;
  }
  pool_->arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, chunks, 1),
        [&](const tbb::blocked_range<int>& r) {
          for (int c = r.begin(); c < r.end(); ++c) body(c);
        },
        tbb::simple_partitioner());
  });
}

void VectorEnv::reset(std::optional<std::uint64_t> seed, const JsonObject* options) {
  if (!seed && !seeded_) seed = entropy_seed();
  auto reset_one = [&](std::size_t k) {
    if (seed) lane_rng(k).seed(*seed + static_cast<std::uint64_t>(k));
    reset_lane(k, options);
    pending_reset_[k] = 0;
    rewards_[k] = 0.0;
    terminated_[k] = truncated_[k] = 0;
    if (!has_final_.empty()) has_final_[k] = 0;
  };
  // The env's reset checks the options: lane 0 goes first, alone, so that bad options throw
  // before any other lane changes, and lane 0's stream is put back.
  const Rng first = lane_rng(0);
  try {
    reset_one(0);
  } catch (...) {
    lane_rng(0) = first;
    throw;
  }
  for_each_chunk([&](int begin, int end) {
    for (int i = std::max(begin, 1); i < end; ++i) reset_one(static_cast<std::size_t>(i));
  });
  seeded_ = true;
  was_reset_ = true;
}

// Fast checks for the common exact-dtype cases; the general path explains the first bad row.
static bool rows_in_space_fast(const Space& space, const std::byte* data, int rows, bool* known) {
  *known = true;
  const auto m = static_cast<std::size_t>(space.numel());
  if (space.kind() == Space::Kind::Discrete) {
    const auto* a = reinterpret_cast<const std::int64_t*>(data);
    const std::int64_t lo = space.start();
    const auto n = static_cast<std::uint64_t>(space.n());
    std::uint64_t bad = 0;  // a - lo, as unsigned, is below n exactly when lo <= a < lo + n
    for (int i = 0; i < rows; ++i) bad |= static_cast<std::uint64_t>(static_cast<std::uint64_t>(a[i]) - static_cast<std::uint64_t>(lo) >= n);
    return bad == 0;
  }
  if (space.kind() == Space::Kind::Box && space.dtype() == DType::float32) {
    const auto* a = reinterpret_cast<const float*>(data);
    bool bad = false;
    for (int i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < m; ++j) {
        const double v = a[static_cast<std::size_t>(i) * m + j];
        bad |= !(v >= space.low()[j] && v <= space.high()[j]);  // NaN fails both
      }
    return !bad;
  }
  *known = false;
  return false;
}

const std::byte* VectorEnv::validated_actions(const ConstArray& actions) {
  const Shape& one = act_space_.shape();
  bool shape_ok = actions.shape.ndim() == one.ndim() + 1 && actions.shape[0] == n_;
  for (int d = 0; shape_ok && d < one.ndim(); ++d) shape_ok = actions.shape[d + 1] == one[d];
  if (!shape_ok) {
    Shape want{n_};
    for (auto d : one) want.push_back(d);
    throw InvalidAction(spec_.id + ": actions have shape " + actions.shape.str() +
                        ", expected " + want.str() + " (num_envs, *" +
                        act_space_.repr() + ".shape)");
  }
  const std::byte* data = static_cast<const std::byte*>(actions.data);
  if (!data)
    throw InvalidAction(spec_.id + ": actions of shape " + actions.shape.str() +
                        " have a null data pointer");
  bool known = false;
  if (actions.dtype == act_space_.dtype() && rows_in_space_fast(act_space_, data, n_, &known))
    return data;
  // The general path, row by row through the one validation every env uses; rows of another
  // dtype are cast into the scratch batch.
  const std::size_t in_row = static_cast<std::size_t>(one.numel()) * dtype_size(actions.dtype);
  const bool cast = actions.dtype != act_space_.dtype();
  if (cast) action_scratch_.resize(static_cast<std::size_t>(n_) * act_bytes_);
  for (int i = 0; i < n_; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const ConstArray row{data + k * in_row, actions.dtype, one};
    checked_action(act_space_, row, action_scratch_.data() + (cast ? k * act_bytes_ : 0), spec_.id, i);
  }
  return cast ? action_scratch_.data() : data;
}

namespace {

struct BookkeepingLanes {
  int begin, end;
  StepCount limit;
  bool same_step;
  std::uint8_t *due, *pending, *term, *trunc;
  StepCount* elapsed;
};

// Episode bookkeeping of lanes [begin, end), always inlined into one caller per ISA.
[[gnu::always_inline]] inline void bookkeeping(const BookkeepingLanes& l) {
  const int begin = l.begin, end = l.end;
  const StepCount limit = l.limit;
  const bool same_step = l.same_step;
  std::uint8_t* __restrict due = l.due;
  std::uint8_t* __restrict pending = l.pending;
  std::uint8_t* __restrict term = l.term;
  std::uint8_t* __restrict trunc = l.trunc;
  StepCount* __restrict elapsed = l.elapsed;
  // Integer masks instead of branches or bools, which keep GCC from vectorizing.
  for (int i = begin; i < end; ++i) {
    const StepCount p = pending[i];                  // 0 or 1
    const StepCount e = (elapsed[i] + 1) & (p - 1);  // 0 for an env that resets now
    const StepCount tr = (truncates(e, limit) | trunc[i]) & (1 - p);
    const StepCount te = term[i] & (1 - p);
    elapsed[i] = e;
    trunc[i] = static_cast<std::uint8_t>(tr);
    term[i] = static_cast<std::uint8_t>(te);
    const StepCount done = te | tr;
    due[i] = static_cast<std::uint8_t>(same_step ? done : p);
    pending[i] = static_cast<std::uint8_t>(same_step ? 0 : done);
  }
}
RLFORGE_TARGET_AVX512 void bookkeeping_avx512(const BookkeepingLanes& l) { bookkeeping(l); }
RLFORGE_TARGET_AVX2 void bookkeeping_avx2(const BookkeepingLanes& l) { bookkeeping(l); }

}  // namespace

void VectorEnv::step_chunk(int begin, int end, const std::byte* actions) {
  const auto b = static_cast<std::size_t>(begin), n = static_cast<std::size_t>(end - begin);
  if (batched_) {
    // NextStep: a lane that only resets this step is stepped too (SIMD loops do not skip
    // lanes), its outputs are discarded, and its stream is put back, so that it draws exactly
    // what the single env, which is not stepped, draws. Skipped for envs whose step draws
    // nothing: the scan costs ~20% of a 1024-env CartPole step.
    const bool any_pending = batched_draws_ && std::memchr(pending_reset_.data() + b, 1, n) != nullptr;
    if (any_pending)
      for (std::size_t k = b; k < b + n; ++k)
        if (pending_reset_[k]) saved_rngs_[k] = rngs_[k];
    batched_->step(begin, end, actions, rngs_.data(), obs_.data(), rewards_.data(), terminated_.data());
    if (any_pending)
      for (std::size_t k = b; k < b + n; ++k)
        if (pending_reset_[k]) rngs_[k] = saved_rngs_[k];
    std::memset(truncated_.data() + b, 0, n);  // a batched env never truncates by itself
  } else {
    for (std::size_t k = b; k < b + n; ++k) {
      if (pending_reset_[k]) continue;  // NextStep: this step only resets env k (below)
      const StepResult r = envs_[k]->step_unchecked(
          actions + k * act_bytes_, std::span<std::byte>(obs_.data() + k * obs_bytes_, obs_bytes_),
          infos_[k]);
      rewards_[k] = r.reward;
      terminated_[k] = r.terminated;
      truncated_[k] = r.truncated;
    }
  }
  const StepCount limit = time_limit(spec_.max_episode_steps);
  const bool same_step = options_.autoreset == AutoresetMode::SameStep;
  // Episode bookkeeping for both paths, branch-free so that the compiler vectorizes it; envs
  // that reset are rare and are handled in a second pass. `due` marks them: NextStep, the ones
  // that ended last step (this step only resets them); SameStep, the ones that end now.
  std::uint8_t* due = reset_due_.data();
  const BookkeepingLanes l{begin, end, limit, same_step, due, pending_reset_.data(), terminated_.data(),
                           truncated_.data(), elapsed_.data()};
  switch (active_isa()) {  // the same loop for each ISA (core/isa.hpp), same results
    case Isa::avx512: bookkeeping_avx512(l); break;
    case Isa::avx2: bookkeeping_avx2(l); break;
    case Isa::baseline: bookkeeping(l); break;
  }
  for (std::size_t k = b; k < b + n; ++k) {
    if (!due[k]) continue;
    if (same_step) {
      std::memcpy(final_obs_.data() + k * obs_bytes_, obs_.data() + k * obs_bytes_, obs_bytes_);
      if (!batched_) std::swap(final_infos_[k], infos_[k]);
    } else {
      rewards_[k] = 0.0;
    }
    reset_lane(k, nullptr);
  }
  if (same_step) std::memcpy(has_final_.data() + b, due + b, n);
}

void VectorEnv::step(const ConstArray& actions) {
  if (!was_reset_) throw StateError(spec_.id + ": VectorEnv::step() called before reset()");
  const std::byte* a = validated_actions(actions);
  for_each_chunk([&](int b, int e) { step_chunk(b, e, a); });
}

namespace {

[[noreturn]] void state_truncated(std::size_t size) {
  throw InvalidArgument("VectorEnv::load_state: the state is truncated (" + std::to_string(size) + " bytes)");
}

constexpr std::uint32_t kVectorStateMagic = 0x56454E32;  // "VEN2": format 2 (per-env lanes too)
// Format 1 (batched path only) is read too, so checkpoints of earlier runs still resume: it is
// format 2 without the per-lane "captured" flag, which was always 1 there.
constexpr std::uint32_t kVectorStateMagicV1 = 0x56454E31;  // "VEN1"

}  // namespace

bool VectorEnv::captures_env_state() const { return batched_ != nullptr || spec_.exposes_state; }

// Layout: header; the output arrays; per lane its stream, episode clock, pending reset, and
// (flag 1) its dynamic state or (flag 0) nothing, for an env that cannot expose it.
std::string VectorEnv::save_state() const {
  ByteWriter out;
  out.pod(kVectorStateMagic);
  out.pod(static_cast<std::int32_t>(n_));
  out.pod(static_cast<std::uint64_t>(obs_bytes_));
  out.pod(static_cast<std::uint8_t>(options_.autoreset == AutoresetMode::SameStep));
  out.pod(static_cast<std::uint8_t>(seeded_));
  out.pod(static_cast<std::uint8_t>(was_reset_));
  out.bytes(obs_.data(), obs_.size());
  out.bytes(rewards_.data(), rewards_.size() * sizeof(double));
  out.bytes(terminated_.data(), terminated_.size());
  out.bytes(truncated_.data(), truncated_.size());
  out.bytes(has_final_.data(), has_final_.size());
  out.bytes(final_obs_.data(), final_obs_.size());
  const bool captured = captures_env_state();
  for (int i = 0; i < n_; ++i) {
    const auto k = static_cast<std::size_t>(i);
    out.bytes(lane_rng(k).state(), 4 * sizeof(std::uint64_t));
    out.pod(elapsed_[k]);
    out.pod(pending_reset_[k]);
    out.pod(static_cast<std::uint8_t>(captured));
    if (!captured) continue;
    const std::vector<double> st = batched_ ? batched_->get_state(i) : envs_[k]->checkpoint_state();
    out.pod(static_cast<std::uint32_t>(st.size()));
    out.bytes(st.data(), st.size() * sizeof(double));
  }
  return out.data();
}

int VectorEnv::load_state(std::string_view blob) {
  ByteReader r(blob, state_truncated);
  const auto magic = r.pod<std::uint32_t>();
  if (magic != kVectorStateMagic && magic != kVectorStateMagicV1)
    throw InvalidArgument(spec_.id + ": VectorEnv::load_state: not a VectorEnv state (format 1 or 2)");
  const bool v1 = magic == kVectorStateMagicV1;
  const auto n = r.pod<std::int32_t>();
  const auto obs_bytes = r.pod<std::uint64_t>();
  const bool same_step = r.pod<std::uint8_t>() != 0;
  if (n != n_ || obs_bytes != obs_bytes_ ||
      same_step != (options_.autoreset == AutoresetMode::SameStep))
    throw InvalidArgument(spec_.id + ": VectorEnv::load_state: the state is of " +
                          std::to_string(n) + " envs, " + std::to_string(obs_bytes) +
                          "-byte observations, " + (same_step ? "SameStep" : "NextStep") +
                          " autoreset; this VectorEnv has " + std::to_string(n_) + ", " +
                          std::to_string(obs_bytes_) + ", " +
                          (options_.autoreset == AutoresetMode::SameStep ? "SameStep" : "NextStep"));
  // Everything is read and checked before anything changes, so a bad blob loses nothing.
  struct Lane {
    std::uint64_t rng[4];
    StepCount elapsed;
    std::uint8_t pending, captured;
    std::vector<double> state;
  };
  const bool seeded = r.pod<std::uint8_t>() != 0, was_reset = r.pod<std::uint8_t>() != 0;
  std::string outputs;
  const std::size_t out_bytes = obs_.size() + rewards_.size() * sizeof(double) + terminated_.size() +
                                truncated_.size() + has_final_.size() + final_obs_.size();
  outputs.resize(out_bytes);
  r.bytes(outputs.data(), out_bytes);
  // Flags are 0 or 1, and the done flags in the outputs too (a damaged state must not read
  // as an episode that never ends or a lane that is neither reset nor running).
  const auto bad = [&](const std::string& field, long long v, const std::string& expected) {
    throw InvalidArgument(spec_.id + ": VectorEnv::load_state: field '" + field + "' is " + std::to_string(v) +
                          ", expected " + expected);
  };
  {
    const std::size_t flags_at = obs_.size() + rewards_.size() * sizeof(double);
    const std::size_t flags = terminated_.size() + truncated_.size() + has_final_.size();
    for (std::size_t k = 0; k < flags; ++k)
      if (static_cast<unsigned char>(outputs[flags_at + k]) > 1)
        bad("terminated/truncated/has_final[" + std::to_string(k) + "]", static_cast<unsigned char>(outputs[flags_at + k]),
            "0 or 1");
  }
  const StepCount limit = time_limit(spec_.max_episode_steps);
  std::vector<Lane> lanes(static_cast<std::size_t>(n_));
  for (std::size_t k = 0; k < lanes.size(); ++k) {
    Lane& l = lanes[k];
    const std::string lane = "lane " + std::to_string(k) + " ";
    r.bytes(l.rng, sizeof l.rng);
    if ((l.rng[0] | l.rng[1] | l.rng[2] | l.rng[3]) == 0)
      bad(lane + "rng", 0, "a nonzero xoshiro256** state (all zero would draw zeros forever)");
    l.elapsed = r.pod<StepCount>();
    if (l.elapsed < 0 || l.elapsed > limit) bad(lane + "elapsed", l.elapsed, "0.." + std::to_string(limit));
    l.pending = r.pod<std::uint8_t>();
    if (l.pending > 1) bad(lane + "pending_reset", l.pending, "0 or 1");
    l.captured = v1 ? 1 : r.pod<std::uint8_t>();
    if (l.captured > 1 || (l.captured && !captures_env_state()))
      bad(lane + "captured", l.captured, captures_env_state() ? "0 or 1" : "0 (this env does not expose its state)");
    if (l.captured) {
      const auto count = r.pod<std::uint32_t>();
      if (count > r.remaining() / sizeof(double))
        bad(lane + "state size", count, "at most " + std::to_string(r.remaining() / sizeof(double)) + " (the bytes left: the state is truncated)");
      l.state.resize(count);
      r.bytes(l.state.data(), l.state.size() * sizeof(double));
    }
  }
  if (!r.at_end())
    throw InvalidArgument(spec_.id + ": VectorEnv::load_state: " + std::to_string(r.remaining()) +
                          " unexpected trailing bytes");
  seeded_ = seeded;
  was_reset_ = was_reset;
  const char* o = outputs.data();
  auto take = [&](void* dst, std::size_t bytes) {
    if (bytes) std::memcpy(dst, o, bytes);
    o += bytes;
  };
  take(obs_.data(), obs_.size());
  take(rewards_.data(), rewards_.size() * sizeof(double));
  take(terminated_.data(), terminated_.size());
  take(truncated_.data(), truncated_.size());
  take(has_final_.data(), has_final_.size());
  take(final_obs_.data(), final_obs_.size());
  int restarted = 0;
  for (int i = 0; i < n_; ++i) {
    const auto k = static_cast<std::size_t>(i);
    Lane& l = lanes[k];
    std::memcpy(lane_rng(k).state(), l.rng, sizeof l.rng);
    elapsed_[k] = l.elapsed;
    pending_reset_[k] = l.pending;
    if (l.captured) {
      if (batched_)
        batched_->set_state(i, l.state);
      else
        envs_[k]->restore_checkpoint_state(l.state);
      continue;
    }
    // No state to restore: a new episode from the restored stream (deterministic for this
    // checkpoint, but not the episode an uninterrupted run would have continued).
    reset_lane(k, nullptr);
    pending_reset_[k] = 0;
    rewards_[k] = 0.0;
    terminated_[k] = truncated_[k] = 0;
    if (!has_final_.empty()) has_final_[k] = 0;
    ++restarted;
  }
  return restarted;
}

}  // namespace rlforge
