// Reads the county-stats table of a replay directory (`leifeng replay --out DIR`).
#pragma once

#include <filesystem>
#include <vector>

#include "leifeng/schemas/records.hpp"

namespace leifeng::report {

// DIR/county-stats.jsonl: one record per line, blank lines skipped. Throws
// std::runtime_error when the file is missing or a line is not a county-stats record.
std::vector<schemas::CountyStatsRecord> read_county_stats_dir(const std::filesystem::path& dir);

}  // namespace leifeng::report
