// Window: the SFML window with the rasterizer's picture and the ImGui overlay; see window.hpp.
#include "render/window.hpp"

#include <SFML/Graphics/RenderWindow.hpp>
#include <SFML/Graphics/Sprite.hpp>
#include <SFML/Graphics/Texture.hpp>
#include <SFML/OpenGL.hpp>
#include <SFML/Window/Event.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "render/imgui_sfml.hpp"
#include "render/raster.hpp"

// Last: Xlib's macros (None, Bool, Status) would break SFML's and our headers.
#include <X11/Xlib.h>

namespace rlforge::render {
namespace {

using Clock = std::chrono::steady_clock;
// The overlay stays live at this rate while show() waits out a slow frame (0.1x speed) and while
// paused, so the slider and buttons answer promptly whatever the env's fps.
constexpr auto kUiPeriod = std::chrono::microseconds(1'000'000 / 60);
constexpr int kMaxSide = 16384;

// The largest width x height of the canvas's aspect that fits the window, centred.
struct Fit {
  int x, y, width, height;
};
Fit fit(int canvas_w, int canvas_h, unsigned window_w, unsigned window_h) {
  const double s = std::min(static_cast<double>(window_w) / canvas_w, static_cast<double>(window_h) / canvas_h);
  const int w = std::max(1, static_cast<int>(std::lround(canvas_w * s)));
  const int h = std::max(1, static_cast<int>(std::lround(canvas_h * s)));
  return {(static_cast<int>(window_w) - w) / 2, (static_cast<int>(window_h) - h) / 2, w, h};
}

// An Xlib connection, held while SFML opens its own. An X server resets when its last client
// disconnects (Xvfb does by default), and an XOpenDisplay during that reset fails — which SFML
// answers with abort(). Holding our connection until SFML holds one keeps the server from
// resetting between our check and SFML's open; and a connect that lands in a reset (the last
// window just closed) is retried briefly before we call the display missing.
struct DisplayProbe {
  Display* x = nullptr;
  std::string problem;

  DisplayProbe() {
    const char* name = std::getenv("DISPLAY");
    if (name == nullptr || *name == '\0') {
      problem = "no display (DISPLAY is not set)";
      return;
    }
    for (int attempt = 0; attempt < 5 && x == nullptr; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      x = XOpenDisplay(nullptr);
    }
    if (x == nullptr) {
      problem = std::string("no display (cannot connect to the X server at DISPLAY=") + name + ")";
    }
  }
  ~DisplayProbe() {
    if (x != nullptr) XCloseDisplay(x);
  }
  DisplayProbe(const DisplayProbe&) = delete;
  DisplayProbe& operator=(const DisplayProbe&) = delete;
};

}  // namespace

std::string display_problem() { return DisplayProbe().problem; }

struct Window::Impl {
  sf::RenderWindow window;
  std::optional<ImGuiSfml> imgui;  // made after the window's GL context, dropped before it
  Rasterizer raster;
  std::vector<std::uint8_t> rgb;   // the picture at its size in the window (H x W x 3)
  std::vector<std::uint8_t> rgba;  // the same for the texture (SFML uploads RGBA only)
  sf::Texture texture;
  sf::Sprite sprite;
  sf::Color around = sf::Color::Black;  // the window outside the picture
  double fps = 30.0;
  WindowCommands commands;
  sf::Clock ui_clock;  // ImGui's delta time
  std::optional<Clock::time_point> due;  // when the current show() may return
  PixelRect overlay_rect;
  int panel = 0;  // pixels on the right kept for the overlay (0: it floats over the picture)
  bool shown = false;

  bool open() const { return window.isOpen() && !commands.quit; }

  void close() {
    commands.quit = true;
    imgui.reset();  // its GL objects go while the window's context still exists
    if (window.isOpen()) window.close();
  }

  void apply(Control c) {
    switch (c) {
      case Control::TogglePause: commands.paused = !commands.paused; break;
      case Control::StepOnce: if (commands.paused) commands.step_once = true; break;
      case Control::Reset: commands.reset = true; break;
      case Control::Quit: close(); break;
    }
  }

  void pump() {
    if (!open()) return;
    sf::Event e;
    while (window.pollEvent(e)) {
      imgui->process_event(e);
      if (e.type == sf::Event::Closed) {
        close();
        return;
      }
      if (e.type == sf::Event::Resized) {
        // One view unit per pixel at the new size, so the picture is re-fitted, not stretched.
        window.setView(sf::View(sf::FloatRect(0.0f, 0.0f, static_cast<float>(e.size.width),
                                              static_cast<float>(e.size.height))));
      }
      // Shortcuts stay off while ImGui edits text (Ctrl+click on the speed slider).
      if (e.type == sf::Event::KeyPressed && !imgui->wants_keyboard()) {
        switch (e.key.code) {
          case sf::Keyboard::Space: apply(Control::TogglePause); break;
          case sf::Keyboard::Right: apply(Control::StepOnce); break;
          case sf::Keyboard::R: apply(Control::Reset); break;
          case sf::Keyboard::Escape: apply(Control::Quit); return;
          default: break;
        }
      }
    }
  }

  // The picture, fitted to the window as it is now, and the overlay over it.
  void draw_scene() {
    const sf::Vector2u size = window.getSize();
    const sf::Vector2u tex = texture.getSize();
    const unsigned picture_w = size.x > static_cast<unsigned>(panel) ? size.x - static_cast<unsigned>(panel) : 1u;
    const Fit f = fit(static_cast<int>(tex.x), static_cast<int>(tex.y), picture_w, size.y);
    sprite.setPosition(static_cast<float>(f.x), static_cast<float>(f.y));
    sprite.setScale(static_cast<float>(f.width) / tex.x, static_cast<float>(f.height) / tex.y);
    window.clear(around);
    window.draw(sprite);
  }

  void draw_frame(const Overlay& overlay) {
    draw_scene();
    imgui->new_frame(ui_clock.restart().asSeconds());
    const sf::Vector2u size = window.getSize();
    overlay_rect = draw_overlay(overlay, commands,
                                panel > 0 ? PixelRect{static_cast<int>(size.x) - panel, 0, panel, static_cast<int>(size.y)}
                                          : PixelRect{});
    imgui->render();
    window.display();
  }

  void upload(std::span<const std::uint8_t> pixels, int w, int h) {
    rgba.resize(static_cast<std::size_t>(w) * h * 4);
    for (std::size_t i = 0, j = 0; i < pixels.size(); i += 3, j += 4) {
      rgba[j] = pixels[i];
      rgba[j + 1] = pixels[i + 1];
      rgba[j + 2] = pixels[i + 2];
      rgba[j + 3] = 255;
    }
    const sf::Vector2u tex = texture.getSize();
    if (tex.x != static_cast<unsigned>(w) || tex.y != static_cast<unsigned>(h)) {
      if (!texture.create(static_cast<unsigned>(w), static_cast<unsigned>(h))) {
        throw UnsupportedRender("cannot show a " + std::to_string(w) + "x" + std::to_string(h) +
                                " picture: the GL driver refused a texture of that size");
      }
      sprite.setTexture(texture, true);
    }
    texture.update(rgba.data());
  }

  void present(std::span<const std::uint8_t> pixels, int w, int h, const Overlay& overlay) {
    pump();
    if (!open()) return;
    upload(pixels, w, h);
    draw_frame(overlay);
    shown = true;

    // Each show's deadline follows the previous one, so frames keep an even rate; after a stall
    // (a slow caller, a dragged window) it restarts from now rather than rushing to catch up.
    const auto now = Clock::now();
    const auto period = commands.paused
                            ? std::chrono::duration_cast<Clock::duration>(kUiPeriod)
                            : std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(1.0 / (fps * commands.speed)));
    due = (due && *due + period >= now) ? *due + period : now + period;
    // Wait, keeping the overlay live; a new command ends the wait so the caller acts on it now.
    auto last_draw = now;
    while (open()) {
      const auto wake = std::min(*due, last_draw + kUiPeriod);
      std::this_thread::sleep_until(wake);
      if (wake >= *due) break;
      const WindowCommands before = commands;
      pump();
      if (!open()) break;
      last_draw = Clock::now();
      draw_frame(overlay);
      if (commands.paused != before.paused || commands.step_once || commands.reset) break;
    }
  }
};

Window::Window(const std::string& title, int width, int height, double fps, int panel_width) {
  if (panel_width < 0 || panel_width > 4096)
    throw InvalidArgument("Window: panel width " + std::to_string(panel_width) + " is out of range; expected 0 .. 4096");
  width += panel_width;
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide) {
    throw InvalidArgument("Window: size " + std::to_string(width) + "x" + std::to_string(height) +
                          " is out of range; expected 1 .. " + std::to_string(kMaxSide) + " per side");
  }
  if (!(fps > 0.0) || !std::isfinite(fps)) {
    throw InvalidArgument("Window: fps " + std::to_string(fps) + " is invalid; expected a finite number > 0");
  }
  // SFML aborts the process when it cannot open the display, so ask Xlib first (and hold that
  // connection until SFML has its own: DisplayProbe says why).
  const DisplayProbe probe;
  if (!probe.problem.empty()) {
    throw UnsupportedRender("cannot open a window: " + probe.problem +
                            "; use --headless (CLI) or render_mode=\"rgb_array\" (Python) to "
                            "record without a window");
  }
  impl_ = std::make_unique<Impl>();
  impl_->fps = fps;
  impl_->panel = panel_width;
  impl_->window.create(sf::VideoMode(static_cast<unsigned>(width), static_cast<unsigned>(height)), title,
                       sf::Style::Default);
  if (!impl_->window.isOpen()) {
    throw UnsupportedRender("cannot open a window: SFML could not create a " + std::to_string(width) +
                            "x" + std::to_string(height) + " window with a GL context");
  }
  // No vsync: show() paces itself to fps x speed. SFML turns it off when creating the window
  // (printing "Setting vertical sync not supported" under Xvfb, which is harmless).
  // One press, one command: a held Space must not toggle pause at the key-repeat rate.
  impl_->window.setKeyRepeatEnabled(false);
  impl_->imgui.emplace(impl_->window);
}

Window::~Window() {
  if (impl_) impl_->close();
}

WindowCommands Window::poll() {
  impl_->pump();
  WindowCommands out = impl_->commands;
  impl_->commands.step_once = false;
  impl_->commands.reset = false;
  return out;
}

void Window::show(const Frame& frame, const Overlay& overlay) {
  if (!frame.begun()) throw InvalidArgument("Window::show: the frame was never begun (Frame::begin)");
  if (!impl_->open()) return;
  const sf::Vector2u size = impl_->window.getSize();
  const Fit f = fit(frame.width(), frame.height(), size.x, size.y);
  impl_->rgb.resize(static_cast<std::size_t>(f.width) * f.height * 3);
  impl_->raster.draw(frame, impl_->rgb, f.width, f.height);
  const Color bg = frame.background();
  impl_->around = sf::Color(bg.r, bg.g, bg.b);
  impl_->present(impl_->rgb, f.width, f.height, overlay);
}

void Window::show_pixels(std::span<const std::uint8_t> rgb, int width, int height, const Overlay& overlay) {
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide ||
      rgb.size() != static_cast<std::size_t>(width) * height * 3) {
    throw InvalidArgument("Window::show_pixels: " + std::to_string(rgb.size()) + " bytes for a " +
                          std::to_string(width) + "x" + std::to_string(height) +
                          " picture; expected width * height * 3 with 1 .. " + std::to_string(kMaxSide) +
                          " per side");
  }
  if (!impl_->open()) return;
  impl_->around = sf::Color::Black;
  impl_->present(rgb, width, height, overlay);
}

void Window::control(Control c) { impl_->apply(c); }

void Window::set_speed(double speed) {
  if (std::isnan(speed)) throw InvalidArgument("Window::set_speed: speed is NaN");
  impl_->commands.speed = std::clamp(speed, WindowCommands::kMinSpeed, WindowCommands::kMaxSpeed);
}

bool Window::is_open() const { return impl_->open(); }
int Window::width() const { return static_cast<int>(impl_->window.getSize().x); }
int Window::height() const { return static_cast<int>(impl_->window.getSize().y); }
PixelRect Window::overlay_bounds() const { return impl_->overlay_rect; }
std::uint64_t Window::native_handle() const {
  return static_cast<std::uint64_t>(impl_->window.getSystemHandle());
}

RgbImage Window::screenshot() {
  if (!impl_->open()) throw StateError("Window::screenshot: the window is closed");
  if (!impl_->shown) throw StateError("Window::screenshot: nothing shown yet (call show first)");
  // Draws the last picture and the last overlay's draw lists again into the back buffer and
  // reads that: the front buffer of a window may be stale or covered, the back buffer is ours.
  impl_->window.setActive(true);
  impl_->draw_scene();
  impl_->imgui->render_again();
  RgbImage img;
  img.width = width();
  img.height = height();
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  std::vector<std::uint8_t> flipped(img.rgb.size());
  GLint pack = 4;
  glGetIntegerv(GL_PACK_ALIGNMENT, &pack);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, img.width, img.height, GL_RGB, GL_UNSIGNED_BYTE, flipped.data());
  glPixelStorei(GL_PACK_ALIGNMENT, pack);
  const std::size_t row = static_cast<std::size_t>(img.width) * 3;
  for (int y = 0; y < img.height; ++y) {  // GL's rows run bottom-up
    std::copy_n(flipped.begin() + static_cast<std::ptrdiff_t>(row * (img.height - 1 - y)), row,
                img.rgb.begin() + static_cast<std::ptrdiff_t>(row * y));
  }
  return img;
}

}  // namespace rlforge::render
