// `leifeng audit diff DIR` and `leifeng audit volunteer ID [--input FILE]` (SPEC §7).
// Exit codes: 0 equal / explained, 1 differences / no such volunteer, 2 errors.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "audit/diff.hpp"
#include "audit/volunteer.hpp"
#include "commands/commands.hpp"
#include "kafka/cluster.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/topic_reader.hpp"
#include "product.hpp"
#include "settings.hpp"

namespace leifeng::app {

namespace {

struct DiffOptions {
  std::string replay_dir;
  std::size_t limit = 50;
};

struct VolunteerOptions {
  std::string volunteer_id;
  std::string input;  // empty: the hours topic
};

int run_diff(const DiffOptions& options, const GlobalOptions& global) {
  setup_logging("warn");
  // The replay first: a wrong directory is reported before Kafka is asked anything.
  const ReplayOutputs replayed = read_replay_dir(options.replay_dir);
  const Settings settings = load_settings(global);
  KafkaCluster cluster(settings, "audit diff");
  const ReplayOutputs live =
      read_live_tables(cluster.properties(), settings.runtime().topic_prefix);
  const AuditDiff diff = diff_tables(live, replayed);
  std::fputs(format_audit_diff(diff, options.limit).c_str(), stdout);
  std::fflush(stdout);
  return diff.equal() ? 0 : 1;
}

void read_events_file(const std::string& input, VolunteerAuditor& auditor) {
  std::FILE* in = input == "-" ? stdin : std::fopen(input.c_str(), "rb");
  if (in == nullptr) throw std::runtime_error("cannot read " + input + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in == stdin ? nullptr : in, &std::fclose);
  char* buffer = nullptr;
  std::size_t capacity = 0;
  int64_t line_number = 0;
  for (ssize_t length; (length = ::getline(&buffer, &capacity, in)) >= 0;) {
    ++line_number;
    std::string_view line(buffer, static_cast<std::size_t>(length));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    auditor.feed_line(line, line_number);
  }
  std::free(buffer);
  if (std::ferror(in)) throw std::runtime_error("error while reading " + input);
}

int run_volunteer(const VolunteerOptions& options, const GlobalOptions& global) {
  setup_logging("warn");
  const Settings settings = load_settings(global);
  processors::SourceNaming source;
  source.topic_prefix = settings.runtime().topic_prefix;
  if (!options.input.empty()) source.file = options.input;
  VolunteerAuditor auditor(settings.domain, options.volunteer_id, source);
  if (!options.input.empty()) {
    read_events_file(options.input, auditor);
  } else {
    KafkaCluster cluster(settings, "audit volunteer");
    runtime::TopicReader reader(cluster.properties(), topic_reader_options());
    reader.read(processors::kafka_topic_name(source.topic_prefix, processors::inputs::kHours),
                [&](const runtime::TopicRecord& record) {
                  auditor.feed_message(record.partition, record.offset, record.key,
                                       record.value.value_or(std::string_view{}));
                });
  }
  const VolunteerAudit audit = auditor.finish();
  if (audit.events.empty()) {
    std::fprintf(stderr, "leifeng audit volunteer: no events for volunteer %s\n",
                 options.volunteer_id.c_str());
    return 1;
  }
  std::fputs(render_volunteer_audit(audit, settings.domain).c_str(), stdout);
  std::fflush(stdout);
  return 0;
}

// Runs `body`; errors become exit code 2 with the message on stderr.
template <typename Body>
void with_exit_code(const char* command, Body body) {
  int code = 0;
  try {
    code = body();
  } catch (const std::exception& e) {
    std::cerr << "leifeng " << command << ": " << e.what() << '\n';
    throw CLI::RuntimeError(2);
  }
  if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

void register_audit(CLI::App& cli, const GlobalOptions& global) {
  CLI::App* audit = cli.add_subcommand("audit", "check live tables against a replay");
  audit->require_subcommand(1);

  auto diff = std::make_shared<DiffOptions>();
  CLI::App* diff_command = audit->add_subcommand(
      "diff",
      "compare a replay directory with the live tables; exit 0 equal, 1 different, 2 error");
  diff_command->add_option("DIR", diff->replay_dir, "output directory of `leifeng replay`")
      ->required();
  diff_command->add_option("--limit", diff->limit, "differences listed (the rest are counted)")
      ->capture_default_str();
  diff_command->footer(
      "county-stats are compared without revision and as_of, need-matches without as_of, "
      "stations field by field; "
      "star-changes per volunteer in "
      "order; dead letters by reason, event_id and payload (their source differs between a "
      "file replay and live).");
  diff_command->callback(
      [diff, &global] { with_exit_code("audit diff", [&] { return run_diff(*diff, global); }); });

  auto volunteer = std::make_shared<VolunteerOptions>();
  CLI::App* volunteer_command = audit->add_subcommand(
      "volunteer", "the hour logs and events behind a volunteer's star level");
  volunteer_command->add_option("ID", volunteer->volunteer_id, "volunteer id")->required();
  volunteer_command->add_option(
      "--input", volunteer->input,
      "events file ('-' for stdin) instead of the hours topic (read without a consumer group)");
  volunteer_command->callback([volunteer, &global] {
    with_exit_code("audit volunteer", [&] { return run_volunteer(*volunteer, global); });
  });
}

}  // namespace leifeng::app
