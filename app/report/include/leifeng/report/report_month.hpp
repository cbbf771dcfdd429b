// The calendar month a report covers, as in the county-stats period "YYYY-MM".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leifeng::report {

struct ReportMonth {
  int year = 1970;  // 1..9999
  int month = 1;    // 1..12
  friend bool operator==(const ReportMonth&, const ReportMonth&) = default;
  std::string str() const;  // YYYY-MM, the county-stats period
  // The month before; nullopt before 0001-01.
  std::optional<ReportMonth> previous() const;
};

// Strict "YYYY-MM" with month 01..12 and year 0001..9999.
std::optional<ReportMonth> parse_report_month(std::string_view);

}  // namespace leifeng::report
