// The query routes (issue 15) over state the real processors wrote: events through the
// application's topology in process (tests/processors/harness.hpp), its stores split into
// partitions as the runtime would hold them, served by a StateReader in memory. No socket, no
// Kafka: the HTTP server and the live runtime are tested on the broker (query_server_test).
#include "serve/query_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "../processors/harness.hpp"
#include "leifeng/schemas/domain.hpp"

namespace leifeng::app {
namespace {

using ::testing::HasSubstr;
using namespace leifeng::processors::testing;

// A StateReader over stores in memory: `partitions` per store, of which `owned` are here.
class MemoryState final : public runtime::StateReader {
 public:
  void load(const std::string& store, const runtime::MemoryStore& data, int32_t partitions,
            bool by_area) {
    partitions_[store] = partitions;
    for (const auto& [key, value] : data.data()) {
      // County cells go where their area's deltas went (keyed by the six-digit code).
      std::string partition_key = key;
      if (by_area) {
        uint32_t area = 0;
        for (int i = 0; i < 4; ++i) area = (area << 8) | static_cast<unsigned char>(key[i]);
        partition_key = schemas::AreaCode{area}.str();
      }
      data_[{store, runtime::partition_for_key(partition_key, partitions)}][key] = value;
    }
  }
  int32_t partitions(std::string_view store) const override {
    auto it = partitions_.find(std::string(store));
    return it == partitions_.end() ? 0 : it->second;
  }
  runtime::QueryResult get(std::string_view store, int32_t partition,
                           std::string_view key) const override {
    return range(store, partition, key, key, 1);
  }
  runtime::QueryResult range(std::string_view store, int32_t partition, std::string_view from,
                             std::string_view to, std::size_t limit) const override {
    runtime::QueryResult result;
    result.partition = partition;
    result.readiness = readiness_;
    ++reads;
    if (readiness_ != runtime::ReadinessState::ready) return result;
    if (!partitions_.contains(std::string(store))) {
      result.status = runtime::QueryStatus::unknown_store;
      return result;
    }
    if (!owned_all && !here.contains(partition)) {
      result.status = runtime::QueryStatus::not_here;
      return result;
    }
    result.status = runtime::QueryStatus::ok;
    result.changelog_offset = 42;
    result.as_of = "2027-05-01T00:00:00.000Z";
    auto it = data_.find({std::string(store), partition});
    if (it == data_.end()) return result;
    for (auto e = it->second.lower_bound(std::string(from));
         e != it->second.end() && e->first <= to && result.entries.size() < limit; ++e)
      result.entries.emplace_back(e->first, e->second);
    return result;
  }
  std::map<std::string, std::vector<int32_t>> owned() const override {
    std::map<std::string, std::vector<int32_t>> owned;
    for (const auto& [store, count] : partitions_) {
      for (int32_t p = 0; p < count; ++p) {
        if (owned_all || here.contains(p)) owned[store].push_back(p);
      }
    }
    return owned;
  }
  runtime::ReadinessState readiness() const override { return readiness_; }

  runtime::ReadinessState readiness_ = runtime::ReadinessState::ready;
  bool owned_all = true;
  std::set<int32_t> here;
  mutable int reads = 0;

 private:
  std::map<std::string, int32_t> partitions_;
  std::map<std::pair<std::string, int32_t>, std::map<std::string, std::string>> data_;
};

class QueryRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Stars at 3, 4, 5, 6 and 7 hours: v-1 (2 h) has none, v-2 changes level three times.
    processors::DomainConfig config;
    config.star_thresholds_hours = {3, 4, 5, 6, 7};
    Pipeline pipeline(config, /*with_stores=*/true);
    pipeline.send("hours", "v-1", registered("r1", "v-1", "410402", true));
    pipeline.send("hours", "v-1", submitted("s1", "v-1", "log-1", "410402", "2027-04-28", 120));
    pipeline.send("hours", "v-1", submitted("s2", "v-1", "log-2", "410402", "2027-04-29", 60));
    pipeline.send("hours", "v-1", submitted("s3", "v-1", "log-3", "410402", "2027-04-30", 30));
    pipeline.send("hours", "v-1", verified("c1", "v-1", "log-1", 5));
    pipeline.send("hours", "v-1", rejected("c2", "v-1", "log-2"));
    // v-2 is not registered and serves in another county: the county cells below stay v-1's.
    pipeline.send("hours", "v-2", submitted("s4", "v-2", "log-4", "410421", "2027-04-28", 240));
    pipeline.send("hours", "v-2", verified("c4", "v-2", "log-4", 4));  // 4 h: 0 -> 2
    pipeline.send("hours", "v-2", submitted("s5", "v-2", "log-5", "410421", "2027-04-29", 60));
    pipeline.send("hours", "v-2", verified("c5", "v-2", "log-5", 4));  // 5 h: 2 -> 3
    pipeline.send("hours", "v-2", revoked("x4", "v-2", "log-4"));      // 1 h: 3 -> 0
    pipeline.send("needs", "n-1", need_posted("p1", "n-1", "410402", "2027-04-29T10:00:00+08:00"));
    pipeline.flush();
    star_changes_ = pipeline.on(processors::outputs::kStarChanges);
    state_.load("volunteers", pipeline.store("volunteers"), 6, false);
    state_.load("star-history", pipeline.store("star-history"), 6, false);
    state_.load("needs", pipeline.store("needs"), 6, false);
    state_.load("county-stats", pipeline.store("county-stats"), 6, true);
  }
  QueryAnswer get(const std::string& path, std::map<std::string, std::string> params = {}) {
    return routes_.answer({path, std::move(params)});
  }

  MemoryState state_;
  QueryRoutes routes_{state_, {"instance-a", "127.0.0.1:8080"}};
  std::vector<Emitted> star_changes_;
};

TEST_F(QueryRoutesTest, VolunteerIsTheStarsRecordWithHourLogCountsAndWhatItIsConsistentWith) {
  const QueryAnswer answer = get("/v1/volunteers/v-1");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body,
              HasSubstr(R"("stars":{"volunteer_id":"v-1","home_area":"410402","registered":true,)"
                        R"("party_member":true,"star_level":0,"minutes_verified":120,)"
                        R"("logs_verified":1,"mean_quality_x100":500,)"));
  EXPECT_THAT(answer.body,
              HasSubstr(R"("hour_logs":{"submitted":1,"verified":1,"rejected":1,"revoked":0})"));
  EXPECT_THAT(answer.body, HasSubstr(R"("committed":{"instance_id":"instance-a",)"
                                     R"("store":"volunteers","partition":)"));
  EXPECT_THAT(answer.body,
              HasSubstr(R"("changelog_offset":42,"as_of":"2027-05-01T00:00:00.000Z"})"));
}

TEST_F(QueryRoutesTest, StarChangesAreTheRecordsTheLedgerEmittedOldestFirst) {
  ASSERT_EQ(star_changes_.size(), 3u);
  std::string records;
  for (const Emitted& change : star_changes_) {
    ASSERT_EQ(change.key, "v-2");
    records += (records.empty() ? "" : ",") + change.value;
  }
  QueryAnswer answer = get("/v1/volunteers/v-2/star-changes");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, R"({"volunteer_id":"v-2","star_changes":[)" + records +
                             R"(],"total":3,"committed":{"instance_id":"instance-a",)"
                             R"("store":"star-history","partition":)" +
                             std::to_string(runtime::partition_for_key("v-2", 6)) +
                             R"(,"changelog_offset":42,"as_of":"2027-05-01T00:00:00.000Z"}})");
  EXPECT_THAT(answer.body, HasSubstr(R"({"volunteer_id":"v-2","from_level":0,"to_level":2,)"
                                     R"("minutes_verified":240,"mean_quality_x100":400,)"
                                     R"("cause_event_id":"c4",)"));

  // A volunteer whose level never changed has none; an unknown one is 404.
  answer = get("/v1/volunteers/v-1/star-changes");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr(R"({"volunteer_id":"v-1","star_changes":[],"total":0,)"));
  EXPECT_THAT(answer.body, HasSubstr(R"("store":"star-history")"));
  answer = get("/v1/volunteers/nobody/star-changes");
  EXPECT_EQ(answer.status, 404);
  EXPECT_THAT(answer.body, HasSubstr(R"("error":"not_found")"));
  EXPECT_EQ(get("/v1/volunteers//star-changes").status, 400);
  EXPECT_EQ(get("/v1/volunteers/v-2/star-changes/x").status, 404);

  // Not ready: 503; another instance's partition: forwarded, by the star-history store.
  state_.readiness_ = runtime::ReadinessState::rebalancing;
  EXPECT_EQ(get("/v1/volunteers/v-2/star-changes").status, 503);
  state_.readiness_ = runtime::ReadinessState::ready;
  state_.owned_all = false;
  answer = get("/v1/volunteers/v-2/star-changes");
  EXPECT_TRUE(answer.not_here());
  EXPECT_EQ(answer.store, "star-history");
  EXPECT_EQ(answer.partition, runtime::partition_for_key("v-2", 6));
}

TEST_F(QueryRoutesTest, UnknownIdsAre404AndMalformedAreaOrPeriod400NamingTheField) {
  QueryAnswer answer = get("/v1/volunteers/nobody");
  EXPECT_EQ(answer.status, 404);
  EXPECT_THAT(answer.body, HasSubstr(R"("error":"not_found")"));
  EXPECT_EQ(get("/v1/needs/nothing").status, 404);
  EXPECT_EQ(get("/v1/counties/410402/2019-01-01").status, 404);
  answer = get("/v1/counties/41040/2027-04");
  EXPECT_EQ(answer.status, 400);
  EXPECT_THAT(answer.body, HasSubstr(R"("field":"area")"));
  answer = get("/v1/counties/410402/2027-13");
  EXPECT_EQ(answer.status, 400);
  EXPECT_THAT(answer.body, HasSubstr(R"("field":"period")"));
  EXPECT_EQ(get("/v1/counties/410402/2027-02-30").status, 400);
  answer = get("/v1/counties/410402", {{"from", "2027-04-01"}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_THAT(answer.body, HasSubstr(R"("field":"to")"));
  answer = get("/v1/counties/410402", {{"from", "April"}, {"to", "2027-04-30"}});
  EXPECT_THAT(answer.body, HasSubstr(R"("field":"from")"));
  answer = get("/v1/counties/410402", {{"from", "2027-04-30"}, {"to", "2027-04-01"}});
  EXPECT_THAT(answer.body, HasSubstr(R"("field":"to")"));
  EXPECT_EQ(get("/v1/nothing").status, 404);
  EXPECT_EQ(get("/").status, 404);
  EXPECT_EQ(get("/v1/volunteers/").status, 400);
}

TEST_F(QueryRoutesTest, CountyCellsOfTheCountyAndItsCity) {
  QueryAnswer answer = get("/v1/counties/410402/2027-04");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body,
              HasSubstr(R"("county_stats":{"area_code":"410402","period":"2027-04",)"));
  EXPECT_THAT(answer.body, HasSubstr(R"("hours.logs_submitted":3)"));
  EXPECT_THAT(answer.body, HasSubstr(R"("hours.minutes_verified":120)"));
  answer = get("/v1/counties/410400/total");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr(R"("area_code":"410400","period":"total")"));
  EXPECT_THAT(answer.body, HasSubstr(R"("volunteers.registered":1)"));
}

TEST_F(QueryRoutesTest, ADateRangeIsTheDayCellsInOrderFromOneScan) {
  const int reads_before = state_.reads;
  const QueryAnswer answer =
      get("/v1/counties/410402", {{"from", "2027-04-01"}, {"to", "2027-04-29"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(state_.reads - reads_before, 1);
  const auto day28 = answer.body.find(R"("period":"2027-04-28")");
  const auto day29 = answer.body.find(R"("period":"2027-04-29")");
  ASSERT_NE(day28, std::string::npos) << answer.body;
  ASSERT_NE(day29, std::string::npos) << answer.body;
  EXPECT_LT(day28, day29);
  EXPECT_EQ(answer.body.find("2027-04-30"), std::string::npos);             // after `to`
  EXPECT_EQ(answer.body.find(R"("period":"2027-04")"), std::string::npos);  // a month cell
  EXPECT_THAT(answer.body, HasSubstr(R"("from":"2027-04-01","to":"2027-04-29")"));
}

TEST_F(QueryRoutesTest, NeedsStatusAndMetadata) {
  QueryAnswer answer = get("/v1/needs/n-1");
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr(R"("needs_status":{"need_id":"n-1","area_code":"410402",)"));
  EXPECT_THAT(answer.body, HasSubstr(R"("status":"open")"));
  answer = get("/v1/metadata");
  ASSERT_EQ(answer.status, 200);
  EXPECT_THAT(answer.body, HasSubstr(R"("instance_id":"instance-a","address":"127.0.0.1:8080")"));
  EXPECT_THAT(answer.body, HasSubstr(R"("readiness":"ready")"));
  EXPECT_THAT(answer.body, HasSubstr(R"("volunteers":[0,1,2,3,4,5])"));
  EXPECT_THAT(answer.body, HasSubstr(R"("partitions":{"volunteers":6,"star-history":6,"needs":6,)"
                                     R"("county-stats":6})"));
}

TEST_F(QueryRoutesTest, NotReadyIs503WithRetryAfterAndOtherPartitionsAreForwarded) {
  state_.readiness_ = runtime::ReadinessState::restoring;
  QueryAnswer answer = get("/v1/volunteers/v-1");
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.retry_after_seconds, 1);
  EXPECT_THAT(answer.body, HasSubstr("restoring"));
  EXPECT_EQ(answer.body.find("v-1"), std::string::npos);  // no state while not ready

  state_.readiness_ = runtime::ReadinessState::ready;
  state_.owned_all = false;
  const int32_t partition = runtime::partition_for_key("v-1", 6);
  answer = get("/v1/volunteers/v-1");
  EXPECT_TRUE(answer.not_here());
  EXPECT_EQ(answer.store, "volunteers");
  EXPECT_EQ(answer.partition, partition);
  state_.here.insert(partition);
  EXPECT_EQ(get("/v1/volunteers/v-1").status, 200);
}

TEST(JsonString, EscapesAndReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(json_string("a\"b\\c\n"), R"("a\"b\\c\u000a")");
  EXPECT_EQ(json_string("雷锋"), "\"雷锋\"");
  EXPECT_EQ(json_string("\xff"
                        "a\xe9"),
            "\"\xEF\xBF\xBD"
            "a\xEF\xBF\xBD\"");
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
}

// Random paths and query strings never crash the router, and every answer is a known status
// with a JSON object body.
TEST_F(QueryRoutesTest, FuzzedPathsAndQueryStringsNeverCrash) {
  std::mt19937 random(15);
  const std::vector<std::string> pieces{"/",
                                        "v1",
                                        "volunteers",
                                        "counties",
                                        "needs",
                                        "metadata",
                                        "star-changes",
                                        "410402",
                                        "v-1",
                                        "2027-04",
                                        "2027-04-28",
                                        "total",
                                        "..",
                                        "%00",
                                        "\xff",
                                        "",
                                        "//",
                                        "?",
                                        "&",
                                        "=",
                                        "9999999999",
                                        "-1",
                                        "0000-00-00",
                                        "\x01",
                                        "雷锋",
                                        std::string(3000, 'x')};
  const std::set<int> statuses{0, 200, 400, 404, 503};
  // A quarter of the paths follow a route with random segments, so every route is reached.
  const std::vector<std::string> routes{"/v1/volunteers/{}", "/v1/volunteers/{}/star-changes",
                                        "/v1/needs/{}", "/v1/counties/{}", "/v1/counties/{}/{}"};
  const std::vector<std::string> known{"v-1", "v-2", "n-1", "410402", "2027-04", "total"};
  std::map<std::string, std::set<int>> answered;  // route -> statuses
  for (int i = 0; i < 20000; ++i) {
    std::string path;
    std::string route;
    if (random() % 4 == 0) {
      route = routes[random() % routes.size()];
      for (char c : route) {
        if (c == '}') continue;
        if (c != '{') {
          path += c;
        } else {
          path +=
              random() % 2 == 0 ? known[random() % known.size()] : pieces[random() % pieces.size()];
        }
      }
    } else {
      path = random() % 4 == 0 ? "" : "/";
      const int n = static_cast<int>(random() % 7);
      for (int k = 0; k < n; ++k) {
        path += pieces[random() % pieces.size()];
        if (random() % 2 == 0) path += '/';
      }
      if (random() % 5 == 0) path += static_cast<char>(random() % 256);
    }
    std::map<std::string, std::string> params;
    for (int k = static_cast<int>(random() % 3); k > 0; --k)
      params[pieces[random() % pieces.size()]] = pieces[random() % pieces.size()];
    const std::vector<std::string> dates{"2027-04-01", "2027-04-28", "2027-04-30"};
    for (const char* name : {"from", "to"}) {
      if (random() % 3 == 0) continue;
      params[name] =
          random() % 2 == 0 ? dates[random() % dates.size()] : pieces[random() % pieces.size()];
    }
    state_.owned_all = random() % 4 != 0;
    state_.readiness_ =
        random() % 6 == 0 ? runtime::ReadinessState::rebalancing : runtime::ReadinessState::ready;
    const QueryAnswer answer = routes_.answer({path, params});
    ASSERT_TRUE(statuses.contains(answer.status)) << answer.status << " for " << path;
    if (!route.empty()) answered[route].insert(answer.status);
    if (!answer.not_here()) {
      ASSERT_FALSE(answer.body.empty());
      ASSERT_EQ(answer.body.front(), '{') << path;
      ASSERT_EQ(answer.body.back(), '}') << path;
    }
  }
  for (const std::string& route : routes) {
    EXPECT_TRUE(answered[route].contains(200)) << route;
    EXPECT_TRUE(answered[route].contains(503)) << route;
  }
  EXPECT_TRUE(answered["/v1/volunteers/{}/star-changes"].contains(404));
}

}  // namespace
}  // namespace leifeng::app
