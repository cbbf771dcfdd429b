#include "leifeng/generator/calendar.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "leifeng/schemas/domain.hpp"

namespace leifeng::generator {

std::optional<int32_t> parse_iso_date(std::string_view text) {
  const auto date = schemas::parse_date(text);
  if (!date) return std::nullopt;
  return date->days;
}

std::string format_local_time(int64_t local_seconds) {
  const int32_t days = local_date_of(local_seconds);
  const int64_t in_day = local_seconds - start_of_day(days);
  return fmt::format("{}T{:02}:{:02}:{:02}+08:00", schemas::LocalDate{days}.str(),
                     in_day / kSecondsPerHour, in_day % kSecondsPerHour / kSecondsPerMinute,
                     in_day % kSecondsPerMinute);
}

uint32_t day_weight(int32_t days) {
  // Distance in days to 5 March of the same year ("YYYY" of the date + "-03-05").
  const std::string date = schemas::LocalDate{days}.str();
  const int32_t march_5 = schemas::parse_date(date.substr(0, 4) + "-03-05").value().days;
  const int32_t distance = std::abs(days - march_5);
  static constexpr uint32_t kPeak[] = {400, 300, 220, 170, 140, 125, 115, 108};
  uint32_t weight = distance < 8 ? kPeak[distance] : 100;
  // 1970-01-01 was a Thursday; weekday 0 = Monday.
  const int32_t weekday = ((days % 7) + 7 + 3) % 7;
  if (weekday >= 5) weight = weight * 13 / 10;
  return weight;
}

}  // namespace leifeng::generator
