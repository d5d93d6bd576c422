// render_frame: one env's picture (draw + the CPU rasterizer) as a PNG, for
// tests/python/test_render_pictures.py and the README's docs/images/.
//
//   render_frame ENV_ID OUT.png [--state v1,v2,...] [--action a1,a2,...]
//
// The env is made with default kwargs and reset with seed 0. --state sets get_state()'s values
// (set_state). --action steps once with that action from the state and then sets the state
// back, so the picture shows the given state together with the env's memory of its last action
// (Pendulum's torque arrow, gymnasium's `last_u`) — the public Env API, nothing env-specific.
// The canvas is the env's nominal size. OUT.png is overwritten.
// Errors (a bad argument, named; an env that cannot draw) go to stderr; exit status 2 for usage,
// 1 for anything else.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/registry.hpp"
#include "render/png.hpp"
#include "render/raster.hpp"

namespace {

constexpr const char* kUsage =
    "usage: render_frame ENV_ID OUT.png [--state v1,v2,...] [--action a1,a2,...]\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "0.1,-2,3e-2" -> numbers; the message names the option and the piece that is not a number.
std::vector<double> parse_numbers(const std::string& option, const std::string& text) {
  std::vector<double> out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(',', begin);
    const std::string piece = text.substr(begin, end == std::string::npos ? end : end - begin);
    char* stop = nullptr;
    const double v = std::strtod(piece.c_str(), &stop);
    if (piece.empty() || *stop != '\0')
      throw UsageError(option + ": '" + piece + "' in '" + text + "' is not a number");
    out.push_back(v);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return out;
}

int run(int argc, char** argv) {
  std::vector<std::string> positional;
  std::vector<double> state, action;
  std::string action_text;
  bool has_state = false, has_action = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--state" || a == "--action") {
      if (i + 1 >= argc) throw UsageError(a + " needs a value (comma-separated numbers)");
      const std::string value = argv[++i];
      (a == "--state" ? state : action) = parse_numbers(a, value);
      (a == "--state" ? has_state : has_action) = true;
      if (a == "--action") action_text = value;
    } else if (a.starts_with("--")) {
      throw UsageError("unknown option '" + a + "'");
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2)
    throw UsageError("expected ENV_ID and OUT.png, got " + std::to_string(positional.size()) +
                     " positional arguments");
  const std::string& id = positional[0];
  const std::string& out = positional[1];

  auto env = rlforge::make(id);
  if (!env->renders()) throw rlforge::UnsupportedRender(id + " does not render (renders() is false)");
  std::vector<std::byte> obs(env->observation_space().nbytes());
  rlforge::Info info;
  env->reset(0, std::span<std::byte>(obs), info);
  if (has_state) env->set_state(state);
  if (has_action) {
    const rlforge::Space& space = env->action_space();
    const std::vector<double> keep = env->get_state();
    if (space.kind() == rlforge::Space::Kind::Discrete) {
      if (action.size() != 1 || action[0] != static_cast<double>(static_cast<std::int64_t>(action[0])))
        throw UsageError("--action: " + id + " takes one integer action (" + space.repr() +
                         "), got '" + action_text + "'");
      const auto a = static_cast<std::int64_t>(action[0]);
      env->step(rlforge::scalar_view(a), std::span<std::byte>(obs), info);
    } else {
      std::vector<float> a(action.begin(), action.end());
      env->step(rlforge::array_view(a.data(), static_cast<std::int64_t>(a.size())),
                std::span<std::byte>(obs), info);
    }
    env->set_state(keep);
  }

  rlforge::Frame frame;
  env->draw(frame);
  const std::vector<std::uint8_t> rgb = rlforge::render::rasterize(frame);
  rlforge::render::write_png(out, rgb.data(), frame.width(), frame.height(), /*overwrite=*/true);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "render_frame: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "render_frame: %s\n", e.what());
    return 1;
  }
}
