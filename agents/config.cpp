// Agent configs from and to JSON: a strict reader that tracks the key path and rejects unknown keys.
#include "agents/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "core/error.hpp"

namespace rlforge::agents {

namespace {

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// One JSON object of the config: typed, range-checked reads that remember which keys were
// read, so finish() can reject the ones nobody reads (typos).
class Section {
 public:
  Section(JsonObject obj, std::string path) : obj_(std::move(obj)), path_(std::move(path)) {}

  std::string key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  [[noreturn]] void fail(std::string_view key, const std::string& expected, const std::string& got) const {
    throw ConfigError(obj_.where() + ": key '" + key_path(key) + "' must be " + expected + ", got " + got);
  }

  double number(std::string_view key, double fallback, double lo, double hi) {
    seen_.insert(std::string(key));
    const double v = obj_.get_double(key, fallback);
    if (!(v >= lo && v <= hi)) fail(key, "a number in [" + fmt(lo) + ", " + fmt(hi) + "]", fmt(v));
    return v;
  }
  std::optional<double> optional_number(std::string_view key, std::optional<double> fallback,
                                        double lo, double hi) {
    seen_.insert(std::string(key));
    if (!obj_.has(key)) return fallback;
    if (obj_.type_of(key) == "null") return std::nullopt;
    return number(key, 0.0, lo, hi);
  }
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
    seen_.insert(std::string(key));
    const std::int64_t v = obj_.get_int(key, fallback);
    if (v < lo || v > hi)
      fail(key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", std::to_string(v));
    return v;
  }
  bool boolean(std::string_view key, bool fallback) {
    seen_.insert(std::string(key));
    return obj_.get_bool(key, fallback);
  }
  std::string choice(std::string_view key, std::string fallback, std::initializer_list<const char*> allowed) {
    seen_.insert(std::string(key));
    std::string v = obj_.has(key) ? obj_.get_string(key) : fallback;
    std::string list;
    for (const char* a : allowed) {
      if (v == a) return v;
      list += (list.empty() ? "" : ", ") + std::string("\"") + a + "\"";
    }
    fail(key, "one of " + list, "\"" + v + "\"");
  }
  std::string string(std::string_view key, std::string fallback) {
    seen_.insert(std::string(key));
    return obj_.has(key) ? obj_.get_string(key) : fallback;
  }
  // A key without a default: missing is an error naming what belongs there.
  std::string required_string(std::string_view key, const std::string& expected) {
    if (!obj_.has(key)) fail(key, expected, "nothing (the key is required)");
    return string(key, "");
  }
  std::string object_text(std::string_view key, std::string fallback) {
    seen_.insert(std::string(key));
    return obj_.has(key) ? obj_.get_object(key).dump() : fallback;
  }
  std::vector<std::int64_t> integers(std::string_view key, std::vector<std::int64_t> fallback,
                                     std::int64_t lo, std::int64_t hi) {
    seen_.insert(std::string(key));
    if (!obj_.has(key)) return fallback;
    if (obj_.type_of(key) != "array") fail(key, "an array of integers", obj_.type_of(key));
    std::vector<std::int64_t> out;
    for (double d : obj_.get_doubles(key)) {
      if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
        fail(key, "an array of integers in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", fmt(d));
      out.push_back(static_cast<std::int64_t>(d));
    }
    if (out.empty()) fail(key, "a non-empty array of integers", "[]");
    return out;
  }
  // An array of objects, each read by the caller as its own Section (key path "key[i]").
  std::vector<Section> sections(std::string_view key) {
    seen_.insert(std::string(key));
    std::vector<Section> out;
    if (!obj_.has(key)) return out;
    if (obj_.type_of(key) != "array") fail(key, "an array of objects", obj_.type_of(key));
    for (JsonObject& o : obj_.get_objects(key)) out.emplace_back(o, key_path(key) + "[" + std::to_string(out.size()) + "]");
    return out;
  }
  Section section(std::string_view key) {
    seen_.insert(std::string(key));
    if (!obj_.has(key)) return Section(JsonObject::parse("{}", obj_.where()), key_path(key));
    return Section(obj_.get_object(key), key_path(key));
  }
  void finish() const {
    for (const std::string& k : obj_.keys())
      if (!seen_.count(k)) {
        std::string known;
        for (const std::string& s : seen_) known += (known.empty() ? "" : ", ") + s;
        throw ConfigError(obj_.where() + ": unknown key '" + key_path(k) + "' (known keys here: " + known + ")");
      }
  }

 private:
  JsonObject obj_;
  std::string path_;
  std::set<std::string> seen_;
};

constexpr std::int64_t kBig = std::numeric_limits<std::int32_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

// "conv": [{"channels", "kernel", "stride", "padding"}, ...]; whether the layers fit the
// observation is checked when the agent is built (the env's shape is not known here).
std::vector<ConvLayerConfig> read_conv(Section& s) {
  std::vector<ConvLayerConfig> layers;
  for (Section& l : s.sections("conv")) {
    ConvLayerConfig c;
    c.channels = l.integer("channels", c.channels, 1, 1 << 16);
    c.kernel = l.integer("kernel", c.kernel, 1, 1 << 10);
    c.stride = l.integer("stride", c.stride, 1, 1 << 10);
    c.padding = l.integer("padding", c.padding, 0, 1 << 10);
    l.finish();
    layers.push_back(c);
  }
  return layers;
}

std::string conv_json(const std::vector<ConvLayerConfig>& conv) {
  if (conv.empty()) return "";  // absent: an MLP config's resolved JSON stays as it was
  std::string out = "\"conv\": [";
  for (std::size_t i = 0; i < conv.size(); ++i)
    out += std::string(i ? ", " : "") + "{\"channels\": " + std::to_string(conv[i].channels) + ", \"kernel\": " +
           std::to_string(conv[i].kernel) + ", \"stride\": " + std::to_string(conv[i].stride) +
           ", \"padding\": " + std::to_string(conv[i].padding) + "}";
  return out + "], ";
}

}  // namespace

std::int64_t PpoConfig::num_updates() const {
  return std::max<std::int64_t>(1, total_steps / batch_size());
}

std::int64_t DqnConfig::num_iterations() const {
  return std::max<std::int64_t>(1, total_steps / steps_per_iteration());
}

std::int64_t SacConfig::num_iterations() const {
  return std::max<std::int64_t>(1, total_steps / steps_per_iteration());
}

const RunConfig& run_config(const AgentConfig& c) {
  return std::visit([](const auto& x) -> const RunConfig& { return x; }, c);
}

namespace {

// "cpu", "cuda" or "cuda:<index>" (whether that device exists is checked when an agent is made).
bool valid_device_name(const std::string& d) {
  if (d == "cpu" || d == "cuda") return true;
  if (d.rfind("cuda:", 0) != 0 || d.size() == 5 || d.size() > 7) return false;
  return std::all_of(d.begin() + 5, d.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

void read_run(Section& root, RunConfig& c) {
  c.seed = static_cast<std::uint64_t>(root.integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max() / 2));
  c.total_steps = root.integer("total_steps", c.total_steps, 1, std::int64_t{1} << 50);
  c.target_return = root.optional_number("target_return", c.target_return, -kInf, kInf);
  c.device = root.string("device", c.device);
  if (!valid_device_name(c.device)) root.fail("device", "\"cpu\", \"cuda\" or \"cuda:<index>\"", "\"" + c.device + "\"");
  Section env = root.section("env");
  // No default env: a config that forgets it must not quietly train CartPole.
  c.env_id = env.required_string("id", "an env id (e.g. \"CartPole-v1\")");
  c.env_kwargs = env.object_text("kwargs", c.env_kwargs);
  c.num_envs = static_cast<int>(env.integer("num_envs", c.num_envs, 1, 1 << 20));
  c.num_threads = static_cast<int>(env.integer("num_threads", c.num_threads, 1, 1024));
  env.finish();
  Section ev = root.section("eval");
  c.eval_every_steps = ev.integer("every_steps", c.eval_every_steps, 1, std::int64_t{1} << 50);
  c.eval_episodes = static_cast<int>(ev.integer("episodes", c.eval_episodes, 1, 100000));
  ev.finish();
  Section video = root.section("video");
  c.video_every_evals = static_cast<int>(video.integer("every_evals", c.video_every_evals, 0, 1000000));
  c.video_format = video.string("format", c.video_format);
  if (c.video_format != "mp4" && c.video_format != "gif")
    video.fail("format", "\"mp4\" or \"gif\"", "\"" + c.video_format + "\"");
  video.finish();
}

std::string run_json(const RunConfig& c, const char* algo) {
  std::ostringstream o;
  o << "{\n  \"algo\": \"" << algo << "\",\n  \"seed\": " << c.seed << ",\n  \"total_steps\": " << c.total_steps
    << ",\n  \"target_return\": " << (c.target_return ? fmt(*c.target_return) : std::string("null"))
    << ",\n  \"device\": \"" << c.device << "\",\n"
    << "  \"env\": {\"id\": \"" << c.env_id << "\", \"kwargs\": " << c.env_kwargs
    << ", \"num_envs\": " << c.num_envs << ", \"num_threads\": " << c.num_threads << "},\n"
    << "  \"eval\": {\"every_steps\": " << c.eval_every_steps << ", \"episodes\": " << c.eval_episodes << "},\n"
    << "  \"video\": {\"every_evals\": " << c.video_every_evals << ", \"format\": \"" << c.video_format << "\"},\n";
  return o.str();
}

PpoConfig read_ppo(Section& root, const JsonObject& root_obj) {
  PpoConfig c;
  read_run(root, c);
  Section p = root.section("ppo");
  c.num_steps = static_cast<int>(p.integer("num_steps", c.num_steps, 1, kBig));
  c.gamma = p.number("gamma", c.gamma, 0.0, 1.0);
  c.gae_lambda = p.number("gae_lambda", c.gae_lambda, 0.0, 1.0);
  c.epochs = static_cast<int>(p.integer("epochs", c.epochs, 1, 10000));
  c.minibatches = static_cast<int>(p.integer("minibatches", c.minibatches, 1, kBig));
  c.clip_coef = p.number("clip_coef", c.clip_coef, 0.0, 10.0);
  c.clip_vloss = p.boolean("clip_vloss", c.clip_vloss);
  c.vf_coef = p.number("vf_coef", c.vf_coef, 0.0, 1e6);
  c.ent_coef = p.number("ent_coef", c.ent_coef, -1e6, 1e6);
  c.max_grad_norm = p.number("max_grad_norm", c.max_grad_norm, 0.0, kInf);
  c.lr = p.number("lr", c.lr, 0.0, 10.0);
  c.lr_end = p.number("lr_end", c.lr_end, 0.0, 10.0);
  c.anneal_lr = p.boolean("anneal_lr", c.anneal_lr);
  c.norm_adv = p.boolean("norm_adv", c.norm_adv);
  c.adam_eps = p.number("adam_eps", c.adam_eps, 1e-20, 1.0);
  c.target_kl = p.optional_number("target_kl", c.target_kl, 0.0, kInf);
  p.finish();
  if (c.batch_size() % c.minibatches != 0)
    throw ConfigError(root_obj.where() + ": key 'ppo.minibatches' must divide env.num_envs * ppo.num_steps = " +
                      std::to_string(c.batch_size()) + ", got " + std::to_string(c.minibatches));

  Section pol = root.section("policy");
  c.conv = read_conv(pol);
  c.hidden = pol.integers("hidden", c.hidden, 1, 1 << 16);
  c.activation = pol.choice("activation", c.activation, {"tanh", "relu"});
  c.ortho_init = pol.boolean("ortho_init", c.ortho_init);
  c.log_std_init = pol.number("log_std_init", c.log_std_init, -20.0, 5.0);
  pol.finish();

  Section n = root.section("normalize");
  c.norm_obs = n.boolean("observation", c.norm_obs);
  c.norm_reward = n.boolean("reward", c.norm_reward);
  c.clip_obs = n.number("clip_observation", c.clip_obs, 1e-6, kInf);
  c.clip_reward = n.number("clip_reward", c.clip_reward, 1e-6, kInf);
  // Per-pixel running statistics would turn a fixed 0..255 picture into noise around 0; image
  // inputs are scaled instead (sb3 likewise skips VecNormalize for images).
  if (c.norm_obs && !c.conv.empty())
    n.fail("observation", "false with a \"policy.conv\" torso (image observations are scaled by 1/255, not normalized)",
           "true");
  n.finish();
  return c;
}


// The off-policy keys DQN and SAC share (replay buffer, update schedule, discount), and their
// "network" section: one reader, so both validate them alike.
template <class C>
void read_replay_keys(Section& d, C& c) {
  c.buffer_size = d.integer("buffer_size", c.buffer_size, 1, std::int64_t{1} << 32);
  // Values that train nothing are refused: a batch larger than the buffer can never be drawn,
  // and learning that starts at or after the last step never happens.
  c.learning_starts = d.integer("learning_starts", c.learning_starts, 0, std::int64_t{1} << 50);
  c.batch_size = static_cast<int>(d.integer("batch_size", c.batch_size, 1, 1 << 20));
  if (c.learning_starts >= c.total_steps)
    d.fail("learning_starts", "below total_steps = " + std::to_string(c.total_steps) +
           " (learning would never start)", std::to_string(c.learning_starts));
  if (c.batch_size > c.buffer_size)
    d.fail("batch_size", "at most buffer_size = " + std::to_string(c.buffer_size) +
           " (a batch is drawn from the buffer)", std::to_string(c.batch_size));
  c.train_freq = static_cast<int>(d.integer("train_freq", c.train_freq, 1, kBig));
  c.gradient_steps = static_cast<int>(d.integer("gradient_steps", c.gradient_steps, 0, kBig));
  c.tau = d.number("tau", c.tau, 0.0, 1.0);
  c.gamma = d.number("gamma", c.gamma, 0.0, 1.0);
}

template <class C>
void read_network(Section& root, C& c) {
  Section n = root.section("network");
  if constexpr (requires { c.conv; }) c.conv = read_conv(n);
  c.hidden = n.integers("hidden", c.hidden, 1, 1 << 16);
  c.activation = n.choice("activation", c.activation, {"tanh", "relu"});
  n.finish();
}

DqnConfig read_dqn(Section& root) {
  DqnConfig c;
  c.num_envs = 4;
  read_run(root, c);
  Section d = root.section("dqn");
  read_replay_keys(d, c);
  c.target_update_interval = d.integer("target_update_interval", c.target_update_interval, 1, std::int64_t{1} << 50);
  c.double_dqn = d.boolean("double_dqn", c.double_dqn);
  c.loss = d.choice("loss", c.loss, {"huber", "mse"});
  c.lr = d.number("lr", c.lr, 1e-12, 10.0);
  c.max_grad_norm = d.number("max_grad_norm", c.max_grad_norm, 0.0, kInf);
  c.exploration_fraction = d.number("exploration_fraction", c.exploration_fraction, 0.0, 1.0);
  c.exploration_initial = d.number("exploration_initial", c.exploration_initial, 0.0, 1.0);
  c.exploration_final = d.number("exploration_final", c.exploration_final, 0.0, 1.0);
  d.finish();
  read_network(root, c);
  return c;
}

SacConfig read_sac(Section& root) {
  SacConfig c;
  c.num_envs = 1;
  read_run(root, c);
  Section d = root.section("sac");
  read_replay_keys(d, c);
  c.actor_lr = d.number("actor_lr", c.actor_lr, 1e-12, 10.0);
  c.critic_lr = d.number("critic_lr", c.critic_lr, 1e-12, 10.0);
  c.alpha_lr = d.number("alpha_lr", c.alpha_lr, 1e-12, 10.0);
  c.init_alpha = d.number("init_alpha", c.init_alpha, 1e-12, 1e6);
  c.auto_alpha = d.boolean("auto_alpha", c.auto_alpha);
  c.target_entropy = d.optional_number("target_entropy", c.target_entropy, -1e6, 1e6);
  c.log_std_min = d.number("log_std_min", c.log_std_min, -50.0, 10.0);
  c.log_std_max = d.number("log_std_max", c.log_std_max, -50.0, 10.0);
  c.noise_hold_steps = static_cast<int>(d.integer("noise_hold_steps", c.noise_hold_steps, 1, kBig));
  if (c.log_std_min >= c.log_std_max) d.fail("log_std_max", "greater than sac.log_std_min = " + fmt(c.log_std_min), fmt(c.log_std_max));
  d.finish();
  read_network(root, c);
  return c;
}

}  // namespace

AgentConfig config_from_json(const JsonObject& root_obj) {
  Section root(root_obj, "");
  const std::string algo = root.choice("algo", "ppo", {"ppo", "dqn", "sac"});
  AgentConfig out;
  if (algo == "dqn")
    out = read_dqn(root);
  else if (algo == "sac")
    out = read_sac(root);
  else
    out = read_ppo(root, root_obj);
  root.finish();
  return out;
}

PpoConfig ppo_config_from_json(const JsonObject& root_obj) {
  AgentConfig c = config_from_json(root_obj);
  if (!std::holds_alternative<PpoConfig>(c))
    throw ConfigError(root_obj.where() + ": key 'algo' must be \"ppo\" here");
  return std::get<PpoConfig>(c);
}

std::string to_json(const PpoConfig& c) {
  auto b = [](bool v) { return v ? "true" : "false"; };
  auto opt = [](const std::optional<double>& v) { return v ? fmt(*v) : std::string("null"); };
  std::string hidden;
  for (auto h : c.hidden) hidden += (hidden.empty() ? "" : ", ") + std::to_string(h);
  std::ostringstream o;
  o << run_json(c, "ppo")
    << "  \"ppo\": {\n    \"num_steps\": " << c.num_steps << ", \"gamma\": " << fmt(c.gamma)
    << ", \"gae_lambda\": " << fmt(c.gae_lambda) << ", \"epochs\": " << c.epochs
    << ", \"minibatches\": " << c.minibatches << ",\n    \"clip_coef\": " << fmt(c.clip_coef)
    << ", \"clip_vloss\": " << b(c.clip_vloss) << ", \"vf_coef\": " << fmt(c.vf_coef)
    << ", \"ent_coef\": " << fmt(c.ent_coef) << ", \"max_grad_norm\": " << fmt(c.max_grad_norm)
    << ",\n    \"lr\": " << fmt(c.lr) << ", \"lr_end\": " << fmt(c.lr_end) << ", \"anneal_lr\": " << b(c.anneal_lr)
    << ", \"norm_adv\": " << b(c.norm_adv) << ", \"adam_eps\": " << fmt(c.adam_eps)
    << ", \"target_kl\": " << opt(c.target_kl) << "\n  },\n"
    << "  \"policy\": {" << conv_json(c.conv) << "\"hidden\": [" << hidden << "], \"activation\": \"" << c.activation
    << "\", \"ortho_init\": " << b(c.ortho_init) << ", \"log_std_init\": " << fmt(c.log_std_init) << "},\n"
    << "  \"normalize\": {\"observation\": " << b(c.norm_obs) << ", \"reward\": " << b(c.norm_reward)
    << ", \"clip_observation\": " << fmt(c.clip_obs) << ", \"clip_reward\": " << fmt(c.clip_reward) << "}\n}\n";
  return o.str();
}

std::string to_json(const DqnConfig& c) {
  auto b = [](bool v) { return v ? "true" : "false"; };
  std::string hidden;
  for (auto h : c.hidden) hidden += (hidden.empty() ? "" : ", ") + std::to_string(h);
  std::ostringstream o;
  o << run_json(c, "dqn") << "  \"dqn\": {\n    \"buffer_size\": " << c.buffer_size
    << ", \"learning_starts\": " << c.learning_starts << ", \"batch_size\": " << c.batch_size
    << ", \"train_freq\": " << c.train_freq << ", \"gradient_steps\": " << c.gradient_steps
    << ",\n    \"target_update_interval\": " << c.target_update_interval << ", \"tau\": " << fmt(c.tau)
    << ", \"double_dqn\": " << b(c.double_dqn) << ", \"loss\": \"" << c.loss << "\", \"gamma\": " << fmt(c.gamma)
    << ",\n    \"lr\": " << fmt(c.lr) << ", \"max_grad_norm\": " << fmt(c.max_grad_norm)
    << ", \"exploration_fraction\": " << fmt(c.exploration_fraction)
    << ", \"exploration_initial\": " << fmt(c.exploration_initial)
    << ", \"exploration_final\": " << fmt(c.exploration_final) << "\n  },\n"
    << "  \"network\": {" << conv_json(c.conv) << "\"hidden\": [" << hidden << "], \"activation\": \"" << c.activation << "\"}\n}\n";
  return o.str();
}

std::string to_json(const SacConfig& c) {
  auto b = [](bool v) { return v ? "true" : "false"; };
  std::string hidden;
  for (auto h : c.hidden) hidden += (hidden.empty() ? "" : ", ") + std::to_string(h);
  std::ostringstream o;
  o << run_json(c, "sac") << "  \"sac\": {\n    \"buffer_size\": " << c.buffer_size
    << ", \"learning_starts\": " << c.learning_starts << ", \"batch_size\": " << c.batch_size
    << ", \"train_freq\": " << c.train_freq << ", \"gradient_steps\": " << c.gradient_steps
    << ",\n    \"tau\": " << fmt(c.tau) << ", \"gamma\": " << fmt(c.gamma) << ", \"actor_lr\": " << fmt(c.actor_lr)
    << ", \"critic_lr\": " << fmt(c.critic_lr) << ", \"alpha_lr\": " << fmt(c.alpha_lr)
    << ",\n    \"init_alpha\": " << fmt(c.init_alpha) << ", \"auto_alpha\": " << b(c.auto_alpha)
    << ", \"target_entropy\": " << (c.target_entropy ? fmt(*c.target_entropy) : std::string("null"))
    << ", \"log_std_min\": " << fmt(c.log_std_min) << ", \"log_std_max\": " << fmt(c.log_std_max)
    << ", \"noise_hold_steps\": " << c.noise_hold_steps << "\n  },\n"
    << "  \"network\": {\"hidden\": [" << hidden << "], \"activation\": \"" << c.activation << "\"}\n}\n";
  return o.str();
}

std::string to_json(const AgentConfig& c) {
  return std::visit([](const auto& x) { return to_json(x); }, c);
}

void set_json_path(JsonObject& root, std::string_view key_path, std::string_view value_json) {
  const auto dot = key_path.find('.');
  const std::string key(key_path.substr(0, dot));
  if (key.empty() || key.find_first_of("\"\\") != std::string::npos)
    throw ConfigError(root.where() + ": bad override key path '" + std::string(key_path) + "'");
  std::string value(value_json);
  if (dot != std::string_view::npos) {
    JsonObject sub = root.has(key) && root.type_of(key) == "object" ? root.get_object(key)
                                                                    : JsonObject::parse("{}", root.where());
    // get_object returns a view-path copy; re-parse so it can be merged into.
    JsonObject owned = JsonObject::parse(sub.dump(), root.where());
    set_json_path(owned, key_path.substr(dot + 1), value_json);
    value = owned.dump();
  }
  root.merge_from(JsonObject::parse("{\"" + key + "\": " + value + "}", root.where()));
}

AgentConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  JsonObject root = JsonObject::parse(ss.str(), path);
  for (const std::string& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(path + ": override '" + o + "' must look like key.path=value");
    std::string value = o.substr(eq + 1);
    // A value that is not one JSON value by itself (CartPole-v1) is taken as a string; so is
    // one that would smuggle in other keys (`1, "algo": "dqn"` parses inside {"v": ...} too).
    bool json_value = false;
    try {
      json_value = JsonObject::parse("{\"v\": " + value + "}", "override").keys().size() == 1;
    } catch (const ConfigError&) {
    }
    if (!json_value) {
      std::string quoted = "\"";
      for (char ch : value) {
        if (static_cast<unsigned char>(ch) < 0x20) {  // control characters are \u escapes in JSON
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned char>(ch));
          quoted += esc;
          continue;
        }
        if (ch == '"' || ch == '\\') quoted += '\\';
        quoted += ch;
      }
      value = quoted + "\"";
    }
    set_json_path(root, o.substr(0, eq), value);
  }
  return config_from_json(root);
}

PpoConfig load_ppo_config(const std::string& path, const std::vector<std::string>& overrides) {
  AgentConfig c = load_config(path, overrides);
  if (!std::holds_alternative<PpoConfig>(c)) throw ConfigError(path + ": key 'algo' must be \"ppo\" here");
  return std::get<PpoConfig>(c);
}

}  // namespace rlforge::agents
