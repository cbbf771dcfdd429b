#include "leifeng/report/county_stats_file.hpp"

#include <fstream>
#include <stdexcept>
#include <string>

namespace leifeng::report {

namespace {

// The records of DIR/<table>.jsonl, one per line, blank lines skipped.
template <class Record, class Parse>
std::vector<Record> read_table(const std::filesystem::path& dir, const std::string& table,
                               Parse parse) {
  const std::filesystem::path file = dir / (table + ".jsonl");
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error("cannot read " + file.string() +
                             " (expected a directory written by `leifeng replay --out DIR`)");
  }
  std::vector<Record> records;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::optional<Record> record = parse(line);
    if (!record) {
      throw std::runtime_error(file.string() + ":" + std::to_string(line_no) + ": not a " + table +
                               " record");
    }
    records.push_back(std::move(*record));
  }
  return records;
}

}  // namespace

std::vector<schemas::CountyStatsRecord> read_county_stats_dir(const std::filesystem::path& dir) {
  return read_table<schemas::CountyStatsRecord>(dir, "county-stats",
                                                schemas::county_stats_from_json);
}

ReportTables read_report_tables_dir(const std::filesystem::path& dir) {
  ReportTables tables;
  tables.county_stats = read_county_stats_dir(dir);
  tables.stations = read_table<schemas::StationRecord>(dir, "stations", schemas::station_from_json);
  tables.stars = read_table<schemas::StarRecord>(dir, "stars", schemas::star_record_from_json);
  return tables;
}

}  // namespace leifeng::report
