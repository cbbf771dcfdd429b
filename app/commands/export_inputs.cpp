// `leifeng export --inputs [FILE]` (SPEC §7): the input topics as one events file for
// `replay --input`. What becomes of values that are not one line: audit_input_export.hpp.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "audit/input_export.hpp"
#include "commands/commands.hpp"
#include "kafka/cluster.hpp"
#include "product.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

struct InputsOptions {
  CLI::Option* flag = nullptr;
  std::string file;
};

// 0, or 1 when messages had to be left out (the file is then not the whole input).
int run_export_inputs(const std::string& file, const GlobalOptions& global) {
  setup_logging("warn");
  const Settings settings = load_settings(global);
  KafkaCluster cluster(settings, "export");
  std::FILE* out = file == "-" ? stdout : std::fopen(file.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("cannot write " + file);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(out == stdout ? nullptr : out,
                                                         &std::fclose);
  const InputExport result =
      export_inputs(cluster.properties(), settings.runtime().topic_prefix,
                    settings.domain.validation_rules(), runtime::TimestampRange{}, out);
  if (out != stdout && std::fclose(closer.release()) != 0)
    throw std::runtime_error("error while writing " + file);
  // The summary is human output: stdout, unless stdout carries the events file itself. What
  // went wrong (notes, warnings) goes to stderr.
  std::FILE* summary = file == "-" ? stderr : stdout;
  std::fprintf(summary, "export: %lld input messages, %lld lines written",
               static_cast<long long>(result.messages), static_cast<long long>(result.written));
  if (result.rejoined > 0)
    std::fprintf(summary, " (%lld JSON values had line breaks, written as spaces)",
                 static_cast<long long>(result.rejoined));
  std::fprintf(summary, "\n");
  std::fflush(summary);
  for (const std::string& note : result.notes) std::fprintf(stderr, "export: %s\n", note.c_str());
  if (result.routed_elsewhere > 0)
    std::fprintf(stderr,
                 "export: warning: %lld messages are on another topic or key than their type and "
                 "id give; a file replay may differ from live for them\n",
                 static_cast<long long>(result.routed_elsewhere));
  if (result.left_out > 0) {
    std::fprintf(stderr, "export: %lld messages cannot be one line and were left out\n",
                 static_cast<long long>(result.left_out));
    return 1;
  }
  return 0;
}

}  // namespace

std::function<std::optional<int>(const std::string&)> add_export_inputs(
    CLI::App& export_command, const GlobalOptions& global) {
  auto options = std::make_shared<InputsOptions>();
  options->flag =
      export_command
          .add_option("--inputs", options->file,
                      "instead of a table: the three input topics as one events file for "
                      "`replay --input` (to FILE, else to -o)")
          ->expected(0, 1);
  return [options, &global](const std::string& output) -> std::optional<int> {
    if (options->flag->count() == 0) return std::nullopt;
    return run_export_inputs(options->file.empty() ? output : options->file, global);
  };
}

}  // namespace leifeng::app
