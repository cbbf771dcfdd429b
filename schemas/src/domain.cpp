// Enumerations, area codes, civil dates, UTC offsets and RFC 3339 timestamps (SPEC §3).
#include "leifeng/schemas/domain.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>

namespace leifeng::schemas {
namespace {

// Spellings in enumerator order; parse is a linear scan because every list is short.
constexpr std::array<std::string_view, 6> kCategoryNames = {
    "neighborhood_watch",   "caring_dedication", "paired_assistance",
    "party_member_service", "window_service",    "online_campaign",
};
constexpr std::array<std::string_view, 14> kServiceTypeNames = {
    "housekeeping",     "culture_sports", "counseling",        "medical_care",
    "legal_aid",        "tutoring",       "companionship",     "city_experience",
    "safety_education", "donation",       "civility_guidance", "business_guidance",
    "publicity",        "other",
};
constexpr std::array<std::string_view, 7> kTargetGroupNames = {
    "empty_nest_elderly", "left_behind_children", "disabled_people", "migrant_worker_children",
    "families_in_need",   "general_public",       "other",
};
constexpr std::array<std::string_view, 2> kNeedKindNames = {"micro_wish", "public_need"};
constexpr std::array<std::string_view, 2> kClaimantKindNames = {"volunteer", "organization"};

template <typename Enum, size_t N>
std::optional<Enum> parse_enum(const std::array<std::string_view, N>& names,
                               std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads `count` ASCII digits at `pos` as a number; -1 when any is not a digit.
int read_digits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int32_t days_from_civil(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const int year_of_era = year - era * 400;
  const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  int year;
  int month;
  int day;
};

CivilDate civil_from_days(int32_t days) {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int day_of_era = z - era * 146097;
  const int year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int mp = (5 * day_of_year + 2) / 153;
  const int day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int month = mp < 10 ? mp + 3 : mp - 9;
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// "YYYY-MM-DD" at the start of `text`; nullopt unless it is a real calendar day.
// The last date parse_date_prefix accepted on this thread, as its ten bytes: events come in
// time order, so most timestamps and service dates repeat the date before them, and comparing
// two words is cheaper than parsing and checking it again (0.7 % of a replay's instructions).
struct LastDate {
  uint64_t head = 0;  // bytes 0-7, "YYYY-MM-"
  uint16_t tail = 0;  // bytes 8-9, "DD"
  int32_t days = 0;
  bool valid = false;
};
thread_local LastDate last_date;

std::optional<int32_t> parse_date_prefix(std::string_view text) {
  if (text.size() < 10) return std::nullopt;
  uint64_t head = 0;
  uint16_t tail = 0;
  std::memcpy(&head, text.data(), sizeof head);
  std::memcpy(&tail, text.data() + 8, sizeof tail);
  LastDate& last = last_date;
  if (last.valid && last.head == head && last.tail == tail) return last.days;
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  const int year = read_digits(text, 0, 4);
  const int month = read_digits(text, 5, 2);
  const int day = read_digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    return std::nullopt;
  }
  last = {head, tail, days_from_civil(year, month, day), true};
  return last.days;
}

// "+HH:MM" or "-HH:MM" (hours 00–23, minutes 00–59) as signed minutes east of UTC.
std::optional<int32_t> parse_numeric_offset(std::string_view text) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return std::nullopt;
  }
  const int hours = read_digits(text, 1, 2);
  const int minutes = read_digits(text, 4, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
  const int32_t total = hours * 60 + minutes;
  return text[0] == '-' ? -total : total;
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::string_view to_string(Category v) {
  return kCategoryNames[static_cast<size_t>(v)];
}
std::string_view to_string(ServiceType v) {
  return kServiceTypeNames[static_cast<size_t>(v)];
}
std::string_view to_string(TargetGroup v) {
  return kTargetGroupNames[static_cast<size_t>(v)];
}
std::string_view to_string(NeedKind v) {
  return kNeedKindNames[static_cast<size_t>(v)];
}
std::string_view to_string(ClaimantKind v) {
  return kClaimantKindNames[static_cast<size_t>(v)];
}

std::optional<Category> parse_category(std::string_view s) {
  return parse_enum<Category>(kCategoryNames, s);
}
std::optional<ServiceType> parse_service_type(std::string_view s) {
  return parse_enum<ServiceType>(kServiceTypeNames, s);
}
std::optional<TargetGroup> parse_target_group(std::string_view s) {
  return parse_enum<TargetGroup>(kTargetGroupNames, s);
}
std::optional<NeedKind> parse_need_kind(std::string_view s) {
  return parse_enum<NeedKind>(kNeedKindNames, s);
}
std::optional<ClaimantKind> parse_claimant_kind(std::string_view s) {
  return parse_enum<ClaimantKind>(kClaimantKindNames, s);
}

std::string AreaCode::str() const {
  const std::array<char, 6> six = digits();  // snprintf cost 1.5 % of a replay's instructions
  return {six.data(), six.size()};
}

std::optional<AreaCode> parse_area_code(std::string_view text) {
  if (text.size() != 6) return std::nullopt;
  const int value = read_digits(text, 0, 6);
  if (value < 0) return std::nullopt;
  return AreaCode{static_cast<uint32_t>(value)};
}

std::string LocalDate::str() const {
  const CivilDate d = civil_from_days(days);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buffer;
}

std::string LocalDate::month_str() const {
  const CivilDate d = civil_from_days(days);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d", d.year, d.month);
  return buffer;
}

std::optional<LocalDate> parse_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  const auto days = parse_date_prefix(text);
  if (!days) return std::nullopt;
  return LocalDate{*days};
}

std::optional<UtcOffset> parse_utc_offset(std::string_view text) {
  if (text == "Z" || text == "z") return UtcOffset{0};
  const auto minutes = parse_numeric_offset(text);
  if (!minutes) return std::nullopt;
  return UtcOffset{*minutes};
}

LocalDate Timestamp::local_date(UtcOffset zone) const {
  constexpr int64_t kNanosPerSecond = 1'000'000'000;
  const int64_t local_seconds = floor_div(epoch_nanos, kNanosPerSecond) + zone.minutes * 60;
  return LocalDate{static_cast<int32_t>(floor_div(local_seconds, 86400))};
}

// date-time = full-date "T" partial-time time-offset (RFC 3339 §5.6). "T" and "Z" may be
// lower case there too. Leap seconds (:60) are refused: nothing upstream produces them and
// they have no place on the epoch time line.
std::optional<Timestamp> parse_timestamp(std::string_view text) {
  const auto nanos = parse_timestamp_nanos(text);
  if (!nanos) return std::nullopt;
  return Timestamp{std::string(text), *nanos};
}

std::optional<int64_t> parse_timestamp_nanos(std::string_view text) {
  if (text.size() > kMaxTimestampChars) return std::nullopt;
  const auto days = parse_date_prefix(text);
  if (!days || text.size() < 20 || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const int hour = read_digits(text, 11, 2);
  const int minute = read_digits(text, 14, 2);
  const int second = read_digits(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (text[pos] == '.') {
    ++pos;
    const size_t first_digit = pos;
    int64_t scale = 100'000'000;
    while (pos < text.size() && is_digit(text[pos])) {
      if (scale > 0) {  // digits beyond nanoseconds are accepted and dropped
        nanos += (text[pos] - '0') * scale;
        scale /= 10;
      }
      ++pos;
    }
    if (pos == first_digit) return std::nullopt;
  }
  const std::string_view offset_text = text.substr(pos);
  int32_t offset_minutes = 0;
  if (offset_text != "Z" && offset_text != "z") {
    const auto offset = parse_numeric_offset(offset_text);
    if (!offset) return std::nullopt;
    offset_minutes = *offset;
  }
  const int64_t seconds =
      int64_t{*days} * 86400 + hour * 3600 + minute * 60 + second - int64_t{offset_minutes} * 60;
  // int64 nanoseconds span the years 1677–2262; anything outside cannot be represented.
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (seconds > kMaxSeconds || seconds < -kMaxSeconds) return std::nullopt;
  return seconds * 1'000'000'000 + nanos;
}

}  // namespace leifeng::schemas
