// Replay's lookahead (lines are decoded when fed and applied some lines later) and the table
// ordering of replay outputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "drivers/file_replay.hpp"
#include "drivers/replay.hpp"
#include "drivers/table_rows.hpp"
#include "leifeng/generator/generator.hpp"

namespace leifeng::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// `prefix` followed by `n`. Appended: GCC 12 at -O3 reports a false -Wrestrict for
// "e" + std::to_string(n).
std::string numbered(const char* prefix, int n) {
  std::string text = prefix;
  text += std::to_string(n);
  return text;
}

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

TEST(TableRows, SortsByKeyKeepingTheLastRowOrEveryRowInOrder) {
  TableRows table;
  TableRows all;
  for (TableRows* rows : {&table, &all}) {
    rows->add("b", "b1");
    rows->add("a", "a1");
    rows->add("b", "b2");
    rows->add("c", "c1");
    rows->add("a", "a2");
  }
  table.sort_by_key(/*latest_only=*/true);
  EXPECT_THAT(table.lines(), ElementsAre("a2", "b2", "c1"));
  all.sort_by_key(/*latest_only=*/false);
  EXPECT_THAT(all.lines(), ElementsAre("a1", "a2", "b1", "b2", "c1"));
  TableRows empty;
  empty.sort_by_key(true);
  EXPECT_TRUE(empty.lines().empty());
}

// Rows compare keys by their first 16 bytes before the rest: the order is still the order of
// the keys as strings, for keys that are prefixes of others, hold zero or high bytes, or are
// equal in their first 16 bytes and longer. Rows of one key keep their order.
TEST(TableRows, SortsKeysInTheOrderOfTheirBytes) {
  using namespace std::string_literals;
  std::vector<std::string> keys = {"",
                                   "a",
                                   "a\0"s,
                                   "a\0b"s,
                                   "ab",
                                   "\xff",
                                   "0123456789abcdef",
                                   "0123456789abcdef0",
                                   "0123456789abcdef\0"s,
                                   "0123456789abcdefz",
                                   "0123456789abcdeg",
                                   "0123456789abcde",
                                   "0123456789abcdef0123456789",
                                   "0123456789abcdef012345678",
                                   "vol-000035",
                                   "vol-000035\xe4\xb8\xad",
                                   "vol-00003"};
  std::minstd_rand random(7);
  for (int i = 0; i < 200; ++i) {
    std::string key(static_cast<size_t>(random() % 24), '\0');
    for (char& c : key) c = "\0a\xff-"[random() % 4];
    keys.push_back(key);
  }
  TableRows rows;
  std::vector<std::pair<std::string, std::string>> expected;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string value = std::to_string(round) + "-" + std::to_string(i);
      rows.add(keys[i], value);
      expected.emplace_back(keys[i], value);
    }
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> values;
  for (const auto& [key, value] : expected) values.push_back(value);
  rows.sort_by_key(/*latest_only=*/false);
  EXPECT_EQ(rows.lines(), values);
}

// More than one chunk: values stay where they were written while later chunks are added.
TEST(TableRows, KeepsValuesAcrossChunks) {
  TableRows table;
  std::vector<std::string> expected;
  for (int i = 0; i < 30000; ++i) {
    std::string value = "row-" + std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'v');
    table.add(numbered("k", i), value);
    expected.push_back(std::move(value));
  }
  table.add("huge", std::string(3 << 20, 'h'));  // larger than a chunk
  expected.push_back(std::string(3 << 20, 'h'));
  EXPECT_EQ(table.lines(), expected);
}

TEST(TableRows, WritesEveryValueOnItsOwnLine) {
  TableRows table;
  table.add("k", "{\"x\":1}");
  table.add("k", "");
  table.add("j", "second");
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("leifeng-table-rows-" + std::to_string(getpid()));
  write_file(file, [&](std::FILE* out) { return table.write(out); });
  std::ifstream in(file, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "{\"x\":1}\n\nsecond\n");
  std::filesystem::remove(file);
}

std::string file_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// write_outputs() writes exactly the files of write_replay_outputs(finish()), on one thread and
// on several (the files written side by side): a generated month with bad lines, duplicates,
// star changes and needs.
TEST(ReplayOutputs, WriteOutputsWritesTheFilesOfFinish) {
  generator::GeneratorOptions options;
  options.events = 20000;
  options.seed = 11;
  std::ostringstream events;
  generator::generate(options, events);
  const std::string text = events.str();

  const auto base = std::filesystem::temp_directory_path() /
                    ("leifeng-write-outputs-" + std::to_string(getpid()));
  Replay through_finish(processors::DomainConfig{}, "events.jsonl");
  through_finish.feed_lines(text, 1);
  write_replay_outputs(base / "finish", through_finish.finish(), through_finish.summary());
  // On several threads the files are also written side by side.
  for (const int threads : {1, 2, 3}) {
    Replay direct(processors::DomainConfig{}, "events.jsonl", threads);
    direct.feed_lines(text, 1);
    const auto dir = base / ("direct-" + std::to_string(threads));
    direct.write_outputs(dir);

    for (const char* name :
         {"stars.jsonl", "star-changes.jsonl", "needs-status.jsonl", "county-stats.jsonl",
          "dead-letter.jsonl", "need-matches.jsonl", "stations.jsonl", "summary.json"}) {
      const std::string expected = file_text(base / "finish" / name);
      EXPECT_FALSE(expected.empty()) << name;
      EXPECT_EQ(file_text(dir / name), expected) << name << ", " << threads << " threads";
    }
    EXPECT_GT(direct.summary().dead_lettered, 0);
  }
  std::filesystem::remove_all(base);
}

// The temporary file of one test, removed with it.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("leifeng-" + name + "-" + std::to_string(getpid()))) {}
  ~TempFile() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `replay --input` over a file with a 3 MB line between valid ones: the long line is
// dead-lettered as malformed with its length and a prefix, the others are applied, the counts
// of summary.json add up, and the reader never held the long line (peak memory stays well
// under its size: before the limit it was held whole, twice).
TEST(ReplayInput, AnOversizeLineIsDeadLetteredAndTheOthersApplied) {
  const TempFile dir("oversize-line");
  std::filesystem::create_directories(dir.path());
  const auto input = dir.path() / "events.jsonl";
  // Written in pieces, so that this test's own peak memory stays below what it measures.
  const std::string head = R"({"event_id":"big","type":"volunteer.registered","note":")";
  const size_t long_line_bytes = head.size() + 3'000'000 + 2;
  {
    std::ofstream out(input, std::ios::binary);
    out << registered("e1", "v1") << '\n' << registered("e2", "v2") << '\n' << head;
    const std::string piece(100'000, 'x');
    for (int i = 0; i < 30; ++i) out << piece;
    out << "\"}\n"
        << registered("e3", "v3") << '\n'
        << registered("e3", "v3") << '\n';  // a duplicate, to show the counts add up
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  Replay replay(processors::DomainConfig{}, "events.jsonl");
  read_events_file(input.string(), replay, nullptr);
  replay.write_outputs(dir.path() / "out");
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
#if !defined(__SANITIZE_ADDRESS__)
  // Not under ASan: its quarantine keeps freed memory out of reuse, so the peak there grows
  // with every allocation of the run, not with what the reader holds.
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 2'500) << "KiB more at the peak";
#endif

  EXPECT_EQ(file_text(dir.path() / "out" / "summary.json"),
            R"({"events_read":5,"applied":3,"duplicates":1,"dead_lettered":1,)"
            R"("by_reason":{"malformed":1}})"
            "\n");
  const std::string letters = file_text(dir.path() / "out" / "dead-letter.jsonl");
  EXPECT_THAT(letters, HasSubstr(R"("reason":"malformed")"));
  EXPECT_THAT(letters, HasSubstr("line of " + std::to_string(long_line_bytes) +
                                 " bytes exceeds the limit of 1000000"));
  EXPECT_THAT(letters, HasSubstr(R"("line":3})"));
  EXPECT_LT(letters.size(), 2'000u);  // the payload keeps a prefix only
  EXPECT_EQ(std::count(letters.begin(), letters.end(), '\n'), 1);
  const std::string stars = file_text(dir.path() / "out" / "stars.jsonl");
  EXPECT_EQ(std::count(stars.begin(), stars.end(), '\n'), 3);
}

// With a small [rules] max_line_bytes, a line just over it inside a read block and one at the
// end without a newline are dead-lettered; a line of exactly the limit is applied. A deeply
// nested line is malformed for its depth.
TEST(ReplayInput, LineLimitAndNestingFollowTheRules) {
  const TempFile dir("line-limit");
  std::filesystem::create_directories(dir.path());
  const auto input = dir.path() / "events.jsonl";
  processors::DomainConfig config;
  const std::string at_limit = registered("e1", "v1");
  config.max_line_bytes = static_cast<int64_t>(at_limit.size());
  {
    std::ofstream out(input, std::ios::binary);
    out << at_limit << '\n'
        << registered("e22", "v2") << '\n'  // one byte longer
        << std::string(100'000, '[') << '\n'
        << std::string(600'000, ' ');  // the last line, past the read buffer, no newline
  }
  Replay replay(config, "events.jsonl");
  read_events_file(input.string(), replay, nullptr);
  const ReplayOutputs outputs = replay.finish();
  EXPECT_EQ(replay.summary().events_read, 4);
  EXPECT_EQ(replay.summary().applied, 1);
  EXPECT_EQ(replay.summary().by_reason[0], 3);  // malformed
  const std::vector<std::string>& letters = outputs.of("dead-letter");
  ASSERT_EQ(letters.size(), 3u);
  EXPECT_THAT(letters[0],
              HasSubstr("line of " + std::to_string(at_limit.size() + 1) +
                        " bytes exceeds the limit of " + std::to_string(at_limit.size())));
  EXPECT_THAT(letters[0], HasSubstr(R"("line":2})"));
  EXPECT_THAT(letters[1], HasSubstr("line of 100000 bytes exceeds"));
  EXPECT_THAT(letters[2], HasSubstr("line of 600000 bytes exceeds"));
  EXPECT_THAT(letters[2], HasSubstr(R"("line":4})"));

  config.max_line_bytes = 1'000'000;
  Replay deep(config, "events.jsonl");
  read_events_file(input.string(), deep, nullptr);
  const ReplayOutputs deep_outputs = deep.finish();
  EXPECT_EQ(deep.summary().applied, 2);
  ASSERT_EQ(deep_outputs.of("dead-letter").size(), 1u);  // the blank last line is skipped
  EXPECT_THAT(deep_outputs.of("dead-letter")[0],
              HasSubstr("nested deeper than 16 levels of arrays and objects"));
}

// Lines are applied after the caller's buffer moved on: the replay must have kept its own copy.
// The replay runs the live topology: the county deltas travel as the binary messages of the
// repartition stream, through the codec, to the county-stats processor.
TEST(Replay, SendsTheCountyDeltasThroughTheirRepartitionStream) {
  Replay replay(processors::DomainConfig{}, "events.jsonl");
  replay.feed(registered("e1", "v1"), 1);
  replay.feed(R"({"event_id":"e2","type":"hours.submitted","schema_version":1,)"
              R"("occurred_at":"2027-03-05T20:00:00+08:00","volunteer_id":"v1","log_id":"l1",)"
              R"("activity_id":"a1","area_code":"410402","category":"neighborhood_watch",)"
              R"("service_date":"2027-03-05","minutes":60})",
              2);
  const ReplayOutputs outputs = replay.finish();
  // One message per event and area: the county 410402 and its city 410400.
  EXPECT_EQ(replay.routed(processors::inputs::kCountyDeltas), 4);
  EXPECT_THAT(outputs.of("county-stats"),
              ::testing::Contains(HasSubstr(R"("area_code":"410402","period":"total",)"
                                            R"("metrics":{"hours.logs_submitted":1,)"
                                            R"("volunteers.registered":1})")));
}

TEST(ReplayLookahead, DeadLettersKeepTheirLineAfterTheCallersBufferChanged) {
  Replay replay(processors::DomainConfig{}, "events.jsonl");
  std::string buffer;
  for (int i = 1; i <= 40; ++i) {
    // Every volunteer registers twice: the second registration is invalid_transition.
    buffer = registered(numbered("e", i), numbered("v", (i + 1) / 2));
    replay.feed(buffer, i);
    buffer.assign(buffer.size(), 'x');
  }
  const ReplayOutputs outputs = replay.finish();
  EXPECT_EQ(replay.summary().events_read, 40);
  EXPECT_EQ(replay.summary().applied, 20);
  EXPECT_EQ(replay.summary().dead_lettered, 20);
  ASSERT_EQ(outputs.of("dead-letter").size(), 20u);
  EXPECT_THAT(outputs.of("dead-letter")[0], HasSubstr(R"("line":2})"));
  EXPECT_THAT(outputs.of("dead-letter")[0], HasSubstr(R"(\"event_id\":\"e2\")"));
  EXPECT_THAT(outputs.of("dead-letter")[19], HasSubstr(R"("line":40})"));
  EXPECT_THAT(outputs.of("dead-letter")[19], HasSubstr(R"(\"volunteer_id\":\"v20\")"));
  EXPECT_EQ(outputs.of("stars").size(), 20u);
}

// A block: blank lines count for the numbering, CRLF endings and a last line without a newline
// are lines, and the dead letters keep their text after the block was overwritten.
TEST(ReplayLookahead, FeedLinesNumbersEveryLineAndCopiesNothingItStillNeeds) {
  Replay replay(processors::DomainConfig{}, "events.jsonl");
  std::string block;
  for (int i = 1; i <= 40; ++i) {
    block += registered(numbered("e", i), numbered("v", (i + 1) / 2));
    block += i % 3 == 0 ? "\r\n\n" : "\n";  // a blank line after every third
  }
  block += registered("e41", "v20");  // no newline at the end
  EXPECT_EQ(replay.feed_lines(block, 5), 41 + 13);
  block.assign(block.size(), 'x');
  const ReplayOutputs outputs = replay.finish();
  EXPECT_EQ(replay.summary().events_read, 41);
  EXPECT_EQ(replay.summary().applied, 20);
  EXPECT_EQ(replay.summary().dead_lettered, 21);
  ASSERT_EQ(outputs.of("dead-letter").size(), 21u);
  // Line 2 of the block is e2 (numbered 6); e3 (7) ends with CRLF, then blank line 8.
  EXPECT_THAT(outputs.of("dead-letter")[0], HasSubstr(R"("line":6})"));
  EXPECT_THAT(outputs.of("dead-letter")[0], HasSubstr(R"(\"event_id\":\"e2\")"));
  EXPECT_THAT(outputs.of("dead-letter")[1], HasSubstr(R"("line":9})"));    // e4
  EXPECT_THAT(outputs.of("dead-letter")[20], HasSubstr(R"("line":58})"));  // e41, the last line
  EXPECT_THAT(outputs.of("dead-letter")[20], HasSubstr(R"(\"event_id\":\"e41\")"));
  EXPECT_EQ(outputs.of("stars").size(), 20u);
}

// A message fed after file lines is applied after them, even though the lines wait.
TEST(ReplayLookahead, MessagesAreAppliedAfterTheLinesFedBefore) {
  Replay replay(processors::DomainConfig{}, "events.jsonl");
  replay.feed(registered("e1", "v1"), 1);
  replay.feed_message("hours", 0, 7, "v1", registered("e2", "v1"));
  const ReplayOutputs outputs = replay.finish();
  ASSERT_EQ(outputs.of("dead-letter").size(), 1u);  // the message: v1 was already registered
  EXPECT_THAT(outputs.of("dead-letter")[0], HasSubstr(R"(\"event_id\":\"e2\")"));
  EXPECT_THAT(outputs.of("dead-letter")[0], HasSubstr("invalid_transition"));
}

}  // namespace
}  // namespace leifeng::app
