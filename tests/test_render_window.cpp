// The `human` backend (render/window.hpp), run under Xvfb by CTest: what the window shows is the
// rasterizer's pixels with the overlay on top, its controls behave, keys reach it through the X
// server, it paces to fps, and without a display it refuses with UnsupportedRender.
#include <catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/frame.hpp"
#include "render/png.hpp"
#include "render/raster.hpp"
#include "render/window.hpp"

// Last: Xlib's macros (None, Bool) would break the headers above; its own `Window` type is why
// ours is always spelled render::Window here.
#include <X11/Xlib.h>
#include <X11/keysym.h>

using namespace rlforge;

// Failed colour checks print the colours.
template <>
struct Catch::StringMaker<Color> {
  static std::string convert(const Color& c) {
    return "rgb(" + std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ")";
  }
};

namespace {

constexpr Color kWhite{255, 255, 255, 255};
constexpr Color kBrown{139, 90, 43, 255};
constexpr Color kPole{202, 152, 101, 255};

// A CartPole-like picture: a brown cart and a pole on white, on the right half of the canvas
// (the overlay sits top-left).
void draw_cart(Frame& f, float cart_x = 440.0f) {
  f.begin(600, 400, kWhite);
  f.line({0.0f, 300.0f}, {600.0f, 300.0f}, Color{0, 0, 0, 255}, 1.0f);
  f.fill_rect({cart_x - 30.0f, 285.0f}, {cart_x + 30.0f, 315.0f}, kBrown);
  f.line({cart_x, 290.0f}, {cart_x + 20.0f, 190.0f}, kPole, 10.0f);
}

// Sets or clears an environment variable for one scope.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value) setenv(name, value, 1); else unsetenv(name);
  }
  ~EnvVar() { if (had_) setenv(name_, old_.c_str(), 1); else unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UnsupportedRender& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

// A key press and release sent to the window through the X server, as a user's would arrive.
void send_key(render::Window& w, KeySym sym) {
  Display* dpy = XOpenDisplay(nullptr);
  REQUIRE(dpy != nullptr);
  XEvent ev{};
  ev.xkey.display = dpy;
  ev.xkey.window = static_cast<::Window>(w.native_handle());
  ev.xkey.root = DefaultRootWindow(dpy);
  ev.xkey.same_screen = True;
  ev.xkey.keycode = XKeysymToKeycode(dpy, sym);
  ev.xkey.time = CurrentTime;
  ev.type = KeyPress;
  XSendEvent(dpy, ev.xkey.window, True, KeyPressMask, &ev);
  ev.type = KeyRelease;
  ev.xkey.time = 1;  // unlike the press's: SFML reads equal times as key repeat
  XSendEvent(dpy, ev.xkey.window, True, KeyReleaseMask, &ev);
  XFlush(dpy);
  XCloseDisplay(dpy);
}

// Polls until `done` holds for what poll() returns (events take a round trip through the server).
template <class Pred>
render::WindowCommands poll_until(render::Window& w, Pred done) {
  render::WindowCommands c = w.poll();
  for (int i = 0; i < 200 && !done(c); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    c = w.poll();
  }
  return c;
}

}  // namespace

TEST_CASE("without a display a Window throws UnsupportedRender that names --headless", "[window]") {
  {
    EnvVar unset("DISPLAY", nullptr);
    CHECK(render::display_problem() == "no display (DISPLAY is not set)");
    const std::string msg = message_of([] { render::Window w("t", 600, 400, 50.0); });
    CHECK(msg.find("DISPLAY is not set") != std::string::npos);
    CHECK(msg.find("--headless") != std::string::npos);
  }
  {
    // A display number nobody serves: XOpenDisplay fails (SFML would abort the process here).
    EnvVar nowhere("DISPLAY", ":4093");
    const std::string msg = message_of([] { render::Window w("t", 600, 400, 50.0); });
    CHECK(msg.find("cannot connect to the X server at DISPLAY=:4093") != std::string::npos);
    CHECK(msg.find("--headless") != std::string::npos);
  }
}

TEST_CASE("a Window refuses sizes and fps out of range", "[window]") {
  CHECK_THROWS_AS(render::Window("t", 0, 400, 50.0), InvalidArgument);
  CHECK_THROWS_AS(render::Window("t", 600, 20000, 50.0), InvalidArgument);
  CHECK_THROWS_AS(render::Window("t", 600, 400, 0.0), InvalidArgument);
  CHECK_THROWS_AS(render::Window("t", 600, 400, std::nan("")), InvalidArgument);
}

TEST_CASE("ReturnHistory keeps the last 100 returns, oldest first, as PlotLines reads a ring", "[window]") {
  render::ReturnHistory h;
  CHECK(h.empty());
  for (int i = 0; i < 30; ++i) h.push(i);
  CHECK(h.size() == 30);
  CHECK(h.offset() == 0);
  CHECK(h[0] == 0.0f);
  CHECK(h.last() == 29.0f);
  CHECK(h.mean() == Approx(14.5));
  for (int i = 30; i < 250; ++i) h.push(i);
  CHECK(h.size() == render::ReturnHistory::kCapacity);
  CHECK(h[0] == 150.0f);
  CHECK(h.last() == 249.0f);
  CHECK(h.data()[h.offset()] == 150.0f);  // PlotLines starts at data()[offset()]
  CHECK(h.mean() == Approx(199.5));
}

TEST_CASE("the window shows the rasterizer's pixels, with the overlay drawn over them", "[window]") {
  Frame frame;
  draw_cart(frame);
  const std::vector<std::uint8_t> expected = render::rasterize(frame);

  render::ReturnHistory returns;
  for (int i = 0; i < 40; ++i) returns.push(20.0 + 5.0 * std::sin(i * 0.3) + i);
  const float probs[] = {0.27f, 0.73f};
  const float obs[] = {0.02f, -0.31f, 0.04f, 0.55f};
  const std::string labels[] = {"cart position", "cart velocity", "pole angle", "pole velocity"};
  render::Overlay overlay;
  overlay.env_id = "CartPole-v1";
  overlay.episode = 41;
  overlay.step = 17;
  overlay.episode_return = 17.0;
  overlay.returns = &returns;
  overlay.policy = "ppo";
  overlay.action_probs = probs;
  overlay.chosen_action = 1;
  overlay.value = 31.5f;
  overlay.observation = obs;
  overlay.observation_labels = labels;

  render::Window w("test_render_window", 600, 400, 120.0);
  REQUIRE(w.is_open());
  REQUIRE_THROWS_AS(w.screenshot(), StateError);  // nothing shown yet
  for (int i = 0; i < 5; ++i) w.show(frame, overlay);
  const render::RgbImage shot = w.screenshot();
  REQUIRE(shot.width == 600);
  REQUIRE(shot.height == 400);
  REQUIRE(shot.rgb.size() == expected.size());

  const render::PixelRect ov = w.overlay_bounds();
  INFO("overlay at " << ov.x << "," << ov.y << " " << ov.width << "x" << ov.height);
  REQUIRE(ov.width > 100);
  REQUIRE(ov.height > 100);
  REQUIRE(!ov.contains(440, 300));  // the cart stays visible beside the overlay

  auto px = [&](const std::vector<std::uint8_t>& rgb, int x, int y) {
    const std::size_t i = (static_cast<std::size_t>(y) * 600 + x) * 3;
    return Color{rgb[i], rgb[i + 1], rgb[i + 2], 255};
  };
  CHECK(px(shot.rgb, 440, 300) == kBrown);  // the cart's middle
  CHECK(px(shot.rgb, 590, 20) == kWhite);   // background, away from everything

  // Outside the overlay, exactly the rasterizer's bytes; inside, mostly the overlay's own.
  long outside = 0, outside_diff = 0, inside = 0, inside_diff = 0;
  for (int y = 0; y < 400; ++y) {
    for (int x = 0; x < 600; ++x) {
      const bool differs = !(px(shot.rgb, x, y) == px(expected, x, y));
      if (ov.contains(x, y)) {
        ++inside;
        inside_diff += differs;
      } else {
        ++outside;
        outside_diff += differs;
      }
    }
  }
  CHECK(outside_diff == 0);
  CHECK(inside_diff > inside / 2);  // a dark, mostly opaque window over white
  // Its title bar and text: the overlay's top-left corner is not the frame's white.
  CHECK(!(px(shot.rgb, ov.x + 20, ov.y + 8) == kWhite));

  // Another picture shows at once (the texture is replaced, not kept).
  draw_cart(frame, 500.0f);
  w.show(frame, overlay);
  const render::RgbImage moved = w.screenshot();
  CHECK(px(moved.rgb, 500, 300) == kBrown);
  CHECK(px(moved.rgb, 420, 300) == px(render::rasterize(frame), 420, 300));

  if (const char* dir = std::getenv("RLFORGE_SCREENSHOT_DIR")) {
    render::write_png(std::string(dir) + "/test_render_window.png", shot.rgb.data(), shot.width,
                      shot.height, true);
  }
}

TEST_CASE("an overlay with NaN and infinite numbers (a diverged policy) still draws", "[window]") {
  Frame frame;
  draw_cart(frame);
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  const float q[] = {nan, inf, -inf, 1.0f, 2.0f};
  const float obs[] = {nan, inf, 0.5f};
  render::ReturnHistory returns;
  for (const double r : {1.0, static_cast<double>(inf), 3.0, static_cast<double>(nan), 2.0}) returns.push(r);
  render::Overlay overlay;
  overlay.env_id = "CartPole-v1";
  overlay.episode_return = inf;
  overlay.returns = &returns;
  overlay.q_values = q;
  overlay.chosen_action = 4;
  overlay.value = nan;
  overlay.observation = obs;
  render::Window w("test_render_window", 600, 400, 120.0);
  for (int i = 0; i < 3; ++i) w.show(frame, overlay);
  const render::RgbImage shot = w.screenshot();
  const render::PixelRect ov = w.overlay_bounds();
  CHECK(ov.height > 100);
  const std::size_t cart = (static_cast<std::size_t>(300) * 600 + 440) * 3;
  CHECK(Color{shot.rgb[cart], shot.rgb[cart + 1], shot.rgb[cart + 2], 255} == kBrown);
}

TEST_CASE("show_pixels takes the caller's RGB buffer and checks its size", "[window]") {
  render::Window w("test_render_window", 64, 48, 120.0);
  std::vector<std::uint8_t> rgb(64 * 48 * 3, 0);
  for (std::size_t i = 0; i < rgb.size(); i += 3) rgb[i] = 200;  // red
  CHECK_THROWS_AS(w.show_pixels(std::span(rgb).first(100), 64, 48), InvalidArgument);
  CHECK_THROWS_AS(w.show_pixels(rgb, 0, 48), InvalidArgument);
  Frame never_begun;
  CHECK_THROWS_AS(w.show(never_begun), InvalidArgument);
  w.show_pixels(rgb, 64, 48);
  const render::RgbImage shot = w.screenshot();
  // The overlay covers the top-left of so small a window; the bottom-right corner is the picture.
  const std::size_t i = (static_cast<std::size_t>(47) * 64 + 63) * 3;
  CHECK(shot.rgb[i] == 200);
  CHECK(shot.rgb[i + 1] == 0);
}

TEST_CASE("pause, single step, reset, speed and quit", "[window]") {
  Frame frame;
  draw_cart(frame);
  render::Window w("test_render_window", 600, 400, 120.0);
  w.show(frame);

  render::WindowCommands c = w.poll();
  CHECK(!c.paused);
  CHECK(c.advance());
  CHECK(c.speed == 1.0);

  w.control(render::Control::StepOnce);  // ignored while running
  CHECK(!w.poll().step_once);

  w.control(render::Control::TogglePause);
  c = w.poll();
  CHECK(c.paused);
  CHECK(!c.advance());
  w.show(frame);
  CHECK(!w.poll().advance());  // still paused after a show

  w.control(render::Control::StepOnce);
  c = w.poll();
  CHECK(c.step_once);
  CHECK(c.advance());
  c = w.poll();  // handed out once
  CHECK(!c.step_once);
  CHECK(!c.advance());

  w.control(render::Control::Reset);
  c = w.poll();
  CHECK(c.reset);
  CHECK(!c.advance());  // reset instead of a step
  CHECK(!w.poll().reset);

  w.control(render::Control::TogglePause);
  CHECK(w.poll().advance());

  w.set_speed(100.0);
  CHECK(w.poll().speed == render::WindowCommands::kMaxSpeed);
  w.set_speed(0.0);
  CHECK(w.poll().speed == render::WindowCommands::kMinSpeed);
  CHECK_THROWS_AS(w.set_speed(std::nan("")), InvalidArgument);

  w.control(render::Control::Quit);
  c = w.poll();
  CHECK(c.quit);
  CHECK(!c.advance());
  CHECK(!w.is_open());
  w.show(frame);  // a no-op once closed
  CHECK(w.poll().quit);
  CHECK_THROWS_AS(w.screenshot(), StateError);
}

TEST_CASE("Space, Right, R and Esc reach the window through the X server", "[window]") {
  Frame frame;
  draw_cart(frame);
  render::Window w("test_render_window", 600, 400, 120.0);
  w.show(frame);
  REQUIRE(!w.poll().paused);

  send_key(w, XK_space);
  CHECK(poll_until(w, [](const auto& c) { return c.paused; }).paused);
  send_key(w, XK_Right);
  CHECK(poll_until(w, [](const auto& c) { return c.step_once; }).step_once);
  send_key(w, XK_r);
  CHECK(poll_until(w, [](const auto& c) { return c.reset; }).reset);
  send_key(w, XK_space);
  CHECK(!poll_until(w, [](const auto& c) { return !c.paused; }).paused);
  send_key(w, XK_Escape);
  CHECK(poll_until(w, [](const auto& c) { return c.quit; }).quit);
  CHECK(!w.is_open());
}

TEST_CASE("a resized window shows the picture re-rasterized to fit, aspect kept, centred", "[window]") {
  Frame frame;
  draw_cart(frame);
  render::Window w("test_render_window", 600, 400, 120.0);
  w.show(frame);
  {
    // As a user's drag would (Xvfb has no window manager, so the server resizes it directly).
    Display* dpy = XOpenDisplay(nullptr);
    REQUIRE(dpy != nullptr);
    XResizeWindow(dpy, static_cast<::Window>(w.native_handle()), 900, 800);
    XFlush(dpy);
    XCloseDisplay(dpy);
  }
  for (int i = 0; i < 200 && w.width() != 900; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    w.poll();
  }
  REQUIRE(w.width() == 900);
  REQUIRE(w.height() == 800);
  w.show(frame);
  const render::RgbImage shot = w.screenshot();
  REQUIRE(shot.width == 900);
  REQUIRE(shot.height == 800);
  // 600x400 scaled 1.5x to 900x600, centred: rows 100 .. 700; the cart's middle (440, 300) lands
  // at (660, 550), and the bands above and below are the frame's background.
  const std::vector<std::uint8_t> expected = render::rasterize(frame, 900, 600);
  auto at = [](const std::vector<std::uint8_t>& rgb, int width, int x, int y) {
    const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
    return Color{rgb[i], rgb[i + 1], rgb[i + 2], 255};
  };
  CHECK(at(shot.rgb, 900, 660, 550) == kBrown);
  CHECK(at(shot.rgb, 900, 880, 50) == kWhite);
  CHECK(at(shot.rgb, 900, 880, 780) == kWhite);
  const render::PixelRect ov = w.overlay_bounds();
  long diff = 0;
  for (int y = 100; y < 700; ++y) {
    for (int x = 0; x < 900; ++x) {
      if (!ov.contains(x, y)) diff += !(at(shot.rgb, 900, x, y) == at(expected, 900, x, y - 100));
    }
  }
  CHECK(diff == 0);
}

TEST_CASE("show() paces frames to fps x speed", "[window]") {
  Frame frame;
  draw_cart(frame);
  render::Window w("test_render_window", 600, 400, 20.0);  // 50 ms a frame
  using Clock = std::chrono::steady_clock;
  auto seconds_for = [&](int frames) {
    const auto t0 = Clock::now();
    for (int i = 0; i < frames; ++i) w.show(frame);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  seconds_for(1);  // the first show only sets the first deadline
  // Lower bounds only: a loaded machine makes frames late, never early.
  CHECK(seconds_for(6) >= 6 * 0.050 - 0.005);
  w.set_speed(2.0);
  CHECK(seconds_for(6) >= 6 * 0.025 - 0.005);
  w.set_speed(8.0);
  const double fast = seconds_for(6);
  CHECK(fast >= 6 * 0.00625 - 0.003);
  CHECK(fast < 6 * 0.050);  // faster than at 1x (one frame here costs a few ms)
}
