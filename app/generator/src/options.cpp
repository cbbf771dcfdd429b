#include "leifeng/generator/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "leifeng/generator/calendar.hpp"

namespace leifeng::generator {
namespace {

constexpr int64_t kDefaultVolunteers = 3000;
constexpr int64_t kActivitiesPerDay = 48;
constexpr int64_t kNeedsPerDay = 130;
constexpr int32_t kMaxDays = 3660;
constexpr int64_t kMaxEntities = 20'000'000;

// Lines each entity brings, measured on generated cities (default sizes): a volunteer's
// registration and update, its hour logs per ordinary day of the period (busy days count
// more, see day_weight), an activity's publication and outcome, a need's lifecycle.
constexpr double kVolunteerLines = 1.1;
constexpr double kVolunteerLinesPerOrdinaryDay = 0.635;
constexpr double kActivityLines = 2.0;
constexpr double kNeedLines = 2.55;

// The period's length in ordinary days: Σ day_weight / 100.
double ordinary_days(const GeneratorOptions& options) {
  int64_t weight = 0;
  for (int32_t d = 0; d < options.days; ++d) weight += day_weight(options.start_date + d);
  return static_cast<double>(weight) / 100.0;
}

}  // namespace

void validate(const GeneratorOptions& options) {
  if (options.days < 1 || options.days > kMaxDays) {
    throw std::invalid_argument(fmt::format("--days must be between 1 and {}", kMaxDays));
  }
  auto check_size = [](const std::optional<int64_t>& value, const char* flag) {
    if (value && (*value < 0 || *value > kMaxEntities)) {
      throw std::invalid_argument(fmt::format("{} must be between 0 and {}", flag, kMaxEntities));
    }
  };
  check_size(options.volunteers, "--volunteers");
  check_size(options.activities, "--activities");
  check_size(options.needs, "--needs");
  if (options.events && (*options.events < 1 || *options.events > 20 * kMaxEntities)) {
    throw std::invalid_argument(
        fmt::format("--events must be between 1 and {}", 20 * kMaxEntities));
  }
  auto check_share = [](double share, const char* flag) {
    if (!(share >= 0.0 && share <= 0.5)) {
      throw std::invalid_argument(fmt::format("{} must be between 0 and 0.5", flag));
    }
  };
  check_share(options.bad_share, "--bad-share");
  check_share(options.duplicate_share, "--duplicate-share");
  if (options.areas.empty()) throw std::invalid_argument("--areas needs at least one area code");
  for (size_t i = 0; i < options.areas.size(); ++i) {
    const uint32_t code = options.areas[i];
    if (code < 100000 || code > 999999 || code % 100 == 0) {
      throw std::invalid_argument(fmt::format(
          "--areas: {} is not a county-level GB/T 2260 code (six digits, not ending in 00)", code));
    }
    if (std::find(options.areas.begin(), options.areas.begin() + static_cast<long>(i), code) !=
        options.areas.begin() + static_cast<long>(i)) {
      throw std::invalid_argument(fmt::format("--areas: {} is listed twice", code));
    }
  }
}

int64_t estimate_lines(const CitySize& size, const GeneratorOptions& options) {
  const double valid =
      static_cast<double>(size.volunteers) *
          (kVolunteerLines + kVolunteerLinesPerOrdinaryDay * ordinary_days(options)) +
      static_cast<double>(size.activities) * kActivityLines +
      static_cast<double>(size.needs) * kNeedLines;
  const double valid_share = 1.0 - options.bad_share - options.duplicate_share;
  return static_cast<int64_t>(std::llround(valid / valid_share));
}

CitySize resolve_size(const GeneratorOptions& options) {
  const CitySize defaults{kDefaultVolunteers, kActivitiesPerDay * options.days,
                          kNeedsPerDay * options.days};
  CitySize size{options.volunteers.value_or(defaults.volunteers),
                options.activities.value_or(defaults.activities),
                options.needs.value_or(defaults.needs)};
  if (!options.events) return size;

  // Scale what was not given so that given + scaled ≈ events.
  const CitySize given{options.volunteers.value_or(0), options.activities.value_or(0),
                       options.needs.value_or(0)};
  const CitySize scalable{options.volunteers ? 0 : defaults.volunteers,
                          options.activities ? 0 : defaults.activities,
                          options.needs ? 0 : defaults.needs};
  const double per_unit = static_cast<double>(estimate_lines(scalable, options));
  if (per_unit <= 0) return size;
  const double remaining =
      std::max(0.0, static_cast<double>(*options.events - estimate_lines(given, options)));
  const double factor = remaining / per_unit;
  auto scaled = [&](int64_t value) {
    // At least one of each so that even a tiny city has hours to log.
    return std::clamp<int64_t>(std::llround(static_cast<double>(value) * factor), 1, kMaxEntities);
  };
  if (!options.volunteers) size.volunteers = scaled(defaults.volunteers);
  if (!options.activities) size.activities = scaled(defaults.activities);
  if (!options.needs) size.needs = scaled(defaults.needs);
  return size;
}

}  // namespace leifeng::generator
