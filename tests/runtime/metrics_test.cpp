// Metrics: counting, label sets, the Prometheus text format, and the /metrics endpoint.
#include "leifeng/runtime/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "leifeng/runtime/metrics_server.hpp"

namespace leifeng::runtime {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, CountersAddUpPerLabelSet) {
  Metrics metrics;
  metrics.describe("leifeng_records_read_total", "counter", "Input records read.");
  metrics.add("leifeng_records_read_total", {{"topic", "hours"}}, 3);
  metrics.add("leifeng_records_read_total", {{"topic", "hours"}}, 2);
  metrics.add("leifeng_records_read_total", {{"topic", "needs"}}, 1);
  EXPECT_EQ(metrics.value("leifeng_records_read_total", {{"topic", "hours"}}), 5);
  EXPECT_EQ(metrics.value("leifeng_records_read_total", {{"topic", "needs"}}), 1);
  EXPECT_EQ(metrics.value("leifeng_records_read_total", {{"topic", "activities"}}), 0);
  EXPECT_EQ(metrics.value("leifeng_unknown", {}), 0);
}

TEST(Metrics, LabelOrderDoesNotMakeANewSeries) {
  Metrics metrics;
  metrics.add("m", {{"a", "1"}, {"b", "2"}}, 1);
  metrics.add("m", {{"b", "2"}, {"a", "1"}}, 1);
  EXPECT_EQ(metrics.value("m", {{"b", "2"}, {"a", "1"}}), 2);
  EXPECT_EQ(metrics.prometheus_text(), "# TYPE m untyped\nm{a=\"1\",b=\"2\"} 2\n");
}

TEST(Metrics, GaugesAreSet) {
  Metrics metrics;
  metrics.describe("leifeng_consumer_lag", "gauge", "Records behind the end.");
  metrics.set("leifeng_consumer_lag", {{"partition", "0"}}, 40);
  metrics.set("leifeng_consumer_lag", {{"partition", "0"}}, 7);
  metrics.add("leifeng_consumer_lag", {{"partition", "0"}}, -2);
  EXPECT_EQ(metrics.value("leifeng_consumer_lag", {{"partition", "0"}}), 5);
}

TEST(Metrics, RejectsWhatPrometheusCannotRead) {
  Metrics metrics;
  metrics.describe("c_total", "counter", "");
  EXPECT_THROW(metrics.add("c_total", {}, -1), std::invalid_argument);
  EXPECT_THROW(metrics.describe("x", "histogram", ""), std::invalid_argument);
  EXPECT_THROW(metrics.add("bad-name", {}, 1), std::invalid_argument);
  EXPECT_THROW(metrics.add("ok", {{"bad label", "v"}}, 1), std::invalid_argument);
  EXPECT_EQ(metrics.value("c_total", {}), 0);
}

TEST(Metrics, PrometheusTextFormat) {
  Metrics metrics;
  metrics.describe("leifeng_dead_letters_total", "counter", "Inputs dead-lettered.\nBy reason.");
  metrics.add("leifeng_dead_letters_total", {{"reason", "malformed"}}, 2);
  metrics.add("leifeng_dead_letters_total", {{"reason", "say \"hi\"\\\n"}}, 1);
  metrics.describe("leifeng_up", "gauge", "1 while running.");
  metrics.set("leifeng_up", {}, 1);
  EXPECT_EQ(metrics.prometheus_text(),
            "# HELP leifeng_dead_letters_total Inputs dead-lettered.\\nBy reason.\n"
            "# TYPE leifeng_dead_letters_total counter\n"
            "leifeng_dead_letters_total{reason=\"malformed\"} 2\n"
            "leifeng_dead_letters_total{reason=\"say \\\"hi\\\"\\\\\\n\"} 1\n"
            "# HELP leifeng_up 1 while running.\n"
            "# TYPE leifeng_up gauge\n"
            "leifeng_up 1\n");
}

TEST(Metrics, ConcurrentBumpsAreNotLost) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) metrics.add("n_total", {{"k", "v"}}, 1);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(metrics.value("n_total", {{"k", "v"}}), 40000);
}

TEST(MetricsServer, ServesMetricsOnAFreePort) {
  Metrics metrics;
  metrics.describe("leifeng_records_applied_total", "counter", "Events applied.");
  metrics.add("leifeng_records_applied_total", {{"topic", "hours"}}, 42);
  MetricsServer server(metrics);
  const int port = server.start("127.0.0.1", 0);
  ASSERT_GT(port, 0);
  EXPECT_EQ(server.port(), port);

  httplib::Client client("127.0.0.1", port);
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->get_header_value("Content-Type"), HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(response->body, HasSubstr("leifeng_records_applied_total{topic=\"hours\"} 42\n"));

  // Each scrape sees the current values.
  metrics.add("leifeng_records_applied_total", {{"topic", "hours"}}, 1);
  response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_THAT(response->body, HasSubstr("leifeng_records_applied_total{topic=\"hours\"} 43\n"));

  auto missing = client.Get("/other");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_FALSE(httplib::Client("127.0.0.1", port).Get("/metrics"));
}

TEST(MetricsServer, PortInUseIsAnError) {
  // A plain listening socket (no SO_REUSEPORT) holds the port.
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);

  Metrics metrics;
  MetricsServer server(metrics);
  try {
    server.start("127.0.0.1", port);
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot listen on 127.0.0.1:" + std::to_string(port)));
  }
  EXPECT_FALSE(server.running());
  ::close(holder);
}

}  // namespace
}  // namespace leifeng::runtime
