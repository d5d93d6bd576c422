// Window: the `human` render backend — an SFML window showing an env's Frame with an ImGui
// overlay (episode numbers, recent returns, controls, the policy's outputs; window_overlay.hpp).
//
// The window shows the rasterizer's own pixels (raster.hpp: the Frame rasterized at the
// picture's size in the window, uploaded to a texture, drawn as one sprite) instead of drawing
// the primitives with SFML: what a user watches is then exactly what gets recorded to video and
// returned as rgb_array, and a 600x400 frame costs ~0.1 ms on the CPU, far below a frame's budget.
// ImGui draws the overlay on top, in the window's GL context.
//
// The caller owns the loop, so `rlforge watch` and Python's render_mode="human" drive it alike:
//
//   render::Window win("CartPole-v1", frame.width(), frame.height(), spec.render_fps);
//   for (;;) {
//     const auto cmd = win.poll();
//     if (cmd.quit) break;
//     if (cmd.reset) { env.reset(...); ... }
//     else if (cmd.advance()) { env.step(...); ... }
//     env.draw(frame);
//     win.show(frame, overlay);   // draws, then waits out the frame's time at fps x speed
//   }
//
// Throws UnsupportedRender when there is no display (DISPLAY unset, or the X server cannot be
// reached: checked before SFML, which aborts the process without one) and InvalidArgument on a
// size or fps out of range. Not thread-safe; use it from one thread. SFML/ImGui stay out of this
// header.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/frame.hpp"
#include "render/png.hpp"
#include "render/window_overlay.hpp"

namespace rlforge::render {

// The ways to steer a window without a key or button: the same path Space, Right, R and Esc take.
enum class Control : std::uint8_t { TogglePause, StepOnce, Reset, Quit };

class Window {
 public:
  // A window of width x height pixels (the env's canvas size, usually) titled `title`, paced to
  // `fps` (the env's render_fps) times the speed slider. 1 <= width, height <= 16384; fps > 0.
  // panel_width > 0 widens the window by that many pixels on the right, where the overlay sits
  // beside the picture instead of over it (rlforge watch: a 600x400 CartPole has no room to
  // spare); 0 floats the overlay over the picture's top-left corner.
  Window(const std::string& title, int width, int height, double fps, int panel_width = 0);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // Handles the window's pending events and returns the commands as they now stand; step_once
  // and reset are handed out once, then cleared. After quit, the window is closed and every
  // call returns quit.
  WindowCommands poll();

  // Rasterizes `frame` to fit the window (aspect kept, centred, the frame's background around
  // it), draws the overlay over it and displays both; then keeps the overlay live (60 Hz) until
  // 1 / (fps x speed) has passed since the previous show — while paused, 1/60 s, so a paused
  // loop stays responsive without spinning. A new command (pause, step, reset, quit) ends the
  // wait early; events count for the next poll(). Does nothing once closed.
  // Throws InvalidArgument for a frame never begun.
  void show(const Frame& frame, const Overlay& overlay = {});
  // The same with pixels the caller already has (height rows of width * 3 bytes), e.g. the
  // frame it is recording to video.
  void show_pixels(std::span<const std::uint8_t> rgb, int width, int height,
                   const Overlay& overlay = {});

  // Steers the window as its keys and buttons do.
  void control(Control c);
  void set_speed(double speed);  // clamped to [kMinSpeed, kMaxSpeed]; NaN is refused

  bool is_open() const;
  // The window's size in pixels now (the user may resize it).
  int width() const;
  int height() const;
  // What the last show() put on screen, frame and overlay, read back from the GL back buffer
  // (height rows of width * 3 bytes). Throws StateError before the first show or once closed.
  RgbImage screenshot();
  // Where the overlay was drawn in the last show(), in window pixels.
  PixelRect overlay_bounds() const;
  // The X11 window id, for tests that send the window input events through the X server.
  std::uint64_t native_handle() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Empty when a window can be opened here; otherwise why not ("DISPLAY is not set", ...).
std::string display_problem();

}  // namespace rlforge::render
