// The output formats of `leifeng report`.
#pragma once

#include <optional>
#include <string_view>

namespace leifeng::report {

enum class ReportFormat { markdown, csv, html };

// "md" (or "markdown"), "csv", "html".
std::optional<ReportFormat> parse_report_format(std::string_view);

}  // namespace leifeng::report
