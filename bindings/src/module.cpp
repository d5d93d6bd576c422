// module.cpp: the extension rlforge._rlforge — Env and VectorEnv handles, the registry, errors.
//
// The Python package (bindings/rlforge/) builds gymnasium objects on top of these handles;
// this file keeps to what must be native: stepping, array views, action conversion, and
// turning every C++ exception into a Python one.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "bindings/include/rlforge_python/env_module.hpp"
#include "bindings/src/agents_module.hpp"
#include "bindings/src/numpy_bridge.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/vector_env.hpp"
#include "render/raster.hpp"
#include "render/tile.hpp"
#if RLFORGE_HAS_WINDOW
#include "render/window.hpp"
#endif

namespace nb = nanobind;
using namespace nb::literals;

namespace rlforge::python {
namespace {

// Python exception classes for rlforge's C++ errors, set by the package (rlforge/errors.py)
// at import; until then the builtin classes are used.
struct ErrorTypes {
  PyObject* invalid_action = PyExc_ValueError;
  PyObject* invalid_argument = PyExc_ValueError;
  PyObject* config = PyExc_ValueError;
  PyObject* not_found = PyExc_KeyError;
  PyObject* state = PyExc_RuntimeError;
  PyObject* unsupported_render = PyExc_TypeError;
  PyObject* error = PyExc_RuntimeError;
};
ErrorTypes g_errors;

void set_error_types(nb::dict types) {
  auto take = [&](const char* key, PyObject*& slot) {
    nb::object t = types[key];
    if (!PyType_Check(t.ptr()) || !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(t.ptr()),
                                                     reinterpret_cast<PyTypeObject*>(PyExc_Exception)))
      throw nb::type_error((std::string("error type '") + key + "' is not an Exception class").c_str());
    slot = t.release().ptr();  // kept for the life of the process
  };
  take("InvalidAction", g_errors.invalid_action);
  take("InvalidArgument", g_errors.invalid_argument);
  take("ConfigError", g_errors.config);
  take("NotFound", g_errors.not_found);
  take("StateError", g_errors.state);
  take("UnsupportedRender", g_errors.unsupported_render);
  take("Error", g_errors.error);
}

void translate(const std::exception_ptr& p, void*) {
  try {
    std::rethrow_exception(p);
  } catch (const InvalidAction& e) {
    PyErr_SetString(g_errors.invalid_action, e.what());
  } catch (const InvalidArgument& e) {
    PyErr_SetString(g_errors.invalid_argument, e.what());
  } catch (const ConfigError& e) {
    PyErr_SetString(g_errors.config, e.what());
  } catch (const NotFound& e) {
    PyErr_SetString(g_errors.not_found, e.what());
  } catch (const StateError& e) {
    PyErr_SetString(g_errors.state, e.what());
  } catch (const UnsupportedRender& e) {
    PyErr_SetString(g_errors.unsupported_render, e.what());
  } catch (const Error& e) {
    PyErr_SetString(g_errors.error, e.what());
  }
  // Anything else propagates to nanobind's own translators (std::exception -> RuntimeError,
  // std::bad_alloc -> MemoryError, unknown -> SystemError).
}

nb::object steal_or_throw(PyObject* o) {
  if (!o) throw nb::python_error();
  return nb::steal(o);
}

// A drawn frame rasterized straight into a new numpy array (H, W, 3) uint8: the one copy is the
// rasterizer's own write. A fresh array per call, because callers keep frames (RecordVideo
// collects them), so a reused buffer would change frames already handed out.
// render_mode="human": an SFML window (render/window.hpp) that shows each rendered frame with
// the overlay, paced to the env's fps. While the user has it paused, show() is repeated until
// they resume or step once, so a Python loop calling render() waits there. Returns false once
// the window was closed (Esc or its close button); later calls then show nothing.
class HumanWindow {
 public:
  bool show(const std::string& title, const Frame* frame, std::span<const std::uint8_t> rgb, int w, int h,
            double fps, std::int64_t episode, std::int64_t step, double ret) {
#if RLFORGE_HAS_WINDOW
    if (closed_) return false;
    if (!window_) window_ = std::make_unique<render::Window>(title, w, h, fps, 360);
    render::Overlay o;
    o.env_id = title;
    o.episode = episode;
    o.step = step;
    o.episode_return = ret;
    for (;;) {
      {
        // The window's pacing and a paused wait run without the GIL: other Python threads go on.
        // The frame and pixels belong to the caller's objects, which outlive the call.
        nb::gil_scoped_release release;
        const render::WindowCommands cmd = window_->poll();
        if (cmd.quit) {
          window_.reset();
          closed_ = true;
          return false;
        }
        if (frame) window_->show(*frame, o);
        else window_->show_pixels(rgb, w, h, o);
        if (!cmd.paused || cmd.step_once) return true;
      }
      if (PyErr_CheckSignals() != 0) throw nb::python_error();  // Ctrl-C while paused
    }
#else
    (void)title, (void)frame, (void)rgb, (void)w, (void)h, (void)fps, (void)episode, (void)step, (void)ret;
    throw UnsupportedRender("this rlforge was built without the window (SFML/ImGui/OpenGL not found): "
                            "use render_mode=\"rgb_array\"");
#endif
  }
  void close() {
#if RLFORGE_HAS_WINDOW
    window_.reset();
#endif
  }

 private:
#if RLFORGE_HAS_WINDOW
  std::unique_ptr<render::Window> window_;
#endif
  bool closed_ = false;
};

// Why a window cannot open here ("" when it can): checked when an env is made with
// render_mode="human", so the error comes at make(), not at the first render().
std::string display_problem() {
#if RLFORGE_HAS_WINDOW
  return render::display_problem();
#else
  return "this rlforge was built without the window (SFML/ImGui/OpenGL not found)";
#endif
}

nb::object rasterize_to_numpy(const Frame& frame, render::Rasterizer& r, int width, int height) {
  const int w = width > 0 ? width : frame.width(), h = height > 0 ? height : frame.height();
  nb::object arr = steal_or_throw(new_array(Shape{h, w, 3}, DType::uint8));
  r.draw(frame, {static_cast<std::uint8_t*>(array_data(arr.ptr())), static_cast<std::size_t>(w) * h * 3}, w, h);
  return arr;
}

// Info's dotted keys ("episode.r") as nested dicts ({"episode": {"r": ...}}), and indexed keys
// ("action_mask[0]", "action_mask[1]", ...) as one array, int8 for "action_mask" (gymnasium's
// own masks, e.g. Taxi's, are int8) and float64 otherwise. Indices are 0..n-1 in order.
nb::dict info_dict(const Info& info) {
  nb::dict d;
  const auto& items = info.items();
  for (std::size_t k = 0; k < items.size(); ++k) {
    const auto& [key, value] = items[k];
    nb::dict cur = d;
    std::size_t start = 0, dot;
    while ((dot = key.find('.', start)) != std::string_view::npos) {
      nb::str part(key.data() + start, dot - start);
      if (!cur.contains(part)) cur[part] = nb::dict();
      cur = nb::borrow<nb::dict>(cur[part]);
      start = dot + 1;
    }
    std::string_view leaf = key.substr(start);
    const std::size_t bracket = leaf.find('[');
    if (bracket != std::string_view::npos && leaf.ends_with("[0]")) {
      const std::string_view name = leaf.substr(0, bracket);
      // How many consecutive entries name[0], name[1], ... follow (compared without building
      // strings: this runs every step of an env with a mask).
      const std::string_view stem = key.substr(0, start + bracket + 1);  // "...name["
      std::size_t n = 0;
      while (k + n < items.size()) {
        const std::string_view next = items[k + n].first;
        const std::string_view index = next.substr(std::min(stem.size(), next.size()));
        if (!next.starts_with(stem) || index != std::to_string(n) + "]") break;
        ++n;
      }
      const bool mask = name == "action_mask";
      nb::object arr = steal_or_throw(new_array(Shape{static_cast<std::int64_t>(n)}, mask ? DType::int8 : DType::float64));
      for (std::size_t j = 0; j < n; ++j) {
        if (mask) static_cast<std::int8_t*>(array_data(arr.ptr()))[j] = static_cast<std::int8_t>(items[k + j].second);
        else static_cast<double*>(array_data(arr.ptr()))[j] = items[k + j].second;
      }
      cur[nb::str(name.data(), name.size())] = arr;
      k += n - 1;
      continue;
    }
    cur[nb::str(leaf.data(), leaf.size())] = value;
  }
  return d;
}

std::optional<std::uint64_t> seed_from_python(nb::handle seed) {
  if (seed.is_none()) return std::nullopt;
  if (!PyLong_Check(seed.ptr()) && !PyIndex_Check(seed.ptr()))
    throw nb::type_error(("seed must be an int or None, got " +
                          std::string(nb::repr(seed).c_str())).c_str());
  nb::int_ i = nb::borrow<nb::int_>(PyNumber_Index(seed.ptr()));
  if (!i.is_valid()) throw nb::python_error();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  unsigned long long u = 0;
  if (overflow > 0) {
    u = PyLong_AsUnsignedLongLong(i.ptr());
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw nb::value_error(("seed must be in [0, 2**64), got " +
                             std::string(nb::repr(seed).c_str())).c_str());
    }
    return u;
  }
  if (overflow < 0 || v < 0)
    throw nb::value_error(("seed must be in [0, 2**64), got " +
                           std::string(nb::repr(seed).c_str())).c_str());
  return static_cast<std::uint64_t>(v);
}

std::optional<JsonObject> options_from_json(const std::optional<std::string>& json,
                                            const std::string& id) {
  if (!json) return std::nullopt;
  return JsonObject::parse(*json, "reset options of " + id);
}

nb::dict spec_dict(const EnvSpec& s) {
  nb::dict d;
  d["id"] = s.id;
  d["max_episode_steps"] = s.max_episode_steps ? nb::object(nb::int_(*s.max_episode_steps)) : nb::none();
  d["reward_threshold"] = s.reward_threshold ? nb::object(nb::float_(*s.reward_threshold)) : nb::none();
  d["render_fps"] = s.render_fps;
  d["kwargs"] = s.kwargs;
  d["entry_point"] = s.entry_point;
  return d;
}

// One env. Observations are fresh numpy arrays: a single env's outputs are small, and a
// caller may keep them (replay buffers) without copying.
class PyEnv {
 public:
  PyEnv(std::string_view id, std::string_view kwargs_json) : env_(make(id, kwargs_json)) {}

  const std::string& id() const { return env_->id(); }
  std::string observation_space_json() const { return env_->observation_space().to_json(); }
  std::string action_space_json() const { return env_->action_space().to_json(); }
  nb::dict spec() const { return spec_dict(env_->spec()); }
  int elapsed_steps() const { return env_->elapsed_steps(); }
  bool needs_reset() const { return env_->needs_reset(); }

  nb::tuple reset(nb::handle seed, const std::optional<std::string>& options_json) {
    const auto s = seed_from_python(seed);
    const auto options = options_from_json(options_json, env_->id());
    const Space& os = env_->observation_space();
    nb::object obs = steal_or_throw(new_array(os.shape(), os.dtype()));
    env_->reset(s, obs_span(obs), info_, options ? &*options : nullptr);
    return nb::make_tuple(obs, info_dict(info_));
  }

  nb::tuple step(nb::handle action) {
    const Space& os = env_->observation_space();
    ActionHold hold;
    const ConstArray a = action_from_python(action.ptr(), env_->action_space(), env_->id(), hold, -1);
    nb::object obs = steal_or_throw(new_array(os.shape(), os.dtype()));
    const StepResult r = env_->step(a, obs_span(obs), info_);
    return nb::make_tuple(obs, r.reward, r.terminated, r.truncated, info_dict(info_));
  }

  std::vector<double> get_state() const { return env_->get_state(); }
  void set_state(const std::vector<double>& state) { env_->set_state(state); }

  bool renders() const { return env_->renders(); }
  // The current state as pixels; width/height 0: the env's canvas size.
  nb::object render_rgb(int width, int height) {
    env_->draw_frame(frame_);
    return rasterize_to_numpy(frame_, raster_, width, height);
  }
  // render_mode="human": shows the current state in the window; false once it was closed.
  bool render_human(std::int64_t episode, double episode_return) {
    env_->draw_frame(frame_);
    return window_.show(env_->id(), &frame_, {}, frame_.width(), frame_.height(), env_->spec().frame_rate(),
                        episode, env_->elapsed_steps(), episode_return);
  }
  void close_window() { window_.close(); }

 private:
  std::span<std::byte> obs_span(const nb::object& arr) const {
    return {static_cast<std::byte*>(array_data(arr.ptr())), env_->observation_space().nbytes()};
  }
  std::unique_ptr<Env> env_;
  Info info_;
  Frame frame_;  // reused: after the first render, drawing allocates nothing
  render::Rasterizer raster_;
  HumanWindow window_;
};

// N envs stepped by the C++ VectorEnv. Outputs are numpy views of its buffers, made once:
// every step overwrites them in place, so an array returned by reset()/step() holds that
// step's values only until the next reset()/step() (copy it to keep it).
class PyVectorEnv {
 public:
  PyVectorEnv(std::string_view id, int num_envs, std::string_view kwargs_json, int num_threads,
              bool same_step)
      : vec_(id, num_envs, kwargs_json,
             VectorEnvOptions{.num_threads = num_threads,
                              .autoreset = same_step ? AutoresetMode::SameStep
                                                     : AutoresetMode::NextStep}) {}

  int num_envs() const { return vec_.num_envs(); }
  int num_threads() const { return vec_.num_threads(); }
  bool is_batched() const { return vec_.is_batched(); }
  bool same_step() const { return vec_.autoreset_mode() == AutoresetMode::SameStep; }
  std::string observation_space_json() const { return vec_.single_observation_space().to_json(); }
  std::string action_space_json() const { return vec_.single_action_space().to_json(); }
  nb::dict spec() const { return spec_dict(vec_.spec()); }

  // (obs, rewards, terminated, truncated, final_mask, final_obs) views; the last two are
  // None in NextStep mode. The arrays' base is this object, which keeps the buffers alive.
  static nb::tuple views(nb::handle self_handle) {
    PyVectorEnv& self = nb::cast<PyVectorEnv&>(self_handle);
    VectorEnv& v = self.vec_;
    const Space& os = v.single_observation_space();
    const std::int64_t n = v.num_envs();
    Shape batch{n};
    for (auto d : os.shape()) batch.push_back(d);
    auto view = [&](const void* data, const Shape& shape, DType t, bool as_bool) {
      return steal_or_throw(view_array(const_cast<void*>(data), shape, t, as_bool, self_handle.ptr()));
    };
    nb::object obs = view(v.observations().data(), batch, os.dtype(), false);
    nb::object rew = view(v.rewards(), Shape{n}, DType::float64, false);
    nb::object term = view(v.terminated(), Shape{n}, DType::uint8, true);
    nb::object trunc = view(v.truncated(), Shape{n}, DType::uint8, true);
    nb::object mask = nb::none(), final_obs = nb::none();
    if (self.same_step()) {
      mask = view(v.has_final(), Shape{n}, DType::uint8, true);
      final_obs = view(v.final_observations().data(), batch, os.dtype(), false);
    }
    return nb::make_tuple(obs, rew, term, trunc, mask, final_obs);
  }

  void reset(nb::handle seed, const std::optional<std::string>& options_json) {
    const auto s = seed_from_python(seed);
    const auto options = options_from_json(options_json, vec_.spec().id);
    Busy busy(*this);
    nb::gil_scoped_release release;
    vec_.reset(s, options ? &*options : nullptr);
  }

  void step(nb::handle actions) {
    ActionHold hold;
    const ConstArray a = action_from_python(actions.ptr(), vec_.single_action_space(),
                                            vec_.spec().id, hold, vec_.num_envs());
    Busy busy(*this);
    nb::gil_scoped_release release;  // `hold` keeps the action array alive meanwhile
    vec_.step(a);
  }

  // The envs' info entries as {dotted key: (values float64[N], present bool[N])}; envs
  // without the key have 0 and False. `final`: the SameStep final infos of the envs that
  // ended. Empty when no env reported anything (always, for natively batched envs).
  nb::dict infos(bool final) const {
    nb::dict out;
    const int n = vec_.num_envs();
    if (final && !same_step()) return out;
    auto included = [&](int i) { return !final || vec_.has_final()[i]; };
    auto info_of = [&](int i) -> const Info& { return final ? vec_.final_info(i) : vec_.info(i); };
    // The distinct keys first, then each key's two arrays filled in C++: Python objects are
    // made per key, not per env and key (64 Box2D envs with 8 keys: 512 dict lookups a step).
    info_keys_.clear();
    for (int i = 0; i < n; ++i) {
      if (!included(i)) continue;
      for (const auto& item : info_of(i).items())
        if (std::find(info_keys_.begin(), info_keys_.end(), item.first) == info_keys_.end())
          info_keys_.push_back(item.first);
    }
    for (std::string_view key : info_keys_) {
      nb::object values = steal_or_throw(new_array(Shape{n}, DType::float64));
      nb::object present = steal_or_throw(new_array(Shape{n}, DType::uint8));
      auto* v = static_cast<double*>(array_data(values.ptr()));
      auto* p = static_cast<std::uint8_t*>(array_data(present.ptr()));
      for (int i = 0; i < n; ++i) {
        const double* x = included(i) ? info_of(i).find(key) : nullptr;
        v[i] = x ? *x : 0.0;
        p[i] = x ? 1 : 0;
      }
      out[nb::str(key.data(), key.size())] = nb::make_tuple(values, present);
    }
    return out;
  }

  bool renders() const { return vec_.renders(); }
  // Drawing reads the lanes' state: refused while another thread's step()/reset() runs.
  nb::object render_rgb(int i, int width, int height) {
    Busy busy(*this);
    vec_.draw(i, frame_);
    return rasterize_to_numpy(frame_, raster_, width, height);
  }
  // The first `count` envs (0: all) tiled row-major in `cols` columns (0: a square grid), each
  // cell at the env's canvas size scaled by `scale`.
  nb::object render_grid(int cols, int count, double scale) {
    Busy busy(*this);
    return render_grid_unguarded(cols, count, scale);
  }
  nb::object render_grid_unguarded(int cols, int count, double scale) {
    const int n = count > 0 ? std::min(count, vec_.num_envs()) : vec_.num_envs();
    if (!(scale > 0.0 && scale <= 8.0))
      throw InvalidArgument("render grid: scale " + std::to_string(scale) + " must be in (0, 8]");
    vec_.draw(0, frame_);
    const int cw = std::max(1, static_cast<int>(std::lround(frame_.width() * scale)));
    const int ch = std::max(1, static_cast<int>(std::lround(frame_.height() * scale)));
    const render::GridLayout g = render::grid_layout(n, cols, cw, ch);
    nb::object arr = steal_or_throw(new_array(Shape{g.height(), g.width(), 3}, DType::uint8));
    std::span<std::uint8_t> grid(static_cast<std::uint8_t*>(array_data(arr.ptr())),
                                 static_cast<std::size_t>(g.width()) * g.height() * 3);
    render::fill_grid(g, frame_.background(), grid);
    cell_.resize(static_cast<std::size_t>(cw) * ch * 3);
    for (int i = 0; i < n; ++i) {
      if (i > 0) vec_.draw(i, frame_);
      raster_.draw(frame_, cell_, cw, ch);
      render::put_cell(g, i, cell_, grid);
    }
    return arr;
  }

  // render_mode="human": the grid of the first `count` envs (0: all) in the window.
  bool render_human(int cols, int count, double scale) {
    Busy busy(*this);
    nb::object grid = render_grid_unguarded(cols, count, scale);
    const nb::tuple shape = nb::borrow<nb::tuple>(grid.attr("shape"));
    const int h = nb::cast<int>(shape[0]), w = nb::cast<int>(shape[1]);
    const std::span<const std::uint8_t> rgb(static_cast<const std::uint8_t*>(array_data(grid.ptr())),
                                            static_cast<std::size_t>(w) * h * 3);
    return window_.show(vec_.spec().id + " x " + std::to_string(vec_.num_envs()), nullptr, rgb, w, h,
                        vec_.spec().frame_rate(), 0, 0, 0.0);
  }
  void close_window() { window_.close(); }

  // Address of the observation buffer, for tests of zero-copy.
  std::uintptr_t observations_address() const {
    return reinterpret_cast<std::uintptr_t>(vec_.observations().data());
  }

 private:
  // Refuses a second step/reset entering while the first runs without the GIL.
  struct Busy {
    explicit Busy(PyVectorEnv& v) : v_(v) {
      if (v_.busy_.exchange(true))
        throw std::runtime_error("VectorEnv: step()/reset() called from another thread while one is running");
    }
    ~Busy() { v_.busy_.store(false); }
    PyVectorEnv& v_;
  };
  VectorEnv vec_;
  std::atomic<bool> busy_{false};
  Frame frame_;
  render::Rasterizer raster_;
  std::vector<std::uint8_t> cell_;
  HumanWindow window_;
  mutable std::vector<std::string_view> info_keys_;  // infos(): the step's distinct keys (reused)
};

// Adds the envs of a user's C++ module (see env_module.hpp) to this extension's registry.
std::vector<std::string> register_env_module(const std::string& module_name, nb::handle capsule) {
  auto* table = static_cast<EnvModuleTable*>(PyCapsule_GetPointer(capsule.ptr(), kEnvModuleCapsule));
  if (!table) throw nb::python_error();
  const EnvModuleTable here;
  if (table->abi != here.abi || table->sizeof_env != here.sizeof_env ||
      table->sizeof_space != here.sizeof_space || table->sizeof_spec != here.sizeof_spec) {
    PyErr_SetString(PyExc_ImportError,
                    ("C++ env module '" + module_name +
                     "' was built against different rlforge headers (ABI " +
                     std::to_string(table->abi) + ", sizeof(Env) " +
                     std::to_string(table->sizeof_env) + "; this rlforge: ABI " +
                     std::to_string(here.abi) + ", sizeof(Env) " +
                     std::to_string(here.sizeof_env) + "); rebuild it").c_str());
    throw nb::python_error();
  }
  std::vector<std::string> ids;
  for (EnvSpec spec : table->specs()) {
    const std::string id = spec.id;
    auto make_fn = table->make;
    Registry::global().add(std::move(spec), [make_fn, id](const JsonObject& kwargs) {
      return make_fn(id, kwargs.dump());
    });
    ids.push_back(id);
  }
  return ids;
}

// Seconds per step of one env stepped in C++ with `actions` ([k, *action shape], cycled),
// resetting when an episode ends: the baseline of experiments/bench_python_step.py.
double time_cpp_steps(std::string_view id, nb::handle actions, int steps, std::uint64_t seed) {
  auto env = make(id);
  const Space& as = env->action_space();
  const std::int64_t k = nb::len(actions);
  if (k < 1 || steps < 1) throw nb::value_error("time_cpp_steps: need >= 1 action and >= 1 step");
  ActionHold hold;
  const ConstArray all = action_from_python(actions.ptr(), as, env->id(), hold, k);
  if (all.dtype != as.dtype())
    throw nb::value_error("time_cpp_steps: actions must have the action space's dtype");
  std::vector<std::byte> obs(env->observation_space().nbytes());
  Info info;
  const std::size_t row = as.nbytes();
  nb::gil_scoped_release release;
  env->reset(seed, std::span<std::byte>(obs), info);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    const ConstArray a{static_cast<const std::byte*>(all.data) + static_cast<std::size_t>(i % k) * row,
                       as.dtype(), as.shape()};
    const StepResult r = env->step(a, std::span<std::byte>(obs), info);
    if (r.terminated || r.truncated) env->reset(std::nullopt, std::span<std::byte>(obs), info);
  }
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(t1 - t0).count() / steps;
}

nb::list env_specs() {
  nb::list out;
  for (const EnvSpec& s : Registry::global().specs()) out.append(spec_dict(s));
  return out;
}

}  // namespace
}  // namespace rlforge::python

NB_MODULE(_rlforge, m) {
  using namespace rlforge::python;
  m.doc() = "rlforge's C++ core: env and vector-env handles, the env registry, agents, error mapping.";
  if (!import_numpy()) throw nb::python_error();
  nb::register_exception_translator(translate);

  m.def("_set_error_types", &set_error_types, "types"_a);
  m.def("display_problem", &display_problem,
        "Why render_mode=\"human\" cannot open a window here, or \"\" when it can.");
  m.def("env_specs", &env_specs, "Specs of every registered env, sorted by id.");
  m.def("register_env_module", &register_env_module, "module_name"_a, "capsule"_a);
  m.def("time_cpp_steps", &time_cpp_steps, "id"_a, "actions"_a, "steps"_a, "seed"_a = 0,
        "Seconds per C++ step of one env with these actions (cycled); for benchmarks.");
  bind_agents(m);

  nb::class_<PyEnv>(m, "Env", "One C++ env; rlforge.Env wraps it as a gymnasium.Env.")
      .def(nb::init<std::string_view, std::string_view>(), "id"_a, "kwargs_json"_a = "{}")
      .def_prop_ro("id", &PyEnv::id)
      .def_prop_ro("observation_space_json", &PyEnv::observation_space_json)
      .def_prop_ro("action_space_json", &PyEnv::action_space_json)
      .def_prop_ro("spec", &PyEnv::spec)
      .def_prop_ro("elapsed_steps", &PyEnv::elapsed_steps)
      .def_prop_ro("needs_reset", &PyEnv::needs_reset)
      .def("reset", &PyEnv::reset, "seed"_a.none(), "options_json"_a.none())
      .def("step", &PyEnv::step, "action"_a.none())
      .def("get_state", &PyEnv::get_state)
      .def("set_state", &PyEnv::set_state, "state"_a)
      .def_prop_ro("renders", &PyEnv::renders)
      .def("render_rgb", &PyEnv::render_rgb, "width"_a = 0, "height"_a = 0)
      .def("render_human", &PyEnv::render_human, "episode"_a, "episode_return"_a)
      .def("close_window", &PyEnv::close_window);

  nb::class_<PyVectorEnv>(m, "VectorEnv",
                          "N C++ envs stepped with TBB; rlforge.VectorEnv wraps it.")
      .def(nb::init<std::string_view, int, std::string_view, int, bool>(), "id"_a,
           "num_envs"_a, "kwargs_json"_a = "{}", "num_threads"_a = 0, "same_step"_a = false)
      .def_prop_ro("num_envs", &PyVectorEnv::num_envs)
      .def_prop_ro("num_threads", &PyVectorEnv::num_threads)
      .def_prop_ro("is_batched", &PyVectorEnv::is_batched)
      .def_prop_ro("same_step", &PyVectorEnv::same_step)
      .def_prop_ro("observation_space_json", &PyVectorEnv::observation_space_json)
      .def_prop_ro("action_space_json", &PyVectorEnv::action_space_json)
      .def_prop_ro("spec", &PyVectorEnv::spec)
      .def("views", [](nb::handle self) { return PyVectorEnv::views(self); })
      .def("reset", &PyVectorEnv::reset, "seed"_a.none(), "options_json"_a.none())
      .def("step", &PyVectorEnv::step, "actions"_a.none())
      .def("infos", &PyVectorEnv::infos, "final"_a = false)
      .def_prop_ro("observations_address", &PyVectorEnv::observations_address)
      .def_prop_ro("renders", &PyVectorEnv::renders)
      .def("render_rgb", &PyVectorEnv::render_rgb, "index"_a, "width"_a = 0, "height"_a = 0)
      .def("render_grid", &PyVectorEnv::render_grid, "cols"_a = 0, "count"_a = 0, "scale"_a = 1.0)
      .def("render_human", &PyVectorEnv::render_human, "cols"_a = 0, "count"_a = 0, "scale"_a = 1.0)
      .def("close_window", &PyVectorEnv::close_window);
}
