// JsonObject on rapidjson (through cereal's JSON archive header, which sets its error and
// NaN/Inf conventions).
#include "core/json.hpp"

#include <algorithm>

#include <cereal/archives/json.hpp>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <unistd.h>

#include "core/error.hpp"

namespace rlforge {

struct JsonObject::Impl {
  rapidjson::Document doc;
  const rapidjson::Value* node = nullptr;  // the object this JsonObject stands for
};

JsonObject::JsonObject() : impl_(std::make_shared<Impl>()) {
  impl_->doc.SetObject();
  impl_->node = &impl_->doc;
}

// rapidjson keeps every member of an object, and lookups find the first: a key written twice
// would silently keep its first value. Refused instead, naming the key path.
static void reject_duplicate_keys(const rapidjson::Value& v, const std::string& path,
                                  const std::string& where) {
  if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      reject_duplicate_keys(v[i], path + "[" + std::to_string(i) + "]", where);
    return;
  }
  if (!v.IsObject()) return;
  std::set<std::string_view> seen;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string_view key(m->name.GetString(), m->name.GetStringLength());
    const std::string key_path = path.empty() ? std::string(key) : path + "." + std::string(key);
    if (!seen.insert(key).second)
      throw ConfigError(where + ": key '" + key_path + "' appears twice; give each key once");
    reject_duplicate_keys(m->value, key_path, where);
  }
}

namespace {
// Deepest nesting a config, kwargs or state text may have. The parser, the duplicate-key check
// and the writer all recurse once per level, so arbitrary text ("[[[[..." a megabyte long) must
// be refused before it reaches them rather than overflow the stack.
constexpr int kMaxJsonDepth = 64;

// rapidjson 1.1's exact strtod (kParseFullPrecisionFlag) reaches __builtin_clzll(0) and shifts
// by 64 or more, undefined behaviour (found by tests/fuzz/fuzz_config), for a zero that its fast
// path does not take: one with an exponent beyond +-22 ("0e-33") or more zeros than it reads
// ("0.0000000000000000000000000"). Every zero written with an exponent or more than 16 zeros is
// rewritten, in a copy, as the same zero padded with spaces ("0.0    ", "-0.0   "), which keeps
// every offset that error messages report (rapidjson reports the first character after the
// number's blanks, which is where the original number ended). Returns false when the text has no
// such token. Sets bad_number_at (and stops) at a number too long for rapidjson (see below).
// Also measures the nesting depth of [ and { outside strings into `deepest`, stopping past
// kMaxJsonDepth.
bool rewrite_long_zeros(std::string_view text, std::string& out, std::size_t& bad_number_at, int& deepest) {
  bool changed = false, in_string = false;
  int depth = 0;
  deepest = 0;
  const auto digit = [&](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '9'; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) return changed;
    } else if (c == ']' || c == '}') {
      --depth;
    }
    if (c == 'N' || c == 'I') {
      // NaN and Infinity (kParseNanAndInfFlag) glued to a number ("NaN.0e-82"): rapidjson
      // reads the digits after them into its exact strtod with a zero significand (clz(0)).
      // rapidjson takes "Inf" as well as "Infinity"; "Infe000" made its strtod assert, which
      // cereal turns into a throw through a noexcept function: std::terminate (fuzz_config).
      const std::size_t n = text.compare(i, 3, "NaN") == 0        ? 3
                            : text.compare(i, 8, "Infinity") == 0 ? 8
                            : text.compare(i, 3, "Inf") == 0      ? 3
                                                                  : 0;
      if (n > 0 && i + n < text.size() && std::strchr("0123456789.eE+-", text[i + n]) != nullptr) {
        bad_number_at = i;
        return changed;
      }
      continue;
    }
    if (c != '-' && !(c >= '0' && c <= '9')) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '.' ||
                  text[i - 1] == '-' || text[i - 1] == '+'))
      continue;  // inside a token (10.000..., 1e-0...), not the start of a number
    {
      // A number longer than 64 characters, or with an exponent of more than 4 digits
      // (1e536870878), reaches int overflows in rapidjson's exact strtod (undefined behaviour,
      // found by fuzz_config); no config needs one.
      std::size_t end = i + 1;
      while (end < text.size() && std::strchr("0123456789.eE+-", text[end]) != nullptr) ++end;
      if (end - i > 64) {
        bad_number_at = i;
        return changed;
      }
      std::size_t e = i + 1;
      int fraction_digits = 0, int_digits = 0;  // significant integer digits (no leading zeros)
      bool in_fraction = false, nonzero = c >= '1' && c <= '9';
      if (nonzero) int_digits = 1;
      while (e < text.size() && (digit(e) || text[e] == '.')) {
        if (text[e] == '.') {
          in_fraction = true;
        } else if (in_fraction) {
          ++fraction_digits;
          nonzero = nonzero || text[e] != '0';
        } else if (nonzero || text[e] != '0') {
          nonzero = true;
          ++int_digits;
        }
        ++e;
      }
      if (e < text.size() && (text[e] == 'e' || text[e] == 'E')) {
        ++e;
        const bool negative = e < text.size() && text[e] == '-';
        if (e < text.size() && (text[e] == '+' || text[e] == '-')) ++e;
        while (e < text.size() && text[e] == '0') ++e;
        std::size_t n = 0;
        int exp10 = 0;
        while (digit(e + n)) {
          if (n < 5) exp10 = exp10 * 10 + (text[e + n] - '0');  // more digits are refused below
          ++n;
        }
        if (n > 4) {
          bad_number_at = i;
          return changed;
        }
        if (negative) exp10 = -exp10;
        // A non-zero number whose digits sit beyond rapidjson's table of cached powers of ten
        // (its exponent minus its fraction digits below -330: "0.000184467e-333") overflows an
        // int in its exact strtod (fuzz_config); so does one beyond a double's range. Zeros are
        // rewritten below instead.
        if (nonzero && (exp10 - fraction_digits < -330 || exp10 + int_digits > 309)) {
          bad_number_at = i;
          return changed;
        }
      }
    }
    if (c != '-' && c != '0') continue;
    // -?0(\.0+)?([eE][+-]?[0-9]+)? not followed by another digit or point.
    std::size_t k = i + (c == '-');
    if (k >= text.size() || text[k] != '0' || digit(k + 1)) continue;
    ++k;
    std::size_t zeros = 0;
    if (k < text.size() && text[k] == '.') {
      std::size_t f = k + 1;
      while (f < text.size() && text[f] == '0') ++f;
      if (f == k + 1 || digit(f)) continue;  // "0." is rapidjson's to refuse; "0.001" is no zero
      zeros = f - (k + 1);
      k = f;
    }
    bool exponent = false;
    if (k < text.size() && (text[k] == 'e' || text[k] == 'E')) {
      std::size_t e = k + 1;
      if (e < text.size() && (text[e] == '+' || text[e] == '-')) ++e;
      if (!digit(e)) continue;
      while (digit(e)) ++e;
      exponent = true;
      k = e;
    }
    if (!exponent && zeros <= 16) {
      i = k - 1;
      continue;
    }
    if (!changed) out.assign(text);
    changed = true;
    // A number character right after the token ("0e0e-80") makes the text invalid anyway; the
    // zero is then written without its ".0" so that a blank always separates it from that.
    const bool glued = k < text.size() && std::strchr("0123456789.eE+-", text[k]) != nullptr;
    const std::string zero = std::string(c == '-' ? "-0" : "0") + (glued ? "" : ".0");
    for (std::size_t m = i; m < k; ++m) out[m] = ' ';
    out.replace(i, zero.size(), zero);  // left-aligned: what follows cannot extend the number
    i = k - 1;
  }
  return changed;
}

}  // namespace

JsonObject JsonObject::parse(std::string_view text, std::string where) {
  JsonObject o;
  o.where_ = std::move(where);
  std::string zeros_rewritten;
  std::size_t bad_number = std::string_view::npos;
  int depth = 0;
  if (rewrite_long_zeros(text, zeros_rewritten, bad_number, depth)) text = zeros_rewritten;
  if (depth > kMaxJsonDepth)
    throw ConfigError(o.where_ + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  if (bad_number != std::string_view::npos) {
    const std::size_t end = std::min(text.size(), text.find_first_of(" \t\r\n,]}", bad_number));
    throw ConfigError(o.where_ + ": number " + std::string(text.substr(bad_number, std::min<std::size_t>(end - bad_number, 40))) +
                      (end - bad_number > 40 ? "..." : "") + " is out of range (more than 64 characters, an exponent of more than 4 digits, beyond the "
                      "range of a double, or NaN/Infinity with digits after it)");
  }
  rapidjson::ParseResult ok =
      o.impl_->doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseNanAndInfFlag>(
          text.data(), text.size());
  if (!ok) {
    // Report line and column, which a person can find, rather than a byte offset.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < ok.Offset() && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw ConfigError(o.where_ + ": invalid JSON at line " + std::to_string(line) + ", column " +
                      std::to_string(col) + ": " + rapidjson::GetParseError_En(ok.Code()));
  }
  if (!o.impl_->doc.IsObject())
    throw ConfigError(o.where_ + ": expected a JSON object {...} at the top level");
  reject_duplicate_keys(o.impl_->doc, "", o.where_);
  o.impl_->node = &o.impl_->doc;
  return o;
}

static const char* type_name(const rapidjson::Value& v) {
  if (v.IsBool()) return "bool";
  if (v.IsInt64() || v.IsUint64()) return "integer";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  if (v.IsObject()) return "object";
  return "null";
}

namespace {
const rapidjson::Value* find(const rapidjson::Value& obj, std::string_view key) {
  auto it = obj.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
  return it == obj.MemberEnd() ? nullptr : &it->value;
}
}  // namespace

static std::string key_path(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

#define RLFORGE_JSON_REQUIRE(cond, expected)                                                   \
  if (!(cond))                                                                                 \
  throw ConfigError(where_ + ": key '" + key_path(path_, key) + "' must be " expected ", got " + \
                    type_name(*v) + " " + dump_value(*v))

static std::string dump_value(const rapidjson::Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                    rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>
      w(sb);
  v.Accept(w);
  return sb.GetString();
}

bool JsonObject::empty() const { return impl_->node->MemberCount() == 0; }
bool JsonObject::has(std::string_view key) const { return find(*impl_->node, key) != nullptr; }

std::vector<std::string> JsonObject::keys() const {
  std::vector<std::string> out;
  for (auto& m : impl_->node->GetObject()) out.emplace_back(m.name.GetString());
  return out;
}

std::string JsonObject::type_of(std::string_view key) const {
  const auto* v = find(*impl_->node, key);
  return v ? type_name(*v) : "missing";
}

static const rapidjson::Value* require(const JsonObject& o, const rapidjson::Value& node,
                                       std::string_view key, const std::string& path) {
  const auto* v = find(node, key);
  if (!v) throw ConfigError(o.where() + ": missing key '" + key_path(path, key) + "'");
  return v;
}

double JsonObject::get_double(std::string_view key) const {
  const auto* v = require(*this, *impl_->node, key, path_);
  RLFORGE_JSON_REQUIRE(v->IsNumber(), "a number");
  return v->GetDouble();
}
double JsonObject::get_double(std::string_view key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}
std::int64_t JsonObject::get_int(std::string_view key) const {
  const auto* v = require(*this, *impl_->node, key, path_);
  RLFORGE_JSON_REQUIRE(v->IsInt64(), "an integer");
  return v->GetInt64();
}
std::int64_t JsonObject::get_int(std::string_view key, std::int64_t fallback) const {
  return has(key) ? get_int(key) : fallback;
}
bool JsonObject::get_bool(std::string_view key) const {
  const auto* v = require(*this, *impl_->node, key, path_);
  RLFORGE_JSON_REQUIRE(v->IsBool(), "true or false");
  return v->GetBool();
}
bool JsonObject::get_bool(std::string_view key, bool fallback) const {
  return has(key) ? get_bool(key) : fallback;
}
std::string JsonObject::get_string(std::string_view key) const {
  const auto* v = require(*this, *impl_->node, key, path_);
  RLFORGE_JSON_REQUIRE(v->IsString(), "a string");
  return v->GetString();
}
std::vector<double> JsonObject::get_doubles(std::string_view key) const {
  const auto* v = require(*this, *impl_->node, key, path_);
  if (v->IsNumber()) return {v->GetDouble()};
  RLFORGE_JSON_REQUIRE(v->IsArray(), "a number or an array of numbers");
  std::vector<double> out;
  for (auto& e : v->GetArray()) {
    if (!e.IsNumber())
      throw ConfigError(where_ + ": key '" + key_path(path_, key) +
                        "' must hold only numbers, got " + dump_value(e));
    out.push_back(e.GetDouble());
  }
  return out;
}
JsonObject JsonObject::get_object(std::string_view key) const {
  const auto* v = require(*this, *impl_->node, key, path_);
  RLFORGE_JSON_REQUIRE(v->IsObject(), "an object");
  JsonObject o;
  o.impl_ = std::make_shared<Impl>();
  o.impl_->doc.CopyFrom(*v, o.impl_->doc.GetAllocator());
  o.impl_->node = &o.impl_->doc;
  o.where_ = where_;
  o.path_ = key_path(path_, key);
  return o;
}

std::vector<JsonObject> JsonObject::get_objects(std::string_view key) const {
  const auto* v = require(*this, *impl_->node, key, path_);
  RLFORGE_JSON_REQUIRE(v->IsArray(), "an array of objects");
  std::vector<JsonObject> out;
  for (auto& e : v->GetArray()) {
    const std::string at = key_path(path_, key) + "[" + std::to_string(out.size()) + "]";
    if (!e.IsObject())
      throw ConfigError(where_ + ": key '" + at + "' must be an object, got " + type_name(e) + " " + dump_value(e));
    JsonObject o;
    o.impl_ = std::make_shared<Impl>();
    o.impl_->doc.CopyFrom(e, o.impl_->doc.GetAllocator());
    o.impl_->node = &o.impl_->doc;
    o.where_ = where_;
    o.path_ = at;
    out.push_back(std::move(o));
  }
  return out;
}

void JsonObject::merge_from(const JsonObject& other) {
  auto& doc = impl_->doc;
  if (impl_->node != &doc) throw Error("JsonObject::merge_from on a view");
  // Copy on write: other JsonObjects may share this document.
  auto fresh = std::make_shared<Impl>();
  fresh->doc.CopyFrom(doc, fresh->doc.GetAllocator());
  fresh->node = &fresh->doc;
  for (auto& m : other.impl_->node->GetObject()) {
    rapidjson::Value value(m.value, fresh->doc.GetAllocator());
    auto it = fresh->doc.FindMember(m.name);
    if (it != fresh->doc.MemberEnd()) {
      it->value = value;
    } else {
      rapidjson::Value name(m.name, fresh->doc.GetAllocator());
      fresh->doc.AddMember(name, value, fresh->doc.GetAllocator());
    }
  }
  impl_ = std::move(fresh);
}

void JsonObject::erase(std::string_view key) {
  if (!has(key)) return;
  auto fresh = std::make_shared<Impl>();  // copy on write, as merge_from
  fresh->doc.CopyFrom(*impl_->node, fresh->doc.GetAllocator());
  fresh->node = &fresh->doc;
  fresh->doc.RemoveMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
  impl_ = std::move(fresh);
}

std::string JsonObject::dump() const { return dump_value(*impl_->node); }

}  // namespace rlforge
