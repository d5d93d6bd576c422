// ImGuiSfml: our adapter between an sf::RenderWindow (SFML 2.5) and Dear ImGui 1.86 — SFML's
// events into ImGui's IO (mouse, wheel, keys with modifiers, text, focus), the display size and
// delta time each frame, and ImGui's OpenGL2 backend drawing into the window's own GL context.
//
// The idea is imgui-sfml's (events in, draw lists out through the window's context); the code is
// ours and much smaller: no SFML-side renderer (ImGui's stock OpenGL2 backend draws), no
// joystick, no cursor shapes, no clipboard (the overlay has no text fields).
//
// One ImGui context per adapter, made current by every call, so two windows do not share input.
// Not copyable; the window must outlive the adapter. Internal to render/ (window.cpp).
#pragma once
#include <array>

struct ImGuiContext;
namespace sf {
class RenderWindow;
class Event;
}  // namespace sf

namespace rlforge::render {

class ImGuiSfml {
 public:
  // Creates the ImGui context and the OpenGL2 backend's objects in `window`'s GL context.
  explicit ImGuiSfml(sf::RenderWindow& window);
  ~ImGuiSfml();
  ImGuiSfml(const ImGuiSfml&) = delete;
  ImGuiSfml& operator=(const ImGuiSfml&) = delete;

  // Feeds one SFML event to ImGui (call for every event the window polls).
  void process_event(const sf::Event& event);
  // Starts an ImGui frame: display size from the window, `dt_seconds` since the last frame
  // (clamped above zero, which ImGui asserts).
  void new_frame(float dt_seconds);
  // Ends the frame and draws it over whatever SFML drew, leaving SFML's GL state as it was.
  void render();
  // Draws the last frame's draw lists again (for a screenshot of what was shown) without
  // starting a new frame.
  void render_again();

  // Whether ImGui is using the mouse / keyboard (over a widget, dragging a slider): the window
  // then keeps its own shortcuts off.
  bool wants_mouse() const;
  bool wants_keyboard() const;

 private:
  void make_current() const;
  void draw_lists();

  sf::RenderWindow& window_;
  ImGuiContext* context_ = nullptr;
  // A press and its release can both arrive between two frames (a quick click, a test's
  // synthetic events); ImGui 1.86 samples MouseDown once per frame, so a press is latched until
  // the next frame has seen it.
  std::array<bool, 5> held_{};
  std::array<bool, 5> pressed_since_frame_{};
};

}  // namespace rlforge::render
