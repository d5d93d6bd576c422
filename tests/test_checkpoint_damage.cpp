// Damaged checkpoints whose checksum is valid again (a field patched, the file re-saved with
// save_state_file): each is refused naming the file and the field, and nothing hangs (the
// ctest TIMEOUT of this binary catches a resume that loops).
#include <catch.hpp>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>

#include "agents/config.hpp"
#include "agents/trainer.hpp"
#include "core/binary_io.hpp"
#include "core/error.hpp"
#include "core/state_file.hpp"
#include "core/vector_env.hpp"

using namespace rlforge;
using namespace rlforge::agents;
namespace fs = std::filesystem;

namespace {

constexpr const char* kKind = "rlforge.checkpoint/2";

std::size_t offset(const ByteReader& r, std::string_view in) { return in.size() - r.remaining(); }

// Byte offsets of the fields of a checkpoint payload (agents/trainer.cpp encode(), the agent's
// save_state() inside it).
struct Layout {
  std::size_t evals_done, next_eval_step, seconds, reached_target, steps_to_target, last_eval_step, metrics;
  std::size_t agent;  // first byte of the agent state (its magic)
};

Layout layout_of(const std::string& payload) {
  ByteReader r(payload);
  Layout l{};
  r.str();  // config
  l.evals_done = offset(r, payload);
  l.next_eval_step = l.evals_done + 8;
  l.seconds = l.evals_done + 24;
  l.reached_target = l.evals_done + 32;
  l.steps_to_target = l.evals_done + 33;
  l.last_eval_step = l.evals_done + 65;
  std::uint64_t skip[10];
  r.bytes(skip, 73);
  r.vec<double>();  // recent
  l.metrics = offset(r, payload) + 8;
  r.str();
  l.agent = offset(r, payload) + 8;
  return l;
}

template <class T>
std::string patched(std::string payload, std::size_t at, T value) {
  std::memcpy(payload.data() + at, &value, sizeof value);
  return payload;
}

std::string train_run(const AgentConfig& c, const std::string& name) {
  TrainOptions o;
  o.progress = false;
  o.out_dir = (fs::temp_directory_path() / ("rlforge_test_damage_" + name)).string();
  fs::remove_all(o.out_dir);
  o.stop_after_updates = 2;  // a checkpoint in the middle of the run
  REQUIRE(train(c, o).stopped);
  return o.out_dir;
}

// Writes `payload` as the run's latest checkpoint (with a fresh, valid checksum) and requires
// that loading and resuming it both fail naming the file and `field`.
void require_refused(const std::string& run, const std::string& payload, const std::string& field) {
  const std::string ck = (fs::path(run) / "checkpoints" / "latest.ckpt").string();
  save_state_file(ck, kKind, payload);
  INFO("field " << field);
  CHECK_THROWS_WITH(load_checkpoint(ck), Catch::Contains(ck) && Catch::Contains("'" + field + "'"));
  TrainOptions o;
  o.progress = false;
  o.out_dir = run;
  CHECK_THROWS_AS(resume(o), ConfigError);
}

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

}  // namespace

TEST_CASE("checkpoints with a valid checksum but damaged trainer or PPO counters are refused by field",
          "[agents][checkpoint]") {
  PpoConfig c;
  c.env_id = "CartPole-v1";
  c.num_envs = 4;
  c.num_steps = 8;
  c.epochs = 1;
  c.minibatches = 1;
  c.total_steps = 4 * 8 * 6;
  c.eval_every_steps = 4 * 8 * 2;
  c.eval_episodes = 2;
  c.hidden = {8};
  const std::string run = train_run(c, "ppo");
  const std::string ck = (fs::path(run) / "checkpoints" / "latest.ckpt").string();
  const std::string good = load_state_file(ck, kKind);
  const Layout l = layout_of(good);
  // The pristine bytes re-saved load: the patching below is what is refused.
  save_state_file(ck, kKind, good);
  REQUIRE(load_checkpoint(ck)->global_step() == 2 * 32);

  // A next_eval_step far below the step made `while (next <= step) next += every` spin ~2^57 times.
  require_refused(run, patched(good, l.next_eval_step, kMin), "run.next_eval_step");
  require_refused(run, patched(good, l.next_eval_step, std::int64_t{0}), "run.next_eval_step");
  require_refused(run, patched(good, l.next_eval_step, std::int64_t{64 + 65}), "run.next_eval_step");
  require_refused(run, patched(good, l.evals_done, std::int64_t{-1}), "run.evals_done");
  require_refused(run, patched(good, l.evals_done, std::int64_t{1} << 40), "run.evals_done");
  require_refused(run, patched(good, l.reached_target, std::uint8_t{7}), "run.reached_target");
  require_refused(run, patched(good, l.steps_to_target, std::int64_t{12345}), "run.steps_to_target");
  require_refused(run, patched(good, l.last_eval_step, std::int64_t{-7}), "run.last_eval_step");
  require_refused(run, patched(good, l.seconds, std::numeric_limits<double>::quiet_NaN()), "run.seconds");
  require_refused(run, patched(good, l.metrics, 'x'), "run.metrics");
  // PPO state: magic u32, updates i64, global_step i64.
  require_refused(run, patched(good, l.agent + 4, std::int64_t{-1}), "ppo.updates");
  require_refused(run, patched(good, l.agent + 4, std::int64_t{7}), "ppo.updates");  // the run has 6
  require_refused(run, patched(good, l.agent + 12, std::int64_t{-1}), "ppo.global_step");  // "resume at step -1"
  require_refused(run, patched(good, l.agent + 12, std::int64_t{2 * 32 + 1}), "ppo.global_step");
}

TEST_CASE("checkpoints with a valid checksum but damaged DQN, SAC or replay counters are refused by field",
          "[agents][checkpoint]") {
  DqnConfig d;
  d.num_envs = 2;
  d.total_steps = 2 * 4 * 8;
  d.train_freq = 4;
  d.gradient_steps = 1;
  d.batch_size = 4;
  d.learning_starts = 8;
  d.buffer_size = 12;  // wrapped after two updates (16 steps)
  d.target_update_interval = 8;
  d.eval_every_steps = 2 * 4 * 2;
  d.eval_episodes = 1;
  d.hidden = {8};
  {
    const std::string run = train_run(d, "dqn");
    const std::string good = load_state_file((fs::path(run) / "checkpoints" / "latest.ckpt").string(), kKind);
    const std::size_t a = layout_of(good).agent;
    // DQN state: magic, updates, global_step, vector_steps, rng[4], episode returns (u64 n + n
    // doubles), replay size, replay pos.
    require_refused(run, patched(good, a + 4, std::int64_t{-3}), "dqn.updates");
    require_refused(run, patched(good, a + 12, std::int64_t{-1}), "dqn.global_step");
    require_refused(run, patched(good, a + 20, std::int64_t{kMin}), "dqn.vector_steps");
    const std::size_t replay = a + 28 + 32 + 8 + 2 * 8;
    require_refused(run, patched(good, replay, std::int64_t{13}), "replay.size");
    require_refused(run, patched(good, replay, std::int64_t{-1}), "replay.size");
    require_refused(run, patched(good, replay + 8, std::int64_t{12}), "replay.pos");
    require_refused(run, patched(good, replay + 8, std::int64_t{0}), "replay.pos");  // 16 % 12 = 4
  }
  SacConfig s;
  s.env_id = "Pendulum-v1";
  s.num_envs = 2;
  s.total_steps = 2 * 2 * 10;
  s.train_freq = 2;
  s.gradient_steps = 1;
  s.batch_size = 4;
  s.learning_starts = 4;
  s.buffer_size = 100;
  s.eval_every_steps = 2 * 2 * 5;
  s.eval_episodes = 1;
  s.hidden = {8};
  {
    const std::string run = train_run(s, "sac");
    const std::string good = load_state_file((fs::path(run) / "checkpoints" / "latest.ckpt").string(), kKind);
    const std::size_t a = layout_of(good).agent;
    // SAC state: magic, updates, global_step, rng[4], episode returns, vector_steps, ..., replay.
    require_refused(run, patched(good, a + 4, std::int64_t{1} << 50), "sac.updates");
    require_refused(run, patched(good, a + 12, std::int64_t{-1}), "sac.global_step");
    require_refused(run, patched(good, a + 20 + 32 + 8 + 2 * 8, std::int64_t{-1}), "sac.vector_steps");
  }
}

TEST_CASE("a VectorEnv state with damaged lane fields is refused by field, before anything changes",
          "[core][vector_env]") {
  VectorEnv envs("CartPole-v1", 2, "{}", {.num_threads = 1});  // NextStep: no final observations
  envs.reset(3);
  const std::string good = envs.save_state();
  // Layout: magic u32, n i32, obs_bytes u64, same_step u8, seeded u8, was_reset u8, then the
  // outputs (obs 2*4 floats, rewards 2 doubles, terminated 2, truncated 2, has_final 0, final
  // obs 0), then per lane rng[4] u64, elapsed i32, pending u8, captured u8, u32 count, doubles.
  const std::size_t outputs = 4 + 4 + 8 + 3, flags = outputs + 2 * 4 * 4 + 2 * 8;
  const std::size_t lane0 = flags + 4;
  auto refused = [&](const std::string& blob, const std::string& field) {
    INFO("field " << field);
    CHECK_THROWS_WITH(envs.load_state(blob), Catch::Contains("CartPole-v1") && Catch::Contains(field));
    CHECK(envs.save_state() == good);  // nothing changed
  };
  refused(patched(good, flags, std::uint8_t{2}), "'terminated/truncated/has_final[0]'");
  std::string zero_rng = good;
  std::memset(zero_rng.data() + lane0, 0, 32);
  refused(zero_rng, "'lane 0 rng'");
  refused(patched(good, lane0 + 32, std::int32_t{-5}), "'lane 0 elapsed'");
  refused(patched(good, lane0 + 32, std::int32_t{501}), "'lane 0 elapsed'");  // CartPole-v1 stops at 500
  refused(patched(good, lane0 + 36, std::uint8_t{9}), "'lane 0 pending_reset'");
  refused(patched(good, lane0 + 37, std::uint8_t{2}), "'lane 0 captured'");
  // A state count of 2^32 - 1 doubles is refused before 32 GiB are allocated.
  refused(patched(good, lane0 + 38, std::uint32_t{0xFFFFFFFF}), "'lane 0 state size'");
  envs.load_state(good);
}
