#include "leifeng/report/figures.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace leifeng::report {
namespace {

// numerator / denominator rounded half away from zero; denominator > 0.
int64_t rounded_quotient(int64_t numerator, int64_t denominator) {
  const int64_t magnitude = (std::llabs(numerator) * 2 + denominator) / (denominator * 2);
  return numerator < 0 ? -magnitude : magnitude;
}

// Tenths as "12.3" / "-0.5".
std::string tenths_text(int64_t tenths) {
  // fmt rather than operator+ chains: GCC 12 at -O3 reports a false -Wrestrict inside
  // std::string concatenation of short literals.
  const int64_t magnitude = std::llabs(tenths);
  return fmt::format("{}{}.{}", tenths < 0 ? "-" : "", magnitude / 10, magnitude % 10);
}

std::string signed_tenths_text(int64_t tenths) {
  return tenths > 0 ? fmt::format("+{}", tenths_text(tenths)) : tenths_text(tenths);
}

}  // namespace

std::string hours_text(int64_t minutes) {
  return tenths_text(rounded_quotient(minutes * 10, 60));
}

std::optional<std::string> mean_fulfil_hours_text(int64_t fulfil_minutes, int64_t fulfilled) {
  if (fulfilled <= 0) return std::nullopt;
  return tenths_text(rounded_quotient(fulfil_minutes * 10, fulfilled * 60));
}

std::optional<std::string> hours_change_text(int64_t minutes, std::optional<int64_t> previous) {
  if (!previous) return std::nullopt;
  return signed_tenths_text(rounded_quotient((minutes - *previous) * 10, 60));
}

std::optional<std::string> percent_change_text(int64_t minutes, std::optional<int64_t> previous) {
  if (!previous || *previous <= 0) return std::nullopt;
  return fmt::format("{}%",
                     signed_tenths_text(rounded_quotient((minutes - *previous) * 1000, *previous)));
}

double hours_value(int64_t minutes) {
  return static_cast<double>(minutes) / 60.0;
}

}  // namespace leifeng::report
