// Event type names, their topics and the aggregate an event applies to (SPEC §2, §3).
#include "leifeng/schemas/events.hpp"

#include <array>

namespace leifeng::schemas {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kEventTypeNames = {
    "volunteer.registered", "volunteer.updated",  "hours.submitted", "hours.verified",
    "hours.rejected",       "hours.amended",      "hours.revoked",   "activity.published",
    "activity.completed",   "activity.cancelled", "need.posted",     "need.claimed",
    "need.fulfilled",       "need.cancelled",     "need.expired",
};

}  // namespace

std::string_view to_string(InputTopic topic) {
  switch (topic) {
    case InputTopic::hours:
      return "hours";
    case InputTopic::activities:
      return "activities";
    case InputTopic::needs:
      return "needs";
  }
  return "unknown";
}

std::string_view to_string(EventType type) {
  return kEventTypeNames[static_cast<size_t>(type)];
}

std::optional<EventType> parse_event_type(std::string_view text) {
  for (size_t i = 0; i < kEventTypeNames.size(); ++i) {
    if (kEventTypeNames[i] == text) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

InputTopic topic_of(EventType type) {
  if (type <= EventType::hours_revoked) return InputTopic::hours;
  if (type <= EventType::activity_cancelled) return InputTopic::activities;
  return InputTopic::needs;
}

const std::string& Event::aggregate_id() const {
  return std::visit(
      [](const auto& p) -> const std::string& {
        if constexpr (requires { p.volunteer_id; }) {
          return p.volunteer_id;
        } else if constexpr (requires { p.activity_id; }) {
          return p.activity_id;
        } else {
          static_assert(
              requires { p.need_id; }, "every payload names its aggregate");
          return p.need_id;
        }
      },
      payload);
}

}  // namespace leifeng::schemas
