// Human output and logs apart (issue 13): a command's summary goes to stdout, logs and
// progress to stderr. Through the leifeng binary, no broker needed (publish --embedded uses the
// embedded in-process cluster).
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
using leifeng::test_support::source_dir;

TEST(HumanOutput, ReplaySummaryOnStdoutNotStderr) {
  ScratchDir dir("leifeng-human-replay");
  const fs::path events = source_dir() / "tests" / "golden" / "hours_stars" / "events.jsonl";
  const CommandResult replay =
      LeifengCommand(dir.path())
          .run(std::vector<std::string>{"replay", "--input", events.string(), "--out",
                                        (dir.path() / "out").string()});
  ASSERT_EQ(replay.code, 0) << replay.err;
  EXPECT_NE(replay.out.find("replay: 13 events read, 12 applied, 1 duplicates, 0 dead-lettered"),
            std::string::npos)
      << "stdout:\n"
      << replay.out << "stderr:\n"
      << replay.err;
  EXPECT_EQ(replay.err.find("applied"), std::string::npos) << replay.err;
}

// Every kind of dead letter publish knows of, counted by reason on stdout: those publish
// writes itself (no usable type) and those the processors will write (routed but invalid).
TEST(HumanOutput, PublishPrintsDeadLetterCountsByReason) {
  ScratchDir dir("leifeng-human-publish");
  const std::string valid =
      R"({"event_id":"e-1","type":"hours.submitted","schema_version":1,)"
      R"("occurred_at":"2027-03-05T20:00:00+08:00","volunteer_id":"v-7","log_id":"l-1",)"
      R"("activity_id":"a-1","area_code":"410402","category":"neighborhood_watch",)"
      R"("service_date":"2027-03-05","minutes":90})";
  std::string too_long = valid;
  too_long.replace(too_long.find("\"minutes\":90"), 12, "\"minutes\":9000");
  {
    std::ofstream events(dir.path() / "events.jsonl");
    events << valid << '\n'
           << too_long << '\n'
           << too_long << '\n'
           << "not json\n"
           << R"({"event_id":"e-5","type":"hours.deleted","schema_version":1})" << '\n'
           << R"({"event_id":"e-6","type":"hours.erased","schema_version":1})" << '\n';
  }
  const CommandResult publish = LeifengCommand(dir.path()).run("publish events.jsonl --embedded");
  ASSERT_EQ(publish.code, 0) << publish.err;
  EXPECT_NE(publish.out.find("publish: 6 lines read, 3 published, 3 dead-lettered"),
            std::string::npos)
      << publish.out;
  EXPECT_NE(publish.out.find("publish: dead letters by reason:\n"), std::string::npos)
      << publish.out;
  EXPECT_NE(publish.out.find("\n  malformed: 1, written by publish (no usable type)\n"),
            std::string::npos)
      << publish.out;
  EXPECT_NE(publish.out.find("\n  unknown_type: 2, written by publish (no usable type)\n"),
            std::string::npos)
      << publish.out;
  EXPECT_NE(
      publish.out.find("\n  invalid_field: 2 published lines are invalid; the processors will "
                       "dead-letter them\n"),
      std::string::npos)
      << publish.out;
  EXPECT_EQ(publish.err.find("dead-lettered"), std::string::npos) << publish.err;
  EXPECT_EQ(publish.err.find("invalid_field"), std::string::npos) << publish.err;
}

// Checked before anything else, so no broker is needed to see it refused.
TEST(HumanOutput, NegativeProgressIntervalIsRefused) {
  ScratchDir dir("leifeng-human-progress");
  const CommandResult run = LeifengCommand(dir.path()).run("run --progress-interval -1");
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_NE(run.err.find("--progress-interval must be 0 (no progress lines) or more seconds"),
            std::string::npos)
      << run.err;
}

}  // namespace
