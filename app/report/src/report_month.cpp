#include "leifeng/report/report_month.hpp"

#include <cstdio>

namespace leifeng::report {

std::string ReportMonth::str() const {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d", year, month);
  return text;
}

std::optional<ReportMonth> ReportMonth::previous() const {
  if (month > 1) return ReportMonth{year, month - 1};
  if (year > 1) return ReportMonth{year - 1, 12};
  return std::nullopt;
}

std::optional<ReportMonth> parse_report_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  int digits[6];
  int n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    digits[n++] = text[i] - '0';
  }
  const ReportMonth month{digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3],
                          digits[4] * 10 + digits[5]};
  if (month.year < 1 || month.month < 1 || month.month > 12) return std::nullopt;
  return month;
}

}  // namespace leifeng::report
