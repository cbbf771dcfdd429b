// `leifeng demo` (SPEC §7): the main job on the default local setup. Starts a real local
// Kafka broker with the project's own script (or uses the embedded cluster, or the one given
// with --bootstrap-servers), creates the topics, generates and publishes a month of a city's
// events, runs every processor until caught up, prints the county table of the month, writes
// the HTML report and stops what it started (also on SIGINT/SIGTERM, see LocalBroker), unless
// --keep-broker asks to leave the broker running. Every run starts from a clean workdir.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "commands/commands.hpp"
#include "demo/broker.hpp"
#include "demo/county_table.hpp"
#include "drivers/live_run.hpp"
#include "kafka/cluster.hpp"
#include "kafka/export.hpp"
#include "kafka/publish.hpp"
#include "kafka/topics.hpp"
#include "leifeng/generator/calendar.hpp"
#include "leifeng/generator/generator.hpp"
#include "leifeng/report/area_names.hpp"
#include "leifeng/report/render_report.hpp"
#include "leifeng/runtime/stream_runtime.hpp"
#include "leifeng/schemas/records.hpp"
#include "settings.hpp"
#include "topology.hpp"

namespace leifeng::app {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DemoOptions {
  bool embedded = false;
  bool keep_broker = false;
  std::string workdir;  // empty: .leifeng/demo, or .leifeng/demo-embedded with --embedded
  uint64_t seed = 2027;
  std::string start = "2027-03-01";
  int32_t days = 31;
  int64_t events = 0;  // 0 = the generator's default size for the period
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The demo's narration is its human output: stdout. Warnings, errors and logs go to stderr.
void step(int number, const std::string& what) {
  std::cout << "\n[" << number << "/6] " << what << '\n';
}

// A bar on one line of the terminal, redrawn in place with '\r'; only on a terminal, so a log
// file or a pipe never receives the redraws.
bool progress_bar_shown() {
  static const bool terminal = ::isatty(STDERR_FILENO) == 1;
  return terminal;
}

void draw_progress(int64_t done, int64_t total) {
  if (!progress_bar_shown()) return;
  const int width = 40;
  const double share = total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 1.0;
  const int filled = static_cast<int>(share * width);
  std::fprintf(stderr, "\r  [%s%s] %3d%%  %lld events", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), static_cast<int>(share * 100),
               static_cast<long long>(done));
  std::fflush(stderr);
}

// The embedded cluster keeps only the newest ~5 MiB or 100,000 record batches of a partition.
// An append-only topic (inputs, county deltas, star changes, dead letters) that lost records
// means missing data: fail. A compacted one (tables, changelogs) only loses the keys whose
// latest record was among the dropped ones, which cannot be told from here: warn.
void check_nothing_dropped(const KafkaCluster& cluster, const Settings& settings) {
  const std::vector<runtime::TopicSpec> specs =
      leifeng_topics(cluster.options(), build_topology(settings));
  std::set<std::string> compacted;
  for (const runtime::TopicSpec& spec : specs) {
    const auto policy = spec.configs.find("cleanup.policy");
    if (policy != spec.configs.end() && policy->second == "compact") compacted.insert(spec.name);
  }
  std::string lost;
  std::map<std::string, int> trimmed_tables;  // topic -> partitions
  int lost_partitions = 0;
  for (const auto& trimmed : cluster.trimmed_partitions(specs)) {
    if (compacted.count(trimmed.topic) > 0) {
      ++trimmed_tables[trimmed.topic];
    } else if (lost_partitions++ == 0) {
      lost = trimmed.topic + "[" + std::to_string(trimmed.partition) + "] now starts at offset " +
             std::to_string(trimmed.first_offset);
    }
  }
  for (const auto& [topic, partitions] : trimmed_tables) {
    std::cerr << "  warning: the embedded cluster dropped the oldest records of " << partitions
              << " partition(s) of the compacted topic " << topic
              << " (it keeps about 5 MiB per partition and does not compact): a key whose "
                 "latest value was among them is missing when the topic is read back. A real "
                 "broker keeps every key.\n";
  }
  if (lost_partitions == 0) return;
  throw std::runtime_error(
      "the embedded cluster dropped the oldest records of " + std::to_string(lost_partitions) +
      " partition(s), e.g. " + lost +
      " (it keeps about 5 MiB per partition), so the tables would be incomplete. Run the demo "
      "on a real broker (without --embedded) or with fewer --events.");
}

fs::path generate_events(const DemoOptions& options, const fs::path& file) {
  generator::GeneratorOptions generation;
  generation.seed = options.seed;
  const auto start = generator::parse_iso_date(options.start);
  if (!start) throw std::invalid_argument("--start must be YYYY-MM-DD, not " + options.start);
  generation.start_date = *start;
  generation.days = options.days;
  if (options.events > 0) generation.events = options.events;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + file.string());
  const auto report = generator::generate(generation, out, draw_progress);
  out.close();
  if (!out) throw std::runtime_error("error while writing " + file.string());
  if (progress_bar_shown()) {
    draw_progress(report.lines, report.lines);
    std::fputc('\n', stderr);
  }
  std::cout << "  " << report.lines << " lines: " << report.valid << " events, "
            << report.duplicates << " upstream re-sends, " << report.bad << " bad input lines -> "
            << file.string() << '\n';
  return file;
}

// Removes what an earlier demo left in `workdir` (only the entries a demo writes), after
// stopping a broker it left running (--keep-broker, or killed before it could stop it).
void clean_workdir(const fs::path& workdir) {
  if (const pid_t leftover = stop_leftover_broker(workdir / "kafka"); leftover != 0) {
    std::cout << "  stopped the broker an earlier demo left running (pid " << leftover << ")\n";
  }
  for (const char* entry : {"kafka", "events.jsonl", "replay"}) {
    fs::remove_all(workdir / entry);
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(workdir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("report-") && name.ends_with(".html")) fs::remove(entry.path());
  }
}

// What to do with the broker --keep-broker leaves running.
void print_explore_commands(const LocalBroker& broker, const GlobalOptions& global,
                            const fs::path& workdir, const std::string& month) {
  std::string leifeng = "leifeng";
  if (!global.config_file.empty()) leifeng += " -c " + global.config_file;
  leifeng += " --bootstrap-servers " + broker.bootstrap_servers();
  const fs::path replay = workdir / "replay";
  std::cout << "\n  the broker keeps running at " << broker.bootstrap_servers() << " (pid "
            << broker.pid() << "). Explore the data:\n"
            << "    " << leifeng << " export stars\n"
            << "    " << leifeng << " report --month " << month << '\n'
            << "    leifeng replay --input " << (workdir / "events.jsonl").string() << " --out "
            << replay.string() << " && " << leifeng << " audit diff " << replay.string() << '\n'
            << "  Query the state over HTTP (README \"Querying the state\"), on the demo's state:\n"
            << "    LEIFENG_SERVE_PORT=8080 LEIFENG_APP_STATE_DIR=" << (workdir / "state").string()
            << " " << leifeng << " run &\n"
            << "    curl -s localhost:8080/v1/metadata; curl -s localhost:8080/v1/volunteers/ID\n"
            << "  stop it with: " << kafka_script().string() << " stop "
            << (workdir / "kafka").string() << '\n';
}

void run_demo(DemoOptions options, GlobalOptions global) {
  const auto started = Clock::now();
  // `leifeng --embedded demo` as well as `leifeng demo --embedded`.
  options.embedded = options.embedded || global.embedded;
  global.embedded = options.embedded;
  if (options.embedded && options.keep_broker)
    throw std::invalid_argument("--keep-broker needs a broker: it excludes --embedded");
  if (options.workdir.empty()) {
    options.workdir = options.embedded ? ".leifeng/demo-embedded" : ".leifeng/demo";
  }
  const fs::path workdir = fs::absolute(options.workdir);
  fs::create_directories(workdir);
  // Each line as it is written, also into a file or a pipe: whoever watches the demo sees how
  // far it got.
  std::cout << std::unitbuf;

  // 1. Kafka: the project's broker, unless told otherwise.
  step(1, "Kafka");
  clean_workdir(workdir);
  std::unique_ptr<LocalBroker> broker;
  Settings probe = load_settings(global);
  if (!options.embedded && probe.runtime().bootstrap_servers.empty()) {
    broker = std::make_unique<LocalBroker>(workdir / "kafka");
    global.bootstrap_servers = broker->bootstrap_servers();
    std::cout << "  started a local Apache Kafka broker (KRaft) at " << global.bootstrap_servers
              << " (log: " << (workdir / "kafka" / "server.log").string() << ")\n";
  }
  Settings settings = load_settings(global);
  // A fresh broker (or embedded cluster) has no changelogs: local state from an earlier demo
  // would not match it.
  const bool fresh_cluster = broker || settings.embedded;
  const fs::path state_dir = workdir / "state";
  if (fresh_cluster) fs::remove_all(state_dir);
  settings.config.runtime.state_dir = state_dir.string();
  KafkaCluster cluster(settings, "demo");
  if (cluster.embedded()) {
    std::cerr << "  using the embedded in-process cluster (no Java needed). It cannot keep "
                 "offsets in transactions, so the processors run at-least-once here; "
                 "exactly-once needs a real broker.\n";
  }

  const runtime::TopicCreation topics = ensure_topics(cluster, build_topology(settings));
  std::cout << "  topics: " << topics.created.size() << " created, "
            << topics.already_existed.size() << " already there\n";

  // 2. A month of the city's events.
  step(2, "Generating a month of events (seed " + std::to_string(options.seed) + ")");
  const fs::path events = generate_events(options, workdir / "events.jsonl");

  // 3. Upstream apps publish them.
  step(3, "Publishing to the input topics");
  std::FILE* in = std::fopen(events.c_str(), "rb");
  if (in == nullptr) throw std::runtime_error("cannot read " + events.string());
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in, &std::fclose);
  const PublishSummary published =
      publish_events(in, events.string(), settings, cluster, /*show_progress=*/true);
  std::cout << "  " << published.lines_read << " lines published";
  for (const auto& [topic, count] : published.published) std::cout << ", " << topic << " " << count;
  std::cout << ", " << published.dead_lettered << " unroutable lines dead-lettered\n";
  if (published.delivery.failed > 0) {
    throw std::runtime_error(
        std::to_string(published.delivery.failed) +
        " records were not delivered, the first: " + published.delivery.first_error);
  }

  // 4. The processors (exactly once; at-least-once on the embedded cluster) until everything
  // published is processed.
  step(4, "Running the processors until caught up");
  std::atomic<bool> stop{false};
  const auto processing = Clock::now();
  const PipelineRun run = run_pipeline(settings, cluster, /*until_caught_up=*/true, stop);
  if (!run.caught_up) throw std::runtime_error("the processors stopped before catching up");
  for (const auto& [input, account] : run.inputs) {
    std::cout << "  " << input << ": " << account.consumed << " read = " << account.applied
              << " applied + " << account.duplicates << " duplicates + " << account.dead_lettered
              << " dead-lettered\n";
  }
  std::cout << "  " << run.stats.commits << " transactions committed in "
            << static_cast<int>(seconds_since(processing)) << " s\n";
  check_nothing_dropped(cluster, settings);

  // 5. The county table of the month, from the county-stats topic.
  step(5, "County statistics for " + options.start.substr(0, 7));
  report::ReportTables tables;
  tables.county_stats = export_county_stats(cluster.properties(), settings.runtime().topic_prefix);
  const std::vector<schemas::CountyStatsRecord>& records = tables.county_stats;
  const auto month = report::parse_report_month(options.start.substr(0, 7));
  if (!month) throw std::runtime_error("no month in --start " + options.start);
  const report::AreaNames names = configured_area_names(settings);
  std::cout << render_county_table(report::summarize_month(records, *month, names));

  // 6. The HTML report, with the idle stations and commendation candidates (SPEC §9).
  step(6, "Monthly report");
  tables.stations = export_stations(cluster.properties(), settings.runtime().topic_prefix);
  tables.stars = export_stars(cluster.properties(), settings.runtime().topic_prefix);
  const fs::path html = workdir / ("report-" + options.start.substr(0, 7) + ".html");
  {
    std::ofstream out(html, std::ios::binary | std::ios::trunc);
    out << report::render_report(tables, *month, names, report::ReportFormat::html);
    if (!out.flush()) throw std::runtime_error("cannot write " + html.string());
  }
  std::cout << "  HTML report: " << html.string() << '\n';
  if (broker && options.keep_broker) {
    broker->release();
    print_explore_commands(*broker, global, workdir, options.start.substr(0, 7));
  } else if (broker) {
    broker->stop();
    std::cout << "  stopped the local broker\n";
  } else if (options.keep_broker) {
    std::cout << "  --keep-broker: the demo started no broker of its own\n";
  }
  std::cout << "\ndemo finished in " << static_cast<int>(seconds_since(started)) << " s\n";
}

}  // namespace

void register_demo(CLI::App& cli, const GlobalOptions& global) {
  auto options = std::make_shared<DemoOptions>();
  CLI::App* demo = cli.add_subcommand(
      "demo",
      "Run the whole pipeline on a local Kafka broker: generate a month of a city's events, "
      "publish, process exactly once, print the county table and write the HTML report");
  demo->add_flag("--embedded", options->embedded,
                 "use the in-process cluster instead of a real broker (no Java needed)");
  demo->add_option("--workdir", options->workdir,
                   "where the broker, state, events file and report go; cleaned first "
                   "(default: .leifeng/demo, with --embedded .leifeng/demo-embedded)");
  demo->add_flag("--keep-broker", options->keep_broker,
                 "leave the local broker running at the end and print how to explore the data")
      ->excludes("--embedded");
  demo->add_option("--seed", options->seed, "generator seed")->capture_default_str();
  demo->add_option("--start", options->start, "first day, YYYY-MM-DD")->capture_default_str();
  demo->add_option("--days", options->days, "days to generate")->capture_default_str();
  demo->add_option("--events", options->events,
                   "about this many events (default: a month of a city of 3000 volunteers)");
  demo->callback([options, &global] {
    try {
      run_demo(*options, global);
    } catch (const std::exception& e) {
      std::cerr << "\nleifeng demo: " << e.what() << '\n';
      throw CLI::RuntimeError(2);
    }
  });
}

}  // namespace leifeng::app
