// `leifeng replay --input FILE --out DIR` (SPEC §7): recomputes every table from an events
// file with the processors that run live, no Kafka needed.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "leifeng/processors/domain_config.hpp"
#include "replay_file.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

struct ReplayOptions {
  std::string input;
  std::string out_dir;
};

// Feeds every line of `input` ("-" = stdin) to the replay, printing progress to stderr.
void read_events(const std::string& input, FileReplay& replay) {
  std::FILE* in = input == "-" ? stdin : std::fopen(input.c_str(), "rb");
  if (in == nullptr) {
    throw std::runtime_error("cannot read " + input + ": " + std::strerror(errno));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in == stdin ? nullptr : in, &std::fclose);
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto last_report = started;

  // Whole lines go to the replay a block at a time, straight from the read buffer; the
  // unfinished line at the end moves to the front for the next read. 256 KiB stays in the L2
  // cache while it is decoded (BENCHMARKS.md: a little faster than 1 or 4 MiB).
  std::string buffer(256 << 10, '\0');
  size_t kept = 0;  // bytes of that unfinished line
  int64_t line_number = 0;
  for (;;) {
    if (kept == buffer.size()) buffer.resize(2 * buffer.size());  // a line longer than the buffer
    const size_t got = std::fread(buffer.data() + kept, 1, buffer.size() - kept, in);
    if (got == 0) break;
    const size_t filled = kept + got;
    const size_t last_newline = std::string_view(buffer.data(), filled).rfind('\n');
    if (last_newline == std::string_view::npos) {
      kept = filled;
      continue;
    }
    line_number +=
        replay.feed_lines(std::string_view(buffer.data(), last_newline + 1), line_number + 1);
    kept = filled - (last_newline + 1);
    std::memmove(buffer.data(), buffer.data() + last_newline + 1, kept);
    if (Clock::now() - last_report >= std::chrono::seconds(2)) {
      last_report = Clock::now();
      const double seconds = std::chrono::duration<double>(last_report - started).count();
      std::fprintf(stderr, "replay: %lld events read (%.0f/s)\n",
                   static_cast<long long>(replay.summary().events_read),
                   static_cast<double>(replay.summary().events_read) / seconds);
    }
  }
  if (std::ferror(in)) throw std::runtime_error("error while reading " + input);
  if (kept > 0) replay.feed_lines(std::string_view(buffer.data(), kept), line_number + 1);
}

void run_replay(const ReplayOptions& options, const GlobalOptions& global) {
  // Only the [rules] part matters here: no Kafka.
  const processors::DomainConfig config = load_settings(global).domain;
  const auto started = std::chrono::steady_clock::now();
  // The state and the tables are never freed: the process ends right after, and freeing the
  // state of millions of events one object at a time took ~4 % of a whole run. A static
  // pointer keeps them reachable, so leak checkers do not count them.
  static FileReplay* kept_replay = nullptr;
  kept_replay = new FileReplay(config, options.input);
  FileReplay& replay = *kept_replay;
  read_events(options.input, replay);
  replay.write_outputs(options.out_dir);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const ReplaySummary& summary = replay.summary();
  std::fprintf(stderr,
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
  // `replay --from-topics` (audits): replay_from_topics.cpp.
  auto from_topics = add_replay_from_topics(*command, global);
  input->excludes(command->get_option("--from-topics"));
  command->callback([options, from_topics, &global] {
    std::optional<int> code;
    try {
      code = from_topics(options->out_dir);
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
