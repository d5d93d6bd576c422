// lunar_lander_draw.cpp: LunarLander's picture (gymnasium's render(), 600x400) and its flame
// particles, plus the two registrations.
// Reference: gymnasium 1.4.0 gymnasium/envs/box2d/lunar_lander.py (render, _create_particle).
#include <algorithm>
#include <array>
#include <cmath>

#include "core/registry.hpp"
#include "envs/box2d/lunar_lander.hpp"
#include "envs/classic/classic_draw.hpp"

namespace rlforge::box2d {

namespace {
constexpr double kScale = 30.0;
constexpr double kParticleRadius = 2 / kScale;
constexpr double kPi = 3.141592653589793;
constexpr Color kBodyFill{128, 102, 230, 255}, kBodyLine{77, 77, 128, 255};
constexpr Color kBlack{0, 0, 0, 255}, kWhite{255, 255, 255, 255}, kFlag{204, 204, 0, 255};

Vec2 px(double x, double y) { return {static_cast<float>(x * kScale), static_cast<float>(y * kScale)}; }

// A body's polygon fixtures in world pixels: pygame.draw.polygon + gfxdraw.aapolygon in
// color1, then pygame.draw.aalines in color2 (closed).
void draw_body(Frame& f, b2Body* body) {
  const b2Transform& t = body->GetTransform();
  for (b2Fixture* fx = body->GetFixtureList(); fx; fx = fx->GetNext()) {
    if (fx->GetType() != b2Shape::e_polygon) continue;
    const auto* poly = static_cast<const b2PolygonShape*>(fx->GetShape());
    std::array<Vec2, b2_maxPolygonVertices> pts;
    const auto n = static_cast<std::size_t>(poly->m_count);
    for (std::size_t i = 0; i < n; ++i) {
      const b2Vec2 w = b2Mul(t, poly->m_vertices[i]);
      pts[i] = px(w.x, w.y);
    }
    const std::span<const Vec2> v(pts.data(), n);
    f.fill_polygon(v, kBodyFill);
    f.stroke_polygon(v, kBodyLine, 1.0f);
  }
}
}  // namespace

double LunarLanderEnv::terrain_height(double x) const {
  if (x <= chunk_x_[0] || x >= chunk_x_[kChunks - 1]) return 0.0;  // the moon's bottom edge
  const auto i = static_cast<std::size_t>(std::min(static_cast<int>(x / chunk_x_[1]), kChunks - 2));
  const double t = (x - chunk_x_[i]) / (chunk_x_[i + 1] - chunk_x_[i]);
  return smooth_y_[i] + t * (smooth_y_[i + 1] - smooth_y_[i]);
}

void LunarLanderEnv::emit_particle(double mass, double x, double y, double ix, double iy, double ttl) {
  // gymnasium's particle: a circle of radius 2/SCALE and density `mass`, kicked by the
  // engine's impulse. Oldest overwritten when full (at most ~14 are alive: ttl <= 1, -0.15/step).
  const double body_mass = mass * kPi * kParticleRadius * kParticleRadius;
  Particle& p = particles_[static_cast<std::size_t>((particle_head_ + particle_count_) % kMaxParticles)];
  p = {x, y, ix / body_mass, iy / body_mass, ttl};
  if (particle_count_ < kMaxParticles) ++particle_count_;
  else particle_head_ = (particle_head_ + 1) % kMaxParticles;
}

void LunarLanderEnv::move_particles() {
  // Gravity, Box2D's 2 m/step speed cap, and a bounce of restitution 0.3 off the terrain.
  constexpr double dt = 1.0 / 50, max_step = 2.0;
  for (int k = 0; k < particle_count_; ++k) {
    Particle& p = particles_[static_cast<std::size_t>((particle_head_ + k) % kMaxParticles)];
    p.ttl -= 0.15;
    p.vy += params_.gravity * dt;
    const double speed = std::hypot(p.vx, p.vy) * dt;
    const double s = speed > max_step ? max_step / speed : 1.0;
    p.x += p.vx * dt * s;
    p.y += p.vy * dt * s;
    const double ground = terrain_height(p.x) + kParticleRadius;
    if (p.y < ground) {
      p.y = ground;
      p.vy = -0.3 * p.vy;
      p.vx *= 0.9;
    }
  }
  // Expired ones leave from the front, as gymnasium's _clean_particles does.
  while (particle_count_ > 0 && particles_[static_cast<std::size_t>(particle_head_)].ttl < 0) {
    particle_head_ = (particle_head_ + 1) % kMaxParticles;
    --particle_count_;
  }
}

void LunarLanderEnv::draw(Frame& f) const {
  if (!world_) throw StateError(id() + ": draw before the first reset");
  // World pixels with y up, pixel centres at integers (pygame's surface, then its flip).
  classic::draw::begin_pygame_canvas(f, 600, 400);
  for (int i = 0; i < kChunks - 1; ++i) {  // the sky above each terrain chunk, black
    const auto k = static_cast<std::size_t>(i);
    const Vec2 sky[4] = {px(chunk_x_[k], smooth_y_[k]), px(chunk_x_[k + 1], smooth_y_[k + 1]),
                         px(chunk_x_[k + 1], 400 / kScale), px(chunk_x_[k], 400 / kScale)};
    f.fill_polygon(sky, kBlack);
    f.stroke_polygon(sky, kBlack, 1.0f);
  }
  for (int k = 0; k < particle_count_; ++k) {
    const Particle& p = particles_[static_cast<std::size_t>((particle_head_ + k) % kMaxParticles)];
    if (p.ttl < 0) continue;
    auto channel = [](double v) { return static_cast<std::uint8_t>(std::min(255.0, std::max(0.2, v) * 255)); };
    const Color c{channel(0.15 + p.ttl), channel(0.5 * p.ttl), channel(0.5 * p.ttl), 255};
    f.fill_circle(px(p.x, p.y), kParticleRadius * kScale, c);
  }
  draw_body(f, lander_);
  draw_body(f, legs_[0]);
  draw_body(f, legs_[1]);
  for (double hx : {helipad_x1_, helipad_x2_}) {
    const double x = hx * kScale, flagy1 = helipad_y_ * kScale, flagy2 = flagy1 + 50;
    f.line({static_cast<float>(x), static_cast<float>(flagy1)}, {static_cast<float>(x), static_cast<float>(flagy2)},
           kWhite, 1.0f);
    const Vec2 flag[3] = {{static_cast<float>(x), static_cast<float>(flagy2)},
                          {static_cast<float>(x), static_cast<float>(flagy2 - 10)},
                          {static_cast<float>(x + 25), static_cast<float>(flagy2 - 5)}};
    f.fill_polygon(flag, kFlag);
    f.stroke_polygon(flag, kFlag, 1.0f);
  }
}

// The two ids differ only in the action space (gymnasium's `continuous` kwarg).
EnvSpec lander_spec(const char* id, bool continuous) {
  return {.id = id,
          .max_episode_steps = 1000,
          .reward_threshold = 200,
          .render_fps = 50,
          .kwargs = std::string(R"({"continuous": )") + (continuous ? "true" : "false") +
                    R"(, "gravity": -10.0, "enable_wind": false, "wind_power": 15.0, "turbulence_power": 1.5})",
          .entry_point = "LunarLanderEnv",
          .exposes_state = true};
}
RLFORGE_REGISTER_ENV(LunarLanderEnv, lander_spec("LunarLander-v3", false));
RLFORGE_REGISTER_ENV(LunarLanderEnv, lander_spec("LunarLanderContinuous-v3", true));

}  // namespace rlforge::box2d
