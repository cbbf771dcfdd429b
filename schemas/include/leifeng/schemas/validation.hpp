// Decoding and validating one input message (SPEC §3, §4 up to `invalid_field`).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "leifeng/schemas/domain.hpp"
#include "leifeng/schemas/events.hpp"

namespace leifeng::schemas {

// SPEC §4 reasons in the order their checks run.
enum class Reason : uint8_t {
  malformed,
  unknown_type,
  unsupported_version,
  missing_field,
  invalid_field,
  unknown_reference,
  invalid_transition,
  daily_limit_exceeded,
};
inline constexpr int kReasonCount = 8;
std::string_view to_string(Reason);
std::optional<Reason> parse_reason(std::string_view);

// Why an input could not be applied: what a dead-letter record carries.
struct Rejection {
  Reason reason{};
  std::string field;   // the offending field, empty when none applies (e.g. not JSON)
  std::string detail;  // a sentence a person can act on
};

// The JSON type a field must have (SPEC §3); any other JSON type is `malformed`.
enum class JsonKind : uint8_t { string, integer, boolean, string_array };
std::string_view to_string(JsonKind);  // "string", "integer", "boolean", "array of strings"

// One field of the envelope or of an event type, in the order of SPEC §3. The decoder checks
// fields in this order, so the first failing one is reported; the JSON Schema files under
// schemas/json are tested against these tables.
struct FieldSpec {
  std::string_view name;
  JsonKind kind;
  bool required;
};
std::span<const FieldSpec>
envelope_fields();  // event_id, type, schema_version, occurred_at, source
std::span<const FieldSpec> payload_fields(EventType);

// The longest id (volunteer_id, need_id, claimant_id, …) an event may carry: ids end up in
// output keys and records, and a needs-status record gathers three from different events, so
// unbounded ids could make a record no Kafka message holds. Longer is `invalid_field`.
inline constexpr size_t kMaxIdBytes = 256;

// Configuration the stateless checks depend on.
struct ValidationRules {
  UtcOffset zone;               // local dates (service_date check)
  std::vector<AreaCode> areas;  // allowed county-level codes; empty = any county-level code
  // Deepest nesting of [ and { a message may have (an event is 2: an object holding arrays).
  // Deeper is `malformed` before any parser sees it: a line of 50 MB of `[` took rapidjson
  // gigabytes of parse stack.
  int max_nesting_depth = 16;
  bool area_allowed(AreaCode) const;
};

// What a message says about itself, kept even when it is rejected (dead-letter fields).
struct DecodeResult {
  std::variant<Event, Rejection> outcome;
  std::optional<std::string> event_id;  // when the envelope had a string event_id
  std::optional<std::string> type;      // when the envelope had a string type
  bool ok() const { return std::holds_alternative<Event>(outcome); }
  const Event& event() const { return std::get<Event>(outcome); }
  Event& event() { return std::get<Event>(outcome); }
  const Rejection& rejection() const { return std::get<Rejection>(outcome); }
};

// Decodes one message. `topic`: the topic it was read from; a type of another topic is
// `unknown_type`. When absent (an events file) the type decides the topic. `key`: the Kafka
// message key; when present it must equal the aggregate id (`invalid_field`). A message read
// from Kafka without a key is passed an empty key, so that it fails this check too.
DecodeResult decode_event(std::string_view json, const ValidationRules& rules,
                          std::optional<InputTopic> topic = std::nullopt,
                          std::optional<std::string_view> key = std::nullopt);
// The same into `result`, which may hold an earlier message's result: the strings of the
// envelope keep their memory (a replay decodes millions of messages into a few results).
void decode_event_into(DecodeResult& result, std::string_view json, const ValidationRules& rules,
                       std::optional<InputTopic> topic = std::nullopt,
                       std::optional<std::string_view> key = std::nullopt);

}  // namespace leifeng::schemas
