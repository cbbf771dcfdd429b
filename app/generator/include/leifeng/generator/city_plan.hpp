// The plan of a synthetic city: who and what exists, and every valid event in the order it
// happens. Planning decides everything (ids, times, outcomes); rendering to JSON and the
// injection of bad input and duplicates happen afterwards (generator.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/generator/options.hpp"
#include "leifeng/schemas/events.hpp"

namespace leifeng::generator {

// The input event types and topics are the contract's (SPEC §3), so the names written
// are the ones the decoder reads.
using schemas::EventType;
using schemas::InputTopic;

// How much a volunteer serves; a few very active ones reach a star within a month.
enum class Engagement : uint8_t { occasional, regular, very_active };

struct PlannedVolunteer {
  uint32_t home_area = 0;  // index into CityPlan::areas
  bool party_member = false;
  uint16_t skills = 0;  // bit i = service type i
  Engagement engagement = Engagement::occasional;
};

// A volunteer.updated: at least one field is present.
struct VolunteerUpdate {
  uint32_t volunteer = 0;
  std::optional<uint32_t> area;  // index into CityPlan::areas
  std::optional<bool> party_member;
  std::optional<uint16_t> skills;
};

struct PlannedActivity {
  uint32_t area = 0;
  uint8_t category = 0;
  uint8_t title_service = 0;  // the service type and group the title names
  uint8_t title_target = 0;
  uint16_t service_types = 0;  // bit masks, at least one bit each
  uint8_t target_groups = 0;
  int64_t starts_at = 0;  // local seconds
  int64_t ends_at = 0;
  uint32_t organizer = 0;           // organiser number within the area
  std::optional<uint32_t> station;  // 文明使者志愿服务站 number within the area
  std::optional<int64_t> capacity;
  int64_t participants = 0;  // filled in from the logs that reference the activity
  int64_t beneficiaries = 0;
};

struct PlannedLog {
  uint32_t volunteer = 0;
  uint32_t activity = 0;  // area, category and verifier come from the activity
  int32_t service_date = 0;
  int32_t minutes = 0;
  std::optional<uint8_t> service_type;
  std::optional<uint8_t> target_group;
};

struct PlannedNeed {
  uint32_t area = 0;
  bool micro_wish = true;
  uint8_t service_type = 0;
  uint8_t target_group = 0;
  int64_t posted_at = 0;
  std::optional<int32_t> deadline;
  bool claimed_by_volunteer = true;
  uint32_t claimant = 0;  // volunteer index, or organiser number within the area
};

// One valid event. `subject` is the volunteer (volunteer.*), log (hours.*), activity or need
// index; `detail` the VolunteerUpdate index of a volunteer.updated; `value` the quality of a
// verification, the new minutes of an amendment, or which reason text to use.
struct PlannedEvent {
  int64_t at = 0;      // local seconds, +08:00
  uint32_t order = 0;  // creation order: the deterministic tie-break for equal times
  EventType kind{};
  uint32_t subject = 0;
  uint32_t detail = 0;
  int32_t value = 0;
};

struct CityPlan {
  std::vector<uint32_t> areas;  // county-level codes
  int32_t first_day = 0;
  int32_t days = 0;
  std::vector<PlannedVolunteer> volunteers;
  std::vector<VolunteerUpdate> updates;
  std::vector<PlannedActivity> activities;
  std::vector<PlannedLog> logs;
  std::vector<PlannedNeed> needs;
  std::vector<PlannedEvent> events;  // sorted by (at, order); all inside the period

  int64_t period_start() const;
  int64_t period_end() const;  // exclusive
};

// Organisers per area: they publish activities, verify hours and claim needs.
inline constexpr uint32_t kOrganizersPerArea = 24;
inline constexpr uint32_t kStationsPerArea = 12;
// The last station numbers of each area go idle: activities use them only in the period's
// first calendar month, so a later month's report lists them as idle stations (SPEC §9).
inline constexpr uint32_t kIdleStationsPerArea = 2;

CityPlan plan_city(const GeneratorOptions& options, const CitySize& size);

}  // namespace leifeng::generator
