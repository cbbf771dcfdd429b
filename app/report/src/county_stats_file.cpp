#include "leifeng/report/county_stats_file.hpp"

#include <fstream>
#include <stdexcept>
#include <string>

namespace leifeng::report {

std::vector<schemas::CountyStatsRecord> read_county_stats_dir(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "county-stats.jsonl";
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error("cannot read " + file.string() +
                             " (expected a directory written by `leifeng replay --out DIR`)");
  }
  std::vector<schemas::CountyStatsRecord> records;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::optional<schemas::CountyStatsRecord> record = schemas::county_stats_from_json(line);
    if (!record) {
      throw std::runtime_error(file.string() + ":" + std::to_string(line_no) +
                               ": not a county-stats record");
    }
    records.push_back(std::move(*record));
  }
  return records;
}

}  // namespace leifeng::report
