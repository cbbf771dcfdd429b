// What the runtime says about its connection to Kafka: the reconnect state (one line when lost,
// one when back, none per retry), the reachability check before a command starts (a closed port
// fails within the bound, naming the address and why) and librdkafka's own log lines in the
// project's format. No broker needed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "leifeng/runtime/kafka_client.hpp"
#include "leifeng/runtime/kafka_connection_state.hpp"
#include "leifeng/runtime/kafka_reachability.hpp"

namespace leifeng::runtime {
namespace {

using Change = KafkaConnectionState::Change;

// Captures what the default logger writes, as level=<l> <message>.
class CapturedLog {
 public:
  CapturedLog() {
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_pattern("level=%l %v");
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  std::string text() const { return out_.str(); }
  int count(const std::string& needle) const {
    int found = 0;
    const std::string all = out_.str();
    for (auto at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1))
      ++found;
    return found;
  }

 private:
  std::ostringstream out_;
};

TEST(KafkaConnectionState, SaysLostOnceAndReconnectedOnce) {
  CapturedLog log;
  KafkaConnectionState state("127.0.0.1:9092");
  EXPECT_TRUE(state.connected());
  // Progress while connected says nothing.
  EXPECT_EQ(state.on_progress(), Change::none);
  EXPECT_EQ(state.on_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down"),
            Change::lost);
  EXPECT_FALSE(state.connected());
  // Every retry fails again: no new line.
  for (int retry = 0; retry < 50; ++retry) {
    EXPECT_EQ(state.on_error(RD_KAFKA_RESP_ERR__TRANSPORT, "Connection refused"), Change::none);
    EXPECT_EQ(state.on_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down"),
              Change::none);
  }
  EXPECT_EQ(state.on_progress(), Change::reconnected);
  EXPECT_TRUE(state.connected());
  EXPECT_EQ(state.on_progress(), Change::none);
  EXPECT_EQ(log.count("lost connection to Kafka at 127.0.0.1:9092; retrying"), 1) << log.text();
  EXPECT_EQ(log.count("reconnected to Kafka"), 1) << log.text();
  EXPECT_EQ(log.count("level=warning msg=\"lost connection"), 1) << log.text();

  // A second outage is told again, once.
  EXPECT_EQ(state.on_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "down"), Change::lost);
  EXPECT_EQ(state.on_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "down"), Change::none);
  EXPECT_EQ(state.on_progress(), Change::reconnected);
  EXPECT_EQ(log.count("lost connection to Kafka"), 2) << log.text();
  EXPECT_EQ(log.count("reconnected to Kafka"), 2) << log.text();
}

TEST(KafkaConnectionState, OneBrokersTransportErrorIsNotALostConnection) {
  CapturedLog log;
  KafkaConnectionState state("a:9092,b:9092");
  EXPECT_EQ(state.on_error(RD_KAFKA_RESP_ERR__TRANSPORT, "b:9092/2: Disconnected"), Change::none);
  EXPECT_EQ(state.on_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "timed out"), Change::none);
  EXPECT_TRUE(state.connected());
  EXPECT_EQ(log.count("lost connection"), 0) << log.text();
}

TEST(KafkaReachability, ReasonIsTheCauseLibrdkafkaGives) {
  EXPECT_EQ(unreachable_reason("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: "
                               "Connection refused (after 0ms in state CONNECT)"),
            "connection refused");
  EXPECT_EQ(unreachable_reason("nohost:9092/bootstrap: Failed to resolve 'nohost:9092': Name or "
                               "service not known (after 2ms in state CONNECT)"),
            "failed to resolve 'nohost:9092': Name or service not known");
  EXPECT_EQ(seconds_text(std::chrono::milliseconds(5000)), "5 s");
  EXPECT_EQ(seconds_text(std::chrono::milliseconds(1500)), "1.5 s");
}

TEST(KafkaReachability, AClosedPortFailsWithinTheBoundNamingIt) {
  CapturedLog log;
  const auto started = std::chrono::steady_clock::now();
  try {
    check_kafka_reachable({{"bootstrap.servers", "127.0.0.1:1"}}, std::chrono::milliseconds(1000));
    FAIL() << "expected KafkaUnreachable";
  } catch (const KafkaUnreachable& e) {
    EXPECT_STREQ(e.what(), "cannot reach Kafka at 127.0.0.1:1 (connection refused) within 1 s");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  // librdkafka's lines about the failed attempts are debug lines in the project's format.
  EXPECT_EQ(log.text().find("%3|"), std::string::npos) << log.text();
  EXPECT_EQ(log.count("level=error"), 0) << log.text();
}

TEST(KafkaClientLogs, LibrdkafkaLinesGoThroughTheLogger) {
  CapturedLog log;
  log_from_librdkafka(3, "rdkafka#producer-1", "FAIL", "Connect failed: Connection refused");
  log_from_librdkafka(4, "rdkafka#producer-1", "CONFWARN", "a warning");
  log_from_librdkafka(7, "rdkafka#producer-1", "BROKER", "a debug line");
  EXPECT_EQ(log.text(),
            "level=error msg=\"Connect failed: Connection refused\" source=librdkafka "
            "client=rdkafka#producer-1 facility=FAIL\n"
            "level=warning msg=\"a warning\" source=librdkafka client=rdkafka#producer-1 "
            "facility=CONFWARN\n"
            "level=debug msg=\"a debug line\" source=librdkafka client=rdkafka#producer-1 "
            "facility=BROKER\n");
}

// What librdkafka retries by itself is logged per attempt only at debug.
TEST(KafkaClientLogs, ConnectionFailuresAreTheRetriedOnes) {
  EXPECT_TRUE(is_connection_error(RD_KAFKA_RESP_ERR__TRANSPORT));
  EXPECT_TRUE(is_connection_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN));
  EXPECT_TRUE(is_connection_error(RD_KAFKA_RESP_ERR__RESOLVE));
  EXPECT_FALSE(is_connection_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
  EXPECT_FALSE(is_connection_error(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
}

TEST(KafkaClientLogs, ClientsLogThroughTheLoggerNotStderr) {
  CapturedLog log;
  // A consumer-only property on a producer: librdkafka warns about it at creation.
  NewKafkaClient client = new_kafka_client(
      KafkaClientKind::producer,
      {{"bootstrap.servers", "127.0.0.1:1"}, {"auto.offset.reset", "earliest"}}, "producer");
  ASSERT_NE(client.handle, nullptr) << client.error;
  rd_kafka_destroy(client.handle);
  EXPECT_NE(log.text().find("source=librdkafka"), std::string::npos) << log.text();
}

}  // namespace
}  // namespace leifeng::runtime
