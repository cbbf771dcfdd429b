// Where `leifeng publish` sends one line of an events file (SPEC §7): routed by `type` to its
// input topic, keyed by the aggregate id — or, when it cannot be routed, to the dead letters.
//
// A line whose type is known is routed even when it is invalid: the processor that reads the
// topic dead-letters it with the same reason the file replay gives, so live = replay holds for
// bad input too, and the dead letter names the topic, partition and offset it came from. Only
// lines with no usable type (not JSON, not an object, `type` absent, of the wrong JSON type or
// unknown) are dead-lettered by publish itself, since no processor would ever see them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "leifeng/schemas/events.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::app {

struct RoutedEvent {
  schemas::InputTopic topic{};
  // The aggregate id (volunteer_id, activity_id or need_id) when the line has it as a string;
  // nullopt publishes without a key, and the processor reports the missing or malformed id.
  std::optional<std::string> key;
  // Why the processor will dead-letter it; nullopt for an event that passed every stateless
  // check (it may still fail the stateful ones).
  std::optional<schemas::Rejection> invalid;
};

struct UnroutableLine {
  schemas::Rejection rejection;
  std::optional<std::string> event_id;
  std::optional<std::string> type;
};

struct LineRoute {
  std::optional<RoutedEvent> routed;  // else `unroutable` is set
  std::optional<UnroutableLine> unroutable;
};

LineRoute route_line(std::string_view line, const schemas::ValidationRules& rules);

}  // namespace leifeng::app
