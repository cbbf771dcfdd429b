// Registration of the leifeng subcommands. Each command lives in its own file under
// app/commands/ and adds itself to the CLI here; main.cpp calls every register_* function.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

namespace leifeng::app {

// Options every command shares.
struct GlobalOptions {
  std::string config_file;        // -c FILE; empty = built-in defaults
  std::string bootstrap_servers;  // --bootstrap-servers; empty = the configured one, if any
  bool embedded = false;          // --embedded: a throwaway in-process cluster, asked for
};

// Each returns nothing; the callback of the subcommand throws CLI::RuntimeError(code) to
// exit with a code other than 0.
void register_replay(CLI::App& cli, const GlobalOptions& global);
void register_generate(CLI::App& cli, const GlobalOptions& global);
void register_report(CLI::App& cli, const GlobalOptions& global);
// Kafka-facing commands: topics create|list|describe, publish, export, run.
void register_topics(CLI::App& cli, const GlobalOptions& global);
void register_publish(CLI::App& cli, const GlobalOptions& global);
void register_export(CLI::App& cli, const GlobalOptions& global);
void register_run(CLI::App& cli, const GlobalOptions& global);
void register_demo(CLI::App& cli, const GlobalOptions& global);
// `reset [--execute]` (commands/reset.cpp): the application reset.
void register_reset(CLI::App& cli, const GlobalOptions& global);

// `topics list` and `topics describe TOPIC` (commands/topics_inspect.cpp), beside `topics create`.
void add_topics_inspection(CLI::App& topics, const GlobalOptions& global);

// Audits (SPEC §7): `audit diff` and `audit volunteer` (commands/audit.cpp).
void register_audit(CLI::App& cli, const GlobalOptions& global);
// Modes other commands gain for audits. Each adds its options to the command and returns what
// the command's callback calls first: the exit code when the mode was chosen, else nullopt.
// `replay --from-topics [--from TIME] [--to TIME]` (commands/replay_from_topics.cpp), on
// `threads` threads:
std::function<std::optional<int>(const std::string& out_dir, int threads)> add_replay_from_topics(
    CLI::App& replay, const GlobalOptions& global);
// `export --inputs [FILE]` (commands/export_inputs.cpp); `output` is export's -o value:
std::function<std::optional<int>(const std::string& output)> add_export_inputs(
    CLI::App& export_command, const GlobalOptions& global);

}  // namespace leifeng::app
