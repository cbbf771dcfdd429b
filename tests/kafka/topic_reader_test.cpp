// TopicReader against the embedded cluster: a whole topic read once, and the offset lookups it
// starts with retried while a broker answers that a partition's leader is moving (a real
// broker does so for a moment after the topics were created). No broker needed.
#include "leifeng/runtime/topic_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "kafka_scenarios.hpp"
#include "leifeng/runtime/embedded_cluster.hpp"

namespace leifeng::kafka_test {
namespace {

using runtime::EmbeddedCluster;
using runtime::TimestampRange;
using runtime::TopicReader;
using runtime::TopicReaderOptions;
using runtime::TopicReadError;
using runtime::TopicRecord;
using runtime::TopicSpec;
using ::testing::HasSubstr;

// The reader's options in these tests: the default names, a short timeout.
TopicReaderOptions ten_seconds() {
  TopicReaderOptions options;
  options.timeout = std::chrono::seconds(10);
  return options;
}

class TopicReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.create_topics({TopicSpec{topic_, 2, 1, {}}});
    ASSERT_EQ(produce_idempotent(cluster_.bootstrap_servers(), topic_, "none", 20, "r"), 20);
  }

  std::vector<std::string> read(const TimestampRange& range = {}) {
    TopicReader reader({{"bootstrap.servers", cluster_.bootstrap_servers()}}, ten_seconds());
    std::vector<std::string> values;
    reader.read(topic_, range,
                [&](const TopicRecord& record) { values.emplace_back(record.value.value()); });
    return values;
  }

  EmbeddedCluster cluster_;
  const std::string topic_ = unique_name("reader");
};

TEST_F(TopicReaderTest, ReadsEveryRecordOfEveryPartition) {
  EXPECT_EQ(read().size(), 20u);
}

TEST_F(TopicReaderTest, ReadsNothingFromAnEmptyTopic) {
  const std::string empty = unique_name("empty");
  cluster_.create_topics({TopicSpec{empty, 3, 1, {}}});
  TopicReader reader({{"bootstrap.servers", cluster_.bootstrap_servers()}}, ten_seconds());
  EXPECT_EQ(reader.read(empty, [](const TopicRecord&) { FAIL() << "no record expected"; }), 0);
}

TEST_F(TopicReaderTest, NamesAMissingTopicWithTheCallersHint) {
  const std::string missing = unique_name("missing");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "topic " + missing + " does not exist"},
      {"run `tool topics create`",
       "topic " + missing + " does not exist (run `tool topics create`)"}};
  for (const auto& [hint, message] : cases) {
    TopicReaderOptions options = ten_seconds();
    options.missing_topic_hint = hint;
    TopicReader reader({{"bootstrap.servers", cluster_.bootstrap_servers()}}, options);
    try {
      reader.read(missing, [](const TopicRecord&) {});
      ADD_FAILURE() << "expected TopicReadError for " << missing;
    } catch (const TopicReadError& error) {
      EXPECT_EQ(std::string(error.what()), message);
    }
  }
}

TEST_F(TopicReaderTest, RetriesEndOffsetsWhileTheLeaderMoves) {
  // One broker, so one request each: the first offsets pass, then the end offsets fail three
  // times.
  cluster_.fail_next_offset_requests(
      {RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
       RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION});
  EXPECT_EQ(read().size(), 20u);
}

TEST_F(TopicReaderTest, RetriesTheOffsetForATimeWhileTheLeaderMoves) {
  // The mock finds no offset for any time (librdkafka 2.0.2 answers only the earliest and
  // latest), so the reader starts each partition at its end and reads nothing; what counts is
  // that it gets there. One broker, so one request each: the first offsets and the end offsets
  // pass, then the offsets for the time fail twice.
  cluster_.fail_next_offset_requests({RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_NO_ERROR,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION});
  EXPECT_NO_THROW(read(TimestampRange{0, std::nullopt}));
}

// What the two tests above rely on: the reader's requests go first offsets, end offsets, then
// offsets for the time, as a permanent error on the second or third request shows.
TEST_F(TopicReaderTest, AsksForFirstThenEndThenTimeOffsets) {
  const std::vector<std::pair<int, std::string>> cases{
      {2, "cannot list the end offset of " + topic_},
      {3, "cannot list the offset for time 0 of " + topic_}};
  for (const auto& [failing, message] : cases) {
    std::vector<int> errors(static_cast<size_t>(failing), RD_KAFKA_RESP_ERR_NO_ERROR);
    errors.back() = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
    cluster_.fail_next_offset_requests(errors);
    try {
      read(TimestampRange{0, std::nullopt});
      ADD_FAILURE() << "expected TopicReadError when request " << failing << " fails";
    } catch (const TopicReadError& error) {
      EXPECT_THAT(error.what(), HasSubstr(message));
    }
  }
}

TEST_F(TopicReaderTest, FailsAtOnceOnAnErrorThatDoesNotPass) {
  // Had the reader retried this error, it would have got past all four.
  cluster_.fail_next_offset_requests(
      std::vector<int>(4, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
  try {
    read();
    FAIL() << "expected TopicReadError";
  } catch (const TopicReadError& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot list the first offset of " + topic_));
    EXPECT_THAT(error.what(), HasSubstr("authorization"));
  }
}

}  // namespace
}  // namespace leifeng::kafka_test
