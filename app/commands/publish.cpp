// `leifeng publish FILE|-` (SPEC §7): JSON Lines in, each line validated and routed by `type`
// to its input topic, keyed by the aggregate id. Routing rules: event_router.hpp.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "commands/commands.hpp"
#include "kafka/cluster.hpp"
#include "kafka/publish.hpp"
#include "kafka/topics.hpp"
#include "product.hpp"
#include "settings.hpp"
#include "topology.hpp"

namespace leifeng::app {

namespace {

struct PublishOptions {
  std::string input;
  bool quiet = false;
};

// The summary, on stdout (the command's human output; progress lines go to stderr): lines
// read, published per topic, and the dead letters by reason — those publish wrote itself and
// those the processors will write for lines it published although invalid.
void print_summary(const PublishSummary& summary) {
  int64_t published = 0;
  for (const auto& [topic, count] : summary.published) published += count;
  std::printf("publish: %lld lines read, %lld published, %lld dead-lettered\n",
              static_cast<long long>(summary.lines_read), static_cast<long long>(published),
              static_cast<long long>(summary.dead_lettered));
  for (const auto& [topic, count] : summary.published)
    std::printf("  %s: %lld\n", topic.c_str(), static_cast<long long>(count));
  bool any = false;
  for (int r = 0; r < schemas::kReasonCount; ++r) {
    const std::string reason(schemas::to_string(static_cast<schemas::Reason>(r)));
    const int64_t by_publish = summary.dead_lettered_by_reason[static_cast<size_t>(r)];
    const int64_t by_processors = summary.invalid_by_reason[static_cast<size_t>(r)];
    if (by_publish == 0 && by_processors == 0) continue;
    if (!any) std::printf("publish: dead letters by reason:\n");
    any = true;
    if (by_publish > 0) {
      std::printf("  %s: %lld, written by publish (no usable type)\n", reason.c_str(),
                  static_cast<long long>(by_publish));
    }
    if (by_processors > 0) {
      std::printf("  %s: %lld published lines are invalid; the processors will dead-letter them\n",
                  reason.c_str(), static_cast<long long>(by_processors));
    }
  }
  if (!any) std::printf("publish: no dead letters, no invalid line published\n");
  std::fflush(stdout);
}

// Returns the exit code: 0, or 1 when a record was not delivered or a line was over the limit.
int run_publish(const PublishOptions& options, const GlobalOptions& global) {
  setup_logging();
  const Settings settings = load_settings(global);
  KafkaCluster cluster(settings, "publish");
  // Embedded: a fresh cluster has no topics; a real one is set up by `topics create`.
  if (cluster.embedded()) ensure_topics(cluster, build_topology(settings));

  std::FILE* in = options.input == "-" ? stdin : std::fopen(options.input.c_str(), "rb");
  if (in == nullptr)
    throw std::runtime_error("cannot read " + options.input + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in == stdin ? nullptr : in, &std::fclose);
  const PublishSummary summary =
      publish_events(in, options.input, settings, cluster, !options.quiet);
  print_summary(summary);
  if (summary.delivery.failed > 0) {
    std::fprintf(stderr, "publish: %lld records NOT delivered; first error: %s\n",
                 static_cast<long long>(summary.delivery.failed),
                 summary.delivery.first_error.c_str());
    return 1;
  }
  if (summary.oversize_lines > 0) {
    std::fprintf(stderr,
                 "publish: %lld lines over [rules] max_line_bytes (%lld) were dead-lettered, "
                 "not published\n",
                 static_cast<long long>(summary.oversize_lines),
                 static_cast<long long>(settings.domain.max_line_bytes));
    return 1;
  }
  return 0;
}

}  // namespace

void register_publish(CLI::App& cli, const GlobalOptions& global) {
  auto options = std::make_shared<PublishOptions>();
  CLI::App* command = cli.add_subcommand(
      "publish", "publish JSON Lines events to the input topics, routed by type and keyed by id");
  command->add_option("FILE", options->input, "JSON Lines events file, '-' for stdin")->required();
  command->add_flag("-q,--quiet", options->quiet, "no progress lines");
  command->callback([options, &global] {
    int code = 0;
    try {
      code = run_publish(*options, global);
    } catch (const std::exception& e) {
      std::cerr << "leifeng publish: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace leifeng::app
