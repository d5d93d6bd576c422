// agents_module.cpp: rlforge._rlforge's agents part — config resolution, train/resume (GIL released, Ctrl-C as the CLI), Policy.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <atomic>
#include <csignal>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agents/config.hpp"
#include "agents/policy.hpp"
#include "agents/trainer.hpp"
#include "bindings/src/agents_module.hpp"
#include "bindings/src/numpy_bridge.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace rlforge::python {
namespace {

const char* algo_name(const agents::AgentConfig& c) {
  if (std::holds_alternative<agents::DqnConfig>(c)) return "dqn";
  if (std::holds_alternative<agents::SacConfig>(c)) return "sac";
  return "ppo";
}

// A config from a file (`path`) or JSON text (`json`, named `source` in errors), with
// "key.path=<JSON value>" overrides, checked by the C++ reader: errors are ConfigError naming
// the file or source and the key path. Returns (resolved JSON, algo, env id, seed).
nb::tuple resolve_config(const std::optional<std::string>& path, const std::optional<std::string>& json,
                         const std::string& source, const std::vector<std::string>& overrides) {
  if (path.has_value() == json.has_value()) throw InvalidArgument("resolve_config: give either path or json");
  std::optional<agents::AgentConfig> cfg;
  if (path) {
    cfg = agents::load_config(*path, overrides);
  } else {
    JsonObject root = JsonObject::parse(*json, source);
    for (const std::string& o : overrides) {
      const auto eq = o.find('=');
      if (eq == std::string::npos || eq == 0)
        throw ConfigError(source + ": override '" + o + "' must look like key.path=value");
      agents::set_json_path(root, std::string_view(o).substr(0, eq), std::string_view(o).substr(eq + 1));
    }
    cfg = agents::config_from_json(root);
  }
  const agents::RunConfig& rc = agents::run_config(*cfg);
  return nb::make_tuple(agents::to_json(*cfg), algo_name(*cfg), rc.env_id, rc.seed);
}

// Ctrl-C while training: the first SIGINT asks the trainer to checkpoint and stop (and, as
// in the CLI, restores the default action, so a second one ends the process at once).
std::atomic<bool> g_interrupt{false};
extern "C" void on_sigint(int) {
  g_interrupt.store(true);
  std::signal(SIGINT, SIG_DFL);
}

// Installs on_sigint for its lifetime and puts the previous (Python's) handler back after.
class SigintGuard {
 public:
  explicit SigintGuard(bool install) : installed_(install) {
    if (!installed_) return;
    g_interrupt.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_);
  }
  ~SigintGuard() {
    if (installed_) sigaction(SIGINT, &previous_, nullptr);
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  bool installed_;
  struct sigaction previous_ {};
};

nb::dict result_dict(const agents::TrainResult& r) {
  nb::dict d;
  d["steps"] = r.steps;
  d["updates"] = r.updates;
  d["seconds"] = r.seconds;
  d["reached_target"] = r.reached_target;
  d["steps_to_target"] = r.steps_to_target;
  d["seconds_to_target"] = r.seconds_to_target;
  d["stopped"] = r.stopped;
  d["eval_mean"] = r.final_eval ? nb::object(nb::float_(r.final_eval->mean)) : nb::none();
  d["eval_std"] = r.final_eval ? nb::object(nb::float_(r.final_eval->std)) : nb::none();
  return d;
}

// Runs train (config_json given) or resume (none) without the GIL. `handle_sigint` (the caller
// is the main thread) turns Ctrl-C into a checkpoint and then KeyboardInterrupt.
nb::dict run_training(const std::optional<std::string>& config_json, const std::string& out_dir, bool progress,
                      bool handle_sigint, std::int64_t stop_after_updates, bool force) {
  std::optional<agents::AgentConfig> cfg;
  if (config_json) cfg = agents::config_from_json(JsonObject::parse(*config_json, out_dir + "/config.json"));
  // Only the main thread's run listens to Ctrl-C; a run on another thread has its own flag,
  // never set, so a Ctrl-C meant for the main thread's run does not stop it.
  std::atomic<bool> never{false};
  const std::atomic<bool>& flag = handle_sigint ? g_interrupt : never;
  agents::TrainOptions opt;
  opt.out_dir = out_dir;
  opt.progress = progress;
  opt.interrupt = &flag;
  opt.stop_after_updates = stop_after_updates;
  opt.force = force;
  agents::TrainResult res;
  bool interrupted = false;
  {
    SigintGuard guard(handle_sigint);
    nb::gil_scoped_release release;
    res = cfg ? agents::train(*cfg, opt) : agents::resume(opt);
    interrupted = flag.load();
  }
  if (interrupted && res.stopped) {
    PyErr_SetString(PyExc_KeyboardInterrupt,
                    ("training interrupted at step " + std::to_string(res.steps) + "; checkpoint written to " +
                     out_dir + "/checkpoints/latest.ckpt (continue with rlforge.resume)").c_str());
    throw nb::python_error();
  }
  return result_dict(res);
}

// A loaded policy. act() takes a C-contiguous float32 array [B, obs numel] (the Python
// wrapper checks and converts shapes and dtypes) and returns int64 [B] or float32 [B, *act shape].
class PyPolicy {
 public:
  explicit PyPolicy(const std::string& path) : p_(agents::load_policy(path)) {}

  const std::string& algo() const { return p_.algo(); }
  const std::string& env_id() const { return p_.run_config().env_id; }
  const std::string& env_kwargs() const { return p_.run_config().env_kwargs; }
  std::string config_json() const { return p_.config_json(); }
  const std::string& checkpoint() const { return p_.checkpoint(); }
  std::int64_t global_step() const { return p_.global_step(); }
  std::string observation_space_json() const { return p_.observation_space().to_json(); }
  std::string action_space_json() const { return p_.action_space().to_json(); }

  nb::object act(nb::handle obs) const {
    Py_buffer view;
    if (PyObject_GetBuffer(obs.ptr(), &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_ND) != 0)
      throw nb::python_error();
    struct Release {
      Py_buffer* v;
      ~Release() { PyBuffer_Release(v); }
    } release{&view};
    const std::int64_t dim = p_.observation_space().numel();
    if (view.ndim != 2 || std::string(view.format) != "f" || view.shape[1] != dim)
      throw InvalidArgument("Policy.act: expected a C-contiguous float32 array of shape (B, " + std::to_string(dim) + ")");
    const auto n = static_cast<int>(view.shape[0]);
    const auto rows = static_cast<std::size_t>(n);
    const Space& as = p_.action_space();
    std::span<const float> in(static_cast<const float*>(view.buf), rows * static_cast<std::size_t>(dim));
    if (p_.is_discrete()) {
      nb::object out = nb::steal(new_array(Shape{}, DType::int64, n));
      if (!out.is_valid()) throw nb::python_error();
      p_.act(in, n, {static_cast<std::int64_t*>(array_data(out.ptr())), rows}, {});
      return out;
    }
    nb::object out = nb::steal(new_array(as.shape(), DType::float32, n));
    if (!out.is_valid()) throw nb::python_error();
    p_.act(in, n, {}, {static_cast<float*>(array_data(out.ptr())), rows * static_cast<std::size_t>(as.numel())});
    return out;
  }

  nb::tuple evaluate(int episodes, std::uint64_t seed) const {
    if (episodes < 1) throw InvalidArgument("Policy.evaluate: episodes must be >= 1, got " + std::to_string(episodes));
    agents::EvalResult r;
    {
      nb::gil_scoped_release release;
      r = p_.evaluate(episodes, seed);
    }
    return nb::make_tuple(r.mean, r.std, r.returns);
  }

 private:
  agents::Policy p_;
};

}  // namespace

void bind_agents(nb::module_& m) {
  m.def("resolve_config", &resolve_config, "path"_a.none(), "json"_a.none(), "source"_a, "overrides"_a,
        "(resolved JSON, algo, env id, seed) of a config file or JSON text with key.path=<JSON> overrides.");
  m.def("train", &run_training, "config_json"_a.none(), "out_dir"_a, "progress"_a, "handle_sigint"_a,
        "stop_after_updates"_a = 0, "force"_a = false,
        "Trains (config_json) or resumes (None) the run in out_dir without the GIL; returns the result.");
  nb::class_<PyPolicy>(m, "Policy", "A trained agent's deterministic policy; rlforge.Policy wraps it.")
      .def(nb::init<const std::string&>(), "path"_a)
      .def_prop_ro("algo", &PyPolicy::algo)
      .def_prop_ro("env_id", &PyPolicy::env_id)
      .def_prop_ro("env_kwargs", &PyPolicy::env_kwargs)
      .def_prop_ro("config_json", &PyPolicy::config_json)
      .def_prop_ro("checkpoint", &PyPolicy::checkpoint)
      .def_prop_ro("global_step", &PyPolicy::global_step)
      .def_prop_ro("observation_space_json", &PyPolicy::observation_space_json)
      .def_prop_ro("action_space_json", &PyPolicy::action_space_json)
      .def("act", &PyPolicy::act, "obs"_a)
      .def("evaluate", &PyPolicy::evaluate, "episodes"_a, "seed"_a);
}

}  // namespace rlforge::python
