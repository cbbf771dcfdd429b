// FileReplay's lookahead (lines are decoded when fed and applied some lines later) and the table
// ordering of replay outputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "replay_file.hpp"

namespace leifeng::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string registered(const std::string& event_id, const std::string& volunteer) {
  return R"({"event_id":")" + event_id +
         R"(","type":"volunteer.registered","schema_version":1,)"
         R"("occurred_at":"2027-03-01T08:00:00+08:00","volunteer_id":")" +
         volunteer + R"(","area_code":"410402","party_member":false})";
}

TEST(LatestByKey, SortsByKeyAndKeepsTheLastRowOfEachKey) {
  EXPECT_THAT(latest_by_key({{"b", "b1"}, {"a", "a1"}, {"b", "b2"}, {"c", "c1"}, {"a", "a2"}}),
              ElementsAre("a2", "b2", "c1"));
  EXPECT_TRUE(latest_by_key({}).empty());
}

// Lines are applied after the caller's buffer moved on: the replay must have kept its own copy.
TEST(FileReplayLookahead, DeadLettersKeepTheirLineAfterTheCallersBufferChanged) {
  FileReplay replay(processors::DomainConfig{}, "events.jsonl");
  std::string buffer;
  for (int i = 1; i <= 40; ++i) {
    // Every volunteer registers twice: the second registration is invalid_transition.
    buffer = registered("e" + std::to_string(i), "v" + std::to_string((i + 1) / 2));
    replay.feed(buffer, i);
    buffer.assign(buffer.size(), 'x');
  }
  const ReplayOutputs outputs = replay.finish();
  EXPECT_EQ(replay.summary().events_read, 40);
  EXPECT_EQ(replay.summary().applied, 20);
  EXPECT_EQ(replay.summary().dead_lettered, 20);
  ASSERT_EQ(outputs.dead_letters.size(), 20u);
  EXPECT_THAT(outputs.dead_letters[0], HasSubstr(R"("line":2})"));
  EXPECT_THAT(outputs.dead_letters[0], HasSubstr(R"(\"event_id\":\"e2\")"));
  EXPECT_THAT(outputs.dead_letters[19], HasSubstr(R"("line":40})"));
  EXPECT_THAT(outputs.dead_letters[19], HasSubstr(R"(\"volunteer_id\":\"v20\")"));
  EXPECT_EQ(outputs.stars.size(), 20u);
}

// A block: blank lines count for the numbering, CRLF endings and a last line without a newline
// are lines, and the dead letters keep their text after the block was overwritten.
TEST(FileReplayLookahead, FeedLinesNumbersEveryLineAndCopiesNothingItStillNeeds) {
  FileReplay replay(processors::DomainConfig{}, "events.jsonl");
  std::string block;
  for (int i = 1; i <= 40; ++i) {
    block += registered("e" + std::to_string(i), "v" + std::to_string((i + 1) / 2));
    block += i % 3 == 0 ? "\r\n\n" : "\n";  // a blank line after every third
  }
  block += registered("e41", "v20");  // no newline at the end
  EXPECT_EQ(replay.feed_lines(block, 5), 41 + 13);
  block.assign(block.size(), 'x');
  const ReplayOutputs outputs = replay.finish();
  EXPECT_EQ(replay.summary().events_read, 41);
  EXPECT_EQ(replay.summary().applied, 20);
  EXPECT_EQ(replay.summary().dead_lettered, 21);
  ASSERT_EQ(outputs.dead_letters.size(), 21u);
  // Line 2 of the block is e2 (numbered 6); e3 (7) ends with CRLF, then blank line 8.
  EXPECT_THAT(outputs.dead_letters[0], HasSubstr(R"("line":6})"));
  EXPECT_THAT(outputs.dead_letters[0], HasSubstr(R"(\"event_id\":\"e2\")"));
  EXPECT_THAT(outputs.dead_letters[1], HasSubstr(R"("line":9})"));  // e4
  EXPECT_THAT(outputs.dead_letters[20], HasSubstr(R"("line":58})"));  // e41, the last line
  EXPECT_THAT(outputs.dead_letters[20], HasSubstr(R"(\"event_id\":\"e41\")"));
  EXPECT_EQ(outputs.stars.size(), 20u);
}

// A message fed after file lines is applied after them, even though the lines wait.
TEST(FileReplayLookahead, MessagesAreAppliedAfterTheLinesFedBefore) {
  FileReplay replay(processors::DomainConfig{}, "events.jsonl");
  replay.feed(registered("e1", "v1"), 1);
  replay.feed_message("hours", 0, 7, "v1", registered("e2", "v1"));
  const ReplayOutputs outputs = replay.finish();
  ASSERT_EQ(outputs.dead_letters.size(), 1u);  // the message: v1 was already registered
  EXPECT_THAT(outputs.dead_letters[0], HasSubstr(R"(\"event_id\":\"e2\")"));
  EXPECT_THAT(outputs.dead_letters[0], HasSubstr("invalid_transition"));
}

}  // namespace
}  // namespace leifeng::app
