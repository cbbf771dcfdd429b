// `leifeng publish` routing (app/event_router): routable lines go to their input topic keyed by
// the aggregate id, even when invalid; lines without a usable type cannot be routed.
#include "kafka/event_router.hpp"

#include <gtest/gtest.h>

#include "leifeng/processors/domain_config.hpp"

namespace leifeng::app {
namespace {

using schemas::InputTopic;
using schemas::Reason;

const schemas::ValidationRules& rules() {
  static const schemas::ValidationRules defaults = processors::DomainConfig{}.validation_rules();
  return defaults;
}

constexpr const char* kSubmitted =
    R"({"event_id":"e-1","type":"hours.submitted","schema_version":1,)"
    R"("occurred_at":"2027-03-05T18:00:00+08:00","volunteer_id":"v-7","log_id":"l-1",)"
    R"("activity_id":"a-1","area_code":"410402","category":"neighborhood_watch",)"
    R"("service_date":"2027-03-05","minutes":90})";

TEST(EventRouter, ValidEventGoesToItsTopicKeyedByAggregate) {
  const LineRoute route = route_line(kSubmitted, rules());
  ASSERT_TRUE(route.routed);
  EXPECT_FALSE(route.unroutable);
  EXPECT_EQ(route.routed->topic, InputTopic::hours);
  EXPECT_EQ(route.routed->key, "v-7");
  EXPECT_FALSE(route.routed->invalid);
}

TEST(EventRouter, EachTopicUsesItsOwnAggregateId) {
  const LineRoute activity = route_line(
      R"({"event_id":"e-2","type":"activity.cancelled","schema_version":1,)"
      R"("occurred_at":"2027-03-05T18:00:00+08:00","activity_id":"a-9","reason":"rain"})",
      rules());
  ASSERT_TRUE(activity.routed);
  EXPECT_EQ(activity.routed->topic, InputTopic::activities);
  EXPECT_EQ(activity.routed->key, "a-9");

  const LineRoute need = route_line(R"({"event_id":"e-3","type":"need.expired","schema_version":1,)"
                                    R"("occurred_at":"2027-03-05T18:00:00+08:00","need_id":"n-4"})",
                                    rules());
  ASSERT_TRUE(need.routed);
  EXPECT_EQ(need.routed->topic, InputTopic::needs);
  EXPECT_EQ(need.routed->key, "n-4");
}

TEST(EventRouter, InvalidButTypedEventIsRoutedWithItsReason) {
  std::string line = kSubmitted;
  line.replace(line.find("\"minutes\":90"), 12, "\"minutes\":9000");
  const LineRoute route = route_line(line, rules());
  ASSERT_TRUE(route.routed);
  EXPECT_EQ(route.routed->topic, InputTopic::hours);
  EXPECT_EQ(route.routed->key, "v-7");
  ASSERT_TRUE(route.routed->invalid);
  EXPECT_EQ(route.routed->invalid->reason, Reason::invalid_field);
  EXPECT_EQ(route.routed->invalid->field, "minutes");
}

TEST(EventRouter, MissingAggregateIdIsPublishedWithoutKey) {
  std::string line = kSubmitted;
  line.replace(line.find("\"volunteer_id\":\"v-7\","), 21, "");
  const LineRoute route = route_line(line, rules());
  ASSERT_TRUE(route.routed);
  EXPECT_FALSE(route.routed->key);
  ASSERT_TRUE(route.routed->invalid);
  EXPECT_EQ(route.routed->invalid->reason, Reason::missing_field);
}

TEST(EventRouter, WrongJsonTypeOfAggregateIdIsPublishedWithoutKey) {
  // The id as the number 7. Built by appending: GCC 12 at -O3 reports a false -Wrestrict for
  // replace() here.
  const std::string submitted = kSubmitted;
  const size_t id = submitted.find("\"v-7\"");
  std::string line = submitted.substr(0, id);
  line += '7';
  line += submitted.substr(id + 5);
  const LineRoute route = route_line(line, rules());
  ASSERT_TRUE(route.routed);
  EXPECT_FALSE(route.routed->key);
  ASSERT_TRUE(route.routed->invalid);
  EXPECT_EQ(route.routed->invalid->reason, Reason::malformed);
}

TEST(EventRouter, LinesWithoutUsableTypeAreUnroutable) {
  struct Case {
    const char* line;
    Reason reason;
  };
  for (const Case& c : {Case{"not json", Reason::malformed}, Case{"[1,2]", Reason::malformed},
                        Case{R"({"event_id":"e","type":7,"schema_version":1})", Reason::malformed},
                        Case{R"({"event_id":"e","schema_version":1})", Reason::unknown_type},
                        Case{R"({"event_id":"e","type":"hours.deleted","schema_version":1})",
                             Reason::unknown_type}}) {
    SCOPED_TRACE(c.line);
    const LineRoute route = route_line(c.line, rules());
    EXPECT_FALSE(route.routed);
    ASSERT_TRUE(route.unroutable);
    EXPECT_EQ(route.unroutable->rejection.reason, c.reason);
  }
}

TEST(EventRouter, UnroutableKeepsWhatTheLineSaysAboutItself) {
  const LineRoute route =
      route_line(R"({"event_id":"e-42","type":"hours.deleted","schema_version":1})", rules());
  ASSERT_TRUE(route.unroutable);
  EXPECT_EQ(route.unroutable->event_id, "e-42");
  EXPECT_EQ(route.unroutable->type, "hours.deleted");
}

}  // namespace
}  // namespace leifeng::app
