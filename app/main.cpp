// The leifeng binary: parses the command line and runs one subcommand (SPEC §7).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "commands/commands.hpp"
#include "product.hpp"

namespace {

// -c, --bootstrap-servers and --embedded on `app` and on every subcommand below it, all bound to
// the same GlobalOptions: they go before or after a subcommand's name, and every --help shows
// them. (Whether a broker is needed, and whether both were given, KafkaCluster decides: the
// broker may come from the file or the environment too.)
void add_global_options(CLI::App& app, leifeng::app::GlobalOptions& global) {
  app.add_option("-c,--config", global.config_file, "configuration file (TOML)")
      ->group("Global options");
  app.add_option("--bootstrap-servers", global.bootstrap_servers,
                 "Kafka bootstrap servers; overrides the configuration file")
      ->group("Global options");
  // The demo has its own --embedded (it excludes --keep-broker) and reads this one too.
  if (app.get_option_no_throw("--embedded") == nullptr) {
    app.add_flag("--embedded", global.embedded,
                 "Kafka commands: a throwaway in-process cluster instead of a broker (its data is "
                 "gone when the command exits)")
        ->group("Global options");
  }
  // (Option groups are unnamed subcommands; their options are the parent's.)
  for (CLI::App* sub : app.get_subcommands([](CLI::App* s) { return !s->get_name().empty(); })) {
    add_global_options(*sub, global);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Logs go to stderr from the start, so that stdout carries only a command's output.
  leifeng::app::setup_logging();
  CLI::App cli{"leifeng — event backbone of a city's volunteer-service programme"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("leifeng ") + LEIFENG_VERSION);
  leifeng::app::GlobalOptions global;

  leifeng::app::register_replay(cli, global);
  leifeng::app::register_generate(cli, global);
  leifeng::app::register_report(cli, global);
  leifeng::app::register_topics(cli, global);
  leifeng::app::register_publish(cli, global);
  leifeng::app::register_export(cli, global);
  leifeng::app::register_run(cli, global);
  leifeng::app::register_reset(cli, global);
  leifeng::app::register_demo(cli, global);
  leifeng::app::register_audit(cli, global);
  add_global_options(cli, global);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0, a command's own code (CLI::RuntimeError) stands, and a
    // command line that cannot be parsed is an error like any other: 2 (SPEC §7).
    const int code = cli.exit(e);
    if (code == 0 || e.get_name() == "RuntimeError") return code;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "leifeng: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
