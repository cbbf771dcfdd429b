#include "leifeng/report/report_format.hpp"

namespace leifeng::report {

std::optional<ReportFormat> parse_report_format(std::string_view text) {
  if (text == "md" || text == "markdown") return ReportFormat::markdown;
  if (text == "csv") return ReportFormat::csv;
  if (text == "html") return ReportFormat::html;
  return std::nullopt;
}

}  // namespace leifeng::report
