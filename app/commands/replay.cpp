// `leifeng replay --input FILE --out DIR` (SPEC §7): recomputes every table from an events
// file with the processors that run live, no Kafka needed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "commands/commands.hpp"
#include "drivers/file_replay.hpp"
#include "leifeng/processors/domain_config.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

// One thread per core, the most a replay of this machine can use.
int default_replay_threads() {
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 64);
}

struct ReplayOptions {
  std::string input;
  std::string out_dir;
  int threads = default_replay_threads();
};

void run_replay(const ReplayOptions& options, const GlobalOptions& global) {
  // Only the [rules] part matters here: no Kafka.
  const processors::DomainConfig config = load_settings(global).domain;
  const auto started = std::chrono::steady_clock::now();
  // The state and the tables are never freed: the process ends right after, and freeing the
  // state of millions of events one object at a time is a noticeable part of a run. A static
  // pointer keeps them reachable, so leak checkers do not count them.
  static Replay* kept_replay = nullptr;
  kept_replay = new Replay(config, options.input, options.threads);
  Replay& replay = *kept_replay;
  read_events_file(options.input, replay, [](int64_t events_read, double seconds) {
    std::fprintf(stderr, "replay: %lld events read (%.0f/s)\n", static_cast<long long>(events_read),
                 static_cast<double>(events_read) / seconds);
  });
  replay.write_outputs(options.out_dir);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const ReplaySummary& summary = replay.summary();
  // The summary is the command's human output: stdout (progress lines above go to stderr).
  std::fprintf(stdout,
               "replay: %lld events read, %lld applied, %lld duplicates, %lld dead-lettered "
               "in %.2f s; outputs in %s\n",
               static_cast<long long>(summary.events_read), static_cast<long long>(summary.applied),
               static_cast<long long>(summary.duplicates),
               static_cast<long long>(summary.dead_lettered), seconds, options.out_dir.c_str());
}

}  // namespace

void register_replay(CLI::App& cli, const GlobalOptions& global) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* command =
      cli.add_subcommand("replay", "recompute every table from an events file, no Kafka needed");
  CLI::Option* input =
      command->add_option("--input", options->input, "JSON Lines events file, '-' for stdin");
  command->add_option("--out", options->out_dir, "directory for the output tables")->required();
  command
      ->add_option("--threads", options->threads,
                   "threads to apply the events on (default: the number of cores); the outputs "
                   "are the same with any number")
      ->check(CLI::Range(1, 64));
  // `replay --from-topics` (audits): replay_from_topics.cpp.
  auto from_topics = add_replay_from_topics(*command, global);
  input->excludes(command->get_option("--from-topics"));
  command->callback([options, from_topics, &global] {
    std::optional<int> code;
    try {
      code = from_topics(options->out_dir, options->threads);
      if (!code && options->input.empty())
        throw std::runtime_error("give --input FILE or --from-topics");
      if (!code) run_replay(*options, global);
    } catch (const std::exception& e) {
      std::cerr << "leifeng replay: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
    if (code && *code != 0) throw CLI::RuntimeError(*code);
  });
}

}  // namespace leifeng::app
