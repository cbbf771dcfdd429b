// Value types of the volunteer-service domain shared by every layer: enumerations from
// SPEC §3, area codes, dates and timestamps. Knows no JSON and no Kafka.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leifeng::schemas {

// The six campaign programmes of the notice (SPEC §1).
enum class Category : uint8_t {
  neighborhood_watch,
  caring_dedication,
  paired_assistance,
  party_member_service,
  window_service,
  online_campaign,
};
inline constexpr int kCategoryCount = 6;

enum class ServiceType : uint8_t {
  housekeeping,
  culture_sports,
  counseling,
  medical_care,
  legal_aid,
  tutoring,
  companionship,
  city_experience,
  safety_education,
  donation,
  civility_guidance,
  business_guidance,
  publicity,
  other,
};

enum class TargetGroup : uint8_t {
  empty_nest_elderly,
  left_behind_children,
  disabled_people,
  migrant_worker_children,
  families_in_need,
  general_public,
  other,
};

enum class NeedKind : uint8_t { micro_wish, public_need };
enum class ClaimantKind : uint8_t { volunteer, organization };

std::string_view to_string(Category);
std::string_view to_string(ServiceType);
std::string_view to_string(TargetGroup);
std::string_view to_string(NeedKind);
std::string_view to_string(ClaimantKind);
std::optional<Category> parse_category(std::string_view);
std::optional<ServiceType> parse_service_type(std::string_view);
std::optional<TargetGroup> parse_target_group(std::string_view);
std::optional<NeedKind> parse_need_kind(std::string_view);
std::optional<ClaimantKind> parse_claimant_kind(std::string_view);

// A six-digit GB/T 2260 code kept as its number (410402). County-level codes never end in 00;
// the prefecture city of a county is its first four digits + 00.
struct AreaCode {
  uint32_t value = 0;
  friend auto operator<=>(const AreaCode&, const AreaCode&) = default;
  bool is_county_level() const { return value >= 100000 && value <= 999999 && value % 100 != 0; }
  AreaCode prefecture() const { return AreaCode{value / 100 * 100}; }
  std::string str() const;  // always six digits
  // The six digits of str() (the value modulo 10^6), without a string: written per record.
  std::array<char, 6> digits() const {
    const uint32_t six = value % 1000000;
    // Three independent pairs rather than a chain of six divisions.
    const uint32_t pairs[3] = {six / 10000, six / 100 % 100, six % 100};
    std::array<char, 6> out;
    for (size_t i = 0; i < 3; ++i) {
      out[2 * i] = static_cast<char>('0' + pairs[i] / 10);
      out[2 * i + 1] = static_cast<char>('0' + pairs[i] % 10);
    }
    return out;
  }
};
// Six ASCII digits, nothing else; does not check the level.
std::optional<AreaCode> parse_area_code(std::string_view);

// A calendar date as days since 1970-01-01 (proleptic Gregorian).
struct LocalDate {
  int32_t days = 0;
  friend auto operator<=>(const LocalDate&, const LocalDate&) = default;
  std::string str() const;        // YYYY-MM-DD
  std::string month_str() const;  // YYYY-MM
};
// Strict YYYY-MM-DD with a real calendar day.
std::optional<LocalDate> parse_date(std::string_view);

// A fixed UTC offset: the configured time zone of SPEC §3 (default +08:00).
struct UtcOffset {
  int32_t minutes = 8 * 60;
  friend bool operator==(const UtcOffset&, const UtcOffset&) = default;
};
std::optional<UtcOffset> parse_utc_offset(std::string_view);  // "+08:00", "-05:30", "Z"

// An RFC 3339 instant. The text is kept exactly as it arrived because outputs copy it.
struct Timestamp {
  std::string text;
  int64_t epoch_nanos = 0;  // UTC
  LocalDate local_date(UtcOffset zone) const;
  friend bool operator==(const Timestamp&, const Timestamp&) = default;
};
// RFC 3339 date-time with `Z` or an offset and an optional fraction (up to 9 digits kept), at
// most kMaxTimestampChars long: timestamps are copied into output records, which must fit in a
// Kafka message.
inline constexpr size_t kMaxTimestampChars = 64;
std::optional<Timestamp> parse_timestamp(std::string_view);
// The same without keeping the text: Timestamp::epoch_nanos.
std::optional<int64_t> parse_timestamp_nanos(std::string_view);

}  // namespace leifeng::schemas
