// `leifeng report --month YYYY-MM` (SPEC §7): the monthly county report from the county-stats,
// stations and stars tables (the live topics, or a replay directory with --from), as Markdown,
// CSV or a self-contained HTML page. Exit codes: 0 written; 1 no statistics for that month; 2 bad
// arguments or unreadable input (see app/report/README.md).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "area_names_config.hpp"
#include "commands/commands.hpp"
#include "kafka/cluster.hpp"
#include "kafka/export.hpp"
#include "leifeng/report/area_names.hpp"
#include "leifeng/report/county_stats_file.hpp"
#include "leifeng/report/render_report.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::string month;
  std::string format;  // empty: from the extension of `output`, else Markdown
  std::string output;  // empty: stdout
  std::string from_dir;
  std::string areas_file;
};

// The format a file extension names; nullopt for any other extension (or none).
std::optional<report::ReportFormat> format_of_extension(const std::string& extension) {
  if (extension == ".md" || extension == ".markdown") return report::ReportFormat::markdown;
  if (extension == ".csv") return report::ReportFormat::csv;
  if (extension == ".html" || extension == ".htm") return report::ReportFormat::html;
  return std::nullopt;
}

// With -o FILE the extension names the format, so `-o r.pdf` never gets Markdown under a
// name that promises something else; --format, when also given, must agree with it.
report::ReportFormat choose_format(const ReportOptions& options) {
  std::optional<report::ReportFormat> flag;
  if (!options.format.empty()) {
    flag = report::parse_report_format(options.format);
    if (!flag) {
      throw std::invalid_argument("--format must be md, csv or html, not \"" + options.format +
                                  "\"");
    }
  }
  if (options.output.empty() || options.output == "-") {
    return flag.value_or(report::ReportFormat::markdown);
  }
  const std::string extension = fs::path(options.output).extension().string();
  const auto named = format_of_extension(extension);
  if (!named) {
    throw std::invalid_argument("-o " + options.output +
                                ": the report is written as Markdown, CSV or HTML, so the " +
                                "file must end in .md, .csv or .html (.markdown and .htm too)" +
                                (extension.empty() ? std::string() : ", not " + extension));
  }
  if (flag && *flag != *named) {
    throw std::invalid_argument("--format " + options.format + " does not match -o " +
                                options.output + "; give one of them, or make them agree");
  }
  return *named;
}

// --areas FILE; else those of the configuration, as the demo's table (area_names_config.hpp).
report::AreaNames choose_area_names(const ReportOptions& options, const GlobalOptions& global) {
  if (!options.areas_file.empty()) return report::load_area_names(options.areas_file);
  return configured_area_names(load_settings(global));
}

// Written next to the target and renamed, so a failed run never leaves half a report.
void write_output(const std::string& output, const std::string& document) {
  const fs::path target(output);
  const fs::path partial = target.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + partial.string());
    out << document;
    if (!out.flush()) throw std::runtime_error("error while writing " + partial.string());
  }
  std::error_code error;
  fs::rename(partial, target, error);
  if (error) {
    fs::remove(partial);
    throw std::runtime_error("cannot write " + output + ": " + error.message());
  }
}

void run_report(const ReportOptions& options, const GlobalOptions& global) {
  const auto month = report::parse_report_month(options.month);
  if (!month) {
    throw std::invalid_argument("--month must be YYYY-MM (e.g. 2027-03), not \"" + options.month +
                                "\"");
  }
  const report::ReportFormat format = choose_format(options);
  const report::AreaNames names = choose_area_names(options, global);
  report::ReportTables tables;
  std::string origin;
  if (options.from_dir.empty()) {
    // The live tables: the latest committed value per key of the county-stats topic, and of
    // the stations and stars topics for the lists of SPEC §9.
    const Settings settings = load_settings(global);
    KafkaCluster cluster(settings, "report");
    const std::string& prefix = settings.runtime().topic_prefix;
    tables.county_stats = export_county_stats(cluster.properties(), prefix);
    origin = "the county-stats topic";
    if (!tables.county_stats.empty()) {
      tables.stations = export_stations(cluster.properties(), prefix);
      tables.stars = export_stars(cluster.properties(), prefix);
    }
  } else {
    tables = report::read_report_tables_dir(options.from_dir);
    origin = options.from_dir;
  }
  std::string document;
  try {
    document = report::render_report(tables, *month, names, format);
  } catch (const report::NoReportData& e) {
    std::cerr << "leifeng: " << e.what() << " in " << origin << '\n';
    throw CLI::RuntimeError(1);
  }
  if (options.output.empty() || options.output == "-") {
    std::cout << document << std::flush;
  } else {
    write_output(options.output, document);
  }
}

}  // namespace

void register_report(CLI::App& cli, const GlobalOptions& global) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = cli.add_subcommand("report", "the monthly county report");
  command->add_option("--month", options->month, "the month, YYYY-MM")->required();
  command->add_option("--format", options->format,
                      "md, csv or html (default: from the -o extension, else md); with -o it "
                      "must name the extension's format");
  command->add_option("-o,--output", options->output,
                      "output file ending in .md, .csv or .html, which decides the format "
                      "(default: stdout)");
  command->add_option("--from", options->from_dir,
                      "replay directory holding county-stats.jsonl, stations.jsonl and "
                      "stars.jsonl (`leifeng replay --out`); default: the live topics");
  command->add_option("--areas", options->areas_file,
                      "area names, \"area_code,name\" CSV (default: areas_file of -c, else "
                      "built-in)");
  command->callback([options, &global] { run_report(*options, global); });
}

}  // namespace leifeng::app
