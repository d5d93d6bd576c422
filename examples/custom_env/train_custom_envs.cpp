// train_custom_envs: the example's program. Makes its two envs by id, restores a NoisyWalk-v0
// state, steps NoisyWalk-v0 in a 2-thread VectorEnv (same results as 1 thread), then trains PPO on
// NoisyWalk-v0 and SAC on PointMass-v0 to their reward_threshold through the agents API.
// Exits 1 when a check fails or a target is not reached.
//
//   usage: train_custom_envs [RUNS_DIR]    (run folders RUNS_DIR/noisy_walk_ppo, .../point_mass_sac;
//                                           default: runs)
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "agents/config.hpp"
#include "agents/trainer.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"

namespace {

bool check(bool ok, const char* what) {
  if (!ok) std::fprintf(stderr, "train_custom_envs: check failed: %s\n", what);
  return ok;
}

// Restoring {state, rng} must replay the same noisy steps.
bool state_round_trip() {
  auto env = rlforge::make("NoisyWalk-v0");
  std::vector<float> obs(2), a(10), b(10);
  rlforge::Info info;
  env->reset(3, std::span<float>(obs), info);
  const std::vector<double> state = env->get_state();
  const rlforge::Rng rng = env->rng();
  for (auto* out : {&a, &b}) {
    env->set_state(state);
    env->rng() = rng;
    for (int t = 0; t < 5; ++t) {
      const std::int64_t right = 2;
      env->step(rlforge::scalar_view(right), std::span<float>(obs), info);
      (*out)[2 * t] = obs[0];
      (*out)[2 * t + 1] = obs[1];
    }
  }
  std::printf("NoisyWalk-v0: get_state() = {x %.3f, goal %.3f}; 5 steps replayed after set_state: %s\n",
              state[0], state[1], a == b ? "identical" : "DIFFERENT");
  return check(a == b, "set_state + the saved rng replay the same steps");
}

// 16 envs moving toward their goals for 300 steps on `threads` threads; returns the episode count
// and every observation row, for comparing thread counts.
std::vector<float> walk_toward_goals(int threads, int& episodes, double& mean_return) {
  constexpr int n = 16;
  rlforge::VectorEnv envs("NoisyWalk-v0", n, "{}", {.num_threads = threads});
  envs.reset(11);
  std::vector<std::int64_t> actions(n);
  std::vector<double> running(n, 0.0);
  std::vector<float> trace;
  double total = 0;
  episodes = 0;
  for (int t = 0; t < 300; ++t) {
    const float* obs = envs.observations_as<float>();  // [n, 2]: x, goal - x
    for (int i = 0; i < n; ++i) actions[i] = obs[2 * i + 1] > 0 ? 2 : 0;
    envs.step(rlforge::ConstArray{actions.data(), rlforge::DType::int64, rlforge::Shape{n}});
    trace.insert(trace.end(), envs.observations_as<float>(), envs.observations_as<float>() + 2 * n);
    for (int i = 0; i < n; ++i) {
      running[i] += envs.rewards()[i];
      if (envs.terminated()[i] || envs.truncated()[i]) {
        total += running[i];
        running[i] = 0;
        ++episodes;
      }
    }
  }
  mean_return = episodes ? total / episodes : 0;
  return trace;
}

bool vector_env_threads() {
  int e1 = 0, e2 = 0;
  double r1 = 0, r2 = 0;
  const auto one = walk_toward_goals(1, e1, r1), two = walk_toward_goals(2, e2, r2);
  std::printf("VectorEnv of 16 NoisyWalk-v0 on 2 threads, moving toward the goal: %d episodes, "
              "mean return %.2f; 1 thread: %s\n", e2, r2, one == two ? "the same" : "DIFFERENT");
  return check(one == two && e1 == e2, "2 threads give the 1-thread results") &&
         check(e2 > 100, "the goal-seeking walker finishes episodes");
}

bool reached(const char* what, const rlforge::agents::TrainResult& r, double target) {
  std::printf("%s: ", what);
  if (r.reached_target)
    std::printf("target %.1f reached at step %lld (%.2f s); ", target,
                static_cast<long long>(r.steps_to_target), r.seconds_to_target);
  std::printf("final eval %.2f +- %.2f after %lld steps\n", r.final_eval->mean, r.final_eval->std,
              static_cast<long long>(r.steps));
  return check(r.reached_target, what);
}

int run(const std::string& runs) {
  // rlforge::envs brings the built-in envs; the program's own sources brought its two.
  const auto& registry = rlforge::Registry::global();
  std::printf("registered: %zu envs, among them CartPole-v1 (built in), NoisyWalk-v0 and PointMass-v0 (ours)\n",
              registry.specs().size());
  bool ok = check(registry.contains("CartPole-v1") && registry.contains("NoisyWalk-v0") &&
                      registry.contains("PointMass-v0"),
                  "built-in and own envs are registered");
  ok = state_round_trip() && ok;
  ok = vector_env_threads() && ok;

  // PPO on the Discrete env; the target is the env's own reward_threshold.
  rlforge::agents::PpoConfig ppo;
  ppo.env_id = "NoisyWalk-v0";
  ppo.num_envs = 4;
  ppo.num_threads = 2;  // stepping threads never change the result
  ppo.total_steps = 100000;
  ppo.target_return = rlforge::Registry::global().spec("NoisyWalk-v0").reward_threshold;
  ppo.eval_every_steps = 2048;
  ppo.eval_episodes = 30;  // 10 are too few to tell a policy that sometimes stalls
  ppo.num_steps = 64;
  ppo.epochs = 10;
  ppo.minibatches = 2;
  ppo.lr = 1e-3;
  ppo.gamma = 0.98;
  ppo.activation = "relu";
  ok = reached("PPO on NoisyWalk-v0",
               rlforge::agents::train(ppo, {.out_dir = runs + "/noisy_walk_ppo", .progress = false}),
               *ppo.target_return) && ok;

  // SAC on the continuous-action env.
  rlforge::agents::SacConfig sac;
  sac.env_id = "PointMass-v0";
  sac.num_envs = 1;
  sac.total_steps = 20000;
  sac.target_return = rlforge::Registry::global().spec("PointMass-v0").reward_threshold;
  sac.eval_every_steps = 1000;
  sac.eval_episodes = 30;
  sac.buffer_size = 20000;
  sac.learning_starts = 500;
  sac.batch_size = 128;
  sac.actor_lr = sac.critic_lr = sac.alpha_lr = 1e-3;
  sac.hidden = {32, 32};
  ok = reached("SAC on PointMass-v0",
               rlforge::agents::train(sac, {.out_dir = runs + "/point_mass_sac", .progress = false}),
               *sac.target_return) && ok;
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc > 1 ? argv[1] : "runs");
  } catch (const std::exception& e) {  // rlforge's errors name the env, file or value
    std::fprintf(stderr, "train_custom_envs: error: %s\n", e.what());
    return 1;
  }
}
