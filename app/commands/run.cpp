// `leifeng run [--until-caught-up]` (SPEC §7): the processors against the configured Kafka
// until SIGTERM/SIGINT (clean shutdown: the open transaction is committed), or until caught up.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "commands/commands.hpp"
#include "drivers/live_run.hpp"
#include "drivers/run_progress.hpp"
#include "kafka/cluster.hpp"
#include "product.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

struct RunOptions {
  bool until_caught_up = false;
  std::optional<int> progress_seconds;  // --progress-interval; nullopt = by where stderr goes
};

// Returns the exit code: 0, or 1 when stopped by a signal before catching up.
int run_processors(const RunOptions& options, const GlobalOptions& global) {
  setup_logging();
  const std::chrono::seconds progress =
      progress_interval(options.progress_seconds, ::isatty(STDERR_FILENO) == 1);
  const Settings settings = load_settings(global);
  KafkaCluster cluster(settings, "run");
  const std::atomic<bool>& stop = runtime::stop_on_termination_signals();
  const PipelineRun result =
      run_pipeline(settings, cluster, options.until_caught_up, stop, progress);
  // The accounting of this run, one line per input (SPEC §4: read = applied + duplicates +
  // dead-lettered): the command's human output, on stdout.
  for (const auto& [input, account] : result.inputs) {
    std::fprintf(stdout, "run: %s: %lld read, %lld applied, %lld duplicates, %lld dead-lettered\n",
                 input.c_str(), static_cast<long long>(account.consumed),
                 static_cast<long long>(account.applied),
                 static_cast<long long>(account.duplicates),
                 static_cast<long long>(account.dead_lettered));
  }
  if (options.until_caught_up && !result.caught_up) {
    std::cerr << "leifeng run: stopped before catching up\n";
    return 1;
  }
  return 0;
}

}  // namespace

void register_run(CLI::App& cli, const GlobalOptions& global) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command =
      cli.add_subcommand("run", "run the processors against Kafka until stopped (SIGTERM)");
  command->add_flag("--until-caught-up", options->until_caught_up,
                    "exit 0 once everything on the input topics at the start is processed and "
                    "committed");
  command
      ->add_option("--progress-interval", options->progress_seconds,
                   "log a progress line (records processed, commits, lag per input topic) "
                   "every SECONDS; 0 = none (default: 5 on a terminal, else 60)")
      ->type_name("SECONDS");
  command->callback([options, &global] {
    int code = 0;
    try {
      code = run_processors(*options, global);
    } catch (const std::exception& e) {
      std::cerr << "leifeng run: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace leifeng::app
