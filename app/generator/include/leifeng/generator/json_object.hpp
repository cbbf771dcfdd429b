// A JSON object as an ordered list of fields, so that bad input can be made from a valid
// event by removing a field or giving it the wrong JSON type before it is written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace leifeng::generator {

using JsonValue =
    std::variant<std::nullptr_t, bool, int64_t, double, std::string, std::vector<std::string>>;

class JsonObject {
 public:
  // Replaces the value of an existing field, else appends the field. Keys are literals.
  // One overload per JSON type, so that a bool never silently becomes an integer.
  void set_value(std::string_view key, JsonValue value);
  void set(std::string_view key, std::nullptr_t) { set_value(key, nullptr); }
  void set(std::string_view key, bool value) { set_value(key, value); }
  void set(std::string_view key, int value) { set_value(key, int64_t{value}); }
  void set(std::string_view key, int64_t value) { set_value(key, value); }
  void set(std::string_view key, double value) { set_value(key, value); }
  void set(std::string_view key, const char* text) { set_value(key, std::string(text)); }
  void set(std::string_view key, std::string_view text) { set_value(key, std::string(text)); }
  void set(std::string_view key, std::string text) { set_value(key, std::move(text)); }
  void set(std::string_view key, std::vector<std::string> items) {
    set_value(key, std::move(items));
  }
  void remove(std::string_view key);
  const JsonValue* find(std::string_view key) const;

  // One line of JSON, no trailing newline; non-ASCII text is written as UTF-8.
  std::string to_json() const;

 private:
  std::vector<std::pair<std::string_view, JsonValue>> fields_;
};

}  // namespace leifeng::generator
