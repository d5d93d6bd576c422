// JsonObject: a parsed JSON object (kwargs, reset options, configs) with typed getters whose
// errors name the source and the key path. Backed by rapidjson, which cereal ships with.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rlforge {

class JsonObject {
 public:
  // An empty object.
  JsonObject();
  // Parses `text`, which must be a JSON object; `where` names the source in errors
  // (a file path, "kwargs of CartPole-v1", ...). Throws ConfigError.
  static JsonObject parse(std::string_view text, std::string where);

  const std::string& where() const { return where_; }
  bool empty() const;
  bool has(std::string_view key) const;
  std::vector<std::string> keys() const;
  // Type of a key's value: "number", "integer", "bool", "string", "array", "object", "null".
  std::string type_of(std::string_view key) const;

  // Typed getters; a missing key or a value of the wrong type throws ConfigError naming
  // where(), the key and the expected type. The defaulted overloads accept a missing key.
  double get_double(std::string_view key) const;
  double get_double(std::string_view key, double fallback) const;
  std::int64_t get_int(std::string_view key) const;
  std::int64_t get_int(std::string_view key, std::int64_t fallback) const;
  bool get_bool(std::string_view key) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key) const;
  std::vector<double> get_doubles(std::string_view key) const;
  JsonObject get_object(std::string_view key) const;
  // An array of objects (e.g. a config's layer list); element i's key path is "key[i]".
  std::vector<JsonObject> get_objects(std::string_view key) const;

  // Copies every key of `other` over this object (the values' JSON text is copied).
  void merge_from(const JsonObject& other);
  // Removes a key if present.
  void erase(std::string_view key);
  std::string dump() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::string where_;
  std::string path_;  // key path of this object inside its source ("" at the root)
};

}  // namespace rlforge
