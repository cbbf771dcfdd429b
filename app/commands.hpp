// Registration of the leifeng subcommands. Each command lives in its own file under
// app/commands/ and adds itself to the CLI here; main.cpp calls every register_* function.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace leifeng::app {

// Options every command shares.
struct GlobalOptions {
  std::string config_file;        // -c FILE; empty = built-in defaults
  std::string bootstrap_servers;  // --bootstrap-servers; empty = config, else embedded cluster
};

// Each returns nothing; the callback of the subcommand throws CLI::RuntimeError(code) to
// exit with a code other than 0.
void register_replay(CLI::App& cli, const GlobalOptions& global);

}  // namespace leifeng::app
