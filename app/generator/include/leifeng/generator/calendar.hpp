// Dates and local wall-clock times of the generated city. Times are kept as seconds since
// 1970-01-01T00:00 on the local (+08:00) wall clock, which makes "local date of occurred_at"
// a division and lets every event be written with the fixed offset of SPEC §3.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leifeng::generator {

inline constexpr int64_t kSecondsPerDay = 86'400;
inline constexpr int64_t kSecondsPerHour = 3'600;
inline constexpr int64_t kSecondsPerMinute = 60;

// Calendar days are the contract's schemas::LocalDate (parse_date, str); only the
// generator's wall-clock seconds are handled here.

// A first day given on the command line (--start YYYY-MM-DD) as days since 1970-01-01.
std::optional<int32_t> parse_iso_date(std::string_view text);

// YYYY-MM-DDTHH:MM:SS+08:00.
std::string format_local_time(int64_t local_seconds);

inline int32_t local_date_of(int64_t local_seconds) {
  // Floor division: the generator never goes before 1970, but stay correct if it did.
  int64_t d = local_seconds / kSecondsPerDay;
  if (local_seconds % kSecondsPerDay < 0) --d;
  return static_cast<int32_t>(d);
}
inline int64_t start_of_day(int32_t days) {
  return int64_t{days} * kSecondsPerDay;
}

// Campaign intensity of a day in per-cent of an ordinary weekday: activities, service and
// needs peak around 5 March (学雷锋日) and are busier at weekends. Integers only, so the
// plan does not depend on the floating-point library.
uint32_t day_weight(int32_t days);

}  // namespace leifeng::generator
