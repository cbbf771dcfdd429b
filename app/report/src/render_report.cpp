#include "leifeng/report/render_report.hpp"

namespace leifeng::report {

std::string render_report(const std::vector<schemas::CountyStatsRecord>& records, ReportMonth month,
                          const AreaNames& names, ReportFormat format) {
  return render_report(ReportTables{records, {}, {}}, month, names, format);
}

std::string render_report(const ReportTables& tables, ReportMonth month, const AreaNames& names,
                          ReportFormat format) {
  const MonthlySummary summary = summarize_month(tables, month, names);
  switch (format) {
    case ReportFormat::markdown:
      return render_markdown(summary);
    case ReportFormat::csv:
      return render_csv(summary);
    case ReportFormat::html:
      return render_html(summary);
  }
  return render_markdown(summary);  // unreachable: every format is handled above
}

}  // namespace leifeng::report
