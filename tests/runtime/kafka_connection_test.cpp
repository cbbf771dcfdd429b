// What the runtime says about its connection to Kafka: the reconnect state (one line when lost,
// one when back, none per retry), the reachability check before a command starts (a closed port
// fails within the bound, naming the address and why) and librdkafka's own log lines in the
// project's format. No broker needed.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "captured_log.hpp"
#include "leifeng/runtime/kafka_client.hpp"
#include "leifeng/runtime/kafka_connection_state.hpp"
#include "leifeng/runtime/kafka_reachability.hpp"

namespace leifeng::runtime {
namespace {

using Change = KafkaConnectionState::Change;

using leifeng::runtime::testing::CapturedLog;

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

// Authentication and TLS failures (docs/security.md): the sentence names the cause, the user and
// the mechanism, never the password.
TEST(KafkaReachability, AuthenticationFailureNamesUserAndMechanism) {
  const std::map<std::string, std::string> properties{
      {"bootstrap.servers", "127.0.0.1:9093"},      {"security.protocol", "SASL_SSL"},
      {"sasl.mechanisms", "SCRAM-SHA-512"},         {"sasl.username", "leifeng"},
      {"sasl.password", "not-the-right-secret-42"}, {"ssl.ca.location", "/tmp/ca.pem"}};
  const std::string text = security_failure_text(
      RD_KAFKA_RESP_ERR__AUTHENTICATION,
      "sasl_ssl://127.0.0.1:9093/bootstrap: SASL authentication error: Authentication failed "
      "during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after "
      "12ms in state AUTH_REQ)",
      properties);
  EXPECT_EQ(text,
            "authentication failed for user leifeng (SASL SCRAM-SHA-512) at Kafka 127.0.0.1:9093: "
            "Authentication failed during authentication due to invalid credentials with SASL "
            "mechanism SCRAM-SHA-512");
  EXPECT_EQ(text.find("not-the-right-secret-42"), std::string::npos);
}

TEST(KafkaReachability, TlsFailureNamesTheCauseWithoutOpenSslCodes) {
  const std::map<std::string, std::string> properties{{"bootstrap.servers", "127.0.0.1:9092"},
                                                      {"security.protocol", "SSL"}};
  EXPECT_EQ(security_failure_text(RD_KAFKA_RESP_ERR__SSL,
                                  "ssl://127.0.0.1:9092/bootstrap: SSL handshake failed: "
                                  "error:0A000086:SSL routines::certificate verify failed: broker "
                                  "certificate could not be verified (after 3ms in state "
                                  "SSL_HANDSHAKE)",
                                  properties),
            "TLS handshake failed with Kafka at 127.0.0.1:9092 (security.protocol=SSL): "
            "certificate verify failed: broker certificate could not be verified");
  EXPECT_EQ(security_failure_text(RD_KAFKA_RESP_ERR__SSL,
                                  "ssl://127.0.0.1:9092/bootstrap: SSL handshake failed: "
                                  "error:0A000126:SSL routines::unexpected eof while reading",
                                  properties),
            "TLS handshake failed with Kafka at 127.0.0.1:9092 (security.protocol=SSL): "
            "unexpected eof while reading (does this listener speak TLS? check "
            "security.protocol)");
  // An acronym at the start of librdkafka's text keeps its case.
  EXPECT_EQ(unreachable_reason("a:1/bootstrap: SASL handshake failed"), "SASL handshake failed");
}

// A listener that accepts and hangs up at once, as a plaintext Kafka listener does on a TLS
// hello: a TLS client is told so at once, not after the connect timeout.
TEST(KafkaReachability, TlsClientAtANonTlsListenerFailsAtOnce) {
  CapturedLog log;  // librdkafka's threads log; the logger must outlive the client
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  std::atomic<bool> stop{false};
  std::thread hang_up([&] {
    while (!stop) {
      pollfd waiting{listener, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;
      const int connection = ::accept(listener, nullptr, nullptr);
      if (connection < 0) continue;
      char hello[512];
      (void)::recv(connection, hello, sizeof hello, 0);
      ::close(connection);
    }
  });
  const auto started = std::chrono::steady_clock::now();
  std::string what;
  try {
    check_kafka_reachable(
        {{"bootstrap.servers", "127.0.0.1:" + std::to_string(port)}, {"security.protocol", "SSL"}},
        std::chrono::milliseconds(10000));
  } catch (const KafkaSecurityError& e) {
    what = e.what();
  } catch (const std::exception& e) {
    what = std::string("not a KafkaSecurityError: ") + e.what();
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  stop = true;
  hang_up.join();
  ::close(listener);
  EXPECT_EQ(what.rfind("TLS handshake failed with Kafka at 127.0.0.1:", 0), 0u) << what;
  EXPECT_NE(what.find("(security.protocol=SSL)"), std::string::npos) << what;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
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

// One [kafka] table configures producers and consumers: that a producer ignores a consumer's
// property is said at debug, not as a warning per client; other configuration warnings stay.
TEST(KafkaClientLogs, APropertyForTheOtherKindOfClientIsNoWarning) {
  CapturedLog log;
  log_from_librdkafka(4, "rdkafka#producer-1", "CONFWARN",
                      "Configuration property queued.min.messages is a consumer property and "
                      "will be ignored by this producer instance");
  log_from_librdkafka(4, "rdkafka#producer-1", "CONFWARN",
                      "Configuration property queue.buffering.backpressure.threshold is "
                      "deprecated");
  EXPECT_EQ(log.count("level=debug msg=\"Configuration property queued.min.messages"), 1)
      << log.text();
  EXPECT_EQ(log.count("level=warning msg=\"Configuration property queue.buffering"), 1)
      << log.text();
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
