// render/imgui_sfml.hpp, our SFML -> ImGui adapter, fed SFML events by hand (under Xvfb, with the
// window test): what reaches ImGui's IO, and a click whose press and release both arrive between
// two frames.
#include <catch.hpp>

#include <SFML/Graphics/RenderWindow.hpp>
#include <SFML/Window/Event.hpp>

#include "imgui.h"
#include "render/imgui_sfml.hpp"
#include "render/window.hpp"

using namespace rlforge;

namespace {

sf::Event key_event(sf::Event::EventType type, sf::Keyboard::Key code, bool ctrl = false) {
  sf::Event e;
  e.type = type;
  e.key = sf::Event::KeyEvent{code, false, ctrl, false, false};
  return e;
}

sf::Event mouse_button(sf::Event::EventType type, int x, int y) {
  sf::Event e;
  e.type = type;
  e.mouseButton = sf::Event::MouseButtonEvent{sf::Mouse::Left, x, y};
  return e;
}

}  // namespace

TEST_CASE("ImGuiSfml puts SFML's mouse, wheel, keys, text and focus into ImGui's IO", "[window]") {
  REQUIRE(render::display_problem().empty());  // SFML would abort without a display
  sf::RenderWindow win(sf::VideoMode(320, 200), "test_render_imgui_sfml");
  render::ImGuiSfml gui(win);
  gui.new_frame(1.0f / 60.0f);
  ImGui::Render();  // a frame begun must end before the next; nothing drawn
  const ImGuiIO& io = ImGui::GetIO();

  sf::Event e;
  e.type = sf::Event::MouseMoved;
  e.mouseMove = sf::Event::MouseMoveEvent{40, 25};
  gui.process_event(e);
  CHECK(io.MousePos.x == 40.0f);
  CHECK(io.MousePos.y == 25.0f);

  e.type = sf::Event::MouseWheelScrolled;
  e.mouseWheelScroll = sf::Event::MouseWheelScrollEvent{sf::Mouse::VerticalWheel, 2.0f, 40, 25};
  gui.process_event(e);
  e.mouseWheelScroll.wheel = sf::Mouse::HorizontalWheel;
  e.mouseWheelScroll.delta = -1.0f;
  gui.process_event(e);
  CHECK(io.MouseWheel == 2.0f);
  CHECK(io.MouseWheelH == -1.0f);

  gui.process_event(key_event(sf::Event::KeyPressed, sf::Keyboard::A, true));
  CHECK(io.KeysDown[sf::Keyboard::A]);
  CHECK(io.KeyCtrl);
  CHECK(io.KeyMap[ImGuiKey_A] == sf::Keyboard::A);
  gui.process_event(key_event(sf::Event::KeyReleased, sf::Keyboard::A));
  CHECK(!io.KeysDown[sf::Keyboard::A]);
  CHECK(!io.KeyCtrl);

  e.type = sf::Event::TextEntered;
  e.text.unicode = 'q';
  gui.process_event(e);
  e.text.unicode = 8;  // backspace comes as a key, not as text
  gui.process_event(e);
  REQUIRE(io.InputQueueCharacters.Size == 1);
  CHECK(io.InputQueueCharacters[0] == 'q');

  // Focus lost while a key is held: its release will never come, so it is dropped now.
  gui.process_event(key_event(sf::Event::KeyPressed, sf::Keyboard::Z, true));
  e.type = sf::Event::LostFocus;
  gui.process_event(e);
  CHECK(!io.KeysDown[sf::Keyboard::Z]);
  CHECK(!io.KeyCtrl);

  e.type = sf::Event::MouseLeft;
  gui.process_event(e);
  CHECK(io.MousePos.x == -FLT_MAX);

  gui.new_frame(1.0f / 60.0f);
  CHECK(io.DisplaySize.x == 320.0f);
  CHECK(io.DisplaySize.y == 200.0f);
  ImGui::Render();
}

TEST_CASE("ImGuiSfml: a click whose press and release arrive between two frames still clicks", "[window]") {
  REQUIRE(render::display_problem().empty());
  sf::RenderWindow win(sf::VideoMode(320, 200), "test_render_imgui_sfml");
  render::ImGuiSfml gui(win);
  ImVec2 centre;
  // One frame with a button at a fixed place; returns whether it was clicked.
  auto frame = [&] {
    gui.new_frame(1.0f / 60.0f);
    ImGui::SetNextWindowPos(ImVec2(10.0f, 10.0f));
    ImGui::Begin("buttons", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize);
    const bool clicked = ImGui::Button("press me", ImVec2(120.0f, 40.0f));
    const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
    centre = ImVec2((lo.x + hi.x) / 2, (lo.y + hi.y) / 2);
    ImGui::End();
    win.clear();
    gui.render();
    win.display();
    return clicked;
  };
  CHECK(!frame());
  const int x = static_cast<int>(centre.x), y = static_cast<int>(centre.y);
  sf::Event move;
  move.type = sf::Event::MouseMoved;
  move.mouseMove = sf::Event::MouseMoveEvent{x, y};
  gui.process_event(move);
  CHECK(!frame());  // hovered now
  gui.process_event(mouse_button(sf::Event::MouseButtonPressed, x, y));
  gui.process_event(mouse_button(sf::Event::MouseButtonReleased, x, y));
  bool clicked = false;
  for (int i = 0; i < 3 && !clicked; ++i) clicked = frame();
  CHECK(clicked);
  CHECK(!frame());  // one click, one press
}
