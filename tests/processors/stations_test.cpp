// SPEC §9: stations.active, the distinct stations named by activities published with a start in
// an area and period, counted by the county-stats processor from the station uses the
// activities processor sends; and the stations table of the months a station was used.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace leifeng::processors::testing {
namespace {

using runtime::Outcome;

constexpr const char* kActivities = "activities";

class StationsTest : public ::testing::Test {
 protected:
  Outcome publish(const std::string& activity, const std::string& area, const std::string& start,
                  const std::string& station) {
    return pipeline.send(kActivities, activity,
                         activity_at_station("p-" + activity, activity, area, start, station));
  }
  int64_t active(uint32_t area, Period period) {
    return pipeline.metric(area, period, Metric::stations_active);
  }
  // The latest stations record of `key` ("<area>/<station>").
  std::optional<schemas::StationRecord> station(const std::string& key) const {
    std::optional<schemas::StationRecord> last;
    for (const Emitted& e : pipeline.on(outputs::kStations)) {
      if (e.key == key) last = schemas::station_from_json(e.value);
    }
    return last;
  }
  Pipeline pipeline;
};

TEST_F(StationsTest, CountsDistinctStationsPerDayMonthAndTotal) {
  ASSERT_EQ(publish("a1", "410402", "2027-03-05T09:00:00+08:00", "s1"), Outcome::applied);
  ASSERT_EQ(publish("a2", "410402", "2027-03-05T14:00:00+08:00", "s1"), Outcome::applied);
  EXPECT_EQ(active(410402, day("2027-03-05")), 1);  // two activities, one station
  EXPECT_EQ(active(410402, month("2027-03-05")), 1);
  EXPECT_EQ(active(410402, Period::total()), 1);
  publish("a3", "410402", "2027-03-05T15:00:00+08:00", "s2");
  EXPECT_EQ(active(410402, day("2027-03-05")), 2);
  // The same station on another day of the month: new that day, not in the month.
  publish("a4", "410402", "2027-03-20T09:00:00+08:00", "s1");
  EXPECT_EQ(active(410402, day("2027-03-20")), 1);
  EXPECT_EQ(active(410402, month("2027-03-01")), 2);
  // The next month: new in April, not in total.
  publish("a5", "410402", "2027-04-01T09:00:00+08:00", "s2");
  EXPECT_EQ(active(410402, month("2027-04-01")), 1);
  EXPECT_EQ(active(410402, Period::total()), 2);
  // A use before every earlier one, in a month already seen, is new that day only.
  publish("a6", "410402", "2027-03-01T09:00:00+08:00", "s2");
  EXPECT_EQ(active(410402, day("2027-03-01")), 1);
  EXPECT_EQ(active(410402, month("2027-03-01")), 2);
  EXPECT_EQ(active(410402, Period::total()), 2);
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::activities_published), 5);
}

TEST_F(StationsTest, AttributedToTheLocalDateOfTheStart) {
  // 20:00 at -02:00 is 06:00 next day at +08:00.
  publish("a1", "410481", "2027-03-31T20:00:00-02:00", "s1");
  EXPECT_EQ(active(410481, day("2027-04-01")), 1);
  EXPECT_EQ(active(410481, month("2027-04-01")), 1);
  EXPECT_EQ(active(410481, month("2027-03-31")), 0);
}

TEST_F(StationsTest, PrefectureCityCountsAStationOnceAcrossItsCounties) {
  publish("a1", "410402", "2027-03-05T09:00:00+08:00", "s1");
  publish("a2", "410403", "2027-03-06T09:00:00+08:00", "s1");
  EXPECT_EQ(active(410402, month("2027-03-01")), 1);
  EXPECT_EQ(active(410403, month("2027-03-01")), 1);
  EXPECT_EQ(active(410400, month("2027-03-01")), 1);
  EXPECT_EQ(active(410400, day("2027-03-05")), 1);
  EXPECT_EQ(active(410400, day("2027-03-06")), 1);
  EXPECT_EQ(active(410400, Period::total()), 1);
  publish("a3", "410403", "2027-03-06T10:00:00+08:00", "s2");
  EXPECT_EQ(active(410400, month("2027-03-01")), 2);
  EXPECT_EQ(active(410400, day("2027-03-06")), 2);
}

TEST_F(StationsTest, OnlyPublishedActivitiesWithAStationCount) {
  pipeline.send(kActivities, "a0",
                activity_published("p0", "a0", "410402", "2027-03-05T09:00:00+08:00",
                                   "2027-03-05T10:00:00+08:00"));
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::activities_published), 1);
  EXPECT_EQ(active(410402, month("2027-03-01")), 0);
  // A second publish of an activity is dead-lettered and changes nothing; a re-sent event is a
  // duplicate.
  publish("a1", "410402", "2027-03-05T09:00:00+08:00", "s1");
  EXPECT_EQ(pipeline.send(
                kActivities, "a1",
                activity_at_station("p-other", "a1", "410402", "2027-03-06T09:00:00+08:00", "s2")),
            Outcome::dead_lettered);
  EXPECT_EQ(publish("a1", "410402", "2027-03-05T09:00:00+08:00", "s1"), Outcome::duplicate);
  EXPECT_EQ(active(410402, month("2027-03-01")), 1);
  EXPECT_EQ(active(410402, day("2027-03-06")), 0);
}

TEST_F(StationsTest, CancelledAndCompletedActivitiesStayCounted) {
  // "activities published" (SPEC §9), like activities.published: what becomes of the activity
  // later does not take its station back.
  publish("a1", "410402", "2027-03-05T09:00:00+08:00", "s1");
  publish("a2", "410402", "2027-03-06T09:00:00+08:00", "s2");
  ASSERT_EQ(pipeline.send(kActivities, "a1", activity_cancelled("x1", "a1")), Outcome::applied);
  ASSERT_EQ(pipeline.send(kActivities, "a2", activity_completed("c2", "a2", 3, 4)),
            Outcome::applied);
  EXPECT_EQ(active(410402, month("2027-03-01")), 2);
  EXPECT_EQ(active(410402, day("2027-03-05")), 1);
  EXPECT_EQ(active(410400, Period::total()), 2);
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::activities_cancelled), 1);
}

TEST_F(StationsTest, StationsTableListsTheMonthsInOrderForCountyAndCity) {
  publish("a1", "410402", "2027-04-05T09:00:00+08:00", "s1");
  publish("a2", "410402", "2027-01-05T09:00:00+08:00", "s1");
  publish("a3", "410402", "2027-04-20T09:00:00+08:00", "s1");  // April again: no new record
  const auto county = station("410402/s1");
  ASSERT_TRUE(county);
  EXPECT_EQ(county->area_code, "410402");
  EXPECT_EQ(county->station_id, "s1");
  EXPECT_EQ(county->months, (std::vector<std::string>{"2027-01", "2027-04"}));
  const auto city = station("410400/s1");
  ASSERT_TRUE(city);
  EXPECT_EQ(city->months, (std::vector<std::string>{"2027-01", "2027-04"}));
  int records = 0;
  for (const Emitted& e : pipeline.on(outputs::kStations)) records += e.key == "410402/s1";
  EXPECT_EQ(records, 2);
  EXPECT_EQ(pipeline.on(outputs::kStations).size(), 4u);
}

TEST(StationsTable, FromFinishWhenUpdatesAreNotEmittedOneByOne) {
  // The in-process replays take the table at the end (ProcessorOptions::emit_table_updates).
  ProcessorOptions options;
  options.emit_table_updates = false;
  CountyStatsProcessor county(options, nullptr, nullptr);
  struct Capture : runtime::Emitter {
    void emit(std::string_view topic, std::string_view key, std::string_view value) override {
      if (topic == outputs::kStations) records[std::string(key)] = std::string(value);
    }
    std::map<std::string, std::string> records;
  } out;
  int64_t offset = 0;
  auto use = [&](uint32_t area, const char* date, const char* station) {
    const CountyDelta delta{
        schemas::AreaCode{area}, "t", {}, StationUse{*schemas::parse_date(date), station}};
    const std::string bytes = encode_county_delta(delta);
    const std::string key = delta.area.str();
    EXPECT_EQ(county.process({"county-deltas", 0, ++offset, key, bytes}, out), Outcome::applied);
  };
  use(410400, "2027-04-05", "s1");
  use(410400, "2027-02-05", "s1");
  use(410402, "2027-04-05", "s2");
  EXPECT_TRUE(out.records.empty());
  county.finish(out);
  EXPECT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records.at("410400/s1"),
            R"({"area_code":"410400","station_id":"s1","months":["2027-02","2027-04"]})");
  EXPECT_EQ(out.records.at("410402/s2"),
            R"({"area_code":"410402","station_id":"s2","months":["2027-04"]})");
  const CountyCell* total = county.find(schemas::AreaCode{410400}, Period::total());
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->metrics[static_cast<size_t>(Metric::stations_active)], 1);
  EXPECT_EQ(total->revision, 1);  // the second use was not new in total: cell untouched
}

TEST(StationsStore, SurvivesARestartSoARepeatIsNotCountedTwice) {
  Pipeline pipeline({}, /*with_stores=*/true);
  pipeline.send(kActivities, "a1",
                activity_at_station("p1", "a1", "410402", "2027-03-05T09:00:00+08:00", "s1"));
  pipeline.flush();
  EXPECT_FALSE(pipeline.store(CountyStatsProcessor::kStationsStore).data().empty());
  pipeline.restart();
  pipeline.send(kActivities, "a2",
                activity_at_station("p2", "a2", "410402", "2027-03-05T10:00:00+08:00", "s1"));
  pipeline.send(kActivities, "a3",
                activity_at_station("p3", "a3", "410402", "2027-03-09T10:00:00+08:00", "s1"));
  EXPECT_EQ(pipeline.metric(410402, day("2027-03-05"), Metric::stations_active), 1);
  EXPECT_EQ(pipeline.metric(410402, day("2027-03-09"), Metric::stations_active), 1);
  EXPECT_EQ(pipeline.metric(410402, month("2027-03-01"), Metric::stations_active), 1);
  EXPECT_EQ(pipeline.metric(410400, Period::total(), Metric::stations_active), 1);
}

TEST(StationUseCodec, RoundTripsAndRejectsBadTrailers) {
  CountyDelta delta{schemas::AreaCode{410402},
                    "2027-03-05T09:30:00+08:00",
                    {{day("2027-03-05"), Metric::activities_published, 1}},
                    StationUse{*schemas::parse_date("2027-03-05"), "station-7"}};
  const std::string bytes = encode_county_delta(delta);
  EXPECT_EQ(bytes[0], 2);  // format version 2: with a station use
  EXPECT_EQ(decode_county_delta(bytes), delta);
  EXPECT_FALSE(decode_county_delta(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(decode_county_delta(bytes + "x"));
  // A station use with no metric change still travels.
  const CountyDelta only_station{schemas::AreaCode{410400}, "t", {}, delta.station};
  EXPECT_EQ(decode_county_delta(encode_county_delta(only_station)), only_station);
  // Without a station the message stays version 1, as before.
  delta.station.reset();
  EXPECT_EQ(encode_county_delta(delta)[0], 1);
  EXPECT_EQ(decode_county_delta(encode_county_delta(delta)), delta);
}

TEST(StationUseBatch, TellsTheCountyAndItsCity) {
  for (const size_t bound : {size_t{0}, CountyDeltaBatch::kDefaultMaxTargets}) {
    CountyDeltaBatch batch(bound);
    const schemas::LocalDate date = *schemas::parse_date("2027-03-05");
    batch.add_dated(schemas::AreaCode{410402}, date, Metric::activities_published, 1);
    batch.use_station(schemas::AreaCode{410402}, date, "s1");
    struct Capture : runtime::Emitter {
      void emit(std::string_view, std::string_view key, std::string_view value) override {
        std::vector<CountyDelta> deltas;
        ASSERT_TRUE(decode_county_deltas(value, deltas));
        for (CountyDelta& delta : deltas) messages.emplace_back(std::string(key), std::move(delta));
      }
      std::vector<std::pair<std::string, CountyDelta>> messages;
    } out;
    batch.end_event(out, "county-deltas", "t");
    batch.emit(out, "county-deltas");
    ASSERT_EQ(out.messages.size(), 2u);
    EXPECT_EQ(out.messages[0].first, "410400");
    EXPECT_EQ(out.messages[1].first, "410402");
    for (const auto& [key, delta] : out.messages) {
      ASSERT_TRUE(delta.station) << key;
      EXPECT_EQ(delta.station->station_id, "s1");
      EXPECT_EQ(delta.station->date, date);
    }
    // The next event of the batch names no station.
    batch.add_dated(schemas::AreaCode{410402}, date, Metric::activities_completed, 1);
    out.messages.clear();
    batch.end_event(out, "county-deltas", "t");
    batch.emit(out, "county-deltas");
    for (const auto& [key, delta] : out.messages) EXPECT_FALSE(delta.station) << key;
  }
}

}  // namespace
}  // namespace leifeng::processors::testing
