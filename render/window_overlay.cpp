// The human window's ImGui overlay: episode numbers, recent returns, controls, policy outputs
// and the observation.
#include "render/window_overlay.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <span>
#include <string_view>

#include "imgui.h"

namespace rlforge::render {
namespace {

// Long vectors (a pixel observation, 18 Atari actions) would push the controls off screen: show
// this many rows and say how many were left out.
constexpr int kMaxRows = 24;

void rows_left_out(std::size_t n) {
  if (n > static_cast<std::size_t>(kMaxRows)) {
    ImGui::TextDisabled("(%zu more not shown)", n - static_cast<std::size_t>(kMaxRows));
  }
}

// One bar per action, scaled to [lo, hi]; the chosen action's bar in another colour and marked.
void action_bars(std::string_view policy, const char* what, std::span<const float> v,
                 std::optional<int> chosen, bool probs) {
  // Q-values have any sign and scale, so their bars span the finite values' min .. max; a NaN or
  // infinite entry (a diverged network) gets an empty bar and its number, never a broken scale.
  float lo = 0.0f, hi = 1.0f;
  if (!probs) {
    lo = FLT_MAX, hi = -FLT_MAX;
    for (const float q : v) {
      if (std::isfinite(q)) lo = std::min(lo, q), hi = std::max(hi, q);
    }
    if (lo > hi) lo = 0.0f, hi = 1.0f;  // no finite value at all
    if (hi <= lo) hi = lo + 1.0f;
  }
  if (policy.empty()) {
    ImGui::TextUnformatted(what);
  } else {
    ImGui::TextWrapped("%.*s: %s", static_cast<int>(policy.size()), policy.data(), what);  // long paths wrap
  }
  const int n = std::min(static_cast<int>(v.size()), kMaxRows);
  for (int a = 0; a < n; ++a) {
    const bool is_chosen = chosen && *chosen == a;
    char label[48];
    std::snprintf(label, sizeof label, probs ? "%d: %.3f" : "%d: %.3g", a, static_cast<double>(v[a]));
    if (is_chosen) ImGui::PushStyleColor(ImGuiCol_PlotHistogram, ImVec4(0.30f, 0.80f, 0.35f, 1.0f));
    const float fraction = std::isfinite(v[a]) ? std::clamp((v[a] - lo) / (hi - lo), 0.0f, 1.0f) : 0.0f;
    ImGui::ProgressBar(fraction, ImVec2(160.0f, 0.0f), label);
    if (is_chosen) ImGui::PopStyleColor();
    ImGui::SameLine();
    ImGui::TextUnformatted(is_chosen ? "<- its action" : " ");
  }
  rows_left_out(v.size());
}

void vector_rows(std::span<const float> v, std::span<const std::string> labels, const char* prefix) {
  const int n = std::min(static_cast<int>(v.size()), kMaxRows);
  for (int i = 0; i < n; ++i) {
    if (static_cast<std::size_t>(i) < labels.size()) {
      ImGui::Text("%-14s %+.4f", labels[i].c_str(), static_cast<double>(v[i]));
    } else {
      ImGui::Text("%s[%d] %+.4f", prefix, i, static_cast<double>(v[i]));
    }
  }
  rows_left_out(v.size());
}

void controls(WindowCommands& c) {
  if (ImGui::Button(c.paused ? "Resume" : "Pause")) c.paused = !c.paused;
  ImGui::SameLine();
  ImGui::BeginDisabled(!c.paused);  // single steps only make sense while paused
  if (ImGui::Button("Step")) c.step_once = true;
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Reset")) c.reset = true;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110.0f);
  float speed = static_cast<float>(c.speed);
  // Logarithmic: 0.1x .. 1x gets as much of the slider as 1x .. 8x.
  if (ImGui::SliderFloat("##speed", &speed, static_cast<float>(WindowCommands::kMinSpeed),
                         static_cast<float>(WindowCommands::kMaxSpeed), "speed %.2fx",
                         ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) {
    c.speed = speed;
  }
  ImGui::TextDisabled("Space pause  Right step  R reset  Esc quit");
}

}  // namespace

PixelRect draw_overlay(const Overlay& o, WindowCommands& commands, PixelRect panel) {
  PixelRect bounds;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  if (panel.width > 0) {
    // Beside the picture: the panel's whole area, kept there when the window is resized.
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(panel.x), static_cast<float>(panel.y)), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(panel.width), std::max(display.y, 1.0f)), ImGuiCond_Always);
    ImGui::SetNextWindowBgAlpha(1.0f);
  } else {
    ImGui::SetNextWindowPos(ImVec2(8.0f, 8.0f), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowBgAlpha(0.8f);
    // Auto-sized to its contents, at most the display's height (then it scrolls).
    ImGui::SetNextWindowSizeConstraints(ImVec2(0.0f, 0.0f),
                                        ImVec2(std::max(display.x * 0.75f, 1.0f), std::max(display.y - 16.0f, 1.0f)));
  }
  // Tighter than ImGui's default spacing: a 600x400 CartPole window has room for little.
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(6.0f, 3.0f));
  ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(4.0f, 2.0f));
  // The env id as the title; "###" keeps the window's identity when the id changes.
  const std::string_view name = o.env_id.empty() ? std::string_view("rlforge") : o.env_id;
  char title[96];
  std::snprintf(title, sizeof title, "%.*s###rlforge_overlay",
                static_cast<int>(std::min<std::size_t>(name.size(), 64)), name.data());
  const ImGuiWindowFlags flags = panel.width > 0
                                     ? ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings
                                     : ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings;
  if (ImGui::Begin(title, nullptr, flags)) {
    ImGui::Text("episode %lld  step %lld  return %.3f", static_cast<long long>(o.episode),
                static_cast<long long>(o.step), o.episode_return);
    if (o.returns != nullptr && !o.returns->empty()) {
      char caption[64];
      std::snprintf(caption, sizeof caption, "returns: last %.1f  mean %.1f",
                    static_cast<double>(o.returns->last()), static_cast<double>(o.returns->mean()));
      // The scale from the finite returns only: one infinite return would flatten the rest.
      float lo = FLT_MAX, hi = -FLT_MAX;
      for (int i = 0; i < o.returns->size(); ++i) {
        const float r = (*o.returns)[i];
        if (std::isfinite(r)) lo = std::min(lo, r), hi = std::max(hi, r);
      }
      if (lo > hi) lo = 0.0f, hi = 1.0f;
      ImGui::PlotLines("##returns", o.returns->data(), o.returns->size(), o.returns->offset(), caption,
                       lo, hi > lo ? hi : lo + 1.0f, ImVec2(300.0f, 40.0f));
    }
    controls(commands);

    const bool has_policy = !o.action_probs.empty() || !o.q_values.empty() || !o.action.empty() ||
                            o.value.has_value() || !o.policy.empty();
    if (has_policy && ImGui::CollapsingHeader("policy", ImGuiTreeNodeFlags_DefaultOpen)) {
      const int name_len = static_cast<int>(o.policy.size());
      if (!o.action_probs.empty()) {
        action_bars(o.policy, "action probabilities", o.action_probs, o.chosen_action, true);
      } else if (!o.q_values.empty()) {
        action_bars(o.policy, "Q-values", o.q_values, o.chosen_action, false);
      } else if (!o.policy.empty()) {
        ImGui::TextWrapped("%.*s", name_len, o.policy.data());
      }
      if (o.chosen_action && o.action_probs.empty() && o.q_values.empty()) {
        ImGui::Text("action %d", *o.chosen_action);
      }
      if (!o.action.empty()) {
        ImGui::TextUnformatted("action");
        vector_rows(o.action, {}, "a");
      }
      if (o.value) ImGui::Text("value estimate %.4f", static_cast<double>(*o.value));
    }
    if (!o.observation.empty() && ImGui::CollapsingHeader("observation", ImGuiTreeNodeFlags_DefaultOpen)) {
      vector_rows(o.observation, o.observation_labels, "obs");
    }
  }
  const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
  bounds = {static_cast<int>(pos.x), static_cast<int>(pos.y), static_cast<int>(size.x + 0.999f),
            static_cast<int>(size.y + 0.999f)};
  ImGui::End();
  ImGui::PopStyleVar(2);
  return bounds;
}

}  // namespace rlforge::render
