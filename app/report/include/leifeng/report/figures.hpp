// How the report writes its numbers. Hours have one decimal, rounded half away from zero
// from exact minutes; a figure that cannot be computed is nullopt (the tables print "—").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace leifeng::report {

// 90 -> "1.5", 5 -> "0.1", 0 -> "0.0".
std::string hours_text(int64_t minutes);

// Mean time from posting to fulfilment in hours; nullopt when nothing was fulfilled.
std::optional<std::string> mean_fulfil_hours_text(int64_t fulfil_minutes, int64_t fulfilled);

// Change of verified hours against the previous month, signed: "+2.5", "-1.0", "0.0".
// nullopt when there is no previous month.
std::optional<std::string> hours_change_text(int64_t minutes, std::optional<int64_t> previous);

// The same change in percent with one decimal: "+25.0%". nullopt when there is no previous
// month or it had no verified minutes.
std::optional<std::string> percent_change_text(int64_t minutes, std::optional<int64_t> previous);

// Verified minutes as hours for chart geometry.
double hours_value(int64_t minutes);

}  // namespace leifeng::report
