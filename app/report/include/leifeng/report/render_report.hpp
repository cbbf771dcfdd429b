// The monthly county report (`leifeng report`): county-stats records in, a document out.
#pragma once

#include <string>
#include <vector>

#include "leifeng/report/area_names.hpp"
#include "leifeng/report/monthly_summary.hpp"
#include "leifeng/report/report_format.hpp"
#include "leifeng/report/report_month.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::report {

// Pure: the same records give the same bytes. Throws NoReportData when there is no record
// for `month` (see summarize_month).
std::string render_report(const ReportTables& tables, ReportMonth month, const AreaNames& names,
                          ReportFormat format);
// County statistics alone (no idle stations, no commendation candidates).
std::string render_report(const std::vector<schemas::CountyStatsRecord>& records, ReportMonth month,
                          const AreaNames& names, ReportFormat format);

// One renderer per format, from the computed figures.
std::string render_markdown(const MonthlySummary&);
std::string render_csv(const MonthlySummary&);
std::string render_html(const MonthlySummary&);

}  // namespace leifeng::report
