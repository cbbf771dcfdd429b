// The replay on several threads (drivers/parallel_replay.cpp) gives the one-thread replay's
// outputs, every file byte for byte and the summary, from lines and from topic messages, with
// matching on and off, and with bad input of every kind.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "drivers/replay.hpp"
#include "drivers/table_rows.hpp"
#include "leifeng/generator/generator.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::app {
namespace {

std::string generated(uint64_t seed, int64_t events) {
  generator::GeneratorOptions options;
  options.seed = seed;
  options.events = events;
  options.bad_share = 0.03;
  options.duplicate_share = 0.02;
  std::ostringstream text;
  generator::generate(options, text);
  return text.str();
}

struct Result {
  ReplayOutputs outputs;
  std::string summary;
};

Result replay_lines(const processors::DomainConfig& config, const std::string& text, int threads) {
  Replay replay(config, "events.jsonl", threads);
  // In pieces, as read_events_file hands them over, with a blank and an oversize line.
  const size_t middle = text.find('\n', text.size() / 2) + 1;
  int64_t line = 1;
  line += replay.feed_lines(std::string_view(text).substr(0, middle), line);
  replay.feed("   ", line++);
  replay.feed(std::string(static_cast<size_t>(config.max_line_bytes) + 10, 'x'), line++);
  replay.feed_lines(std::string_view(text).substr(middle), line);
  Result result{replay.finish(), replay.summary().to_json()};
  return result;
}

void expect_same(const Result& serial, const Result& parallel, int threads) {
  EXPECT_EQ(parallel.summary, serial.summary) << threads << " threads";
  for (const processors::OutputSpec& output : processors::kOutputs) {
    const auto& expected = serial.outputs.of(output.name);
    const auto& actual = parallel.outputs.of(output.name);
    ASSERT_EQ(actual.size(), expected.size()) << output.name << ", " << threads << " threads";
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(actual[i], expected[i])
          << output.name << " row " << i << ", " << threads << " threads";
    }
  }
}

TEST(ParallelReplay, LinesGiveTheOneThreadOutputsWithMatchingOnAndOff) {
  const std::string text = generated(11, 40'000);
  for (const int max_candidates : {5, 0}) {
    processors::DomainConfig config;
    config.max_candidates = max_candidates;
    config.max_line_bytes = 4096;
    const Result serial = replay_lines(config, text, 1);
    // Every output has rows, so the comparison covers each of them.
    for (const processors::OutputSpec& output : processors::kOutputs) {
      if (max_candidates == 0 && output.name == processors::outputs::kNeedMatches) continue;
      EXPECT_FALSE(serial.outputs.of(output.name).empty()) << output.name;
    }
    for (const int threads : {2, 3, 8})
      expect_same(serial, replay_lines(config, text, threads), threads);
  }
}

// Each line as a message of its topic keyed by its aggregate id; every 97th without a key and
// every 89th under another key (both dead-lettered live); undecodable lines go to hours.
Result replay_messages(const std::string& text, int threads) {
  const processors::DomainConfig config;
  const schemas::ValidationRules rules = config.validation_rules();
  processors::SourceNaming source;
  source.topic_prefix = "leifeng";
  Replay replay(config, source, threads);
  std::istringstream lines(text);
  std::string line;
  int64_t offset = 0;
  while (std::getline(lines, line)) {
    const schemas::DecodeResult decoded = schemas::decode_event(line, rules);
    schemas::InputTopic topic = schemas::InputTopic::hours;
    std::optional<std::string> key;
    if (decoded.ok()) {
      topic = schemas::topic_of(decoded.event().envelope.type);
      key = decoded.event().aggregate_id();
    }
    if (offset % 89 == 0) key = "someone-else";
    if (offset % 97 == 0) key.reset();
    replay.feed_message(processors::input_of(topic), static_cast<int32_t>(offset % 3), offset, key,
                        line);
    ++offset;
  }
  Result result{replay.finish(), replay.summary().to_json()};
  return result;
}

TEST(ParallelReplay, TopicMessagesGiveTheOneThreadOutputs) {
  const std::string text = generated(12, 20'000);
  const Result serial = replay_messages(text, 1);
  EXPECT_FALSE(serial.outputs.of(processors::outputs::kDeadLetter).empty());
  for (const int threads : {2, 4}) expect_same(serial, replay_messages(text, threads), threads);
}

TEST(ParallelReplay, CountsTheRepartitionRecordsAsTheOneThreadReplay) {
  const std::string text = generated(13, 5'000);
  Replay serial(processors::DomainConfig{}, "events.jsonl", 1);
  Replay parallel(processors::DomainConfig{}, "events.jsonl", 2);
  serial.feed_lines(text, 1);
  parallel.feed_lines(text, 1);
  serial.finish();
  parallel.finish();
  EXPECT_GT(serial.routed(processors::outputs::kCountyDeltas), 0);
  EXPECT_EQ(parallel.routed(processors::outputs::kCountyDeltas),
            serial.routed(processors::outputs::kCountyDeltas));
  EXPECT_EQ(parallel.routed(processors::outputs::kMatchChanges),
            serial.routed(processors::outputs::kMatchChanges));
}

TEST(ParallelReplay, LongLinesEndBatchesEarlyAndChangeNothing) {
  // 40 lines of 300 KB (a volunteer's skills padded with spaces) between generated ones: a
  // batch ends at its byte bound long before 8,192 inputs.
  std::string text = generated(14, 3'000);
  std::string padded;
  size_t at = 0;
  for (int i = 0; i < 40; ++i) {
    const size_t next = text.find('\n', at + text.size() / 41) + 1;
    padded.append(text, at, next - at);
    at = next;
    padded += R"({"event_id":"long-)" + std::to_string(i) +
              R"(","type":"volunteer.registered","schema_version":1,)"
              R"("occurred_at":"2027-03-01T08:00:00+08:00","volunteer_id":"vol-long-)" +
              std::to_string(i) + R"(","area_code":"410402","party_member":false,"skills":[)" +
              std::string(300'000, ' ') + "]}\n";
  }
  padded.append(text, at);
  const processors::DomainConfig config;
  const Result serial = replay_lines(config, padded, 1);
  EXPECT_NE(serial.outputs.of(processors::outputs::kStars).size(), 0U);
  expect_same(serial, replay_lines(config, padded, 2), 2);
}

TEST(ParallelReplay, RefusesFewerThanOneThread) {
  EXPECT_THROW(Replay(processors::DomainConfig{}, "events.jsonl", 0), std::invalid_argument);
}

TEST(TableRows, MergeSortedKeepsKeyOrderAndTheFirstRowsOfAKeyFirst) {
  TableRows first;
  first.add("a", "a1");
  first.add("c", "c1");
  TableRows second;
  second.add("b", "b2");
  second.add("c", "c2");
  first.merge_sorted(std::move(second));
  first.add("d", "d1");  // still fills its own chunk
  EXPECT_EQ(first.lines(), (std::vector<std::string>{"a1", "b2", "c1", "c2", "d1"}));
}

}  // namespace
}  // namespace leifeng::app
