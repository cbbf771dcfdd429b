// CountyDeltaBatch over a commit interval (issue 17): the sums of many events per message, and
// county statistics equal to those of one message per event in all but `revision` (SPEC §5).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <regex>

#include "harness.hpp"

namespace leifeng::processors::testing {
namespace {

const schemas::AreaCode kCounty{410403};
const schemas::AreaCode kOtherCounty{410402};  // same city
const schemas::AreaCode kCity{410400};

struct Messages : runtime::Emitter {
  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    EXPECT_EQ(topic, "deltas");
    std::vector<CountyDelta> deltas;
    ASSERT_TRUE(decode_county_deltas(value, deltas));
    for (CountyDelta& delta : deltas) {
      EXPECT_EQ(key, delta.area.str());
      decoded.push_back(std::move(delta));
    }
  }
  std::vector<CountyDelta> on(schemas::AreaCode area) const {
    std::vector<CountyDelta> result;
    for (const CountyDelta& delta : decoded) {
      if (delta.area == area) result.push_back(delta);
    }
    return result;
  }
  std::vector<CountyDelta> decoded;
};

TEST(CountyDeltaSums, ATouchedCellIsSentEvenWhenItsSumIsZero) {
  CountyDeltaBatch batch;
  Messages out;
  const Period total = Period::total();
  batch.add_total(kCounty, Metric::needs_open, 1);
  batch.end_event(out, "deltas", "t1");
  batch.add_total(kCounty, Metric::needs_open, -1);
  batch.end_event(out, "deltas", "t2");
  // An event whose own sum is zero touches nothing.
  batch.add_total(kOtherCounty, Metric::needs_open, 1);
  batch.add_total(kOtherCounty, Metric::needs_open, -1);
  batch.end_event(out, "deltas", "t3");
  EXPECT_TRUE(out.decoded.empty());
  EXPECT_EQ(batch.pending_targets(), 2u);
  batch.emit(out, "deltas");
  const std::vector<CountyDelta> expected = {
      {kCity, "t2", {{total, Metric::needs_open, 0}}},
      {kCounty, "t2", {{total, Metric::needs_open, 0}}},
  };
  EXPECT_EQ(out.decoded, expected);
  EXPECT_TRUE(batch.empty());
}

// What a touched cell whose sum is 0 comes to: the county-stats processor creates the cell,
// with no metric, and renders its record (SPEC §5: it exists, with an empty `metrics`).
TEST(CountyDeltaSums, AZeroChangeCreatesTheCell) {
  Pipeline pipeline;
  pipeline.send_deltas({kCounty, "t1", {{Period::total(), Metric::needs_open, 0}}});
  const CountyCell* cell = pipeline.county().find(kCounty, Period::total());
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(cell->revision, 1);
  EXPECT_EQ(cell->as_of, "t1");
  pipeline.flush();
  const auto records = pipeline.on(outputs::kCountyStats);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "410403/total");
  EXPECT_NE(records[0].value.find(R"("metrics":{})"), std::string::npos) << records[0].value;
}

TEST(CountyDeltaSums, OneMessagePerAreaAndAsOfEachCellWithItsLastEvent) {
  CountyDeltaBatch batch;
  Messages out;
  const schemas::LocalDate march_5 = *schemas::parse_date("2027-03-05");
  const schemas::LocalDate march_6 = *schemas::parse_date("2027-03-06");
  batch.add_dated(kCounty, march_5, Metric::logs_submitted, 1);
  batch.end_event(out, "deltas", "t1");
  batch.add_dated(kCounty, march_6, Metric::logs_submitted, 1);
  batch.end_event(out, "deltas", "t2");
  batch.add_exact(kCounty, Period::day(march_5), Metric::volunteers_active, 1);
  batch.end_event(out, "deltas", "t3");
  batch.emit(out, "deltas");
  // In the county March 5 was last changed at t3, March 6, the month and the total at t2; in
  // the city (t3 changed the county only) March 5 at t1. The changes of a message in (period,
  // metric) order.
  const Period month = Period::month_of(march_5);
  const std::vector<CountyDelta> county = {
      {kCounty,
       "t2",
       {{Period::day(march_6), Metric::logs_submitted, 1},
        {month, Metric::logs_submitted, 2},
        {Period::total(), Metric::logs_submitted, 2}}},
      {kCounty,
       "t3",
       {{Period::day(march_5), Metric::logs_submitted, 1},
        {Period::day(march_5), Metric::volunteers_active, 1}}},
  };
  EXPECT_EQ(out.on(kCounty), county);
  const std::vector<CountyDelta> city = {
      {kCity, "t1", {{Period::day(march_5), Metric::logs_submitted, 1}}},
      {kCity,
       "t2",
       {{Period::day(march_6), Metric::logs_submitted, 1},
        {month, Metric::logs_submitted, 2},
        {Period::total(), Metric::logs_submitted, 2}}},
  };
  EXPECT_EQ(out.on(kCity), city);
  EXPECT_EQ(out.decoded.size(), 4u);  // city first (area order)
  EXPECT_EQ(out.decoded.front().area, kCity);
}

// A station travels in the delta of its event's as_of, in both its areas, in the order the
// events came: several stations of one commit interval, even in one area, wait for the commit.
TEST(CountyDeltaSums, StationsGoInTheirEventsDeltasInTheOrderTheEventsCame) {
  CountyDeltaBatch batch;
  Messages out;
  const schemas::LocalDate march_5 = *schemas::parse_date("2027-03-05");
  batch.add_dated(kCounty, march_5, Metric::activities_published, 1);
  batch.use_station(kCounty, march_5, "s1");
  batch.end_event(out, "deltas", "t1");
  batch.add_dated(kCounty, march_5, Metric::activities_completed, 1);
  batch.end_event(out, "deltas", "t2");
  batch.use_station(kOtherCounty, march_5, "s2");  // a second station in the same city
  batch.end_event(out, "deltas", "t3");
  batch.use_station(kCounty, march_5, "s3");  // and two with one as_of in one county
  batch.end_event(out, "deltas", "t4");
  batch.use_station(kCounty, march_5, "s4");
  batch.end_event(out, "deltas", "t4");
  EXPECT_TRUE(out.decoded.empty());
  batch.emit(out, "deltas");
  auto station = [](const CountyDelta& delta) {
    return delta.station ? delta.station->station_id : std::string("-");
  };
  for (const schemas::AreaCode area : {kCity, kCounty}) {
    const std::vector<CountyDelta> deltas = out.on(area);
    const bool city = area == kCity;
    ASSERT_EQ(deltas.size(), city ? 5u : 4u) << area.str();
    EXPECT_EQ(deltas[0].as_of, "t1");
    EXPECT_EQ(station(deltas[0]), "s1");
    EXPECT_TRUE(deltas[0].changes.empty());  // every cell was changed again at t2
    EXPECT_EQ(deltas[1].as_of, "t2");
    EXPECT_EQ(station(deltas[1]), "-");
    EXPECT_EQ(deltas[1].changes.size(), 6u);  // published and completed, 3 periods
    size_t next = 2;
    if (city) {
      EXPECT_EQ(deltas[next].as_of, "t3");
      EXPECT_EQ(station(deltas[next++]), "s2");
    }
    EXPECT_EQ(deltas[next].as_of, "t4");
    EXPECT_EQ(station(deltas[next++]), "s3");
    EXPECT_EQ(deltas[next].as_of, "t4");
    EXPECT_EQ(station(deltas[next]), "s4");
  }
  // s2 alone, with no change: a delta to its county all the same.
  const std::vector<CountyDelta> other = out.on(kOtherCounty);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(station(other[0]), "s2");
  EXPECT_EQ(other[0].as_of, "t3");
  EXPECT_TRUE(other[0].changes.empty());
}

TEST(CountyDeltaSums, EmitsOnceMoreTargetsThanTheBoundArePending) {
  CountyDeltaBatch batch(/*max_targets=*/10);
  Messages out;
  schemas::LocalDate date = *schemas::parse_date("2027-03-01");
  // Each day: day, month and total in county and city, of which the month and totals repeat.
  batch.add_dated(kCounty, date, Metric::logs_submitted, 1);
  batch.end_event(out, "deltas", "t1");
  EXPECT_EQ(batch.pending_targets(), 6u);
  date.days += 1;
  batch.add_dated(kCounty, date, Metric::logs_submitted, 1);
  batch.end_event(out, "deltas", "t2");
  EXPECT_EQ(batch.pending_targets(), 8u);
  EXPECT_TRUE(out.decoded.empty());
  date.days += 1;
  batch.add_dated(kCounty, date, Metric::logs_submitted, 1);
  batch.end_event(out, "deltas", "t3");  // 10 targets: not more than the bound
  EXPECT_TRUE(out.decoded.empty());
  date.days += 1;
  batch.add_dated(kCounty, date, Metric::logs_submitted, 1);
  batch.end_event(out, "deltas", "t4");
  EXPECT_FALSE(out.decoded.empty());
  EXPECT_EQ(batch.pending_targets(), 0u);
  int64_t county_total = 0;
  for (const CountyDelta& delta : out.on(kCounty)) {
    for (const MetricDelta& change : delta.changes) {
      if (change.period == Period::total()) county_total += change.delta;
    }
  }
  EXPECT_EQ(county_total, 4);
}

// A message holds at most kMaxChanges changes: a larger group is split between cells.
TEST(CountyDeltaSums, SplitsAMessageThatWouldHoldTooManyChanges) {
  CountyDeltaBatch batch(/*max_targets=*/100000);
  Messages out;
  const int days = 2 * static_cast<int>(CountyDeltaBatch::kMaxChanges) / 5;
  for (int d = 0; d < days; ++d) {
    for (const Metric metric :
         {Metric::logs_submitted, Metric::logs_verified, Metric::logs_rejected,
          Metric::logs_revoked, Metric::minutes_verified}) {
      batch.add_exact(kCounty, Period::day(schemas::LocalDate{20000 + d}), metric, 1);
    }
  }
  batch.end_event(out, "deltas", "t1");
  batch.emit(out, "deltas");
  ASSERT_EQ(out.decoded.size(), 2u);
  size_t changes = 0;
  for (const CountyDelta& delta : out.decoded) {
    EXPECT_LE(delta.changes.size(), CountyDeltaBatch::kMaxChanges + kMetricCount);
    EXPECT_EQ(delta.changes.size() % 5, 0u);  // whole cells
    changes += delta.changes.size();
  }
  EXPECT_EQ(changes, static_cast<size_t>(days) * 5);
}

// The county-stats processor fed by `batch` as the runtime would (in process, no stores).
class County : public runtime::Emitter {
 public:
  County() : county_(options(), nullptr, nullptr) {}
  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    if (topic == "deltas") {
      ++messages;
      EXPECT_EQ(county_.process({inputs::kCountyDeltas, 0, messages, key, value}, *this),
                runtime::Outcome::applied);
    } else {
      lines.push_back(std::string(topic) + " " + std::string(value));
    }
  }
  // Every cell and station record, cells without `revision`.
  std::vector<std::string> tables() {
    lines.clear();
    county_.finish(*this);
    static const std::regex revision(R"(,"revision":[0-9]+)");
    std::vector<std::string> result;
    for (const std::string& line : lines) result.push_back(std::regex_replace(line, revision, ""));
    std::sort(result.begin(), result.end());  // finish() goes in the order of a hash table
    return result;
  }
  int64_t messages = 0;
  std::vector<std::string> lines;

 private:
  static ProcessorOptions options() {
    ProcessorOptions options;
    options.emit_table_updates = false;
    return options;
  }
  CountyStatsProcessor county_;
};

// Random events (cancelling sums, rejected events, repeated as_ofs, stations in a third of
// them), committed at random: at every commit the cells, their as_of and the stations equal
// those of one message per event.
TEST(CountyDeltaSums, CountyStatsEqualThoseOfOneMessagePerEventButRevision) {
  std::mt19937 random(17);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const uint32_t areas[] = {410402, 410403, 410502, 130102};
  const int32_t days[] = {20880, 20881, 20909, 20910, 20940};
  const char* stations[] = {"s1", "s2", "s3"};
  CountyDeltaBatch per_event(/*max_targets=*/0);  // one message per event and area
  CountyDeltaBatch summed(/*max_targets=*/60);
  County reference;
  County county;
  for (int event = 0; event < 5000; ++event) {
    const int adds = pick(6);
    for (int a = 0; a < adds; ++a) {
      const schemas::AreaCode area{areas[pick(4)]};
      const schemas::LocalDate date{days[pick(5)]};
      // A few metrics, so that sums cancel across events.
      const auto metric = static_cast<Metric>(pick(4));
      const int64_t delta = pick(3) - 1;
      for (CountyDeltaBatch* batch : {&per_event, &summed}) {
        switch (a % 3) {
          case 0:
            batch->add_dated(area, date, metric, delta);
            break;
          case 1:
            batch->add_total(area, metric, delta);
            break;
          default:
            batch->add_exact(area, Period::month_of(date), metric, delta);
        }
      }
    }
    if (pick(3) == 0) {
      const schemas::AreaCode area{areas[pick(4)]};
      const schemas::LocalDate date{days[pick(5)]};
      const char* station = stations[pick(3)];
      per_event.use_station(area, date, station);
      summed.use_station(area, date, station);
    }
    if (pick(20) == 0) {  // rejected
      per_event.clear();
      summed.clear();
      continue;
    }
    // Sometimes the as_of of an earlier event again (same occurred_at).
    const std::string as_of = "t" + std::to_string(pick(10) == 0 ? event / 2 : event);
    per_event.end_event(reference, "deltas", as_of);
    summed.end_event(county, "deltas", as_of);
    if (pick(100) == 0) {  // a commit: the tables equal the reference's at every one
      summed.emit(county, "deltas");
      ASSERT_EQ(county.tables(), reference.tables()) << "after event " << event;
    }
  }
  summed.emit(county, "deltas");
  const std::vector<std::string> expected = reference.tables();
  EXPECT_GT(expected.size(), 80u);
  EXPECT_EQ(county.tables(), expected);
  EXPECT_LT(county.messages * 2, reference.messages);
}

// Through the processors: events summed over one commit give the county statistics of one
// commit per event, with fewer county-delta messages.
TEST(CountyDeltaSums, ProcessorsSendTheirSumsAtTheCommit) {
  auto run = [](bool sum_deltas, Pipeline& pipeline) {
    pipeline.sum_deltas = sum_deltas;
    pipeline.send(inputs::kHours, "v-1", registered("e1", "v-1", "410402", true));
    pipeline.send(inputs::kHours, "v-1",
                  submitted("e2", "v-1", "l-1", "410403", "2027-04-30", 90, "neighborhood_watch",
                            "2027-04-30T20:00:00+08:00"));
    pipeline.send(inputs::kHours, "v-1", verified("e3", "v-1", "l-1", 5));
    pipeline.send(inputs::kHours, "v-1", revoked("e4", "v-1", "l-1"));
    pipeline.send(inputs::kActivities, "a-1",
                  activity_at_station("e5", "a-1", "410403", "2027-04-30T09:00:00+08:00", "s1"));
    pipeline.send(inputs::kActivities, "a-1", activity_cancelled("e6", "a-1"));
    pipeline.send(inputs::kNeeds, "n-1",
                  need_posted("e7", "n-1", "410403", "2027-04-30T10:00:00+08:00"));
    pipeline.send(inputs::kNeeds, "n-1", need_claimed("e8", "n-1", "2027-04-30T11:00:00+08:00"));
    pipeline.flush();
  };
  Pipeline per_event;
  Pipeline summed;
  run(false, per_event);
  run(true, summed);
  EXPECT_LT(summed.routed(inputs::kCountyDeltas), per_event.routed(inputs::kCountyDeltas));
  static const std::regex revision(R"(,"revision":[0-9]+)");
  auto cells = [](const Pipeline& pipeline) {
    std::map<std::string, std::string> latest;
    for (const Emitted& e : pipeline.on(outputs::kCountyStats))
      latest[e.key] = std::regex_replace(e.value, revision, "");
    return latest;
  };
  const auto expected = cells(per_event);
  EXPECT_EQ(expected.size(), 7u);
  EXPECT_EQ(cells(summed), expected);
  // The revoked log's day: its metrics net to zero, the cell stays (SPEC §5).
  EXPECT_NE(expected.find("410403/2027-04-30"), expected.end());
  EXPECT_EQ(summed.metric(410403, Period::total(), Metric::stations_active), 1);
  EXPECT_EQ(summed.metric(410400, Period::total(), Metric::needs_claimed), 1);
}

}  // namespace
}  // namespace leifeng::processors::testing
