// Answers from a standby copy ([runtime] standby_replicas; issue 15), without a socket or
// Kafka: the query routes over QueryableState::standby() read the copy and say it is a
// standby's ("served_by":"standby" with its lag), and the owner's view never serves it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "leifeng/processors/ledger.hpp"
#include "leifeng/runtime/queryable_state.hpp"
#include "leifeng/runtime/typed_store.hpp"
#include "serve/query_routes.hpp"
#include "state_db.hpp"

namespace leifeng::app {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StandbyAnswer, IsMarkedAsTheStandbysWithItsLagAndNeverServedAsTheOwners) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("leifeng-standby-answer-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string id = "v-1";
  constexpr int32_t kPartitions = 3;
  const int32_t partition = runtime::partition_for_key(id, kPartitions);
  {
    runtime::TaskStateDb copy(dir / "ledger", {"volunteers"});
    processors::VolunteerState volunteer;
    volunteer.registered = true;
    volunteer.minutes_verified = 600;
    copy.apply_restored("volunteers",
                        {{id, runtime::TypedStore<processors::VolunteerState>::encode(volunteer)}},
                        12);
    runtime::Readiness readiness;
    readiness.starting();
    readiness.assigned();
    readiness.restored();
    runtime::QueryableState queries(&readiness);
    for (const char* store : {"volunteers", "needs", "county-stats"})
      queries.declare_store(store, kPartitions);
    queries.publish_standby("volunteers", partition, copy);
    queries.standby_progress("volunteers", partition, 15);

    const QueryRoutes owner(queries, {"instance-a", "127.0.0.1:8080"});
    const QueryAnswer not_here = owner.answer({"/v1/volunteers/" + id, {}});
    EXPECT_TRUE(not_here.not_here()) << not_here.body;

    const QueryRoutes standby(queries.standby(), {"instance-a", "127.0.0.1:8080"});
    const QueryAnswer answer = standby.answer({"/v1/volunteers/" + id, {}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_THAT(answer.body, HasSubstr(R"("volunteer_id":"v-1")"));
    EXPECT_THAT(answer.body, HasSubstr(R"("minutes_verified":600)"));
    EXPECT_THAT(answer.body, HasSubstr(R"("changelog_offset":12,"as_of":")"));
    EXPECT_THAT(answer.body, HasSubstr(R"("served_by":"standby","standby_lag":3})"));
    // A partition without a copy is not answered by the standby view.
    EXPECT_TRUE(standby.answer({"/v1/needs/n-1", {}}).not_here());

    // The owner's answers carry no standby marking.
    runtime::TaskStateDb owned(dir / "owned", {"volunteers"});
    owned.apply_restored("volunteers",
                         {{id, runtime::TypedStore<processors::VolunteerState>::encode(
                                   processors::VolunteerState{})}},
                         20);
    queries.publish("volunteers", partition, owned);
    const QueryAnswer current = owner.answer({"/v1/volunteers/" + id, {}});
    ASSERT_EQ(current.status, 200) << current.body;
    EXPECT_THAT(current.body, Not(HasSubstr("standby")));
    queries.withdraw_all();
    queries.withdraw_standby("volunteers", partition);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace leifeng::app
