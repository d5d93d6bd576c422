// JsonObject on rapidjson (through cereal's JSON archive header, which sets its error and
// NaN/Inf conventions).
#include "core/json.hpp"

#include <algorithm>

#include <cereal/archives/json.hpp>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

// The nesting depth of [ and { outside strings, stopping early past kMaxJsonDepth.
int nesting_depth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size() && deepest <= kMaxJsonDepth; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}
}  // namespace

JsonObject JsonObject::parse(std::string_view text, std::string where) {
  JsonObject o;
  o.where_ = std::move(where);
  if (nesting_depth(text) > kMaxJsonDepth)
    throw ConfigError(o.where_ + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
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
