#include "leifeng/generator/calendar.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace leifeng::generator {
namespace {

struct Civil {
  int32_t year;
  uint32_t month;
  uint32_t day;
};

// Howard Hinnant's civil_from_days.
Civil civil_from_days(int32_t days) {
  const int64_t z = int64_t{days} + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<uint32_t>(z - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t d = doy - (153 * mp + 2) / 5 + 1;
  const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int32_t>(y + (m <= 2 ? 1 : 0)), m, d};
}

bool is_leap(int32_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

uint32_t days_in_month(int32_t year, uint32_t month) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

}  // namespace

int32_t days_from_civil(int32_t year, uint32_t month, uint32_t day) {
  const int64_t y = int64_t{year} - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + static_cast<int64_t>(doe) - 719468);
}

std::optional<int32_t> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t count) -> std::optional<uint32_t> {
    uint32_t value = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + static_cast<uint32_t>(text[i] - '0');
    }
    return value;
  };
  const auto year = digits(0, 4);
  const auto month = digits(5, 2);
  const auto day = digits(8, 2);
  if (!year || !month || !day) return std::nullopt;
  if (*month < 1 || *month > 12) return std::nullopt;
  if (*day < 1 || *day > days_in_month(static_cast<int32_t>(*year), *month)) return std::nullopt;
  return days_from_civil(static_cast<int32_t>(*year), *month, *day);
}

std::string format_date(int32_t days) {
  const Civil c = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::string format_local_time(int64_t local_seconds) {
  const int32_t days = local_date_of(local_seconds);
  const int64_t in_day = local_seconds - start_of_day(days);
  const Civil c = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00", c.year, c.month, c.day,
                     in_day / kSecondsPerHour, in_day % kSecondsPerHour / kSecondsPerMinute,
                     in_day % kSecondsPerMinute);
}

uint32_t day_weight(int32_t days) {
  const Civil c = civil_from_days(days);
  // Distance in days to 5 March of the same year.
  const int32_t distance = std::abs(days - days_from_civil(c.year, 3, 5));
  static constexpr uint32_t kPeak[] = {400, 300, 220, 170, 140, 125, 115, 108};
  uint32_t weight = distance < 8 ? kPeak[distance] : 100;
  // 1970-01-01 was a Thursday; weekday 0 = Monday.
  const int32_t weekday = ((days % 7) + 7 + 3) % 7;
  if (weekday >= 5) weight = weight * 13 / 10;
  return weight;
}

}  // namespace leifeng::generator
