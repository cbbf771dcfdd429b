// Reads the county-stats table of a replay directory (`leifeng replay --out DIR`).
#pragma once

#include <filesystem>
#include <vector>

#include "leifeng/report/monthly_summary.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::report {

// DIR/county-stats.jsonl: one record per line, blank lines skipped. Throws
// std::runtime_error when the file is missing or a line is not a county-stats record.
std::vector<schemas::CountyStatsRecord> read_county_stats_dir(const std::filesystem::path& dir);

// Every table the report reads: county-stats.jsonl, stations.jsonl and stars.jsonl of DIR, as
// read_county_stats_dir reads the first. Throws std::runtime_error likewise.
ReportTables read_report_tables_dir(const std::filesystem::path& dir);

}  // namespace leifeng::report
