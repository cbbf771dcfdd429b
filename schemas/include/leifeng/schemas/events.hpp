// The input events of SPEC §3 as C++ types. A decoded Event has passed every check of SPEC §4
// up to and including `invalid_field`; the checks that need state (duplicate, reference,
// transition, daily limit) belong to the processors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "leifeng/schemas/domain.hpp"

namespace leifeng::schemas {

// The three input topics (SPEC §2), each keyed by the id of its aggregate.
enum class InputTopic : uint8_t { hours, activities, needs };
std::string_view to_string(InputTopic);  // "hours", "activities", "needs"

enum class EventType : uint8_t {
  volunteer_registered,
  volunteer_updated,
  hours_submitted,
  hours_verified,
  hours_rejected,
  hours_amended,
  hours_revoked,
  activity_published,
  activity_completed,
  activity_cancelled,
  need_posted,
  need_claimed,
  need_fulfilled,
  need_cancelled,
  need_expired,
};
inline constexpr int kEventTypeCount = 15;
std::string_view to_string(EventType);  // "volunteer.registered", ...
std::optional<EventType> parse_event_type(std::string_view);
InputTopic topic_of(EventType);

struct Envelope {
  std::string event_id;
  EventType type{};
  Timestamp occurred_at;
  std::optional<std::string> source;
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Topic hours, key volunteer_id.
struct VolunteerRegistered {
  std::string volunteer_id;
  AreaCode area_code;
  bool party_member = false;
  std::vector<ServiceType> skills;  // absent = empty
  friend bool operator==(const VolunteerRegistered&, const VolunteerRegistered&) = default;
};
struct VolunteerUpdated {
  std::string volunteer_id;
  std::optional<AreaCode> area_code;
  std::optional<bool> party_member;
  std::optional<std::vector<ServiceType>> skills;
  friend bool operator==(const VolunteerUpdated&, const VolunteerUpdated&) = default;
};
struct HoursSubmitted {
  std::string volunteer_id;
  std::string log_id;
  std::string activity_id;
  AreaCode area_code;  // where served
  Category category{};
  LocalDate service_date;
  int32_t minutes = 0;  // 1..1440
  std::optional<ServiceType> service_type;
  std::optional<TargetGroup> target_group;
  friend bool operator==(const HoursSubmitted&, const HoursSubmitted&) = default;
};
struct HoursVerified {
  std::string volunteer_id;
  std::string log_id;
  std::string verifier_id;
  int32_t quality = 0;  // 1..5
  friend bool operator==(const HoursVerified&, const HoursVerified&) = default;
};
struct HoursRejected {
  std::string volunteer_id;
  std::string log_id;
  std::string verifier_id;
  std::string reason;
  friend bool operator==(const HoursRejected&, const HoursRejected&) = default;
};
struct HoursAmended {
  std::string volunteer_id;
  std::string log_id;
  int32_t minutes = 0;  // 1..1440
  std::string verifier_id;
  std::string reason;
  friend bool operator==(const HoursAmended&, const HoursAmended&) = default;
};
struct HoursRevoked {
  std::string volunteer_id;
  std::string log_id;
  std::string reason;
  friend bool operator==(const HoursRevoked&, const HoursRevoked&) = default;
};

// Topic activities, key activity_id.
struct ActivityPublished {
  std::string activity_id;
  std::string title;
  std::string organizer_id;
  AreaCode area_code;
  Category category{};
  std::vector<ServiceType> service_types;  // at least one
  std::vector<TargetGroup> target_groups;  // at least one
  Timestamp starts_at;
  Timestamp ends_at;  // >= starts_at
  std::optional<std::string> station_id;
  std::optional<int64_t> capacity;  // >= 1
  friend bool operator==(const ActivityPublished&, const ActivityPublished&) = default;
};
struct ActivityCompleted {
  std::string activity_id;
  int64_t participants = 0;   // >= 0
  int64_t beneficiaries = 0;  // >= 0
  friend bool operator==(const ActivityCompleted&, const ActivityCompleted&) = default;
};
struct ActivityCancelled {
  std::string activity_id;
  std::string reason;
  friend bool operator==(const ActivityCancelled&, const ActivityCancelled&) = default;
};

// Topic needs, key need_id.
struct NeedPosted {
  std::string need_id;
  AreaCode area_code;
  NeedKind kind{};
  ServiceType service_type{};
  TargetGroup target_group{};
  std::string title;
  std::optional<LocalDate> deadline;
  friend bool operator==(const NeedPosted&, const NeedPosted&) = default;
};
struct NeedClaimed {
  std::string need_id;
  std::string claimant_id;
  ClaimantKind claimant_kind{};
  friend bool operator==(const NeedClaimed&, const NeedClaimed&) = default;
};
struct NeedFulfilled {
  std::string need_id;
  std::string fulfilled_by;
  friend bool operator==(const NeedFulfilled&, const NeedFulfilled&) = default;
};
struct NeedCancelled {
  std::string need_id;
  std::string reason;
  friend bool operator==(const NeedCancelled&, const NeedCancelled&) = default;
};
struct NeedExpired {
  std::string need_id;
  friend bool operator==(const NeedExpired&, const NeedExpired&) = default;
};

// Alternatives in the order of EventType.
using Payload = std::variant<VolunteerRegistered, VolunteerUpdated, HoursSubmitted, HoursVerified,
                             HoursRejected, HoursAmended, HoursRevoked, ActivityPublished,
                             ActivityCompleted, ActivityCancelled, NeedPosted, NeedClaimed,
                             NeedFulfilled, NeedCancelled, NeedExpired>;

struct Event {
  Envelope envelope;
  Payload payload;
  // The aggregate the event applies to: volunteer_id, activity_id or need_id.
  const std::string& aggregate_id() const;
  friend bool operator==(const Event&, const Event&) = default;
};

// The event as one compact JSON object as upstream apps publish it: the envelope
// (schema_version 1), then the fields of its type in SPEC §3 order; absent optional fields
// are left out. decode_event of the result gives back the same event.
std::string to_json(const Event&);

}  // namespace leifeng::schemas
