// `leifeng export TABLE` (SPEC §7): a table's latest value per key (star-changes and
// dead-letter: every record) as JSON Lines, in the order `replay --input` writes its files.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands/commands.hpp"
#include "drivers/replay.hpp"
#include "kafka/cluster.hpp"
#include "kafka/export.hpp"
#include "product.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

struct ExportOptions {
  std::string table;
  std::string output = "-";
};

void run_export(const ExportOptions& options, const GlobalOptions& global) {
  setup_logging();
  const Settings settings = load_settings(global);
  KafkaCluster cluster(settings, "export");
  const std::vector<std::string> lines =
      export_table(cluster.properties(), settings.runtime().topic_prefix, options.table);
  if (options.output == "-") {
    if (!write_lines(stdout, lines) || std::fflush(stdout) != 0)
      throw std::runtime_error("error while writing to standard output");
  } else {
    write_lines(std::filesystem::path(options.output), lines);
  }
  // The summary is human output: stdout, unless stdout carries the records themselves.
  std::fprintf(options.output == "-" ? stderr : stdout, "export: %zu %s records\n", lines.size(),
               options.table.c_str());
}

}  // namespace

void register_export(CLI::App& cli, const GlobalOptions& global) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* command = cli.add_subcommand(
      "export", "print a table's latest value per key (star-changes, dead-letter: every record)");
  CLI::Option* table = command->add_option("TABLE", options->table, "the table")
                           ->check(CLI::IsMember(exportable_tables()));
  command->add_option("-o,--output", options->output, "output file; - for stdout");
  // `export --inputs` (audits): export_inputs.cpp.
  auto inputs = add_export_inputs(*command, global);
  table->excludes(command->get_option("--inputs"));
  command->callback([options, inputs, &global] {
    std::optional<int> code;
    try {
      code = inputs(options->output);
      if (!code && options->table.empty()) throw std::runtime_error("give a TABLE or --inputs");
      if (!code) run_export(*options, global);
    } catch (const std::exception& e) {
      std::cerr << "leifeng export: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
    if (code && *code != 0) throw CLI::RuntimeError(*code);
  });
}

}  // namespace leifeng::app
