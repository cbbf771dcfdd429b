// The Kafka-facing commands against the test broker, through the real leifeng binary:
// topics create, publish, export, and the proof that live = replay (SPEC §7).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/runtime/topic_admin.hpp"
#include "leifeng/schemas/records.hpp"
#include "leifeng/test_support/comparable_lines.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;
namespace support = leifeng::runtime::testing;

using leifeng::test_support::CommandResult;
using leifeng::test_support::read_file;
using leifeng::test_support::read_lines;
using leifeng::test_support::without_revision;
using leifeng::test_support::without_source;
// Each test runs the binary with its own topic prefix, application id, state and directory.
using Leifeng = leifeng::test_support::LeifengOnBroker;

// A topic's configuration as the broker reports it (DescribeConfigs).
std::map<std::string, std::string> topic_configs(const std::string& bootstrap,
                                                 const std::string& topic) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  rd_kafka_t* kafka = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (kafka == nullptr) throw std::runtime_error(error);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(kafka);
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_DescribeConfigs(kafka, &resource, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  std::map<std::string, std::string> configs;
  if (event != nullptr && rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    size_t count = 0;
    const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(event), &count);
    for (size_t r = 0; r < count; ++r) {
      size_t entries = 0;
      const rd_kafka_ConfigEntry_t** list = rd_kafka_ConfigResource_configs(resources[r], &entries);
      for (size_t e = 0; e < entries; ++e) {
        const char* value = rd_kafka_ConfigEntry_value(list[e]);
        configs[rd_kafka_ConfigEntry_name(list[e])] = value != nullptr ? value : "";
      }
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_ConfigResource_destroy(resource);
  rd_kafka_queue_destroy(queue);
  rd_kafka_destroy(kafka);
  return configs;
}

std::vector<std::string> values_of(const std::vector<support::ReadRecord>& records) {
  std::vector<std::string> values;
  for (const auto& record : records) values.push_back(record.value);
  return values;
}

TEST(TopicsCreate, CreatesEveryTopicOnceWithTheRightConfigs) {
  Leifeng cli("topics");
  const CommandResult first = cli.run("topics create");
  ASSERT_EQ(first.code, 0) << first.err;
  for (const char* name : {"hours", "activities", "needs", "stars", "star-changes", "needs-status",
                           "county-stats", "dead-letter"}) {
    EXPECT_NE(first.out.find("created " + cli.topic(name) + "\n"), std::string::npos)
        << name << " in:\n"
        << first.out;
  }
  EXPECT_NE(first.out.find("created " + cli.prefix() + "-county-deltas\n"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("created " + cli.prefix() + "-volunteers-changelog\n"),
            std::string::npos)
      << first.out;

  const CommandResult second = cli.run("topics create");
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.out.find("created "), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("exists  " + cli.topic("hours") + "\n"), std::string::npos)
      << second.out;
  EXPECT_NE(second.out.find("0 topics created"), std::string::npos) << second.out;

  for (const char* name : {"hours", "activities", "needs", "star-changes", "dead-letter"}) {
    const auto configs = topic_configs(cli.bootstrap(), cli.topic(name));
    // Inputs are kept forever for audits; dead letters, which may hold personal data, 30 days.
    EXPECT_EQ(configs.count("retention.ms") ? configs.at("retention.ms") : "?",
              std::string(name) == "dead-letter" ? "2592000000" : "-1")
        << name;
    EXPECT_EQ(configs.count("cleanup.policy") ? configs.at("cleanup.policy") : "?", "delete")
        << name;
  }
  for (const char* name : {"stars", "needs-status", "county-stats"}) {
    const auto configs = topic_configs(cli.bootstrap(), cli.topic(name));
    EXPECT_EQ(configs.count("cleanup.policy") ? configs.at("cleanup.policy") : "?", "compact")
        << name;
  }
  const auto changelog = topic_configs(cli.bootstrap(), cli.prefix() + "-volunteers-changelog");
  EXPECT_EQ(changelog.count("cleanup.policy") ? changelog.at("cleanup.policy") : "?", "compact");
  // Small segments, so that the broker compacts the changelogs (a full restore reads less).
  EXPECT_EQ(changelog.count("segment.bytes") ? changelog.at("segment.bytes") : "?", "16777216");

  leifeng::runtime::TopicAdmin admin({{"bootstrap.servers", cli.bootstrap()}});
  EXPECT_EQ(admin.partition_count(cli.topic("hours")), 3);
  EXPECT_EQ(admin.partition_count(cli.topic("county-stats")), 3);
}

TEST(TopicsCreate, DeadLetterRetentionFromTheConfiguration) {
  Leifeng cli("dl-retention");
  std::ofstream(cli.dir() / "leifeng.toml") << "[topics]\ndead_letter_retention_ms = 86400000\n";
  ASSERT_EQ(cli.run("topics create").code, 0);
  const auto dead_letter = topic_configs(cli.bootstrap(), cli.topic("dead-letter"));
  EXPECT_EQ(dead_letter.count("retention.ms") ? dead_letter.at("retention.ms") : "?", "86400000");
  const auto hours = topic_configs(cli.bootstrap(), cli.topic("hours"));
  EXPECT_EQ(hours.count("retention.ms") ? hours.at("retention.ms") : "?", "-1");

  std::ofstream(cli.dir() / "leifeng.toml") << "[topics]\ndead_letter_retention_ms = -1\n";
  const CommandResult refused = cli.run("topics create");
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("leifeng.toml:2:28: [topics] dead_letter_retention_ms must be "
                             "between 1 and"),
            std::string::npos)
      << refused.err;
}

// Every topic `topics create` makes, internal ones too, gets [topics] replication_factor and
// min_insync_replicas (the fixture's one broker allows 1 and 1); unset, min.insync.replicas is
// left to the broker (no config on the topic).
TEST(TopicsCreate, AppliesTheReplicationSettingsToEveryTopic) {
  const std::vector<std::string> names{"hours",        "activities",   "needs",
                                       "stars",        "star-changes", "needs-status",
                                       "county-stats", "dead-letter"};
  Leifeng defaults("replication-default");
  ASSERT_EQ(defaults.run("topics create").code, 0);
  for (const std::string& name : names)
    EXPECT_EQ(support::topic_overrides(defaults.bootstrap(), defaults.topic(name))
                  .count("min.insync.replicas"),
              0U)
        << name;

  Leifeng cli("replication-set");
  std::ofstream(cli.dir() / "leifeng.toml")
      << "[topics]\nreplication_factor = 1\nmin_insync_replicas = 1\n";
  const CommandResult created = cli.run("topics create");
  ASSERT_EQ(created.code, 0) << created.err;
  std::vector<std::string> topics;
  for (const std::string& name : names) topics.push_back(cli.topic(name));
  topics.push_back(cli.prefix() + "-county-deltas");
  topics.push_back(cli.prefix() + "-volunteers-changelog");
  for (const std::string& topic : topics) {
    const auto configs = support::topic_overrides(cli.bootstrap(), topic);
    EXPECT_EQ(configs.count("min.insync.replicas") ? configs.at("min.insync.replicas") : "unset",
              "1")
        << topic;
  }
  const CommandResult described = cli.run("topics describe hours");
  ASSERT_EQ(described.code, 0) << described.err;
  EXPECT_NE(described.out.find(": input, 3 partitions, replication 1\n"), std::string::npos)
      << described.out;
  EXPECT_NE(described.out.find(" min.insync.replicas=1"), std::string::npos) << described.out;
}

// More replicas (or in-sync replicas) than the cluster has brokers: refused at once with a
// sentence naming the topic and both numbers, before any topic is created.
TEST(TopicsCreate, MoreReplicasThanBrokersIsAClearErrorAtOnce) {
  Leifeng cli("overreplicated");
  std::ofstream(cli.dir() / "leifeng.toml") << "[topics]\nreplication_factor = 3\n";
  const auto started = std::chrono::steady_clock::now();
  const CommandResult refused = cli.run("topics create");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("leifeng topics create: cannot create topic " + cli.topic("hours") +
                             " with replication factor 3: the cluster has 1 broker"),
            std::string::npos)
      << refused.err;

  std::ofstream(cli.dir() / "leifeng.toml") << "[topics]\nmin_insync_replicas = 2\n";
  const CommandResult unwritable = cli.run("topics create");
  EXPECT_EQ(unwritable.code, 2);
  EXPECT_NE(unwritable.err.find("with min.insync.replicas 2: the cluster has 1 broker, so no "
                                "write could succeed"),
            std::string::npos)
      << unwritable.err;

  leifeng::runtime::TopicAdmin admin({{"bootstrap.servers", cli.bootstrap()}});
  for (const std::string& topic : admin.list_topics())
    EXPECT_FALSE(topic.starts_with(cli.prefix())) << topic << " was created";
}

TEST(Publish, RoutesByTypeKeysByAggregateAndDeadLettersUnroutableLines) {
  Leifeng cli("publish");
  ASSERT_EQ(cli.run("topics create").code, 0);
  const std::string submitted =
      R"({"event_id":"e-1","type":"hours.submitted","schema_version":1,)"
      R"("occurred_at":"2027-03-05T18:00:00+08:00","volunteer_id":"v-7","log_id":"l-1",)"
      R"("activity_id":"a-1","area_code":"410402","category":"neighborhood_watch",)"
      R"("service_date":"2027-03-05","minutes":90})";
  std::string too_long = submitted;
  too_long.replace(too_long.find("\"minutes\":90"), 12, "\"minutes\":9000");
  const std::string cancelled =
      R"({"event_id":"e-2","type":"activity.cancelled","schema_version":1,)"
      R"("occurred_at":"2027-03-05T18:00:00+08:00","activity_id":"a-9","reason":"rain"})";
  const std::string posted = R"({"event_id":"e-3","type":"need.expired","schema_version":1,)"
                             R"("occurred_at":"2027-03-05T18:00:00+08:00","need_id":"n-4"})";
  const std::string unknown = R"({"event_id":"e-5","type":"hours.deleted","schema_version":1})";
  {
    std::ofstream events(cli.dir() / "events.jsonl");
    events << submitted << '\n'
           << cancelled << '\n'
           << posted << '\n'
           << too_long << '\n'
           << "not json\n"
           << "\n"
           << unknown;  // the last line has no newline
  }
  const CommandResult result = cli.run("publish events.jsonl");
  ASSERT_EQ(result.code, 0) << result.err;
  // The summary is human output: stdout. Dead letters by reason: "not json" is malformed and
  // hours.deleted an unknown type (publish writes both); 9000 minutes is an invalid field
  // (the processor will dead-letter it).
  EXPECT_NE(result.out.find("6 lines read, 4 published, 2 dead-lettered"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("  malformed: 1, written by publish"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("  unknown_type: 1, written by publish"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("  invalid_field: 1 published lines are invalid"), std::string::npos)
      << result.out;
  EXPECT_EQ(result.err.find("dead-lettered"), std::string::npos) << result.err;

  const auto hours = support::read_committed(cli.bootstrap(), cli.topic("hours"));
  ASSERT_EQ(hours.size(), 2u);
  EXPECT_EQ(hours[0].key, "v-7");
  EXPECT_EQ(hours[1].key, "v-7");
  EXPECT_EQ(values_of(hours), (std::vector<std::string>{submitted, too_long}));
  const auto activities = support::read_committed(cli.bootstrap(), cli.topic("activities"));
  ASSERT_EQ(activities.size(), 1u);
  EXPECT_EQ(activities[0].key, "a-9");
  EXPECT_EQ(activities[0].value, cancelled);
  const auto needs = support::read_committed(cli.bootstrap(), cli.topic("needs"));
  ASSERT_EQ(needs.size(), 1u);
  EXPECT_EQ(needs[0].key, "n-4");

  const auto letters = support::read_committed(cli.bootstrap(), cli.topic("dead-letter"));
  ASSERT_EQ(letters.size(), 2u);
  std::map<int64_t, leifeng::schemas::DeadLetterRecord> by_line;
  for (const auto& record : letters) {
    auto letter = leifeng::schemas::dead_letter_from_json(record.value);
    ASSERT_TRUE(letter) << record.value;
    const auto* source = std::get_if<leifeng::schemas::FileSource>(&letter->source);
    ASSERT_NE(source, nullptr) << record.value;
    EXPECT_EQ(source->file, "events.jsonl");
    by_line[source->line] = *letter;
  }
  ASSERT_TRUE(by_line.count(5) && by_line.count(7)) << letters[0].value << letters[1].value;
  EXPECT_EQ(by_line[5].reason, leifeng::schemas::Reason::malformed);
  EXPECT_EQ(by_line[5].payload, "not json");
  EXPECT_EQ(by_line[7].reason, leifeng::schemas::Reason::unknown_type);
  EXPECT_EQ(by_line[7].event_id, "e-5");
  EXPECT_EQ(by_line[7].payload, unknown);
}

// A line over [rules] max_line_bytes (1,000,000 by default) is reported with its line number,
// dead-lettered as malformed with a prefix of it, and the lines after it are published; the
// command exits 1 at the end.
TEST(Publish, ReportsAnOversizeLineDeadLettersItAndPublishesTheRest) {
  Leifeng cli("publish-oversize");
  ASSERT_EQ(cli.run("topics create").code, 0);
  const std::string cancelled =
      R"({"event_id":"e-2","type":"activity.cancelled","schema_version":1,)"
      R"("occurred_at":"2027-03-05T18:00:00+08:00","activity_id":"a-9","reason":"rain"})";
  const std::string expired = R"({"event_id":"e-3","type":"need.expired","schema_version":1,)"
                              R"("occurred_at":"2027-03-05T18:00:00+08:00","need_id":"n-4"})";
  const std::string oversize = std::string(1'500'000, '[');
  {
    std::ofstream events(cli.dir() / "events.jsonl");
    events << cancelled << '\n' << oversize << '\n' << expired << '\n';
  }
  const CommandResult result = cli.run("publish events.jsonl");
  EXPECT_EQ(result.code, 1) << result.err;
  EXPECT_NE(result.err.find("publish: events.jsonl line 2: line of 1500000 bytes exceeds the "
                            "limit of 1000000"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("3 lines read, 2 published, 1 dead-lettered"), std::string::npos)
      << result.out;

  const auto activities = support::read_committed(cli.bootstrap(), cli.topic("activities"));
  ASSERT_EQ(activities.size(), 1u);
  EXPECT_EQ(activities[0].value, cancelled);
  const auto needs = support::read_committed(cli.bootstrap(), cli.topic("needs"));
  ASSERT_EQ(needs.size(), 1u);
  EXPECT_EQ(needs[0].value, expired);
  const auto letters = support::read_committed(cli.bootstrap(), cli.topic("dead-letter"));
  ASSERT_EQ(letters.size(), 1u);
  auto letter = leifeng::schemas::dead_letter_from_json(letters[0].value);
  ASSERT_TRUE(letter) << letters[0].value;
  EXPECT_EQ(letter->reason, leifeng::schemas::Reason::malformed);
  EXPECT_EQ(letter->payload, std::string(1024, '['));
  const auto* source = std::get_if<leifeng::schemas::FileSource>(&letter->source);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->line, 2);
}

TEST(Export, PrintsTheLatestValuePerKeySortedAndEveryStarChange) {
  Leifeng cli("export");
  ASSERT_EQ(cli.run("topics create").code, 0);
  support::produce_all(cli.bootstrap(), cli.topic("stars"),
                       {{"v-2", R"({"volunteer_id":"v-2","star_level":0})"},
                        {"v-10", R"({"volunteer_id":"v-10","star_level":1})"},
                        {"v-1", R"({"volunteer_id":"v-1","star_level":2})"},
                        {"v-2", R"({"volunteer_id":"v-2","star_level":1})"}});
  support::produce_all(cli.bootstrap(), cli.topic("star-changes"),
                       {{"v-2", R"({"to_level":1})"},
                        {"v-1", R"({"to_level":1})"},
                        {"v-2", R"({"to_level":2})"},
                        {"v-2", R"({"to_level":1})"}});

  const CommandResult stars = cli.run("export stars");
  ASSERT_EQ(stars.code, 0) << stars.err;
  EXPECT_EQ(stars.out, R"({"volunteer_id":"v-1","star_level":2})"
                       "\n"
                       R"({"volunteer_id":"v-10","star_level":1})"
                       "\n"
                       R"({"volunteer_id":"v-2","star_level":1})"
                       "\n");

  const CommandResult changes = cli.run("export star-changes -o changes.jsonl");
  ASSERT_EQ(changes.code, 0) << changes.err;
  EXPECT_EQ(read_lines(cli.dir() / "changes.jsonl"),
            (std::vector<std::string>{R"({"to_level":1})", R"({"to_level":1})", R"({"to_level":2})",
                                      R"({"to_level":1})"}));
  // With -o the summary is stdout's; without, stdout carries only the records (above) and the
  // summary goes to stderr.
  EXPECT_EQ(changes.out, "export: 4 star-changes records\n");
  EXPECT_NE(stars.err.find("export: 3 stars records"), std::string::npos) << stars.err;

  const CommandResult empty = cli.run("export county-stats");
  ASSERT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
  EXPECT_NE(cli.run("export volunteers").code, 0);
}

TEST(Run, ProcessesUntilSigtermThenStopsCleanlyWithEverythingCommitted) {
  Leifeng cli("run-sigterm");
  ASSERT_EQ(cli.run("topics create").code, 0);
  {
    std::ofstream events(cli.dir() / "events.jsonl");
    events << R"({"event_id":"e-1","type":"volunteer.registered","schema_version":1,)"
              R"("occurred_at":"2027-03-01T08:00:00+08:00","volunteer_id":"v-1",)"
              R"("area_code":"410402","party_member":true})"
           << '\n'
           << R"({"event_id":"e-2","type":"hours.submitted","schema_version":1,)"
              R"("occurred_at":"2027-03-05T18:00:00+08:00","volunteer_id":"v-1","log_id":"l-1",)"
              R"("activity_id":"a-1","area_code":"410402","category":"neighborhood_watch",)"
              R"("service_date":"2027-03-05","minutes":90})"
           << '\n'
           << R"({"event_id":"e-3","type":"hours.verified","schema_version":1,)"
              R"("occurred_at":"2027-03-06T10:00:00+08:00","volunteer_id":"v-1","log_id":"l-1",)"
              R"("verifier_id":"org-1","quality":4})"
           << '\n';
  }
  ASSERT_EQ(cli.run("publish events.jsonl").code, 0);

  const pid_t pid = cli.start("run --progress-interval 1", "run.out", "run.err");
  bool seen = false;
  for (int attempt = 0; attempt < 60 && !seen; ++attempt) {
    const CommandResult stars = cli.run("export stars");
    seen = stars.out.find(R"("minutes_verified":90)") != std::string::npos;
    if (!seen) ::usleep(500'000);
  }
  EXPECT_TRUE(seen) << "the running processors never published the star record";
  // The progress line, once a second (--progress-interval 1): the three records processed and
  // committed, nothing left behind on the hours topic.
  const std::regex progress(
      R"(msg="run progress" processed=3 per_second=[0-9]+ commits=[0-9]+ lag_hours=0 )"
      R"(lag_activities=[0-9-]+ lag_needs=[0-9-]+)");
  bool progressed = false;
  for (int attempt = 0; attempt < 40 && !progressed; ++attempt) {
    progressed = std::regex_search(read_file(cli.dir() / "run.err"), progress);
    if (!progressed) ::usleep(250'000);
  }
  EXPECT_TRUE(progressed) << read_file(cli.dir() / "run.err");
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(support::wait_for(pid), 0) << read_file(cli.dir() / "run.err");
  EXPECT_NE(read_file(cli.dir() / "run.out").find("run: hours: 3 read, 3 applied"),
            std::string::npos)
      << read_file(cli.dir() / "run.out");

  // Offsets were committed on the way out: a second run has nothing left to read.
  const CommandResult again = cli.run("run --until-caught-up");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("run: hours: 0 read"), std::string::npos) << again.out;
}

// --- live = replay ---------------------------------------------------------------------------

int64_t number_after(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(pattern))) return -1;
  return std::stoll(match[1].str());
}

TEST(LiveEqualsReplay, TablesFromKafkaEqualTheFileReplay) {
  Leifeng cli("live-replay");
  const fs::path dir = cli.dir();
  // Low star thresholds, so that the month's hours move many volunteers up (and some down):
  // the rules of the configuration file reach both replay and the live processors.
  std::ofstream(dir / "leifeng.toml") << "[rules]\nstar_thresholds_hours = [5, 10, 20, 40, 80]\n";
  const CommandResult generated = cli.run(
      // Across a month's end: the stations that go idle after February are idle in March.
      "generate --seed 11 --start 2027-02-20 --days 20 --volunteers 150 --events 25000 "
      "--bad-share 0.03 --duplicate-share 0.02 -o events.jsonl",
      false);
  ASSERT_EQ(generated.code, 0) << generated.err;

  const CommandResult replay = cli.run("replay --input events.jsonl --out replay", false);
  ASSERT_EQ(replay.code, 0) << replay.err;
  ASSERT_EQ(cli.run("topics create").code, 0);
  const CommandResult published = cli.run("publish events.jsonl");
  ASSERT_EQ(published.code, 0) << published.err;
  const CommandResult run = cli.run("run --until-caught-up");
  ASSERT_EQ(run.code, 0) << run.err;
  fs::create_directories(dir / "live");
  for (const char* table : {"stars", "star-changes", "needs-status", "county-stats", "dead-letter",
                            "need-matches", "stations"}) {
    const CommandResult exported =
        cli.run(std::string("export ") + table + " -o live/" + table + ".jsonl");
    ASSERT_EQ(exported.code, 0) << table << ": " << exported.err;
  }

  // The stations table (SPEC §9) holds no time of an event: equal line by line.
  for (const char* table :
       {"stars.jsonl", "star-changes.jsonl", "needs-status.jsonl", "stations.jsonl"}) {
    const auto expected = read_lines(dir / "replay" / table);
    const auto actual = read_lines(dir / "live" / table);
    EXPECT_GT(expected.size(), 100u) << table;
    EXPECT_EQ(actual.size(), expected.size()) << table;
    EXPECT_TRUE(actual == expected) << table << " differs between live and replay";
  }
  {
    auto expected = read_lines(dir / "replay" / "county-stats.jsonl");
    auto actual = read_lines(dir / "live" / "county-stats.jsonl");
    std::transform(expected.begin(), expected.end(), expected.begin(), without_revision);
    std::transform(actual.begin(), actual.end(), actual.begin(), without_revision);
    EXPECT_FALSE(expected.empty());
    EXPECT_EQ(actual.size(), expected.size());
    EXPECT_TRUE(actual == expected) << "county-stats differ between live and replay";
  }
  {
    // SPEC §8: once caught up, need-matches equal the replay's on every field but as_of (the
    // live run interleaves volunteers and needs differently from the file).
    auto without_as_of = [](const std::string& line) {
      auto record = leifeng::schemas::need_match_from_json(line);
      EXPECT_TRUE(record) << line;
      if (!record) return line;
      record->as_of.clear();
      return leifeng::schemas::to_json(*record);
    };
    auto expected = read_lines(dir / "replay" / "need-matches.jsonl");
    auto actual = read_lines(dir / "live" / "need-matches.jsonl");
    std::transform(expected.begin(), expected.end(), expected.begin(), without_as_of);
    std::transform(actual.begin(), actual.end(), actual.begin(), without_as_of);
    EXPECT_GT(expected.size(), 100u);
    const auto with_candidates = std::count_if(expected.begin(), expected.end(), [](auto& line) {
      return line.find("\"volunteer_id\"") != std::string::npos;
    });
    EXPECT_GT(with_candidates, 10) << "the generator's needs find volunteers";
    EXPECT_EQ(actual.size(), expected.size());
    EXPECT_TRUE(actual == expected) << "need-matches differ between live and replay";
  }
  // The monthly report read from the live county-stats topic equals the one of the replay.
  const CommandResult live_report = cli.run("report --month 2027-03 --format csv");
  const CommandResult replay_report =
      cli.run("report --month 2027-03 --format csv --from replay", false);
  ASSERT_EQ(live_report.code, 0) << live_report.err;
  ASSERT_EQ(replay_report.code, 0) << replay_report.err;
  EXPECT_NE(live_report.out.find("410400"), std::string::npos);
  // Idle stations in March (used in February only) and commendation candidates in the lists.
  EXPECT_NE(live_report.out.find(",station-"), std::string::npos) << live_report.out;
  EXPECT_EQ(live_report.out, replay_report.out);
  auto expected_letters = read_lines(dir / "replay" / "dead-letter.jsonl");
  auto live_letters = read_lines(dir / "live" / "dead-letter.jsonl");
  // Lines publish could not route carry their file line; the rest name the input topic.
  int64_t letters_from_file = 0;
  for (const auto& line : read_lines(dir / "live" / "dead-letter.jsonl")) {
    auto letter = leifeng::schemas::dead_letter_from_json(line);
    ASSERT_TRUE(letter) << line;
    if (std::holds_alternative<leifeng::schemas::FileSource>(letter->source)) {
      ++letters_from_file;
    } else {
      const auto& source = std::get<leifeng::schemas::KafkaSource>(letter->source);
      EXPECT_TRUE(source.topic == cli.topic("hours") || source.topic == cli.topic("activities") ||
                  source.topic == cli.topic("needs"))
          << line;
    }
  }
  std::transform(expected_letters.begin(), expected_letters.end(), expected_letters.begin(),
                 without_source);
  std::transform(live_letters.begin(), live_letters.end(), live_letters.begin(), without_source);
  std::sort(expected_letters.begin(), expected_letters.end());
  std::sort(live_letters.begin(), live_letters.end());
  EXPECT_EQ(live_letters.size(), expected_letters.size());
  EXPECT_TRUE(live_letters == expected_letters) << "dead letters differ between live and replay";

  // The accounting adds up, live and in replay, and they agree.
  const std::string summary = read_file(dir / "replay" / "summary.json");
  const int64_t read = number_after(summary, R"("events_read":([0-9]+))");
  const int64_t applied = number_after(summary, R"("applied":([0-9]+))");
  const int64_t duplicates = number_after(summary, R"("duplicates":([0-9]+))");
  const int64_t dead_lettered = number_after(summary, R"("dead_lettered":([0-9]+))");
  EXPECT_GT(duplicates, 0);
  EXPECT_GT(dead_lettered, 0);
  EXPECT_EQ(read, applied + duplicates + dead_lettered);
  EXPECT_EQ(static_cast<int64_t>(expected_letters.size()), dead_lettered);

  EXPECT_EQ(number_after(published.out, R"(([0-9]+) lines read)"), read) << published.out;
  const int64_t publish_letters = number_after(published.out, R"(([0-9]+) dead-lettered)");
  EXPECT_EQ(publish_letters, letters_from_file);
  int64_t live_read = 0, live_applied = 0, live_duplicates = 0, live_letters_count = 0;
  const std::regex account(
      R"(run: (\w+): ([0-9]+) read, ([0-9]+) applied, ([0-9]+) duplicates, ([0-9]+) dead-lettered)");
  int inputs = 0;
  for (std::sregex_iterator it(run.out.begin(), run.out.end(), account), end; it != end; ++it) {
    const int64_t r = std::stoll((*it)[2]), a = std::stoll((*it)[3]), d = std::stoll((*it)[4]),
                  l = std::stoll((*it)[5]);
    EXPECT_EQ(r, a + d + l) << (*it)[0];
    live_read += r;
    live_applied += a;
    live_duplicates += d;
    live_letters_count += l;
    ++inputs;
  }
  EXPECT_EQ(inputs, 3) << run.out;
  EXPECT_EQ(live_read + publish_letters, read);
  EXPECT_EQ(live_applied, applied);
  EXPECT_EQ(live_duplicates, duplicates);
  EXPECT_EQ(live_letters_count + publish_letters, dead_lettered);
}

}  // namespace

// --- a volunteer's state over a Kafka record's size ---------------------------------------------

// One volunteer's state is one stored value. With 25,000 verified hour logs it is over 1 MB,
// which the broker refuses as one record (max.message.bytes): before it was stored in pieces,
// every commit of the volunteer's task aborted and `run` never caught up. Now the run catches
// up with the replay's star record, and a new instance restores the state from its pieces.
TEST(LargeState, AVolunteerWithTwentyFiveThousandLogsCatchesUpAndIsRestoredFromItsPieces) {
  Leifeng cli("large-state");
  const fs::path dir = cli.dir();
  {
    std::ofstream out(dir / "events.jsonl");
    out << R"({"event_id":"hrs-reg","type":"volunteer.registered","schema_version":1,)"
           R"("occurred_at":"2027-03-01T07:00:00+08:00","volunteer_id":"vol-999999",)"
           R"("area_code":"410421","party_member":false})"
        << '\n';
    const std::chrono::sys_days last_day = std::chrono::year{2027} / 2 / 28;
    for (int i = 0; i < 25'000; ++i) {
      const std::chrono::year_month_day day{last_day - std::chrono::days(i / 40)};
      char date[16];
      std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(day.year()),
                    static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
      const std::string n = std::to_string(1'000'000 + i);
      out << R"({"event_id":"hrs-s-)" << n
          << R"(","type":"hours.submitted","schema_version":1,"occurred_at":"2027-03-01T08:00:00+08:00",)"
             R"("volunteer_id":"vol-999999","log_id":"log-)"
          << n
          << R"(","activity_id":"activity-000001","area_code":"410421","category":"neighborhood_watch",)"
             R"("service_date":")"
          << date << R"(","minutes":30})" << '\n';
      out << R"({"event_id":"hrs-v-)" << n
          << R"(","type":"hours.verified","schema_version":1,"occurred_at":"2027-03-01T09:00:00+08:00",)"
             R"("volunteer_id":"vol-999999","log_id":"log-)"
          << n << R"(","verifier_id":"org-410421-01","quality":4})" << '\n';
    }
  }
  const CommandResult replay = cli.run("replay --input events.jsonl --out replay", false);
  ASSERT_EQ(replay.code, 0) << replay.err;
  const auto expected = read_lines(dir / "replay" / "stars.jsonl");
  ASSERT_EQ(expected.size(), 1u);
  ASSERT_NE(expected[0].find(R"("logs_verified":25000)"), std::string::npos) << expected[0];

  ASSERT_EQ(cli.run("topics create").code, 0);
  ASSERT_EQ(cli.run("publish events.jsonl").code, 0);
  // In the background, so that a run that never catches up fails the test instead of hanging.
  const pid_t run = cli.start("run --until-caught-up", "run.out", "run.err");
  int status = 0;
  bool exited = false;
  for (int tenth = 0; tenth < 1200 && !exited; ++tenth) {
    exited = ::waitpid(run, &status, WNOHANG) == run;
    if (!exited) ::usleep(100'000);
  }
  if (!exited) {
    ::kill(run, SIGKILL);
    ::waitpid(run, &status, 0);
  }
  const std::string run_err = read_file(dir / "run.err");
  ASSERT_TRUE(exited) << "run did not catch up within 120 s:\n" << run_err.substr(0, 4000);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << run_err;
  EXPECT_EQ(run_err.find("transaction aborted"), std::string::npos) << run_err.substr(0, 4000);
  EXPECT_EQ(cli.run("export stars").out, expected[0] + "\n");

  // The largest record on the volunteers' changelog is a piece, not the whole state.
  size_t largest = 0;
  for (const auto& record :
       support::read_committed(cli.bootstrap(), cli.prefix() + "-volunteers-changelog")) {
    largest = std::max(largest, record.value.size());
  }
  EXPECT_GT(largest, 0u);
  EXPECT_LE(largest, 64u * 1024);

  // The state directory lost: the next run restores the volunteer from its pieces and revokes
  // one of its logs.
  fs::remove_all(dir / "state");
  std::ofstream(dir / "more.jsonl")
      << R"({"event_id":"hrs-r-1","type":"hours.revoked","schema_version":1,)"
         R"("occurred_at":"2027-03-02T09:00:00+08:00","volunteer_id":"vol-999999",)"
         R"("log_id":"log-1000005","reason":"entered twice"})"
      << '\n';
  ASSERT_EQ(cli.run("publish more.jsonl").code, 0);
  const CommandResult again = cli.run("run --until-caught-up");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("run: hours: 1 read, 1 applied"), std::string::npos) << again.out;
  const std::string stars = cli.run("export stars").out;
  EXPECT_NE(stars.find(R"("minutes_verified":749970,"logs_verified":24999,)"), std::string::npos)
      << stars;
}
