// VectorEnv: chunked TBB stepping, action validation before any env moves, autoreset.
#include "core/vector_env.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/binary_io.hpp"
#include "core/error.hpp"
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
  threads_ = options.num_threads ? options.num_threads
                                 : static_cast<int>(tbb::info::default_concurrency());
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
    elapsed_.assign(n, 0);
    pending_reset_.assign(n, 0);
    reset_due_.assign(n, 0);
  }
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
  seeded_ = true;
  for_each_chunk([&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      const auto k = static_cast<std::size_t>(i);
      std::byte* row = obs_.data() + k * obs_bytes_;
      std::optional<std::uint64_t> s;
      if (seed) s = *seed + static_cast<std::uint64_t>(i);
      if (batched_) {
        if (s) rngs_[k].seed(*s);
        batched_->reset(i, rngs_[k], options, row);
        elapsed_[k] = 0;
        pending_reset_[k] = 0;
      } else {
        envs_[k]->reset(s, std::span<std::byte>(row, obs_bytes_), infos_[k], options);
      }
      rewards_[k] = 0.0;
      terminated_[k] = truncated_[k] = 0;
      if (!has_final_.empty()) has_final_[k] = 0;
    }
  });
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
  const std::size_t in_row = static_cast<std::size_t>(one.numel()) * dtype_size(actions.dtype);
  if (actions.dtype != act_space_.dtype()) {
    action_scratch_.resize(static_cast<std::size_t>(n_) * act_bytes_);
    for (int i = 0; i < n_; ++i) {
      const ConstArray row{data + static_cast<std::size_t>(i) * in_row, actions.dtype, one};
      if (!cast_into(act_space_, row, action_scratch_.data() + static_cast<std::size_t>(i) * act_bytes_))
        throw InvalidAction(spec_.id + ": action of env " + std::to_string(i) + " " +
                            format_values(row) + " is not in " + act_space_.repr() + ": " +
                            act_space_.explain_not_contained(row));
    }
    data = action_scratch_.data();
  }
  bool known = false;
  if (rows_in_space_fast(act_space_, data, n_, &known)) return data;
  for (int i = 0; i < n_; ++i) {
    const ConstArray row{data + static_cast<std::size_t>(i) * act_bytes_, act_space_.dtype(), one};
    if (std::string why = act_space_.explain_not_contained(row); !why.empty())
      throw InvalidAction(spec_.id + ": action of env " + std::to_string(i) + " " +
                          format_values(row) + " is not in " + act_space_.repr() + ": " + why);
  }
  return data;
}

void VectorEnv::step_chunk_batched(int begin, int end, const std::byte* actions) {
  batched_->step(begin, end, actions, obs_.data(), rewards_.data(), terminated_.data());
  const std::int32_t max_steps = spec_.max_episode_steps.value_or(0);
  const bool same_step = options_.autoreset == AutoresetMode::SameStep;
  // Branch-free bookkeeping that the compiler vectorizes; envs that reset are rare and are
  // handled in a second pass. `due` marks them: NextStep, the ones that ended last step
  // (this step only resets them); SameStep, the ones that end now.
  std::uint8_t* __restrict due = reset_due_.data();
  std::uint8_t* __restrict pending = pending_reset_.data();
  std::uint8_t* __restrict term = terminated_.data();
  std::uint8_t* __restrict trunc = truncated_.data();
  std::int32_t* __restrict elapsed = elapsed_.data();
  // Integer masks instead of branches or bools, which keep GCC from vectorizing.
  const std::int32_t limit = max_steps > 0 ? max_steps : std::numeric_limits<std::int32_t>::max();
  for (int i = begin; i < end; ++i) {
    const std::int32_t p = pending[i];                   // 0 or 1
    const std::int32_t e = (elapsed[i] + 1) & (p - 1);   // 0 for an env that resets now
    const std::int32_t tr = (e >= limit) & (1 - p);
    const std::int32_t te = term[i] & (1 - p);
    elapsed[i] = e;
    trunc[i] = static_cast<std::uint8_t>(tr);
    term[i] = static_cast<std::uint8_t>(te);
    const std::int32_t done = te | tr;
    due[i] = static_cast<std::uint8_t>(same_step ? done : p);
    pending[i] = static_cast<std::uint8_t>(same_step ? 0 : done);
  }
  for (int i = begin; i < end; ++i) {
    if (!due[i]) continue;
    const auto k = static_cast<std::size_t>(i);
    std::byte* row = obs_.data() + k * obs_bytes_;
    if (same_step)
      std::memcpy(final_obs_.data() + k * obs_bytes_, row, obs_bytes_);
    else
      rewards_[k] = 0.0;  // NextStep: this step only reset env i
    batched_->reset(i, rngs_[k], nullptr, row);
    elapsed_[k] = 0;
  }
  if (same_step) std::memcpy(has_final_.data() + begin, due + begin, static_cast<std::size_t>(end - begin));
}

void VectorEnv::step_chunk_single(int begin, int end, const std::byte* actions) {
  const bool same_step = options_.autoreset == AutoresetMode::SameStep;
  for (int i = begin; i < end; ++i) {
    const auto k = static_cast<std::size_t>(i);
    Env& e = *envs_[k];
    std::span<std::byte> row(obs_.data() + k * obs_bytes_, obs_bytes_);
    if (!same_step && e.needs_reset()) {
      e.reset(std::nullopt, row, infos_[k]);
      rewards_[k] = 0.0;
      terminated_[k] = truncated_[k] = 0;
      continue;
    }
    const ConstArray a{actions + k * act_bytes_, act_space_.dtype(), act_space_.shape()};
    const StepResult r = e.step(a, row, infos_[k]);
    rewards_[k] = r.reward;
    terminated_[k] = r.terminated;
    truncated_[k] = r.truncated;
    if (same_step) {
      has_final_[k] = r.terminated || r.truncated;
      if (has_final_[k]) {
        std::memcpy(final_obs_.data() + k * obs_bytes_, row.data(), obs_bytes_);
        std::swap(final_infos_[k], infos_[k]);
        e.reset(std::nullopt, row, infos_[k]);
      }
    }
  }
}

void VectorEnv::step(const ConstArray& actions) {
  if (!was_reset_) throw StateError(spec_.id + ": VectorEnv::step() called before reset()");
  const std::byte* a = validated_actions(actions);
  if (batched_)
    for_each_chunk([&](int b, int e) { step_chunk_batched(b, e, a); });
  else
    for_each_chunk([&](int b, int e) { step_chunk_single(b, e, a); });
}

namespace {

[[noreturn]] void state_truncated(std::size_t size) {
  throw InvalidArgument("VectorEnv::load_state: the state is truncated (" + std::to_string(size) + " bytes)");
}

constexpr std::uint32_t kVectorStateMagic = 0x56454E31;  // "VEN1"

}  // namespace

std::string VectorEnv::save_state() const {
  if (!batched_)
    throw InvalidArgument(spec_.id + ": VectorEnv::save_state needs the batched path (this "
                          "VectorEnv steps single envs, whose TimeLimit state is private)");
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
  for (int i = 0; i < n_; ++i) {
    const auto k = static_cast<std::size_t>(i);
    out.bytes(rngs_[k].state(), 4 * sizeof(std::uint64_t));
    out.pod(elapsed_[k]);
    out.pod(pending_reset_[k]);
    const std::vector<double> st = batched_->get_state(i);
    out.pod(static_cast<std::uint32_t>(st.size()));
    out.bytes(st.data(), st.size() * sizeof(double));
  }
  return out.data();
}

void VectorEnv::load_state(std::string_view blob) {
  if (!batched_)
    throw InvalidArgument(spec_.id + ": VectorEnv::load_state needs the batched path");
  ByteReader r(blob, state_truncated);
  if (r.pod<std::uint32_t>() != kVectorStateMagic)
    throw InvalidArgument(spec_.id + ": VectorEnv::load_state: not a VectorEnv state");
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
  seeded_ = r.pod<std::uint8_t>() != 0;
  was_reset_ = r.pod<std::uint8_t>() != 0;
  r.bytes(obs_.data(), obs_.size());
  r.bytes(rewards_.data(), rewards_.size() * sizeof(double));
  r.bytes(terminated_.data(), terminated_.size());
  r.bytes(truncated_.data(), truncated_.size());
  r.bytes(has_final_.data(), has_final_.size());
  r.bytes(final_obs_.data(), final_obs_.size());
  std::vector<double> st;
  for (int i = 0; i < n_; ++i) {
    const auto k = static_cast<std::size_t>(i);
    r.bytes(rngs_[k].state(), 4 * sizeof(std::uint64_t));
    elapsed_[k] = r.pod<std::int32_t>();
    pending_reset_[k] = r.pod<std::uint8_t>();
    st.resize(r.pod<std::uint32_t>());
    r.bytes(st.data(), st.size() * sizeof(double));
    batched_->set_state(i, st);
  }
  if (!r.at_end())
    throw InvalidArgument(spec_.id + ": VectorEnv::load_state: " + std::to_string(r.remaining()) +
                          " unexpected trailing bytes");
}

}  // namespace rlforge
