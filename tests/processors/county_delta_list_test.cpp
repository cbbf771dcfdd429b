// The county-deltas stream's list format (version 3): an area's deltas of one commit interval in
// one message, read whole before any is applied (SPEC §5, as built; issue 17).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.hpp"

namespace leifeng::processors::testing {
namespace {

const schemas::AreaCode kCounty{410403};
const schemas::LocalDate kMarch5{20882};

CountyDelta delta(schemas::AreaCode area, std::string as_of, int64_t submitted) {
  return {area, std::move(as_of), {{Period::day(kMarch5), Metric::logs_submitted, submitted}}};
}

std::string list_of(const std::vector<CountyDelta>& deltas) {
  CountyDeltaListWriter list;
  list.start();
  for (const CountyDelta& d : deltas) list.add(encode_county_delta(d));
  EXPECT_EQ(list.size(), deltas.size());
  return std::string(list.message());
}

TEST(CountyDeltaList, WritesTheDocumentedBytes) {
  const std::string one = encode_county_delta(delta(kCounty, "t", 1));
  ASSERT_EQ(one.size(), 24u);  // header 7, as_of 1, count 2, one change 14
  EXPECT_EQ(list_of({delta(kCounty, "t", 1), delta(kCounty, "t", 1)}),
            std::string("\x03\x02\x00", 3) + std::string("\x18\x00\x00\x00", 4) + one +
                std::string("\x18\x00\x00\x00", 4) + one);
}

TEST(CountyDeltaList, ReadsEveryDeltaInOrderAndSingleDeltasToo) {
  CountyDelta with_station = delta(kCounty, "t3", 2);
  with_station.station = StationUse{kMarch5, "s1"};
  const std::vector<CountyDelta> deltas = {delta(kCounty, "t1", 1), delta(kCounty, "t2", -1),
                                           with_station};
  std::vector<CountyDelta> read;
  ASSERT_TRUE(decode_county_deltas(list_of(deltas), read));
  EXPECT_EQ(read, deltas);
  ASSERT_TRUE(decode_county_deltas(encode_county_delta(with_station), read));
  EXPECT_EQ(read, std::vector<CountyDelta>{with_station});

  // Reused: a list, then a single delta, then a shorter list. It reads the bytes in place, so
  // they must outlive what it reads.
  CountyDeltaMessage message;
  const std::string list = list_of(deltas);
  ASSERT_TRUE(message.open(list));
  EXPECT_EQ(message.size(), 3u);
  EXPECT_EQ(message[2].station_id(), "s1");
  const std::string single = encode_county_delta(deltas[1]);
  ASSERT_TRUE(message.open(single));
  EXPECT_EQ(message.size(), 1u);
  EXPECT_EQ(message[0].as_of(), "t2");
  const std::string shorter = list_of({deltas[2], deltas[0]});
  ASSERT_TRUE(message.open(shorter));
  EXPECT_EQ(message.size(), 2u);
  EXPECT_EQ(message[0].station_id(), "s1");
  EXPECT_FALSE(message[1].has_station());
  EXPECT_EQ(message[1].as_of(), "t1");
}

TEST(CountyDeltaList, RejectsWhatItDidNotWrite) {
  const std::string list = list_of({delta(kCounty, "t1", 1), delta(kCounty, "t2", 1)});
  CountyDeltaMessage message;
  EXPECT_TRUE(message.open(list));
  EXPECT_FALSE(message.open(""));
  EXPECT_FALSE(message.open(std::string("\x03\x00\x00", 3)));  // an empty list is never sent
  EXPECT_FALSE(message.open(list.substr(0, list.size() - 1)));
  EXPECT_FALSE(message.open(list + "x"));
  std::string claims_three = list;
  claims_three[1] = '\x03';
  EXPECT_FALSE(message.open(claims_three));
  std::string bad_metric = list;
  // The first delta's change: after the list header (3), its size (4) and the delta's header
  // (version 1, area 4, as_of 2 + 2, count 2), its period (5), then the metric.
  bad_metric[3 + 4 + 11 + 5] = static_cast<char>(kMetricCount);
  EXPECT_FALSE(message.open(bad_metric));
  // Deltas of one area only (the message's key and partition), and no list in a list.
  EXPECT_FALSE(message.open(list_of({delta(kCounty, "t1", 1), delta({410402}, "t2", 1)})));
  CountyDeltaListWriter nested;
  nested.start();
  nested.add(list);
  EXPECT_FALSE(message.open(nested.message()));
}

// A long commit interval sends an area's deltas in several lists, none past kMaxListBytes, all
// of them in order.
TEST(CountyDeltaList, ABatchSplitsAnAreasDeltasAtTheListBound) {
  CountyDeltaBatch batch(/*max_targets=*/100000);
  struct Lists : runtime::Emitter {
    void emit(std::string_view, std::string_view key, std::string_view value) override {
      EXPECT_EQ(key, "410403");
      EXPECT_LE(value.size(), CountyDeltaBatch::kMaxListBytes);
      sizes.push_back(value.size());
      std::vector<CountyDelta> deltas;
      ASSERT_TRUE(decode_county_deltas(value, deltas));
      for (CountyDelta& d : deltas) all.push_back(std::move(d));
    }
    std::vector<size_t> sizes;
    std::vector<CountyDelta> all;
  } out;
  const int events = 12000;  // a day each, so a delta each: about 40 bytes in a list
  for (int event = 0; event < events; ++event) {
    batch.add_exact(kCounty, Period::day(schemas::LocalDate{event}), Metric::logs_submitted, 1);
    batch.end_event(out, "deltas", "t" + std::to_string(event));
  }
  EXPECT_TRUE(out.all.empty());
  batch.emit(out, "deltas");
  ASSERT_GE(out.sizes.size(), 2u);
  EXPECT_GT(out.sizes[0], CountyDeltaBatch::kMaxListBytes - 100);
  ASSERT_EQ(out.all.size(), static_cast<size_t>(events));
  for (int event = 0; event < events; ++event) {
    EXPECT_EQ(out.all[event].as_of, "t" + std::to_string(event));
  }
}

// The county-stats processor makes of a list what it makes of its deltas one message each,
// `revision` included; a list with a delta it cannot read is dead-lettered whole.
TEST(CountyDeltaList, CountyStatsApplyAListAsTheDeltasOneByOne) {
  const std::vector<CountyDelta> deltas = {delta(kCounty, "t1", 2), delta(kCounty, "t2", -1),
                                           delta(kCounty, "t3", 4)};
  Pipeline one_by_one;
  for (const CountyDelta& d : deltas) {
    EXPECT_EQ(one_by_one.send_deltas(d), runtime::Outcome::applied);
  }
  Pipeline listed;
  EXPECT_EQ(listed.send(inputs::kCountyDeltas, kCounty.str(), list_of(deltas)),
            runtime::Outcome::applied);
  const CountyCell* expected = one_by_one.county().find(kCounty, Period::day(kMarch5));
  const CountyCell* got = listed.county().find(kCounty, Period::day(kMarch5));
  ASSERT_NE(expected, nullptr);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->metrics, expected->metrics);
  EXPECT_EQ(got->revision, 3);
  EXPECT_EQ(got->revision, expected->revision);
  EXPECT_EQ(got->as_of, "t3");
  EXPECT_EQ(listed.metric(kCounty.value, Period::day(kMarch5), Metric::logs_submitted), 5);

  // The second delta's metric: after the first delta (4 + 25 bytes), as above.
  std::string bad = list_of({delta(kCounty, "t4", 10), delta(kCounty, "t5", 10)});
  bad[3 + 4 + 25 + 4 + 11 + 5] = static_cast<char>(kMetricCount);
  const std::string key = kCounty.str();
  const runtime::InputRecord record{inputs::kCountyDeltas, 0, 9, key, bad};
  EXPECT_EQ(listed.county().process(record, listed), runtime::Outcome::dead_lettered);
  ASSERT_TRUE(listed.last_dead_letter());
  EXPECT_EQ(listed.last_dead_letter()->reason, schemas::Reason::malformed);
  EXPECT_EQ(listed.metric(kCounty.value, Period::day(kMarch5), Metric::logs_submitted), 5);
  bad[3 + 4 + 25 + 4 + 11 + 5] = static_cast<char>(Metric::logs_submitted);
  EXPECT_EQ(listed.county().process(record, listed), runtime::Outcome::applied);
  EXPECT_EQ(listed.metric(kCounty.value, Period::day(kMarch5), Metric::logs_submitted), 25);
}

}  // namespace
}  // namespace leifeng::processors::testing
