// Readiness: its states as the runtime reports assignment, restore, rebalance and stop, and the
// /healthz and /readyz endpoints beside /metrics on one listener.
#include "leifeng/runtime/readiness.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>
#include <utility>

#include "leifeng/runtime/metrics.hpp"
#include "leifeng/runtime/metrics_server.hpp"

namespace leifeng::runtime {
namespace {

using ::testing::HasSubstr;

TEST(Readiness, ReadyOnlyWhenAssignedAndRestored) {
  Readiness readiness;
  EXPECT_EQ(readiness.state(), ReadinessState::stopped);  // no run yet
  readiness.starting();
  EXPECT_EQ(readiness.state(), ReadinessState::not_assigned);
  EXPECT_FALSE(readiness.ready());
  readiness.restored();  // nothing assigned: nothing to be restored
  EXPECT_EQ(readiness.state(), ReadinessState::not_assigned);
  readiness.assigned();
  EXPECT_EQ(readiness.state(), ReadinessState::restoring);
  EXPECT_FALSE(readiness.ready());
  readiness.restored();
  EXPECT_EQ(readiness.state(), ReadinessState::ready);
  EXPECT_TRUE(readiness.ready());
}

// Several stream threads: the instance is as ready as its least ready thread.
TEST(Readiness, FollowingThreadsIsReadyOnlyWhenEveryThreadIs) {
  Readiness instance;
  Readiness first;
  Readiness second;
  instance.follow({&first, &second});
  EXPECT_EQ(instance.state(), ReadinessState::stopped);
  first.starting();
  second.starting();
  EXPECT_EQ(instance.state(), ReadinessState::not_assigned);
  first.assigned();
  first.restored();
  EXPECT_EQ(instance.state(), ReadinessState::not_assigned);
  second.assigned();
  EXPECT_EQ(instance.state(), ReadinessState::restoring);
  second.restored();
  EXPECT_TRUE(instance.ready());
  second.revoked();
  EXPECT_EQ(instance.state(), ReadinessState::rebalancing);
  first.stopping();
  EXPECT_EQ(instance.state(), ReadinessState::stopped);
  // Done following: its own state again (never started).
  second.assigned();
  second.restored();
  first.starting();
  instance.follow({});
  EXPECT_EQ(instance.state(), ReadinessState::stopped);
}

TEST(Readiness, ARebalanceTakesReadinessAwayUntilTheNewAssignmentIsRestored) {
  Readiness readiness;
  readiness.starting();
  readiness.assigned();
  readiness.restored();
  readiness.revoked();
  EXPECT_EQ(readiness.state(), ReadinessState::rebalancing);
  readiness.restored();  // a late restore of the old assignment does not count
  EXPECT_EQ(readiness.state(), ReadinessState::rebalancing);
  readiness.assigned();
  EXPECT_EQ(readiness.state(), ReadinessState::restoring);
  readiness.revoked();  // revoked again before the restore finished
  EXPECT_EQ(readiness.state(), ReadinessState::rebalancing);
  readiness.assigned();
  readiness.restored();
  EXPECT_TRUE(readiness.ready());
}

TEST(Readiness, StoppedStaysStoppedWhileTheConsumerClosesUntilTheNextRun) {
  Readiness readiness;
  readiness.starting();
  readiness.assigned();
  readiness.restored();
  readiness.stopping();
  EXPECT_EQ(readiness.state(), ReadinessState::stopped);
  // Closing the consumer revokes; a callback racing the stop may assign or restore.
  readiness.revoked();
  readiness.assigned();
  readiness.restored();
  EXPECT_EQ(readiness.state(), ReadinessState::stopped);
  readiness.starting();  // a new run
  EXPECT_EQ(readiness.state(), ReadinessState::not_assigned);
}

TEST(Readiness, StateNames) {
  EXPECT_EQ(readiness_name(ReadinessState::not_assigned), "not_assigned");
  EXPECT_EQ(readiness_name(ReadinessState::restoring), "restoring");
  EXPECT_EQ(readiness_name(ReadinessState::ready), "ready");
  EXPECT_EQ(readiness_name(ReadinessState::rebalancing), "rebalancing");
  EXPECT_EQ(readiness_name(ReadinessState::stopped), "stopped");
}

// (status, body) of GET `path`; status -1 when there was no response.
std::pair<int, std::string> get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  auto response = client.Get(path.c_str());
  if (!response) return {-1, httplib::to_string(response.error())};
  return {response->status, response->body};
}

TEST(HealthEndpoints, HealthzAlwaysReadyzFollowsTheReadinessOnTheMetricsListener) {
  Metrics metrics;
  metrics.describe("app_up", "gauge", "1 while running.");
  metrics.set("app_up", {}, 1);
  Readiness readiness;
  MetricsServer server(metrics, &readiness);
  const int port = server.start("127.0.0.1", 0);
  ASSERT_GT(port, 0);

  EXPECT_EQ(get(port, "/healthz"), std::make_pair(200, std::string("alive\n")));
  EXPECT_EQ(get(port, "/readyz"), std::make_pair(503, std::string("stopped\n")));
  readiness.starting();
  EXPECT_EQ(get(port, "/readyz"), std::make_pair(503, std::string("not_assigned\n")));
  readiness.assigned();
  EXPECT_EQ(get(port, "/readyz"), std::make_pair(503, std::string("restoring\n")));
  readiness.restored();
  EXPECT_EQ(get(port, "/readyz"), std::make_pair(200, std::string("ready\n")));
  readiness.revoked();
  EXPECT_EQ(get(port, "/readyz"), std::make_pair(503, std::string("rebalancing\n")));
  EXPECT_EQ(get(port, "/healthz").first, 200);  // alive whatever the readiness
  readiness.stopping();
  EXPECT_EQ(get(port, "/readyz"), std::make_pair(503, std::string("stopped\n")));
  EXPECT_EQ(get(port, "/healthz").first, 200);

  // Same listener as /metrics.
  const auto [status, body] = get(port, "/metrics");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("app_up 1\n"));

  server.stop();
  EXPECT_EQ(get(port, "/healthz").first, -1);
}

TEST(HealthEndpoints, WithoutAReadinessThereIsNoReadyz) {
  Metrics metrics;
  MetricsServer server(metrics);
  const int port = server.start("127.0.0.1", 0);
  EXPECT_EQ(get(port, "/healthz").first, 200);
  EXPECT_EQ(get(port, "/readyz").first, 404);
}

}  // namespace
}  // namespace leifeng::runtime
