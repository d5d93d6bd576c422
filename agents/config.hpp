// Agent configs (PPO, DQN, SAC): every hyperparameter with its default, read from a JSON config with strict
// checks (unknown keys, wrong types and out-of-range values throw ConfigError naming the file,
// the key path and what was expected), and written back as fully resolved JSON.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/json.hpp"

namespace rlforge::agents {

// JSON layout (every key optional; the defaults below fill the rest):
// {"algo": "ppo" | "dqn" | "sac", "seed": 1, "total_steps": 50000, "target_return": 475,
//  "device": "cpu" | "cuda" | "cuda:<index>",
//  "env": {"id", "kwargs": {...}, "num_envs", "num_threads"},
//  "eval": {"every_steps", "episodes"},
//  "ppo": {"num_steps", "gamma", "gae_lambda", "epochs", "minibatches", "clip_coef",
//          "clip_vloss", "vf_coef", "ent_coef", "max_grad_norm", "lr", "lr_end",
//          "anneal_lr", "norm_adv", "adam_eps", "target_kl"},
//  "policy": {"conv": [...], "hidden": [64, 64], "activation": "tanh", "ortho_init", "log_std_init"},
//  "normalize": {"observation", "reward", "clip_observation", "clip_reward"}}
// DQN and SAC configs have "dqn" / "sac" (the DqnConfig / SacConfig fields below) and "network"
// ({"hidden", "activation"}; DQN also "conv") instead of "ppo", "policy" and "normalize".
// "conv" (PPO and DQN, optional, default none): [{"channels": 16, "kernel": 3, "stride": 1,
// "padding": 0}, ...] -- conv layers (square kernels, zero padding), each followed by the
// activation, then a flatten, then the "hidden" layers. It needs an image observation (H, W, C)
// of uint8, int8 or float32 (uint8 scaled by 1/255 when its high is 255, as sb3), and is
// refused with "normalize.observation" (per-pixel running statistics: images are scaled instead).

// One conv layer of a torso: out channels, square kernel, stride and zero padding (torch's Conv2d).
struct ConvLayerConfig {
  std::int64_t channels = 16;
  std::int64_t kernel = 3;
  std::int64_t stride = 1;       // "stride" and "padding" default to 1 and 0
  std::int64_t padding = 0;
  bool operator==(const ConvLayerConfig&) const = default;
};

// What every algorithm's run shares: the env, the seed, the budget and the evaluation.
struct RunConfig {
  std::string env_id = "CartPole-v1";
  std::string env_kwargs = "{}";          // JSON object passed to make()
  int num_envs = 8;                       // training envs, stepped together
  int num_threads = 1;                    // TBB threads stepping them (never changes results)
  std::uint64_t seed = 1;
  std::int64_t total_steps = 100000;      // env steps (all envs) before training stops
  std::optional<double> target_return;    // stop once an evaluation's mean return reaches it
  // Where the networks, their optimizer state and the tensors fed to them live; envs always
  // step on the CPU. "cuda" without a GPU is a DeviceError when the agent is made.
  std::string device = "cpu";
  // eval: deterministic policy on separate envs, one episode per env
  std::int64_t eval_every_steps = 4096;
  int eval_episodes = 30;  // the target is judged on the mean of this many: 10 let luck stop a run
  // "video": {"every_evals": K, "format": "mp4"|"gif"}: after every K-th evaluation (the 1st,
  // K+1-th, ...) one episode of the deterministic policy is recorded into the run's videos/
  // folder. 0: never. The env must render (EnvSpec render_fps, Env::draw).
  int video_every_evals = 0;
  std::string video_format = "mp4";
};

struct PpoConfig : RunConfig {
  // ppo
  int num_steps = 32;                     // rollout length per env; batch = num_envs * num_steps
  double gamma = 0.99;
  double gae_lambda = 0.95;
  int epochs = 10;
  int minibatches = 4;
  double clip_coef = 0.2;
  bool clip_vloss = false;
  double vf_coef = 0.5;
  double ent_coef = 0.0;
  double max_grad_norm = 0.5;
  double lr = 3e-4;
  double lr_end = 0.0;                    // with anneal_lr: linear from lr to lr_end over the run
  bool anneal_lr = true;
  bool norm_adv = true;
  double adam_eps = 1e-5;
  std::optional<double> target_kl;        // stop an update's epochs once approx KL exceeds it
  // policy (separate actor and critic networks: conv layers if any, then the MLP)
  std::vector<ConvLayerConfig> conv;      // empty: an MLP on a 1-D observation
  std::vector<std::int64_t> hidden = {64, 64};
  std::string activation = "tanh";        // tanh | relu
  bool ortho_init = true;                 // orthogonal init, gains sqrt 2 / 0.01 (actor) / 1 (critic)
  double log_std_init = 0.0;              // Box actions: initial state-independent log std
  // normalize (vector-level running statistics, as gymnasium's wrappers)
  bool norm_obs = false;
  bool norm_reward = false;
  double clip_obs = 10.0;
  double clip_reward = 10.0;

  std::int64_t batch_size() const { return static_cast<std::int64_t>(num_envs) * num_steps; }
  // Updates in the run: total_steps / batch_size, at least 1.
  std::int64_t num_updates() const;
};

// DQN (JSON "dqn" and "network" sections). One iteration = train_freq vector steps
// (num_envs * train_freq env steps), then gradient_steps updates once learning_starts env
// steps are in the buffer.
struct DqnConfig : RunConfig {
  std::int64_t buffer_size = 100000;      // transitions kept (oldest overwritten)
  std::int64_t learning_starts = 1000;    // env steps before the first gradient step
  int batch_size = 64;
  int train_freq = 1;                     // vector steps per iteration
  int gradient_steps = 1;                 // gradient steps per iteration
  std::int64_t target_update_interval = 1000;  // env steps between target updates
  double tau = 1.0;                       // target update: 1 hard copy, < 1 Polyak
  bool double_dqn = true;
  std::string loss = "huber";             // huber | mse
  double gamma = 0.99;
  double lr = 1e-4;
  double max_grad_norm = 10.0;            // 0: no clipping
  double exploration_fraction = 0.1;      // epsilon decays over this fraction of total_steps
  double exploration_initial = 1.0;
  double exploration_final = 0.05;
  std::vector<ConvLayerConfig> conv;      // network.conv; empty: an MLP on a 1-D observation
  std::vector<std::int64_t> hidden = {64, 64};
  std::string activation = "relu";        // tanh | relu

  std::int64_t steps_per_iteration() const { return static_cast<std::int64_t>(num_envs) * train_freq; }
  std::int64_t num_iterations() const;
};

// SAC (JSON "sac" and "network" sections) for Box actions. One iteration = train_freq vector
// steps, then gradient_steps updates of the twin critics, the actor and (auto_alpha) the
// temperature once learning_starts env steps are in the buffer. Until then actions are uniform.
struct SacConfig : RunConfig {
  std::int64_t buffer_size = 1000000;
  std::int64_t learning_starts = 1000;
  int batch_size = 256;
  int train_freq = 1;                     // vector steps per iteration
  int gradient_steps = 1;                 // gradient steps per iteration (update-to-data ratio)
  double tau = 0.005;                     // Polyak factor of the target critics
  double gamma = 0.99;
  double actor_lr = 3e-4, critic_lr = 3e-4, alpha_lr = 3e-4;
  double init_alpha = 1.0;
  bool auto_alpha = true;
  std::optional<double> target_entropy;   // null: -(action size)
  double log_std_min = -20.0, log_std_max = 2.0;
  // Collection keeps each env's exploration noise (and, before learning_starts, its uniform
  // action) for this many vector steps: temporally correlated exploration, in the spirit of
  // gSDE's sample frequency, for tasks that need momentum (MountainCarContinuous). 1: fresh
  // noise every step (standard SAC).
  int noise_hold_steps = 1;
  std::vector<std::int64_t> hidden = {256, 256};
  std::string activation = "relu";        // tanh | relu

  std::int64_t steps_per_iteration() const { return static_cast<std::int64_t>(num_envs) * train_freq; }
  std::int64_t num_iterations() const;
};

using AgentConfig = std::variant<PpoConfig, DqnConfig, SacConfig>;
const RunConfig& run_config(const AgentConfig& c);

// Reads and checks a config of any algo ("algo" key, default "ppo").
AgentConfig config_from_json(const JsonObject& root);
std::string to_json(const AgentConfig& c);
std::string to_json(const DqnConfig& c);
std::string to_json(const SacConfig& c);
AgentConfig load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Reads and checks a PPO config (ConfigError if "algo" is not "ppo"); root.where() names the
// source in errors (usually the file path).
PpoConfig ppo_config_from_json(const JsonObject& root);
// The fully resolved config as pretty JSON (parses back to an equal config).
std::string to_json(const PpoConfig& c);

// Reads a config file and applies "key.path=value" overrides (value parsed as JSON, else taken
// as a string) before checking it. Throws ConfigError naming the file (and the override).
PpoConfig load_ppo_config(const std::string& path, const std::vector<std::string>& overrides = {});
// Sets `key.path` inside `root` to the JSON `value_json` (creating objects on the way).
void set_json_path(JsonObject& root, std::string_view key_path, std::string_view value_json);

}  // namespace rlforge::agents
