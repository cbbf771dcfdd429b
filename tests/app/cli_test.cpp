// The command line itself (SPEC §7), through the leifeng binary: -c and --bootstrap-servers
// before or after a subcommand's name (nested ones too) and in every --help, --version, and
// exit code 2 for a command line that cannot be parsed.
#include <gtest/gtest.h>

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
