// The query server on the fixture broker (issue 15), through the real binary: `leifeng run`
// with [serve] port answers GET /v1/... from its committed state, which must equal what a
// replay of the same events computes (star changes included: stars from 2 hours, so that five
// days of events have some); two instances each answer every key, forwarding to the one that
// owns its partition.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;
namespace support = leifeng::runtime::testing;
using Clock = std::chrono::steady_clock;
using leifeng::test_support::LeifengCommand;
using leifeng::test_support::read_file;
using support::free_port;

struct Answer {
  int status = -1;
  std::string body;
  std::string served_by;
  std::string forwarded_by;
  std::string retry_after;
};

Answer query(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(10));
  auto response = client.Get(path);
  if (!response) return {};
  return {response->status, response->body, response->get_header_value("X-Leifeng-Served-By"),
          response->get_header_value("X-Leifeng-Forwarded-By"),
          response->get_header_value("Retry-After")};
}

// `leifeng run` in its own directory with its own query port.
struct ServingInstance {
  ServingInstance(const leifeng::test_support::LeifengOnBroker& cli, const std::string& name)
      : dir(cli.dir() / name),
        port(free_port()),
        command((fs::create_directories(dir), dir), {{"LEIFENG_APP_TOPIC_PREFIX", cli.prefix()},
                                                     {"LEIFENG_APP_APPLICATION_ID", cli.prefix()},
                                                     {"LEIFENG_APP_STATE_DIR", "state"},
                                                     {"LEIFENG_TOPICS_PARTITIONS", "3"},
                                                     {"LEIFENG_RUNTIME_COMMIT_INTERVAL_MS", "200"},
                                                     {"LEIFENG_SERVE_PORT", std::to_string(port)}}),
        bootstrap(cli.bootstrap()) {}

  void start() {
    // The fixture's configuration (its [rules]), as the replay used.
    const std::string config = (dir.parent_path() / "leifeng.toml").string();
    pid = command.start(
        {"-c", config, "--bootstrap-servers", bootstrap, "run", "--progress-interval", "0"},
        "run.out", "run.err");
  }
  int stop() {
    ::kill(pid, SIGTERM);
    return support::wait_for(pid);
  }
  std::string log() const { return read_file(dir / "run.err"); }

  fs::path dir;
  int port;
  LeifengCommand command;
  std::string bootstrap;
  pid_t pid = -1;
};

// Lines of a replay table keyed by their first field's value.
std::map<std::string, std::string> table(const fs::path& file, const std::string& field) {
  std::map<std::string, std::string> rows;
  std::ifstream in(file);
  const std::regex key("\"" + field + "\":\"([^\"]*)\"");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_search(line, match, key)) rows[match[1].str()] = line;
  }
  return rows;
}

std::string without_revision(const std::string& text) {
  static const std::regex volatile_fields(R"(,"revision":[0-9]+,"as_of":"[^"]*")");
  return std::regex_replace(text, volatile_fields, "");
}

// Waits until every path answers 200 with a body containing its expected text (the run has
// caught up with them), at most two minutes. Returns the paths that never did.
std::vector<std::string> wait_for_answers(int port,
                                          const std::map<std::string, std::string>& expected,
                                          bool volatile_revision = false) {
  std::vector<std::string> missing;
  const auto deadline = Clock::now() + std::chrono::minutes(2);
  for (const auto& [path, text] : expected) {
    bool found = false;
    while (!found && Clock::now() < deadline) {
      const Answer answer = query(port, path);
      const std::string body = volatile_revision ? without_revision(answer.body) : answer.body;
      found = answer.status == 200 && body.find(text) != std::string::npos;
      if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!found) missing.push_back(path + " (last: " + query(port, path).body + ")");
  }
  return missing;
}

// The instances' metadata once both serve a share of every partition and know each other,
// at most two minutes; empty when they never did.
std::string wait_for_split(int first_port, int second_port) {
  const std::regex shares(R"("volunteers":\[([0-9,]*)\])");
  const auto deadline = Clock::now() + std::chrono::minutes(2);
  std::string last;
  while (Clock::now() < deadline) {
    bool split = true;
    for (const int port : {first_port, second_port}) {
      const Answer metadata = query(port, "/v1/metadata");
      last = metadata.body;
      const auto instances = metadata.body.find(R"("instances":[)");
      if (metadata.status != 200 || instances == std::string::npos ||
          metadata.body.find(R"("readiness":"ready")") == std::string::npos) {
        split = false;
        break;
      }
      // What this instance knows of both: each serves some partitions, together all three.
      const std::string known = metadata.body.substr(instances);
      std::string all;
      int serving = 0;
      for (std::sregex_iterator it(known.begin(), known.end(), shares), end; it != end; ++it) {
        if (!(*it)[1].str().empty()) ++serving;
        all += (*it)[1].str() + ",";
      }
      split = split && serving == 2 && all.find('0') != std::string::npos &&
              all.find('1') != std::string::npos && all.find('2') != std::string::npos;
    }
    if (split) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

class QueryServerOnBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every command of the fixture reads it: stars from 2 hours.
    std::ofstream(cli.dir() / "leifeng.toml")
        << "[rules]\nstar_thresholds_hours = [2, 4, 8, 16, 32]\n";
    ASSERT_EQ(cli.run("topics create").code, 0);
    ASSERT_EQ(cli.run("generate --seed 15 --days 5 --events 4000 -o events.jsonl").code, 0);
    ASSERT_EQ(cli.run("publish events.jsonl -q").code, 0);
    ASSERT_EQ(cli.run("replay --input events.jsonl --out replay", false).code, 0);
    stars = table(cli.dir() / "replay" / "stars.jsonl", "volunteer_id");
    {
      // Each volunteer's star changes in order (the file keeps each key's records in order).
      std::ifstream in(cli.dir() / "replay" / "star-changes.jsonl");
      const std::regex key(R"re(^\{"volunteer_id":"([^"]+)")re");
      for (std::string line; std::getline(in, line);) {
        std::smatch match;
        if (std::regex_search(line, match, key)) star_changes[match[1].str()].push_back(line);
      }
    }
    ASSERT_GT(star_changes.size(), 20u);
    needs = table(cli.dir() / "replay" / "needs-status.jsonl", "need_id");
    ASSERT_GT(stars.size(), 20u);
    ASSERT_GT(needs.size(), 5u);
    std::ifstream in(cli.dir() / "replay" / "county-stats.jsonl");
    std::string line;
    const std::regex key(R"re("area_code":"([0-9]{6})","period":"([^"]+)")re");
    while (std::getline(in, line)) {
      std::smatch match;
      if (std::regex_search(line, match, key))
        cells["/v1/counties/" + match[1].str() + "/" + match[2].str()] = line;
    }
  }

  // Paths of a sample of keys with the text each answer must contain.
  std::map<std::string, std::string> expected_sample() const {
    std::map<std::string, std::string> expected;
    int n = 0;
    for (const auto& [id, line] : stars) {
      if (n++ % 7 == 0) expected["/v1/volunteers/" + id] = "\"stars\":" + line;
      // Every fifth volunteer's star changes and every second one's who has some: the replay's
      // star changes of the volunteer, oldest first.
      if (n % 5 != 0 && !(star_changes.contains(id) && n % 2 == 0)) continue;
      std::string changes;
      auto it = star_changes.find(id);
      const size_t count = it == star_changes.end() ? 0 : it->second.size();
      for (size_t i = 0; i < count; ++i) changes += (i > 0 ? "," : "") + it->second[i];
      expected["/v1/volunteers/" + id + "/star-changes"] =
          "\"star_changes\":[" + changes + "],\"total\":" + std::to_string(count) + ",";
    }
    n = 0;
    for (const auto& [id, line] : needs) {
      if (n++ % 5 == 0) expected["/v1/needs/" + id] = "\"needs_status\":" + line;
    }
    n = 0;
    for (const auto& [path, line] : cells) {
      if (n++ % 11 == 0) expected[path] = "\"county_stats\":" + without_revision(line);
    }
    return expected;
  }

  leifeng::test_support::LeifengOnBroker cli{"serving"};
  std::map<std::string, std::string> stars;
  std::map<std::string, std::vector<std::string>> star_changes;  // by volunteer, in order
  std::map<std::string, std::string> needs;
  std::map<std::string, std::string> cells;
};

TEST_F(QueryServerOnBroker, ALiveRunAnswersFromCommittedStateEqualToTheReplay) {
  ServingInstance instance(cli, "one");
  instance.start();
  const auto missing = wait_for_answers(instance.port, expected_sample(), true);
  EXPECT_TRUE(missing.empty()) << missing.size() << " never answered as the replay, e.g. "
                               << missing.front() << "\n"
                               << instance.log();

  const Answer volunteer = query(instance.port, "/v1/volunteers/" + stars.begin()->first);
  ASSERT_EQ(volunteer.status, 200);
  EXPECT_TRUE(std::regex_search(
      volunteer.body,
      std::regex(R"("hour_logs":\{"submitted":[0-9]+,"verified":[0-9]+,"rejected":[0-9]+,)"
                 R"("revoked":[0-9]+\},"committed":\{"instance_id":"[^"]+","store":"volunteers",)"
                 R"("partition":[0-2],"changelog_offset":[1-9][0-9]*,"as_of":"20[0-9-]+T)")))
      << volunteer.body;
  EXPECT_FALSE(volunteer.served_by.empty());

  // A date range: the day cells of one county, in order, equal to the replay's.
  const std::string county = cells.begin()->first.substr(13, 6);
  std::vector<std::string> days;
  for (const auto& [path, line] : cells) {
    if (path.size() == 30 && path.substr(13, 6) == county) days.push_back(without_revision(line));
  }
  ASSERT_FALSE(days.empty());
  const Answer range =
      query(instance.port, "/v1/counties/" + county + "?from=2000-01-01&to=2003-01-01");
  EXPECT_EQ(range.status, 400) << range.body;  // over 1000 days
  const std::string first_day = days.front().substr(days.front().find("\"period\":\"") + 10, 10);
  const Answer month = query(instance.port, "/v1/counties/" + county + "?from=" + first_day +
                                                "&to=" + first_day.substr(0, 8) + "28");
  ASSERT_EQ(month.status, 200) << month.body;
  EXPECT_NE(without_revision(month.body).find(days.front()), std::string::npos) << month.body;

  // Star changes: the volunteer with the most, with what the answer is consistent with.
  auto most = star_changes.begin();
  for (auto it = star_changes.begin(); it != star_changes.end(); ++it) {
    if (it->second.size() > most->second.size()) most = it;
  }
  ASSERT_GE(most->second.size(), 2u);
  const Answer history = query(instance.port, "/v1/volunteers/" + most->first + "/star-changes");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_TRUE(std::regex_search(
      history.body,
      std::regex(R"(\],"total":[0-9]+,"committed":\{"instance_id":"[^"]+","store":"star-history",)"
                 R"("partition":[0-2],"changelog_offset":[1-9][0-9]*,"as_of":"20[0-9-]+T)")))
      << history.body;
  EXPECT_EQ(query(instance.port, "/v1/volunteers/no-such-volunteer/star-changes").status, 404);

  EXPECT_EQ(query(instance.port, "/v1/volunteers/no-such-volunteer").status, 404);
  const Answer bad = query(instance.port, "/v1/counties/4104/2027-04");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find(R"("field":"area")"), std::string::npos) << bad.body;
  const Answer metadata = query(instance.port, "/v1/metadata");
  EXPECT_EQ(metadata.status, 200);
  EXPECT_NE(metadata.body.find(R"("volunteers":[0,1,2])"), std::string::npos) << metadata.body;
  EXPECT_NE(metadata.body.find(R"("star-history":[0,1,2])"), std::string::npos) << metadata.body;

  EXPECT_EQ(instance.stop(), 0) << instance.log();
}

TEST_F(QueryServerOnBroker, TwoInstancesEachAnswerEveryKeyByForwarding) {
  ServingInstance first(cli, "first");
  ServingInstance second(cli, "second");
  first.start();
  second.start();
  // Until both are in the group with a share each and know each other's address, a query may
  // be 503 (rebalancing, owner unknown); the strict checks below wait for that.
  const std::string split = wait_for_split(first.port, second.port);
  ASSERT_FALSE(split.empty()) << "the instances never shared the partitions\n"
                              << first.log() << second.log();
  const auto expected = expected_sample();
  for (ServingInstance* instance : {&first, &second}) {
    const auto missing = wait_for_answers(instance->port, expected, true);
    EXPECT_TRUE(missing.empty()) << missing.size() << " never answered as the replay, e.g. "
                                 << missing.front() << "\n"
                                 << instance->log();
  }
  // Both instances serve a share, each answers every key, and some answers came from the other.
  int forwarded = 0;
  int local = 0;
  for (const auto& [path, text] : expected) {
    for (ServingInstance* instance : {&first, &second}) {
      const Answer answer = query(instance->port, path);
      ASSERT_EQ(answer.status, 200) << path << ": " << answer.body;
      if (answer.forwarded_by.empty()) {
        ++local;
      } else {
        ++forwarded;
        EXPECT_NE(answer.served_by, answer.forwarded_by);
      }
    }
  }
  EXPECT_GT(forwarded, 0);
  EXPECT_GT(local, 0);
  const Answer metadata = query(first.port, "/v1/metadata");
  EXPECT_NE(metadata.body.find("127.0.0.1:" + std::to_string(second.port)), std::string::npos)
      << metadata.body;

  // One stops: the other takes its partitions over and answers every key itself.
  EXPECT_EQ(second.stop(), 0) << second.log();
  const auto missing = wait_for_answers(first.port, expected, true);
  EXPECT_TRUE(missing.empty()) << missing.size() << " not answered after the takeover\n"
                               << first.log();
  for (const auto& [path, text] : expected) {
    EXPECT_TRUE(query(first.port, path).forwarded_by.empty()) << path;
  }
  EXPECT_EQ(first.stop(), 0) << first.log();
}

}  // namespace
