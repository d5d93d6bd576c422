// Conv torsos in the agents: the image input step, gradients against finite differences, config
// errors, PPO and DQN learning a small picture task, and checkpoint round trips with conv layers.
#include <catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "agents/config.hpp"
#include "agents/dqn.hpp"
#include "agents/episode_player.hpp"
#include "agents/network.hpp"
#include "agents/ppo.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "tensor/autograd/grad_mode.hpp"
#include "tensor/ops.hpp"

using namespace rlforge;
using namespace rlforge::agents;
namespace T = rlforge::tensor;
using Catch::Matchers::Contains;

namespace {

// One bright pixel (255) on an 8x8x1 uint8 picture, in the left or the right half; action 0 =
// left, 1 = right; reward 1 for the side the pixel is on. Every step ends the episode, so an
// episode's return is 1 for a right choice: a mean return above 0.9 means the side is read.
class BrightSideEnv : public Env {
 public:
  explicit BrightSideEnv(const JsonObject&)
      : Env(Space::box(0.0, 255.0, Shape{8, 8, 1}, DType::uint8), Space::discrete(2)) {}
  std::vector<double> get_state() const override { return {static_cast<double>(pos_)}; }
  void set_state(std::span<const double> s) override { pos_ = static_cast<int>(s[0]); }

 protected:
  void do_reset(Rng& rng, const JsonObject*, std::span<std::byte> obs, Info&) override { draw(rng, obs); }
  StepResult do_step(const void* action, std::span<std::byte> obs, Info&) override {
    const std::int64_t a = *static_cast<const std::int64_t*>(action);
    const double reward = a == ((pos_ % 8) >= 4 ? 1 : 0) ? 1.0 : 0.0;
    draw(rng(), obs);
    return {reward, true, false};
  }

 private:
  void draw(Rng& rng, std::span<std::byte> obs) {
    pos_ = static_cast<int>(rng.below(64));
    std::memset(obs.data(), 0, obs.size());
    obs[static_cast<std::size_t>(pos_)] = std::byte{255};
  }
  int pos_ = 0;
};

// The same picture with a Box action in [-1, 1]: its sign chooses the side (PPO's Gaussian head).
class BrightSideBoxEnv : public Env {
 public:
  explicit BrightSideBoxEnv(const JsonObject&)
      : Env(Space::box(0.0, 255.0, Shape{8, 8, 1}, DType::uint8), Space::box(-1.0, 1.0, Shape{1})) {}

 protected:
  void do_reset(Rng& rng, const JsonObject*, std::span<std::byte> obs, Info&) override { draw(rng, obs); }
  StepResult do_step(const void* action, std::span<std::byte> obs, Info&) override {
    const bool right = *static_cast<const float*>(action) > 0.0f;
    const double reward = right == ((pos_ % 8) >= 4) ? 1.0 : 0.0;
    draw(rng(), obs);
    return {reward, true, false};
  }

 private:
  void draw(Rng& rng, std::span<std::byte> obs) {
    pos_ = static_cast<int>(rng.below(64));
    std::memset(obs.data(), 0, obs.size());
    obs[static_cast<std::size_t>(pos_)] = std::byte{255};
  }
  int pos_ = 0;
};

RLFORGE_REGISTER_ENV(BrightSideEnv, {.id = "TestBrightSide-v0", .max_episode_steps = 10, .exposes_state = true});
RLFORGE_REGISTER_ENV(BrightSideBoxEnv, {.id = "TestBrightSideBox-v0", .max_episode_steps = 10});

JsonObject json(const std::string& text) { return JsonObject::parse(text, "conv.json"); }

const char* kPpoConv = R"({"algo": "ppo", "seed": 3, "total_steps": 6144,
  "env": {"id": "TestBrightSide-v0", "num_envs": 8},
  "ppo": {"num_steps": 16, "epochs": 4, "minibatches": 4, "lr": 0.002, "anneal_lr": false, "ent_coef": 0.0},
  "policy": {"conv": [{"channels": 8, "kernel": 3}], "hidden": [32], "activation": "relu"}})";

const char* kDqnConv = R"({"algo": "dqn", "seed": 5, "total_steps": 6000,
  "env": {"id": "TestBrightSide-v0", "num_envs": 4},
  "dqn": {"buffer_size": 5000, "learning_starts": 256, "batch_size": 32, "target_update_interval": 200,
          "lr": 0.001, "exploration_fraction": 0.3, "exploration_final": 0.02},
  "network": {"conv": [{"channels": 8, "kernel": 3}], "hidden": [32]}})";

}  // namespace

TEST_CASE("ImageInput: channels-last rows become [N, C, H, W] times the scale") {
  const ImageInput in{2, 3, 4, 0.5};
  std::vector<float> x(2 * 2 * 3 * 4);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  const T::Tensor y = in.forward(T::Tensor::from_data(std::span<const float>(x), {2, 24}));
  REQUIRE(y.shape() == Shape{2, 4, 2, 3});
  const auto v = y.to_vector<float>();
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 4; ++c)
      for (int h = 0; h < 2; ++h)
        for (int w = 0; w < 3; ++w)
          CHECK(v[static_cast<std::size_t>(((n * 4 + c) * 2 + h) * 3 + w)] ==
                0.5f * x[static_cast<std::size_t>(((n * 2 + h) * 3 + w) * 4 + c)]);
}

TEST_CASE("conv torso gradients match central finite differences (float64)") {
  // A uint8 image space, so the 1/255 scale is inside the checked function; two conv layers
  // (stride 2 with padding, then stride 1), flatten, one hidden layer, 3 outputs.
  const Space obs = Space::box(0.0, 255.0, Shape{7, 6, 2}, DType::uint8);
  Rng gen(11);
  T::nn::MlpOptions o;
  o.dtype = DType::float64;
  const std::vector<ConvLayerConfig> conv = {{4, 3, 2, 1}, {3, 2, 1, 0}};
  const Network net = build_network(obs, conv, "policy.conv", {5}, 3, "tanh", gen, o);
  REQUIRE(net.image.has_value());
  CHECK(net.image->scale == Approx(1.0 / 255.0));
  // A 0/1 grid (MinAtar's kind) and an int8 picture are fed as they are.
  Rng g2(1);
  CHECK(build_network(Space::box(0.0, 1.0, Shape{10, 10, 4}, DType::uint8), {{16, 3, 1, 0}}, "network.conv", {128}, 6,
                      "relu", g2).image->scale == 1.0);
  CHECK(build_network(Space::box(-128.0, 127.0, Shape{4, 4, 1}, DType::int8), {{2, 3, 1, 0}}, "network.conv", {8}, 2,
                      "relu", g2).image->scale == 1.0);
  const T::Tensor x = T::Tensor::rand({2, 7 * 6 * 2}, gen, 0.0, 255.0, DType::float64);
  const T::Tensor r = T::Tensor::randn({2, 3}, gen, DType::float64);
  auto f = [&] { return T::sum(net.forward(x) * r); };
  const std::vector<T::Tensor> params = net.parameters();
  REQUIRE(params.size() == 8);  // 2 conv + 1 hidden + 1 output layer, weight and bias each
  for (T::Tensor p : params) p.zero_grad();
  f().backward();
  for (std::size_t k = 0; k < params.size(); ++k) {
    T::Tensor p = params[k];
    const std::vector<double> analytic = p.grad().to_vector<double>();
    double* d = p.data<double>();
    T::NoGradGuard ng;
    for (std::int64_t i = 0; i < p.numel(); ++i) {
      const double keep = d[i];
      d[i] = keep + 1e-6;
      const double up = f().item();
      d[i] = keep - 1e-6;
      const double down = f().item();
      d[i] = keep;
      INFO("parameter " << net.parameter_names()[k] << " element " << i);
      CHECK(analytic[static_cast<std::size_t>(i)] == Approx((up - down) / 2e-6).margin(1e-7).epsilon(1e-5));
    }
  }
}

TEST_CASE("conv config: read, written back, and errors naming the file, the key and what was expected") {
  const PpoConfig c = std::get<PpoConfig>(config_from_json(json(kPpoConv)));
  REQUIRE(c.conv.size() == 1);
  CHECK(c.conv[0] == ConvLayerConfig{8, 3, 1, 0});
  CHECK(std::get<PpoConfig>(config_from_json(json(to_json(c)))).conv == c.conv);
  const DqnConfig d = std::get<DqnConfig>(config_from_json(json(kDqnConv)));
  CHECK(std::get<DqnConfig>(config_from_json(json(to_json(d)))).conv == d.conv);
  // An MLP config's resolved JSON has no conv key (old run folders compare equal).
  CHECK(to_json(PpoConfig{}).find("conv") == std::string::npos);

  auto ppo_with = [](const std::string& policy) {
    return json(R"({"env": {"id": "TestBrightSide-v0"}, "policy": )" + policy + "}");
  };
  CHECK_THROWS_WITH(config_from_json(ppo_with(R"({"conv": 3})")),
                    Contains("conv.json") && Contains("'policy.conv' must be an array of objects"));
  CHECK_THROWS_WITH(config_from_json(ppo_with(R"({"conv": [3]})")), Contains("'policy.conv[0]' must be an object"));
  CHECK_THROWS_WITH(config_from_json(ppo_with(R"({"conv": [{"chanels": 8}]})")),
                    Contains("unknown key 'policy.conv[0].chanels'"));
  CHECK_THROWS_WITH(config_from_json(ppo_with(R"({"conv": [{"channels": 8}, {"channels": 0}]})")),
                    Contains("'policy.conv[1].channels' must be an integer in [1, 65536], got 0"));
  CHECK_THROWS_WITH(config_from_json(ppo_with(R"({"conv": [{"kernel": 2.5}]})")),
                    Contains("policy.conv[0].kernel") && Contains("integer"));
  CHECK_THROWS_WITH(config_from_json(ppo_with(R"({"conv": [{"stride": 0}]})")), Contains("'policy.conv[0].stride'"));
  CHECK_THROWS_WITH(config_from_json(ppo_with(R"({"conv": [{"padding": -1}]})")), Contains("'policy.conv[0].padding'"));
  CHECK_THROWS_WITH(config_from_json(json(R"({"env": {"id": "TestBrightSide-v0"}, "policy": {"conv": [{}]},
                                              "normalize": {"observation": true}})")),
                    Contains("'normalize.observation' must be false with a \"policy.conv\" torso"));
  CHECK_THROWS_WITH(config_from_json(json(R"({"algo": "dqn", "env": {"id": "TestBrightSide-v0"},
                                              "network": {"conv": [{"channels": -2}]}})")),
                    Contains("'network.conv[0].channels'"));
  // SAC has no conv torso: the key is unknown there.
  CHECK_THROWS_WITH(config_from_json(json(R"({"algo": "sac", "env": {"id": "Pendulum-v1"},
                                              "network": {"conv": []}})")),
                    Contains("unknown key 'network.conv'"));
}

TEST_CASE("a conv torso on a non-image observation, or one that does not fit, is a ConfigError naming the key") {
  auto with_env = [](const char* base, const std::string& env, const std::string& extra = "") {
    JsonObject j = json(base);
    set_json_path(j, "env.id", "\"" + env + "\"");
    if (!extra.empty()) set_json_path(j, "policy.conv", extra);
    return j;
  };
  CHECK_THROWS_WITH(Ppo(std::get<PpoConfig>(config_from_json(with_env(kPpoConv, "CartPole-v1")))),
                    Contains("'policy.conv'") && Contains("(4,)"));
  CHECK_THROWS_WITH(Dqn(std::get<DqnConfig>(config_from_json(with_env(kDqnConv, "CartPole-v1")))),
                    Contains("'network.conv'") && Contains("(4,)"));
  CHECK_THROWS_WITH(Ppo(std::get<PpoConfig>(config_from_json(
                        with_env(kPpoConv, "TestBrightSide-v0", R"([{"channels": 4, "kernel": 5}, {"kernel": 5}])")))),
                    Contains("'policy.conv[1]'") && Contains("does not fit its input 4x4") && Contains("(8, 8, 1)"));
  // An image observation without a torso: the MLP refuses it and names the key to set.
  JsonObject mlp = json(kPpoConv);
  set_json_path(mlp, "policy.conv", "[]");
  CHECK_THROWS_WITH(Ppo(std::get<PpoConfig>(config_from_json(mlp))), Contains("'policy.conv'") && Contains("uint8"));
}

TEST_CASE("PPO with a conv torso learns which half of the picture is lit") {
  Ppo ppo(std::get<PpoConfig>(config_from_json(json(kPpoConv))));
  CHECK(ppo.evaluate(100, 77).mean < 0.75);  // untrained: about one side in two
  for (std::int64_t u = 0; u < ppo.num_updates(); ++u) ppo.update();
  const EvalResult r = ppo.evaluate(100, 77);
  INFO("mean return " << r.mean << " after " << ppo.global_step() << " steps");
  CHECK(r.mean > 0.9);
}

TEST_CASE("PPO with a conv torso and a Box action (Gaussian head) learns the side too") {
  JsonObject j = json(kPpoConv);
  set_json_path(j, "env.id", "\"TestBrightSideBox-v0\"");
  Ppo ppo(std::get<PpoConfig>(config_from_json(j)));
  REQUIRE_FALSE(ppo.is_discrete());
  for (std::int64_t u = 0; u < ppo.num_updates(); ++u) ppo.update();
  const EvalResult r = ppo.evaluate(100, 77);
  INFO("mean return " << r.mean << " after " << ppo.global_step() << " steps");
  CHECK(r.mean > 0.9);
}

TEST_CASE("a trained conv policy plays through EpisodePlayer (rlforge watch, videos) as its evaluation scores") {
  Ppo ppo(std::get<PpoConfig>(config_from_json(json(kPpoConv))));
  for (std::int64_t u = 0; u < ppo.num_updates(); ++u) ppo.update();
  EpisodePlayer player(make("TestBrightSide-v0"), act_fn(ppo), readout_fn(ppo), 9);
  double total = 0;
  for (int e = 0; e < 50; ++e) {
    player.reset();
    while (!player.step()) {
    }
    total += player.episode_return();
  }
  CHECK(total / 50 > 0.9);
  const PolicyReadout* r = player.readout();
  REQUIRE(r != nullptr);
  CHECK(r->kind == PolicyReadout::Kind::Probabilities);
  CHECK(r->values.size() == 2);
}

TEST_CASE("DQN with a conv torso learns which half of the picture is lit") {
  Dqn dqn(std::get<DqnConfig>(config_from_json(json(kDqnConv))));
  CHECK(dqn.evaluate(100, 77).mean < 0.75);
  for (std::int64_t u = 0; u < dqn.num_updates(); ++u) dqn.update();
  const EvalResult r = dqn.evaluate(100, 77);
  INFO("mean return " << r.mean << " after " << dqn.global_step() << " steps");
  CHECK(r.mean > 0.9);
}

TEST_CASE("conv agents give the same parameters for 1 and 3 env threads") {
  auto params = [](auto& agent) {
    std::vector<float> all;
    for (const auto& t : agent.named_parameters()) {
      const auto v = t.value.template to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  JsonObject p1 = json(kPpoConv), p3 = json(kPpoConv);
  set_json_path(p3, "env.num_threads", "3");
  Ppo a(std::get<PpoConfig>(config_from_json(p1))), b(std::get<PpoConfig>(config_from_json(p3)));
  for (int i = 0; i < 3; ++i) a.update(), b.update();
  CHECK(params(a) == params(b));
  JsonObject d1 = json(kDqnConv), d3 = json(kDqnConv);
  set_json_path(d1, "dqn.learning_starts", "64");
  set_json_path(d3, "dqn.learning_starts", "64");
  set_json_path(d3, "env.num_threads", "3");
  Dqn c(std::get<DqnConfig>(config_from_json(d1))), d(std::get<DqnConfig>(config_from_json(d3)));
  for (int i = 0; i < 40; ++i) c.update(), d.update();
  CHECK(params(c) == params(d));
}

TEST_CASE("conv checkpoints round trip exactly and act identically; MLP parameter names are unchanged") {
  std::vector<float> probe(16 * 64, 0.0f);  // 16 pictures, pixel k lit in picture k (raw 0..255 values)
  for (int k = 0; k < 16; ++k) probe[static_cast<std::size_t>(k * 64 + k * 4)] = 255.0f;
  SECTION("PPO") {
    PpoConfig cfg = std::get<PpoConfig>(config_from_json(json(kPpoConv)));
    Ppo a(cfg);
    a.update();
    a.update();
    const std::string blob = a.save_state();
    Ppo b(cfg);
    b.load_state(blob);
    CHECK(b.save_state() == blob);
    std::vector<std::int64_t> da(16), db(16);
    a.act(probe, 16, da, {});
    b.act(probe, 16, db, {});
    CHECK(da == db);
    a.update();
    b.update();
    CHECK(a.save_state() == b.save_state());  // resume continues exactly
    const auto names = a.named_parameters();
    CHECK(names.front().name == "actor.0.weight");
    CHECK(names.front().value.shape() == Shape{8, 1, 3, 3});
  }
  SECTION("DQN") {
    DqnConfig cfg = std::get<DqnConfig>(config_from_json(json(kDqnConv)));
    cfg.learning_starts = 64;
    Dqn a(cfg);
    for (int i = 0; i < 40; ++i) a.update();
    const std::string blob = a.save_state();
    Dqn b(cfg);
    b.load_state(blob);
    CHECK(b.save_state() == blob);
    std::vector<std::int64_t> da(16), db(16);
    a.act(probe, 16, da);
    b.act(probe, 16, db);
    CHECK(da == db);
    a.update();
    b.update();
    CHECK(a.save_state() == b.save_state());
  }
  SECTION("an MLP agent's parameter names are those of earlier checkpoints") {
    Ppo p(std::get<PpoConfig>(config_from_json(json(R"({"env": {"id": "CartPole-v1"}})"))));
    std::vector<std::string> names;
    for (const auto& t : p.named_parameters()) names.push_back(t.name);
    CHECK(names == std::vector<std::string>{"actor.0.weight", "actor.0.bias", "actor.2.weight", "actor.2.bias",
                                            "actor.4.weight", "actor.4.bias", "critic.0.weight", "critic.0.bias",
                                            "critic.2.weight", "critic.2.bias", "critic.4.weight", "critic.4.bias"});
  }
}
