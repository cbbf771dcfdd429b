#include "leifeng/generator/json_object.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace leifeng::generator {

void JsonObject::set_value(std::string_view key, JsonValue value) {
  for (auto& field : fields_) {
    if (field.first == key) {
      field.second = std::move(value);
      return;
    }
  }
  fields_.emplace_back(key, std::move(value));
}

void JsonObject::remove(std::string_view key) {
  std::erase_if(fields_, [&](const auto& field) { return field.first == key; });
}

const JsonValue* JsonObject::find(std::string_view key) const {
  for (const auto& field : fields_) {
    if (field.first == key) return &field.second;
  }
  return nullptr;
}

std::string JsonObject::to_json() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  auto string = [&](std::string_view text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  writer.StartObject();
  for (const auto& [key, value] : fields_) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            writer.Null();
          } else if constexpr (std::is_same_v<T, bool>) {
            writer.Bool(v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            writer.Int64(v);
          } else if constexpr (std::is_same_v<T, double>) {
            writer.Double(v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            string(v);
          } else {
            writer.StartArray();
            for (const auto& item : v) string(item);
            writer.EndArray();
          }
        },
        value);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace leifeng::generator
