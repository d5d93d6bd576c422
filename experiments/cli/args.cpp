// Args: parsing `--flag value` / `--flag=value` words against a command's option specs.
#include "experiments/cli/args.hpp"

#include <algorithm>
#include <charconv>

namespace rlforge::cli {

namespace {

const OptionSpec* find_spec(std::span<const OptionSpec> specs, std::string_view name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

Args Args::parse(std::span<const OptionSpec> specs, std::span<char* const> argv) {
  Args out;
  out.specs_ = specs;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string_view word = argv[i];
    if (word == "--help" || word == "-h") {
      out.help_ = true;
      continue;
    }
    if (!word.starts_with("--")) {
      const OptionSpec* slot = nullptr;
      for (const auto& s : specs)
        if (!s.name.starts_with("-") && !out.has(s.name)) {
          slot = &s;
          break;
        }
      if (!slot)
        throw UsageError("unexpected argument '" + std::string(word) + "' (options start with --)");
      out.values_[std::string(slot->name)] = std::string(word);
      continue;
    }
    const auto eq = word.find('=');
    const std::string_view name = word.substr(0, eq);
    const OptionSpec* spec = find_spec(specs, name);
    if (!spec) throw UsageError("unknown option '" + std::string(name) + "'");
    const bool repeatable = spec->value_name.ends_with("...");
    if (out.has(name) && !repeatable)
      throw UsageError("option '" + std::string(name) + "' given twice");
    std::string value;
    if (spec->value_name.empty()) {
      if (eq != std::string_view::npos)
        throw UsageError("option '" + std::string(name) + "' takes no value");
    } else if (eq != std::string_view::npos) {
      value = std::string(word.substr(eq + 1));
    } else {
      // A following word that is itself a known option means the value was forgotten.
      if (i + 1 >= argv.size() || (std::string_view(argv[i + 1]).starts_with("--") &&
                                   find_spec(specs, std::string_view(argv[i + 1]).substr(
                                                        0, std::string_view(argv[i + 1]).find('=')))))
        throw UsageError("option '" + std::string(name) + "' needs a value " +
                         std::string(spec->value_name));
      value = argv[++i];
    }
    out.all_[std::string(name)].push_back(value);
    out.values_[std::string(name)] = std::move(value);
  }
  if (out.help_) return out;
  for (const auto& s : specs)
    if (s.required && !out.has(s.name))
      throw UsageError(s.name.starts_with("-") ? "missing required option " + std::string(s.name) +
                                                     " " + std::string(s.value_name)
                                               : "missing required argument " + std::string(s.name));
  return out;
}

std::string Args::get(std::string_view name) const {
  if (auto it = values_.find(std::string(name)); it != values_.end()) return it->second;
  const OptionSpec* spec = find_spec(specs_, name);
  return spec ? std::string(spec->default_value) : std::string();
}

std::int64_t Args::get_int(std::string_view name, std::int64_t min, std::int64_t max) const {
  const std::string text = get(name);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw UsageError("option " + std::string(name) + " needs an integer, got '" + text + "'");
  if (v < min || v > max)
    throw UsageError("option " + std::string(name) + " must be in [" + std::to_string(min) +
                     ", " + std::to_string(max) + "], got " + text);
  return v;
}

std::vector<std::string> Args::get_all(std::string_view name) const {
  if (auto it = all_.find(std::string(name)); it != all_.end()) return it->second;
  return {};
}

std::string format_options(std::span<const OptionSpec> specs) {
  std::size_t width = 0;
  auto left = [](const OptionSpec& s) {
    return std::string(s.name) + (s.value_name.empty() ? "" : " " + std::string(s.value_name));
  };
  for (const auto& s : specs) width = std::max(width, left(s).size());
  std::string out;
  for (const auto& s : specs) {
    std::string l = left(s);
    l.resize(width + 2, ' ');
    out += "  " + l + std::string(s.help);
    if (s.required) out += " (required)";
    else if (!s.default_value.empty()) out += " (default: " + std::string(s.default_value) + ")";
    out += "\n";
  }
  std::string h = "--help";
  h.resize(width + 2, ' ');
  out += "  " + h + "Show this help and exit\n";
  return out;
}

}  // namespace rlforge::cli
