// `leifeng reset` and `leifeng topics list|describe` against the test broker, through the real
// binary (SPEC §7): the dry run changes nothing, --execute deletes the internal topics (the
// query servers' instances topic too), the group's offsets and the local state so the next
// run reprocesses everything, a reset is refused while a run is a member of the group, and
// the topics commands show partitions, end offsets and the group's lag.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/runtime/group_admin.hpp"
#include "leifeng/runtime/topic_admin.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;
namespace support = leifeng::runtime::testing;

using leifeng::test_support::CommandResult;
using leifeng::test_support::read_file;
using Leifeng = leifeng::test_support::LeifengOnBroker;

const std::string kRegistered =
    R"({"event_id":"e-1","type":"volunteer.registered","schema_version":1,)"
    R"("occurred_at":"2027-03-01T08:00:00+08:00","volunteer_id":"v-1",)"
    R"("area_code":"410402","party_member":true})";

// Hour logs of `volunteers` volunteers (v-1 ... v-N), each submitted and verified: three
// events per volunteer on the hours topic.
std::string hour_events(int volunteers, int first_event = 1) {
  std::ostringstream events;
  int id = first_event;
  for (int v = 1; v <= volunteers; ++v) {
    const std::string volunteer = "v-" + std::to_string(v);
    events << R"({"event_id":"e-)" << id++
           << R"(","type":"volunteer.registered","schema_version":1,)"
           << R"("occurred_at":"2027-03-01T08:00:00+08:00","volunteer_id":")" << volunteer
           << R"(","area_code":"410402","party_member":true})" << '\n';
    events << R"({"event_id":"e-)" << id++ << R"(","type":"hours.submitted","schema_version":1,)"
           << R"("occurred_at":"2027-03-05T18:00:00+08:00","volunteer_id":")" << volunteer
           << R"(","log_id":"l-)" << volunteer << R"(","activity_id":"a-1","area_code":"410402",)"
           << R"("category":"neighborhood_watch","service_date":"2027-03-05","minutes":90})"
           << '\n';
    events << R"({"event_id":"e-)" << id++ << R"(","type":"hours.verified","schema_version":1,)"
           << R"("occurred_at":"2027-03-06T10:00:00+08:00","volunteer_id":")" << volunteer
           << R"(","log_id":"l-)" << volunteer << R"(","verifier_id":"org-1","quality":4})" << '\n';
  }
  return events.str();
}

void publish(const Leifeng& cli, const std::string& events, const std::string& file) {
  std::ofstream(cli.dir() / file) << events;
  const CommandResult published = cli.run("publish " + file);
  ASSERT_EQ(published.code, 0) << published.err;
}

std::vector<std::string> internal_topics(const Leifeng& cli) {
  std::vector<std::string> found;
  for (const std::string& name :
       leifeng::runtime::TopicAdmin({{"bootstrap.servers", cli.bootstrap()}}).list_topics()) {
    if (name.starts_with(cli.prefix() + "-")) found.push_back(name);
  }
  return found;
}

std::vector<leifeng::runtime::CommittedOffset> committed(const Leifeng& cli) {
  return leifeng::runtime::GroupAdmin({{"bootstrap.servers", cli.bootstrap()}})
      .committed_offsets(cli.prefix(), {cli.topic("hours"), cli.topic("activities"),
                                        cli.topic("needs"), cli.prefix() + "-county-deltas"});
}

// `run` is a static member: after it exits, the broker keeps it in the group until its
// session times out. A dry run is refused until then; returns the first one that is not.
CommandResult dry_run_once_the_group_is_empty(const Leifeng& cli) {
  CommandResult result;
  for (int attempt = 0; attempt < 60; ++attempt) {
    result = cli.run("reset");
    if (result.code != 2 || result.err.find("active member") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return result;
}

// The rows of `topics describe`'s partition table: PARTITION LEADER REPLICAS ISR BEGINNING
// END COMMITTED LAG, each split into its cells.
std::vector<std::vector<std::string>> partition_rows(const std::string& out) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(out);
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.starts_with("PARTITION")) {
      in_table = true;
      continue;
    }
    if (!in_table || line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
    std::istringstream cells(line);
    std::vector<std::string> row;
    for (std::string cell; cells >> cell;) row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

int64_t column_sum(const std::vector<std::vector<std::string>>& rows, std::size_t column) {
  int64_t sum = 0;
  for (const auto& row : rows) sum += row.at(column) == "-" ? 0 : std::stoll(row.at(column));
  return sum;
}

TEST(TopicsList, ShowsEveryApplicationTopicWithItsRolePartitionsAndReplication) {
  Leifeng cli("topics-list");
  const CommandResult before = cli.run("topics list");
  ASSERT_EQ(before.code, 0) << before.err;
  EXPECT_NE(before.out.find("topics missing: `leifeng topics create` creates them"),
            std::string::npos)
      << before.out;
  ASSERT_EQ(cli.run("topics create").code, 0);

  const CommandResult list = cli.run("topics list");
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.out.find("missing"), std::string::npos) << list.out;
  auto expect_row = [&](const std::string& topic, const std::string& role) {
    const std::regex row("(^|\n)" + topic + " +" + role + " +3 +1\n");
    EXPECT_TRUE(std::regex_search(list.out, row)) << topic << " as " << role << " in\n" << list.out;
  };
  for (const char* input : {"hours", "activities", "needs"}) expect_row(cli.topic(input), "input");
  for (const char* output : {"stars", "star-changes", "needs-status", "county-stats"})
    expect_row(cli.topic(output), "output");
  expect_row(cli.topic("dead-letter"), "dead-letter");
  expect_row(cli.prefix() + "-county-deltas", "internal");
  expect_row(cli.prefix() + "-volunteers-changelog", "internal");
}

TEST(TopicsDescribe, ShowsPartitionsConfigsEndOffsetsAndTheGroupsLag) {
  Leifeng cli("topics-describe");
  ASSERT_EQ(cli.run("topics create").code, 0);
  publish(cli, hour_events(4), "first.jsonl");  // 12 records on the hours topic

  const CommandResult unread = cli.run("topics describe " + cli.topic("hours"));
  ASSERT_EQ(unread.code, 0) << unread.err;
  EXPECT_NE(unread.out.find("topic " + cli.topic("hours") + ": input, 3 partitions, replication 1"),
            std::string::npos)
      << unread.out;
  EXPECT_NE(unread.out.find("cleanup.policy=delete"), std::string::npos) << unread.out;
  EXPECT_NE(unread.out.find("retention.ms=-1"), std::string::npos) << unread.out;
  EXPECT_NE(unread.out.find("no committed offsets on this topic"), std::string::npos) << unread.out;
  auto rows = partition_rows(unread.out);
  ASSERT_EQ(rows.size(), 3u) << unread.out;
  for (std::size_t p = 0; p < rows.size(); ++p) {
    ASSERT_EQ(rows[p].size(), 8u) << unread.out;
    EXPECT_EQ(rows[p][0], std::to_string(p));
    EXPECT_EQ(rows[p][2], rows[p][1]) << "one broker: the leader is the only replica";
    EXPECT_EQ(rows[p][3], rows[p][1]) << "and in sync";
    EXPECT_EQ(rows[p][4], "0");
    EXPECT_EQ(rows[p][6], "-");
  }
  EXPECT_EQ(column_sum(rows, 5), 12) << unread.out;

  const CommandResult run = cli.run("run --until-caught-up");
  ASSERT_EQ(run.code, 0) << run.err;
  // The short name of SPEC §2 names the same topic.
  const CommandResult caught_up = cli.run("topics describe hours");
  ASSERT_EQ(caught_up.code, 0) << caught_up.err;
  EXPECT_NE(caught_up.out.find("consumer group " + cli.prefix() + ": committed offsets and lag"),
            std::string::npos)
      << caught_up.out;
  rows = partition_rows(caught_up.out);
  ASSERT_EQ(rows.size(), 3u) << caught_up.out;
  for (const auto& row : rows) {
    EXPECT_EQ(row[6], row[5]) << "committed = end once caught up\n" << caught_up.out;
    EXPECT_EQ(row[7], "0") << caught_up.out;
  }
  EXPECT_NE(caught_up.out.find("total lag 0\n"), std::string::npos) << caught_up.out;

  // Two more volunteers nobody has processed yet: six records of lag.
  publish(cli, hour_events(2, 100), "second.jsonl");
  const CommandResult behind = cli.run("topics describe " + cli.topic("hours"));
  ASSERT_EQ(behind.code, 0) << behind.err;
  rows = partition_rows(behind.out);
  ASSERT_EQ(rows.size(), 3u) << behind.out;
  EXPECT_EQ(column_sum(rows, 5), 18) << behind.out;
  EXPECT_EQ(column_sum(rows, 7), 6) << behind.out;
  EXPECT_NE(behind.out.find("total lag 6\n"), std::string::npos) << behind.out;

  // An output topic is compacted; the group reads none of it.
  const CommandResult stars = cli.run("topics describe stars");
  ASSERT_EQ(stars.code, 0) << stars.err;
  EXPECT_NE(stars.out.find(": output, 3 partitions"), std::string::npos) << stars.out;
  EXPECT_NE(stars.out.find("cleanup.policy=compact"), std::string::npos) << stars.out;
  EXPECT_NE(stars.out.find("no committed offsets on this topic"), std::string::npos) << stars.out;

  const CommandResult unknown = cli.run("topics describe no-such-topic");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("topic no-such-topic does not exist"), std::string::npos)
      << unknown.err;
}

TEST(Reset, DryRunChangesNothingAndExecuteStartsTheApplicationOver) {
  Leifeng cli("reset");
  // The runs serve queries, so they make the <application_id>-instances topic too.
  std::ofstream(cli.dir() / "leifeng.toml") << "[serve]\nport = " << support::free_port() << "\n";
  ASSERT_EQ(cli.run("topics create").code, 0);
  publish(cli, hour_events(5), "events.jsonl");  // 15 records on the hours topic
  const CommandResult first = cli.run("run --until-caught-up");
  ASSERT_EQ(first.code, 0) << first.err;
  ASSERT_NE(first.out.find("run: hours: 15 read, 15 applied"), std::string::npos) << first.out;
  const CommandResult stars_before = cli.run("export stars");
  ASSERT_EQ(stars_before.code, 0) << stars_before.err;
  ASSERT_NE(stars_before.out.find(R"("volunteer_id":"v-5")"), std::string::npos)
      << stars_before.out;

  const fs::path state = cli.dir() / "state" / cli.prefix();
  ASSERT_TRUE(fs::exists(state));
  const auto internal_before = internal_topics(cli);
  ASSERT_FALSE(internal_before.empty());
  ASSERT_NE(std::find(internal_before.begin(), internal_before.end(), cli.prefix() + "-instances"),
            internal_before.end());
  const auto offsets_before = committed(cli);
  ASSERT_FALSE(offsets_before.empty());

  const CommandResult dry = dry_run_once_the_group_is_empty(cli);
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("Dry run: nothing was changed. `leifeng reset --execute` would:"),
            std::string::npos)
      << dry.out;
  for (const std::string& topic : internal_before)
    EXPECT_NE(dry.out.find("delete internal topic " + topic + "\n"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("delete consumer group " + cli.prefix() + " with its"), std::string::npos)
      << dry.out;
  for (const auto& offset : offsets_before) {
    if (offset.topic != cli.topic("hours")) continue;
    EXPECT_NE(dry.out.find(offset.topic + " [" + std::to_string(offset.partition) +
                           "]: committed " + std::to_string(offset.offset) + " -> 0\n"),
              std::string::npos)
        << dry.out;
  }
  EXPECT_NE(dry.out.find("delete the local state directory " + ("state/" + cli.prefix())),
            std::string::npos)
      << dry.out;
  // ... and changed nothing.
  EXPECT_EQ(internal_topics(cli), internal_before);
  EXPECT_EQ(committed(cli).size(), offsets_before.size());
  EXPECT_TRUE(fs::exists(state));

  const CommandResult reset = cli.run("reset --execute");
  ASSERT_EQ(reset.code, 0) << reset.err;
  for (const std::string& topic : internal_before)
    EXPECT_NE(reset.out.find("deleted internal topic " + topic + "\n"), std::string::npos)
        << reset.out;
  EXPECT_NE(reset.out.find("deleted consumer group " + cli.prefix()), std::string::npos)
      << reset.out;
  EXPECT_TRUE(internal_topics(cli).empty());
  EXPECT_TRUE(committed(cli).empty());
  EXPECT_FALSE(fs::exists(state));
  // Inputs and outputs stay.
  EXPECT_EQ(support::read_committed(cli.bootstrap(), cli.topic("hours")).size(), 15u);

  // The next run reads every input from offset 0 again and computes the same stars.
  const CommandResult again = cli.run("run --until-caught-up");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("run: hours: 15 read, 15 applied"), std::string::npos) << again.out;
  const CommandResult stars_after = cli.run("export stars");
  ASSERT_EQ(stars_after.code, 0) << stars_after.err;
  EXPECT_EQ(stars_after.out, stars_before.out);
  EXPECT_FALSE(internal_topics(cli).empty()) << "the run creates its internal topics again";
}

TEST(Reset, IsRefusedWhileARunIsAMemberOfTheGroup) {
  Leifeng cli("reset-refused");
  ASSERT_EQ(cli.run("topics create").code, 0);
  publish(cli, kRegistered + "\n", "events.jsonl");
  const pid_t pid = cli.start("run", "run.out", "run.err");
  leifeng::runtime::GroupAdmin groups({{"bootstrap.servers", cli.bootstrap()}});
  // A member of the group, with its tasks' state on disk (which reset must then leave alone).
  bool member = false;
  for (int attempt = 0; attempt < 120 && !member; ++attempt) {
    member = !groups.describe(cli.prefix()).members.empty() &&
             fs::exists(cli.dir() / "state" / cli.prefix());
    if (!member) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_TRUE(member) << read_file(cli.dir() / "run.err");
  const auto internal_before = internal_topics(cli);

  for (const char* command : {"reset", "reset --execute"}) {
    SCOPED_TRACE(command);
    const CommandResult refused = cli.run(command);
    EXPECT_EQ(refused.code, 2) << refused.out << refused.err;
    // One member per stream thread ([runtime] threads: the number of cores by default).
    EXPECT_NE(refused.err.find("consumer group " + cli.prefix() + " has "), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find(" active member(s)"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("session.timeout.ms"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("static membership"), std::string::npos) << refused.err;
  }
  EXPECT_EQ(internal_topics(cli), internal_before);
  EXPECT_TRUE(fs::exists(cli.dir() / "state" / cli.prefix()));

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(support::wait_for(pid), 0) << read_file(cli.dir() / "run.err");
}

// On a broker that has never seen a consumer group, its coordinator is not ready for the first
// group requests (its offsets topic is being created): reset and topics describe wait for it
// instead of failing (NOT_COORDINATOR) or crashing (librdkafka 2.0.2's ListConsumerGroupOffsets).
TEST(Reset, AndTopicsDescribeWaitForTheCoordinatorOfAFreshBroker) {
  const leifeng::test_support::ScratchDir broker_dir("leifeng-fresh-broker");
  const std::string kafka_sh =
      (leifeng::test_support::source_dir() / "scripts" / "kafka.sh").string();
  const std::string dir = (broker_dir.path() / "kafka").string();
  ASSERT_EQ(std::system((kafka_sh + " start " + dir + " >/dev/null").c_str()), 0);
  struct StopBroker {
    std::string command;
    ~StopBroker() { [[maybe_unused]] const int code = std::system(command.c_str()); }
  } stop{kafka_sh + " stop " + dir + " >/dev/null"};
  const std::string bootstrap = read_file(fs::path(dir) / "bootstrap");
  const std::string servers = bootstrap.substr(0, bootstrap.find_first_of("\r\n"));
  ASSERT_FALSE(servers.empty());

  Leifeng cli("fresh-broker");
  const std::string on = " --bootstrap-servers " + servers;
  // Not the fixture's broker (with_kafka false): this one.
  ASSERT_EQ(cli.run("topics create" + on, false).code, 0);
  const CommandResult reset = cli.run("reset --execute" + on, false);
  EXPECT_EQ(reset.code, 0) << reset.err;
  EXPECT_NE(reset.out.find("consumer group " + cli.prefix() + " did not exist"), std::string::npos)
      << reset.out;
  const CommandResult describe = cli.run("topics describe hours" + on, false);
  EXPECT_EQ(describe.code, 0) << describe.err;
  EXPECT_EQ(partition_rows(describe.out).size(), 3u) << describe.out;
}

}  // namespace
