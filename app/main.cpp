// The leifeng binary: parses the command line and runs one subcommand (SPEC §7).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "commands/commands.hpp"
#include "leifeng/runtime/logging.hpp"

int main(int argc, char** argv) {
  // Logs go to stderr from the start, so that stdout carries only a command's output.
  leifeng::runtime::setup_logging();
  CLI::App cli{"leifeng — event backbone of a city's volunteer-service programme"};
  cli.require_subcommand(1);
  leifeng::app::GlobalOptions global;
  cli.add_option("-c,--config", global.config_file, "configuration file (TOML)");
  cli.add_option("--bootstrap-servers", global.bootstrap_servers,
                 "Kafka bootstrap servers; overrides the configuration file");

  leifeng::app::register_replay(cli, global);
  leifeng::app::register_generate(cli, global);
  leifeng::app::register_report(cli, global);
  leifeng::app::register_topics(cli, global);
  leifeng::app::register_publish(cli, global);
  leifeng::app::register_export(cli, global);
  leifeng::app::register_run(cli, global);
  leifeng::app::register_demo(cli, global);
  leifeng::app::register_audit(cli, global);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "leifeng: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
