// The command line itself (SPEC §7), through the leifeng binary: -c and --bootstrap-servers
// before or after a subcommand's name (nested ones too) and in every --help, --version, and
// exit code 2 for a command line that cannot be parsed. Which cluster a Kafka command uses:
// a configured broker that answers, or --embedded, never a silent fallback.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"

namespace {

namespace fs = std::filesystem;

using leifeng::test_support::CommandResult;
using leifeng::test_support::LeifengCommand;
using leifeng::test_support::ScratchDir;

// A directory with an empty events file, a configuration file that loads and one that fails
// naming itself (an unknown key in [app]).
class Cli : public ::testing::Test {
 protected:
  Cli() : dir_("leifeng-cli"), leifeng_(dir_.path()) {
    std::ofstream(dir_.path() / "events.jsonl");
    std::ofstream(dir_.path() / "good.toml") << "[rules]\nmin_quality = 4.5\n";
    std::ofstream(dir_.path() / "bad.toml") << "[app]\nno_such_key = 1\n";
  }

  CommandResult run(const std::string& args) const { return leifeng_.run(args); }
  const fs::path& dir() const { return dir_.path(); }

 private:
  ScratchDir dir_;
  LeifengCommand leifeng_;
};

// The bad file fails the command only when it was read: the error names it.
void expect_config_rejected(const CommandResult& result) {
  EXPECT_EQ(result.code, 2) << result.err;
  EXPECT_NE(result.err.find("bad.toml"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no_such_key"), std::string::npos) << result.err;
}

TEST_F(Cli, ConfigAfterTheSubcommandIsRead) {
  expect_config_rejected(run("replay --input events.jsonl --out out -c bad.toml"));
  expect_config_rejected(run("replay --input events.jsonl --out out --config bad.toml"));
  const CommandResult good = run("replay --input events.jsonl --out out -c good.toml");
  EXPECT_EQ(good.code, 0) << good.err;
  EXPECT_TRUE(fs::exists(dir() / "out" / "summary.json"));
}

TEST_F(Cli, ConfigBeforeTheSubcommandIsStillRead) {
  expect_config_rejected(run("-c bad.toml replay --input events.jsonl --out out"));
  const CommandResult good = run("--config good.toml replay --input events.jsonl --out out");
  EXPECT_EQ(good.code, 0) << good.err;
}

TEST_F(Cli, ConfigAfterANestedSubcommandIsRead) {
  expect_config_rejected(run("audit volunteer V1 --input events.jsonl -c bad.toml"));
  expect_config_rejected(run("audit -c bad.toml volunteer V1 --input events.jsonl"));
  // The file read: no events for that volunteer (exit 1), not a configuration error.
  const CommandResult good = run("audit volunteer V1 --input events.jsonl -c good.toml");
  EXPECT_EQ(good.code, 1) << good.err;
}

TEST_F(Cli, EverySubcommandsHelpShowsTheGlobalOptions) {
  for (const std::string& command : std::vector<std::string>{
           "", "run", "demo", "topics", "topics create", "publish", "generate", "export", "replay",
           "audit", "audit diff", "audit volunteer", "report"}) {
    SCOPED_TRACE(command);
    const CommandResult help = run(command + " --help");
    EXPECT_EQ(help.code, 0) << help.err;
    EXPECT_NE(help.out.find("-c,--config"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--bootstrap-servers"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--embedded"), std::string::npos) << help.out;
  }
}

// Every command that talks to Kafka (SPEC §7), as a user would type it.
const std::vector<std::string> kKafkaCommands{
    "run --until-caught-up",     "topics create",
    "publish events.jsonl",      "export stars",
    "export --inputs all.jsonl", "replay --from-topics --out from-topics",
    "audit volunteer V1",        "report --month 2027-03",
    "audit diff replay"};

TEST_F(Cli, AKafkaCommandWithoutABrokerSaysHowToGiveOne) {
  ASSERT_EQ(run("replay --input events.jsonl --out replay").code, 0);  // for audit diff
  for (const std::string& command : kKafkaCommands) {
    SCOPED_TRACE(command);
    const auto started = std::chrono::steady_clock::now();
    const CommandResult result = run(command);
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_NE(result.err.find("no Kafka broker configured: give one with --bootstrap-servers "
                              "HOST:PORT, with bootstrap.servers in the [kafka] table of the -c "
                              "file, or with LEIFENG_KAFKA_BOOTSTRAP_SERVERS; or use --embedded "
                              "for a throwaway in-process cluster"),
              std::string::npos)
        << result.err;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  }
}

TEST_F(Cli, EmbeddedIsAskedForBeforeOrAfterTheCommand) {
  for (const std::string& args : std::vector<std::string>{
           "topics create --embedded", "--embedded topics create",
           "publish events.jsonl --embedded", "run --until-caught-up --embedded",
           "--embedded run --until-caught-up"}) {
    SCOPED_TRACE(args);
    const CommandResult result = run(args);
    EXPECT_EQ(result.code, 0) << result.err;
    EXPECT_NE(result.err.find("using the embedded in-process Kafka cluster"), std::string::npos)
        << result.err;
  }
  // A fresh embedded cluster has no topics: these reach it and say so.
  for (const std::string& args :
       std::vector<std::string>{"export stars --embedded", "report --month 2027-03 --embedded"}) {
    SCOPED_TRACE(args);
    const CommandResult result = run(args);
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_NE(result.err.find("does not exist"), std::string::npos) << result.err;
  }
}

TEST_F(Cli, EmbeddedWithABrokerIsRefused) {
  const CommandResult flag = run("run --embedded --bootstrap-servers 127.0.0.1:9092");
  EXPECT_EQ(flag.code, 2) << flag.err;
  EXPECT_NE(flag.err.find("--embedded and a Kafka broker (127.0.0.1:9092, from "
                          "--bootstrap-servers) exclude each other"),
            std::string::npos)
      << flag.err;
  std::ofstream(dir() / "broker.toml") << "[kafka]\n\"bootstrap.servers\" = \"10.0.0.1:9092\"\n";
  for (const std::string& args :
       std::vector<std::string>{"--embedded publish events.jsonl -c broker.toml",
                                "-c broker.toml topics create --embedded",
                                "-c broker.toml --embedded demo --events 10"}) {
    SCOPED_TRACE(args);
    const CommandResult file = run(args);
    EXPECT_EQ(file.code, 2) << file.err;
    EXPECT_NE(file.err.find("10.0.0.1:9092, from "), std::string::npos) << file.err;
    EXPECT_NE(file.err.find("broker.toml:2:1) exclude each other"), std::string::npos) << file.err;
  }
  const CommandResult keep = run("--embedded demo --keep-broker");
  EXPECT_EQ(keep.code, 2) << keep.err;
  EXPECT_NE(keep.err.find("--keep-broker"), std::string::npos) << keep.err;
}

// A misspelt librdkafka property would leave the command without its broker: an error naming
// the file, line and key, at load time.
TEST_F(Cli, AnUnknownKafkaPropertyIsAConfigurationError) {
  std::ofstream(dir() / "typo.toml") << "[kafka]\n\"bootstrap.server\" = \"127.0.0.1:9092\"\n";
  const CommandResult result = run("run -c typo.toml");
  EXPECT_EQ(result.code, 2) << result.err;
  EXPECT_NE(result.err.find("typo.toml:2:1: unknown librdkafka property 'bootstrap.server' in "
                            "[kafka]"),
            std::string::npos)
      << result.err;
}

// Port 1 is closed on any test machine: the command fails within [runtime] connect_timeout_ms
// (1 s here), naming the address and why, without librdkafka's raw lines.
TEST_F(Cli, AnUnreachableBrokerIsNamedWithinTheBound) {
  std::ofstream(dir() / "quick.toml") << "[runtime]\nconnect_timeout_ms = 1000\n";
  for (const std::string& args :
       std::vector<std::string>{"run --bootstrap-servers 127.0.0.1:1 -c quick.toml",
                                "-c quick.toml --bootstrap-servers 127.0.0.1:1 export stars"}) {
    SCOPED_TRACE(args);
    const auto started = std::chrono::steady_clock::now();
    const CommandResult result = run(args);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_NE(result.err.find("cannot reach Kafka at 127.0.0.1:1 (connection refused) within 1 s"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.find("%3|"), std::string::npos) << result.err;
  }
}

TEST_F(Cli, UsageErrorsExit2WithAMessage) {
  for (const std::string& args :
       std::vector<std::string>{"run --no-such-option", "--no-such-option run", "no-such-command",
                                "", "report", "replay --input", "run --bootstrap-servers"}) {
    SCOPED_TRACE(args);
    const CommandResult result = run(args);
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_FALSE(result.err.empty());
  }
  const CommandResult unknown = run("run --no-such-option");
  EXPECT_NE(unknown.err.find("--no-such-option"), std::string::npos) << unknown.err;
}

// `reset` and `topics list|describe` (issue 13): the global options in their help, the
// dry run named there, a usage error without TOPIC, and no Kafka given: a sentence, exit 2,
// and nothing asked of an embedded cluster.
TEST_F(Cli, ResetAndTopicsInspectionTakeTheGlobalOptions) {
  for (const std::string& command :
       std::vector<std::string>{"reset", "topics list", "topics describe"}) {
    SCOPED_TRACE(command);
    const CommandResult help = run(command + " --help");
    EXPECT_EQ(help.code, 0) << help.err;
    EXPECT_NE(help.out.find("-c,--config"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--bootstrap-servers"), std::string::npos) << help.out;
  }
  const CommandResult reset_help = run("reset --help");
  EXPECT_NE(reset_help.out.find("--execute"), std::string::npos) << reset_help.out;
  EXPECT_NE(reset_help.out.find("dry run"), std::string::npos) << reset_help.out;
  const CommandResult topics_help = run("topics --help");
  for (const char* sub : {"create", "list", "describe"})
    EXPECT_NE(topics_help.out.find(sub), std::string::npos) << topics_help.out;

  const CommandResult no_topic = run("topics describe");
  EXPECT_EQ(no_topic.code, 2) << no_topic.err;
  EXPECT_NE(no_topic.err.find("TOPIC"), std::string::npos) << no_topic.err;

  for (const std::string& command :
       std::vector<std::string>{"reset", "reset --execute", "topics list", "topics describe hours",
                                "reset -c good.toml --execute"}) {
    SCOPED_TRACE(command);
    const CommandResult result = run(command);
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_NE(result.err.find("no Kafka cluster given: pass --bootstrap-servers"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.find("embedded"), std::string::npos) << result.err;
  }
  // The configuration file after the subcommand is read (and a bad one named).
  expect_config_rejected(run("reset --execute -c bad.toml"));
  expect_config_rejected(run("topics describe hours --config bad.toml"));
}

TEST_F(Cli, VersionPrintsTheProjectVersion) {
  const CommandResult version = run("--version");
  EXPECT_EQ(version.code, 0) << version.err;
  EXPECT_EQ(version.out, std::string("leifeng ") + LEIFENG_VERSION + "\n");
}

}  // namespace
