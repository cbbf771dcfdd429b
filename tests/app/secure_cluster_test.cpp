// leifeng on the secured three-broker cluster (docs/security.md, issue 14): SASL_SSL with
// SCRAM-SHA-512, the standard authorizer and the ACLs of `scripts/kafka.sh acls`. Each user's
// client settings come from the cluster's security/ directory; each test has its own prefix.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "leifeng/schemas/records.hpp"
#include "leifeng/test_support/comparable_lines.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace fs = std::filesystem;

using leifeng::test_support::CommandResult;
using leifeng::test_support::read_file;
using leifeng::test_support::read_lines;
using leifeng::test_support::without_revision;
using leifeng::test_support::without_source;
using Leifeng = leifeng::test_support::LeifengOnBroker;
using Clock = std::chrono::steady_clock;

const char* const kUsers[] = {"admin", "leifeng", "upstream", "analyst"};

fs::path cluster_dir() {
  const char* dir = std::getenv("LEIFENG_TEST_CLUSTER_DIR");
  return dir != nullptr ? fs::path(dir) : fs::path();
}

fs::path security_dir() {
  return cluster_dir() / "security";
}

std::string password_of(const std::string& user) {
  std::string password = read_file(security_dir() / (user + ".password"));
  password.erase(password.find_last_not_of(" \n") + 1);
  return password;
}

// as-<user>.toml in the test's directory: the user's [kafka] table written by kafka.sh, then
// `extra` (more tables).
void write_user_config(const Leifeng& cli, const std::string& user, const std::string& extra = "") {
  std::ofstream(cli.dir() / ("as-" + user + ".toml"))
      << read_file(security_dir() / (user + ".toml")) << "[topics]\nreplication_factor = 3\n"
      << extra;
}

// `args` as `user` (its config file; the broker address comes from there too).
CommandResult as(const Leifeng& cli, const std::string& user, const std::string& args) {
  return cli.run("-c as-" + user + ".toml " + args, false);
}

// kafka.sh acls for the test's topic prefix and application id (both the prefix here).
void grant_acls(const Leifeng& cli) {
  const char* source = std::getenv("LEIFENG_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  const std::string command = std::string(source) + "/scripts/kafka.sh acls --topic-prefix " +
                              cli.prefix() + " --application-id " + cli.prefix() + " " +
                              cluster_dir().string() + " > " + (cli.dir() / "acls.log").string() +
                              " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << read_file(cli.dir() / "acls.log");
}

// No password of any user in `text` (logs and error messages).
void expect_no_password(const std::string& text, const std::string& what) {
  for (const char* user : kUsers)
    EXPECT_EQ(text.find(password_of(user)), std::string::npos)
        << what << " shows " << user << "'s password:\n"
        << text;
}

// Every principal with its own rights: an operator (admin) creates the topics, upstream
// publishes, leifeng runs exactly once, analyst reads the outputs; the outputs equal a replay
// of the inputs, and what a principal may not do it is refused.
TEST(SecureCluster, RunIsExactlyOnceUnderSaslSslWithLeastPrivilege) {
  Leifeng cli("sec-eos");
  // Low star thresholds, so that many volunteers move up (and some down): the same rules for
  // the replay and the live run.
  for (const char* user : kUsers)
    write_user_config(cli, user, "[rules]\nstar_thresholds_hours = [5, 10, 20, 40, 80]\n");
  grant_acls(cli);
  // No bad lines: `publish` dead-letters a line it cannot route, and upstream may write only
  // the inputs (docs/security.md).
  const CommandResult generated = cli.run(
      "generate --seed 17 --days 10 --volunteers 80 --events 5000 --bad-share 0 "
      "--duplicate-share 0.02 -o events.jsonl",
      false);
  ASSERT_EQ(generated.code, 0) << generated.err;
  const CommandResult replay = as(cli, "admin", "replay --input events.jsonl --out replay");
  ASSERT_EQ(replay.code, 0) << replay.err;

  std::vector<CommandResult> results;
  auto step = [&](const std::string& user, const std::string& args) {
    results.push_back(as(cli, user, args));
    return results.back();
  };
  const CommandResult created = step("admin", "topics create");
  ASSERT_EQ(created.code, 0) << created.err;
  const CommandResult published = step("upstream", "publish events.jsonl");
  ASSERT_EQ(published.code, 0) << published.err;
  // Debug logs, librdkafka's security and configuration lines included: still no password.
  ::setenv("LEIFENG_LOG_LEVEL", "debug", 1);
  ::setenv("LEIFENG_KAFKA_DEBUG", "security,conf", 1);
  const CommandResult run = step("leifeng", "run --until-caught-up --progress-interval 0");
  ::unsetenv("LEIFENG_LOG_LEVEL");
  ::unsetenv("LEIFENG_KAFKA_DEBUG");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("sasl.password = [redacted]"), std::string::npos)
      << "no librdkafka configuration lines in the debug log";

  fs::create_directories(cli.dir() / "live");
  for (const char* table :
       {"stars", "star-changes", "needs-status", "county-stats", "need-matches", "stations"}) {
    const CommandResult exported =
        step("analyst", std::string("export ") + table + " -o live/" + table + ".jsonl");
    ASSERT_EQ(exported.code, 0) << table << ": " << exported.err;
  }
  // need-matches carry as_of, the time of the event that changed them: one record per need.
  EXPECT_EQ(read_lines(cli.dir() / "live" / "need-matches.jsonl").size(),
            read_lines(cli.dir() / "replay" / "need-matches.jsonl").size());
  for (const char* table :
       {"stars.jsonl", "star-changes.jsonl", "needs-status.jsonl", "stations.jsonl"}) {
    const auto expected = read_lines(cli.dir() / "replay" / table);
    const auto actual = read_lines(cli.dir() / "live" / table);
    EXPECT_GT(expected.size(), 20u) << table;
    EXPECT_EQ(actual.size(), expected.size()) << table;
    EXPECT_TRUE(actual == expected) << table << " differs between live and replay";
  }
  {
    auto expected = read_lines(cli.dir() / "replay" / "county-stats.jsonl");
    auto actual = read_lines(cli.dir() / "live" / "county-stats.jsonl");
    std::transform(expected.begin(), expected.end(), expected.begin(), without_revision);
    std::transform(actual.begin(), actual.end(), actual.begin(), without_revision);
    EXPECT_FALSE(expected.empty());
    EXPECT_TRUE(actual == expected) << "county-stats differ between live and replay";
  }
  // Dead letters hold raw payloads: the operator reads them, the analyst may not.
  const CommandResult letters = step("admin", "export dead-letter -o live/dead-letter.jsonl");
  ASSERT_EQ(letters.code, 0) << letters.err;
  auto expected_letters = read_lines(cli.dir() / "replay" / "dead-letter.jsonl");
  auto live_letters = read_lines(cli.dir() / "live" / "dead-letter.jsonl");
  std::transform(expected_letters.begin(), expected_letters.end(), expected_letters.begin(),
                 without_source);
  std::transform(live_letters.begin(), live_letters.end(), live_letters.begin(), without_source);
  std::sort(expected_letters.begin(), expected_letters.end());
  std::sort(live_letters.begin(), live_letters.end());
  EXPECT_TRUE(live_letters == expected_letters) << "dead letters differ between live and replay";

  // What each principal may not do.
  const CommandResult analyst_letters = step("analyst", "export dead-letter -o denied.jsonl");
  EXPECT_EQ(analyst_letters.code, 2);
  EXPECT_NE(analyst_letters.err.find("not authorised to read topic " + cli.topic("dead-letter")),
            std::string::npos)
      << analyst_letters.err;
  const CommandResult leifeng_reads_stars = step("leifeng", "export stars -o denied.jsonl");
  EXPECT_EQ(leifeng_reads_stars.code, 2);
  EXPECT_NE(leifeng_reads_stars.err.find("not authorised to read topic " + cli.topic("stars") +
                                         ": the cluster's ACLs do not allow user leifeng"),
            std::string::npos)
      << leifeng_reads_stars.err;

  for (const CommandResult& result : results) {
    expect_no_password(result.err, "stderr");
    expect_no_password(result.out, "stdout");
  }
}

// A wrong password, an unknown CA, a client without TLS: each told within seconds with its
// cause, exit 2, not after the connect timeout (30 s here) and never as a hang.
TEST(SecureCluster, WrongCredentialsAreToldAtOnceNamingTheCause) {
  Leifeng cli("sec-auth");
  const std::string timeout = "[runtime]\nconnect_timeout_ms = 30000\n";
  {
    std::string settings = read_file(security_dir() / "leifeng.toml");
    settings = std::regex_replace(settings, std::regex("\"sasl.password\" = \"[^\"]*\""),
                                  "\"sasl.password\" = \"wrong-password-7f3a\"");
    std::ofstream(cli.dir() / "as-wrong-password.toml") << settings << timeout;
  }
  {
    // A CA of its own, which did not sign the brokers' certificate.
    const std::string make_ca =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other "
        "-keyout " +
        (cli.dir() / "other.key").string() + " -out " + (cli.dir() / "other.pem").string() +
        " > /dev/null 2>&1";
    ASSERT_EQ(std::system(make_ca.c_str()), 0);
    std::string settings = read_file(security_dir() / "leifeng.toml");
    settings =
        std::regex_replace(settings, std::regex("\"ssl.ca.location\" = \"[^\"]*\""),
                           "\"ssl.ca.location\" = \"" + (cli.dir() / "other.pem").string() + "\"");
    std::ofstream(cli.dir() / "as-other-ca.toml") << settings << timeout;
  }

  for (const char* command : {"run --until-caught-up", "topics create", "export stars"}) {
    const auto started = Clock::now();
    const CommandResult wrong = as(cli, "wrong-password", command);
    const auto elapsed = Clock::now() - started;
    EXPECT_EQ(wrong.code, 2) << command;
    EXPECT_NE(wrong.err.find("authentication failed for user leifeng (SASL SCRAM-SHA-512)"),
              std::string::npos)
        << command << ": " << wrong.err;
    EXPECT_EQ(wrong.err.find("wrong-password-7f3a"), std::string::npos) << wrong.err;
    EXPECT_LT(elapsed, std::chrono::seconds(10)) << command;
  }

  const auto started = Clock::now();
  const CommandResult other_ca = as(cli, "other-ca", "topics list");
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(other_ca.code, 2);
  EXPECT_NE(other_ca.err.find("TLS handshake failed with Kafka at"), std::string::npos)
      << other_ca.err;
  EXPECT_NE(other_ca.err.find("certificate verify failed"), std::string::npos) << other_ca.err;
  expect_no_password(other_ca.err, "stderr");

  // No security settings at all: the listener speaks TLS, the client does not.
  const CommandResult plain = cli.run("topics list");
  EXPECT_EQ(plain.code, 2);
  EXPECT_NE(plain.err.find("security.protocol"), std::string::npos) << plain.err;
}

// A principal without ACLs on the stars table is refused with a sentence naming the topic and
// the user, at once; the operator reads the same table.
TEST(SecureCluster, PrincipalWithoutAclsCannotReadTheStarsTable) {
  Leifeng cli("sec-denied");
  for (const char* user : kUsers) write_user_config(cli, user);
  const CommandResult created = as(cli, "admin", "topics create");
  ASSERT_EQ(created.code, 0) << created.err;
  // The operator reads it, the password from the environment (docs/security.md), not the file.
  {
    std::string settings = read_file(security_dir() / "admin.toml");
    settings = std::regex_replace(settings, std::regex("\"sasl.password\" = \"[^\"]*\"\n"), "");
    ASSERT_EQ(settings.find("sasl.password"), std::string::npos);
    std::ofstream(cli.dir() / "as-admin-env.toml") << settings;
  }
  ::setenv("LEIFENG_KAFKA_SASL_PASSWORD", password_of("admin").c_str(), 1);
  // New topics reach the other brokers' metadata a moment after `topics create` returns.
  CommandResult admin = as(cli, "admin-env", "export stars -o stars.jsonl");
  for (int attempt = 0; attempt < 20 && admin.err.find("does not exist") != std::string::npos;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    admin = as(cli, "admin-env", "export stars -o stars.jsonl");
  }
  ::unsetenv("LEIFENG_KAFKA_SASL_PASSWORD");
  ASSERT_EQ(admin.code, 0) << admin.err;

  for (const char* user : {"upstream", "analyst"}) {
    const auto started = Clock::now();
    const CommandResult denied = as(cli, user, "export stars -o denied.jsonl");
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10)) << user;
    EXPECT_EQ(denied.code, 2) << user;
    EXPECT_NE(denied.err.find("not authorised to read topic " + cli.topic("stars") +
                              ": the cluster's ACLs do not allow user " + user),
              std::string::npos)
        << user << ": " << denied.err;
    EXPECT_FALSE(fs::exists(cli.dir() / "denied.jsonl") &&
                 !read_lines(cli.dir() / "denied.jsonl").empty());
  }
  // Nor may upstream run the processors: the topics are hidden from it, and creating them is
  // refused by name.
  const CommandResult run = as(cli, "upstream", "run --until-caught-up");
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("not authorised to create topic " + cli.prefix()), std::string::npos)
      << run.err;
}

}  // namespace
