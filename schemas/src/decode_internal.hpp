// decode_event's two paths, for the differential tests and the benchmark. Internal to
// leifeng_schemas.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "leifeng/schemas/validation.hpp"

namespace leifeng::schemas::internal {

// flat: the flat_json scanner read the message; reference: rapidjson did.
enum class DecodePath : uint8_t { flat, reference };

// decode_event, telling in `path` (when not null) which path read the message.
DecodeResult decode_event_traced(std::string_view json, const ValidationRules& rules,
                                 std::optional<InputTopic> topic,
                                 std::optional<std::string_view> key, DecodePath* path);

// The rapidjson-only decoder. decode_event gives the same result for every input.
DecodeResult decode_event_reference(std::string_view json, const ValidationRules& rules,
                                    std::optional<InputTopic> topic = std::nullopt,
                                    std::optional<std::string_view> key = std::nullopt);

}  // namespace leifeng::schemas::internal
