// How often an offset lookup asks again while leaders settle (src/offset_lookup.hpp): every
// 10 ms at first, in attempts that wait at most 100 ms, so that a topic created a moment ago is
// read as soon as it has a leader, then less and less often; and a broker further away than
// those short attempts still answers.
#include "offset_lookup.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>

namespace leifeng::runtime {
namespace {

using std::chrono::milliseconds;

TEST(OffsetLookupPause, TenMillisecondsWhileLeadersOfNewTopicsAreExpected) {
  EXPECT_EQ(next_lookup_pause(milliseconds(10), milliseconds(0)), milliseconds(10));
  EXPECT_EQ(next_lookup_pause(milliseconds(10), milliseconds(150)), milliseconds(10));
  EXPECT_EQ(next_lookup_pause(milliseconds(10), kQuickLookupRetries - milliseconds(1)),
            milliseconds(10));
}

TEST(OffsetLookupPause, ThenDoublesUpToHalfASecond) {
  milliseconds pause = next_lookup_pause(milliseconds(10), kQuickLookupRetries);
  EXPECT_EQ(pause, milliseconds(20));
  pause = next_lookup_pause(pause, milliseconds(400));
  EXPECT_EQ(pause, milliseconds(40));
  for (int i = 1; i <= 10; ++i) pause = next_lookup_pause(pause, milliseconds(1000 * i));
  EXPECT_EQ(pause, milliseconds(500));
}

TEST(OffsetLookupAttempt, ShortWhileLeadersOfNewTopicsAreExpectedDoubledWhenCutShort) {
  EXPECT_EQ(next_attempt_limit(kQuickAttempt, false, milliseconds(0)), kQuickAttempt);
  EXPECT_EQ(next_attempt_limit(kQuickAttempt, true, milliseconds(110)), 2 * kQuickAttempt);
  EXPECT_EQ(next_attempt_limit(2 * kQuickAttempt, true, milliseconds(290)), 4 * kQuickAttempt);
  EXPECT_EQ(next_attempt_limit(4 * kQuickAttempt, false, kQuickLookupRetries - milliseconds(1)),
            4 * kQuickAttempt);
}

TEST(OffsetLookupAttempt, UnlimitedOnceLeadersHadTimeToSettle) {
  EXPECT_EQ(next_attempt_limit(kQuickAttempt, false, kQuickLookupRetries), std::nullopt);
  EXPECT_EQ(next_attempt_limit(kQuickAttempt, true, milliseconds(5000)), std::nullopt);
}

// One mock broker (librdkafka's, in process) with a topic of `partitions` partitions, each
// holding `records` records, and a client of it that has not connected yet.
class SlowBroker : public ::testing::Test {
 protected:
  void start(int rtt_ms, int partitions, int records) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // The mock's owner has no broker of its own to connect to; only errors are worth a line.
    rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
    owner_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error));
    ASSERT_NE(owner_, nullptr) << error;
    cluster_.reset(rd_kafka_mock_cluster_new(owner_.get(), 1));
    ASSERT_NE(cluster_, nullptr);
    ASSERT_EQ(rd_kafka_mock_topic_create(cluster_.get(), "hours", partitions, 1),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster_.get());
    if (records > 0) {
      rd_kafka_conf_t* producer_conf = rd_kafka_conf_new();
      ASSERT_EQ(rd_kafka_conf_set(producer_conf, "bootstrap.servers", bootstrap.c_str(), error,
                                  sizeof error),
                RD_KAFKA_CONF_OK);
      std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> producer(
          rd_kafka_new(RD_KAFKA_PRODUCER, producer_conf, error, sizeof error), rd_kafka_destroy);
      ASSERT_NE(producer, nullptr) << error;
      char value[] = "h";
      for (int p = 0; p < partitions; ++p) {
        for (int r = 0; r < records; ++r) {
          ASSERT_EQ(
              rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC("hours"), RD_KAFKA_V_PARTITION(p),
                                RD_KAFKA_V_VALUE(value, 1), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
        }
      }
      ASSERT_EQ(rd_kafka_flush(producer.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_mock_broker_set_rtt(cluster_.get(), 1, rtt_ms), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_conf_t* client_conf = rd_kafka_conf_new();
    ASSERT_EQ(
        rd_kafka_conf_set(client_conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error),
        RD_KAFKA_CONF_OK);
    client_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, client_conf, error, sizeof error));
    ASSERT_NE(client_, nullptr) << error;
  }

  // Declared in this order so the client and the mock cluster go before the mock's owner.
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> owner_{nullptr, rd_kafka_destroy};
  std::unique_ptr<rd_kafka_mock_cluster_t, decltype(&rd_kafka_mock_cluster_destroy)> cluster_{
      nullptr, rd_kafka_mock_cluster_destroy};
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> client_{nullptr, rd_kafka_destroy};
};

TEST_F(SlowBroker, ABrokerFurtherAwayThanTheShortAttemptsStillAnswers) {
  // Each round trip takes 60 ms: a new client's first attempt of 100 ms ends before it has a
  // connection ("all brokers down"), and its next one is twice as long.
  start(60, 3, 4);
  const std::vector<TopicPartitionId> partitions{{"hours", 0}, {"hours", 1}, {"hours", 2}};
  EXPECT_EQ(list_offsets(client_.get(), partitions, OffsetBound::end, 30000),
            (std::vector<int64_t>{4, 4, 4}));
  EXPECT_EQ(list_offsets(client_.get(), partitions, OffsetBound::beginning, 30000),
            (std::vector<int64_t>{0, 0, 0}));
}

TEST_F(SlowBroker, ANearBrokerAnswersANewClient) {
  start(0, 2, 0);
  EXPECT_EQ(list_offsets(client_.get(), {{"hours", 0}, {"hours", 1}}, OffsetBound::end, 30000),
            (std::vector<int64_t>{0, 0}));
}

}  // namespace
}  // namespace leifeng::runtime
