// `leifeng replay --from-topics --out DIR [--from TIME] [--to TIME]` (SPEC §7): recomputes
// every table from the retained input topics with the live processors, in this process.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands/commands.hpp"
#include "drivers/topic_replay.hpp"
#include "kafka/cluster.hpp"
#include "product.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

constexpr const char* kWhyInProcess =
    "replay --from-topics reads the input topics from the beginning (read_committed, no "
    "consumer group) and runs the live processors in this process with in-memory state. It is "
    "not a second Kafka application: it never joins the live group and writes nothing to "
    "Kafka, so it cannot disturb live state, changelogs or tables, and it runs at processor "
    "speed instead of at the pace of transactions. Each partition is replayed in offset order, "
    "the order the live run applied every key's events in.\n";

struct FromTopicsOptions {
  bool enabled = false;
  std::string from;
  std::string to;
};

int run_replay_from_topics(const FromTopicsOptions& options, const std::string& out_dir,
                           int threads, const GlobalOptions& global) {
  setup_logging("warn");
  runtime::TimestampRange range;
  if (!options.from.empty()) range.from_ms = parse_time_bound(options.from, "--from");
  if (!options.to.empty()) range.to_ms = parse_time_bound(options.to, "--to");
  const Settings settings = load_settings(global);
  KafkaCluster cluster(settings, "replay");
  const std::string& prefix = settings.runtime().topic_prefix;
  std::fprintf(stderr, "replay: reading %s.{hours,activities,needs}.v1 from %s\n", prefix.c_str(),
               cluster.bootstrap_servers().c_str());
  const TopicReplay replay = replay_from_topics(
      cluster.properties(), prefix, settings.domain, range,
      [](int64_t events, double seconds) {
        std::fprintf(stderr, "replay: %lld events read (%.0f/s)\n", static_cast<long long>(events),
                     static_cast<double>(events) / seconds);
      },
      threads);
  write_replay_outputs(out_dir, replay.outputs, replay.summary);
  const ReplaySummary& summary = replay.summary;
  const double rate =
      replay.seconds > 0 ? static_cast<double>(summary.events_read) / replay.seconds : 0.0;
  // The summary is the command's human output: stdout (progress lines above go to stderr).
  std::fprintf(stdout,
               "replay: %lld events read, %lld applied, %lld duplicates, %lld dead-lettered in "
               "%.2f s (%.0f events/s); outputs in %s\n",
               static_cast<long long>(summary.events_read), static_cast<long long>(summary.applied),
               static_cast<long long>(summary.duplicates),
               static_cast<long long>(summary.dead_lettered), replay.seconds, rate,
               out_dir.c_str());
  return 0;
}

}  // namespace

std::function<std::optional<int>(const std::string&, int)> add_replay_from_topics(
    CLI::App& replay, const GlobalOptions& global) {
  auto options = std::make_shared<FromTopicsOptions>();
  CLI::Option* flag = replay.add_flag(
      "--from-topics", options->enabled,
      "recompute from the retained input topics instead of a file (isolated from live state; "
      "see below)");
  replay
      .add_option("--from", options->from,
                  "with --from-topics: only messages with a Kafka timestamp at or after this "
                  "RFC 3339 time")
      ->needs(flag);
  replay
      .add_option("--to", options->to,
                  "with --from-topics: only messages with a Kafka timestamp before this RFC "
                  "3339 time")
      ->needs(flag);
  replay.footer(kWhyInProcess);
  return [options, &global](const std::string& out_dir, int threads) -> std::optional<int> {
    if (!options->enabled) return std::nullopt;
    return run_replay_from_topics(*options, out_dir, threads, global);
  };
}

}  // namespace leifeng::app
