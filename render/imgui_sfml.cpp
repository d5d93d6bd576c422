// ImGuiSfml: SFML 2.5 events into ImGui 1.86's IO, and ImGui's OpenGL2 backend in the window's
// GL context.
#include "render/imgui_sfml.hpp"

#include <SFML/Graphics/RenderWindow.hpp>
#include <SFML/Window/Event.hpp>
#include <algorithm>
#include <cfloat>

#include "core/error.hpp"
#include "imgui.h"
#include "backends/imgui_impl_opengl2.h"

namespace rlforge::render {
namespace {

// ImGui 1.86 asks the backend for indices into io.KeysDown[512] for the keys its widgets use;
// SFML's key codes (0 .. sf::Keyboard::KeyCount) serve as those indices directly.
void map_keys(ImGuiIO& io) {
  using K = sf::Keyboard;
  io.KeyMap[ImGuiKey_Tab] = K::Tab;
  io.KeyMap[ImGuiKey_LeftArrow] = K::Left;
  io.KeyMap[ImGuiKey_RightArrow] = K::Right;
  io.KeyMap[ImGuiKey_UpArrow] = K::Up;
  io.KeyMap[ImGuiKey_DownArrow] = K::Down;
  io.KeyMap[ImGuiKey_PageUp] = K::PageUp;
  io.KeyMap[ImGuiKey_PageDown] = K::PageDown;
  io.KeyMap[ImGuiKey_Home] = K::Home;
  io.KeyMap[ImGuiKey_End] = K::End;
  io.KeyMap[ImGuiKey_Insert] = K::Insert;
  io.KeyMap[ImGuiKey_Delete] = K::Delete;
  io.KeyMap[ImGuiKey_Backspace] = K::BackSpace;
  io.KeyMap[ImGuiKey_Space] = K::Space;
  io.KeyMap[ImGuiKey_Enter] = K::Enter;
  io.KeyMap[ImGuiKey_Escape] = K::Escape;
  io.KeyMap[ImGuiKey_KeyPadEnter] = K::Enter;
  io.KeyMap[ImGuiKey_A] = K::A;
  io.KeyMap[ImGuiKey_C] = K::C;
  io.KeyMap[ImGuiKey_V] = K::V;
  io.KeyMap[ImGuiKey_X] = K::X;
  io.KeyMap[ImGuiKey_Y] = K::Y;
  io.KeyMap[ImGuiKey_Z] = K::Z;
}

void set_modifiers(ImGuiIO& io, const sf::Event::KeyEvent& k) {
  io.KeyCtrl = k.control;
  io.KeyShift = k.shift;
  io.KeyAlt = k.alt;
  io.KeySuper = k.system;
}

}  // namespace

ImGuiSfml::ImGuiSfml(sf::RenderWindow& window) : window_(window) {
  IMGUI_CHECKVERSION();
  ImGuiContext* previous = ImGui::GetCurrentContext();
  context_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(context_);
  ImGuiIO& io = ImGui::GetIO();
  // No imgui.ini: watching an episode must not leave files in the user's working directory.
  io.IniFilename = nullptr;
  io.BackendPlatformName = "rlforge_imgui_sfml";
  map_keys(io);
  ImGui::StyleColorsDark();
  window_.setActive(true);
  if (!ImGui_ImplOpenGL2_Init()) {
    ImGui::DestroyContext(context_);
    ImGui::SetCurrentContext(previous);
    throw UnsupportedRender("cannot open a window: ImGui's OpenGL2 backend failed to start");
  }
}

ImGuiSfml::~ImGuiSfml() {
  make_current();
  window_.setActive(true);  // the font texture is deleted in this window's GL context
  ImGui_ImplOpenGL2_Shutdown();
  ImGui::DestroyContext(context_);
}

void ImGuiSfml::make_current() const { ImGui::SetCurrentContext(context_); }

void ImGuiSfml::process_event(const sf::Event& e) {
  make_current();
  ImGuiIO& io = ImGui::GetIO();
  switch (e.type) {
    case sf::Event::MouseMoved:
      io.MousePos = ImVec2(static_cast<float>(e.mouseMove.x), static_cast<float>(e.mouseMove.y));
      break;
    case sf::Event::MouseLeft:
      io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // ImGui's "no mouse"
      break;
    case sf::Event::MouseButtonPressed:
    case sf::Event::MouseButtonReleased: {
      const int b = e.mouseButton.button;  // Left, Right, Middle, X1, X2: ImGui's order too
      if (b < 0 || b >= static_cast<int>(held_.size())) break;
      const bool down = e.type == sf::Event::MouseButtonPressed;
      held_[b] = down;
      if (down) pressed_since_frame_[b] = true;
      io.MousePos = ImVec2(static_cast<float>(e.mouseButton.x), static_cast<float>(e.mouseButton.y));
      break;
    }
    case sf::Event::MouseWheelScrolled:
      if (e.mouseWheelScroll.wheel == sf::Mouse::HorizontalWheel) {
        io.MouseWheelH += e.mouseWheelScroll.delta;
      } else {
        io.MouseWheel += e.mouseWheelScroll.delta;
      }
      break;
    case sf::Event::KeyPressed:
    case sf::Event::KeyReleased: {
      const int k = e.key.code;
      if (k >= 0 && k < static_cast<int>(IM_ARRAYSIZE(io.KeysDown))) {
        io.KeysDown[k] = e.type == sf::Event::KeyPressed;
      }
      set_modifiers(io, e.key);
      break;
    }
    case sf::Event::TextEntered:
      // Control characters (backspace, tab, enter, delete) reach ImGui as keys, not text.
      if (e.text.unicode >= 32 && e.text.unicode != 127) io.AddInputCharacter(e.text.unicode);
      break;
    case sf::Event::LostFocus:
      // Releases that happen while another window has focus never arrive: drop what is held.
      std::fill(std::begin(io.KeysDown), std::end(io.KeysDown), false);
      io.KeyCtrl = io.KeyShift = io.KeyAlt = io.KeySuper = false;
      held_.fill(false);
      io.AddFocusEvent(false);
      break;
    case sf::Event::GainedFocus:
      io.AddFocusEvent(true);
      break;
    default:
      break;  // Resized: new_frame reads the size; the rest is not ImGui's business
  }
}

void ImGuiSfml::new_frame(float dt_seconds) {
  make_current();
  ImGuiIO& io = ImGui::GetIO();
  const sf::Vector2u size = window_.getSize();
  io.DisplaySize = ImVec2(static_cast<float>(size.x), static_cast<float>(size.y));
  io.DisplayFramebufferScale = ImVec2(1.0f, 1.0f);
  io.DeltaTime = std::max(dt_seconds, 1e-6f);
  for (std::size_t b = 0; b < held_.size(); ++b) {
    io.MouseDown[b] = held_[b] || pressed_since_frame_[b];
    pressed_since_frame_[b] = false;
  }
  ImGui_ImplOpenGL2_NewFrame();
  ImGui::NewFrame();
}

// SFML caches its GL state; the OpenGL2 backend changes it behind SFML's back. pushGLStates /
// popGLStates around our GL calls save and restore that state, so SFML's cache stays true.
void ImGuiSfml::draw_lists() {
  window_.setActive(true);
  window_.pushGLStates();
  ImGui_ImplOpenGL2_RenderDrawData(ImGui::GetDrawData());
  window_.popGLStates();
}

void ImGuiSfml::render() {
  make_current();
  ImGui::Render();
  draw_lists();
}

void ImGuiSfml::render_again() {
  make_current();
  if (ImGui::GetDrawData() != nullptr) draw_lists();
}

bool ImGuiSfml::wants_mouse() const {
  make_current();
  return ImGui::GetIO().WantCaptureMouse;
}

bool ImGuiSfml::wants_keyboard() const {
  make_current();
  return ImGui::GetIO().WantCaptureKeyboard;
}

}  // namespace rlforge::render
