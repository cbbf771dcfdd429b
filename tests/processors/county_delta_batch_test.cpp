// CountyDeltaBatch against a reference (every delta listed, sorted, summed: the original
// algorithm), the county cell index, and the county fold across store flushes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "harness.hpp"
#include "internal/county_cell_index.hpp"
#include "leifeng/schemas/copy_text.hpp"

namespace leifeng::processors::testing {
namespace {

// Records what a batch emits for the repartition topic: the bytes, and the deltas they decode to.
struct Recorder : runtime::Emitter {
  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    EXPECT_EQ(topic, "deltas");
    encoded.emplace_back(key, value);
    std::vector<CountyDelta> deltas;
    ASSERT_TRUE(decode_county_deltas(value, deltas));
    for (CountyDelta& delta : deltas) decoded.push_back(std::move(delta));
  }
  std::vector<std::pair<std::string, std::string>> encoded;
  std::vector<CountyDelta> decoded;
};

// What emit() sends for `deltas` (in area order): per area one list (format version 3) of them.
std::vector<std::pair<std::string, std::string>> lists_of(const std::vector<CountyDelta>& deltas) {
  std::vector<std::pair<std::string, std::string>> messages;
  CountyDeltaListWriter list;
  for (size_t i = 0; i < deltas.size(); ++i) {
    if (i == 0 || deltas[i].area != deltas[i - 1].area) list.start();
    list.add(encode_county_delta(deltas[i]));
    if (i + 1 == deltas.size() || deltas[i + 1].area != deltas[i].area) {
      messages.emplace_back(deltas[i].area.str(), std::string(list.message()));
    }
  }
  return messages;
}

// The batch's contract spelled out the slow way.
class ReferenceBatch {
 public:
  void add_dated(schemas::AreaCode area, schemas::LocalDate date, Metric metric, int64_t d) {
    for (const Period p : {Period::day(date), Period::month_of(date), Period::total()}) {
      add(area.value, p, metric, d);
      add(area.prefecture().value, p, metric, d);
    }
  }
  void add_total(schemas::AreaCode area, Metric metric, int64_t d) {
    add(area.value, Period::total(), metric, d);
    add(area.prefecture().value, Period::total(), metric, d);
  }
  void add(uint32_t area, Period period, Metric metric, int64_t d) {
    entries_.push_back({area, {period, metric, d}});
  }
  std::vector<CountyDelta> messages(const std::string& as_of) {
    std::stable_sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first, a.second.period, a.second.metric) <
             std::tie(b.first, b.second.period, b.second.metric);
    });
    std::vector<CountyDelta> result;
    for (const auto& [area, change] : entries_) {
      if (result.empty() || result.back().area.value != area) {
        result.push_back({schemas::AreaCode{area}, as_of, {}});
      }
      auto& changes = result.back().changes;
      if (!changes.empty() && changes.back().period == change.period &&
          changes.back().metric == change.metric) {
        changes.back().delta += change.delta;
      } else {
        changes.push_back(change);
      }
    }
    for (auto& message : result) {
      std::erase_if(message.changes, [](const MetricDelta& c) { return c.delta == 0; });
    }
    std::erase_if(result, [](const CountyDelta& m) { return m.changes.empty(); });
    entries_.clear();
    return result;
  }

 private:
  std::vector<std::pair<uint32_t, MetricDelta>> entries_;
};

TEST(CountyDeltaBatch, MatchesSortingEveryDelta) {
  std::mt19937 random(7);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const uint32_t areas[] = {410402, 410403, 410502, 130102};
  const int32_t days[] = {-1, 0, 20880, 20881, 20909, 20910};  // 1969-12-31 .. month ends
  // Reused across events, as in the processors: one that sends each event's messages at once
  // (bound 0: in-process replay) and one that sums (live), here committed after every event.
  CountyDeltaBatch at_once(0);
  CountyDeltaBatch summing;
  for (int event = 0; event < 4000; ++event) {
    CountyDeltaBatch& batch = event % 2 == 0 ? at_once : summing;
    ReferenceBatch reference;
    const int adds = 1 + pick(12);
    schemas::AreaCode area{areas[0]};
    schemas::LocalDate date{days[0]};
    for (int a = 0; a < adds; ++a) {
      if (pick(2) == 0) {  // else several metrics of the same area and date, as processors do
        area = schemas::AreaCode{areas[pick(4)]};
        date = schemas::LocalDate{days[pick(6)]};
      }
      const auto metric = static_cast<Metric>(pick(kMetricCount));
      const int64_t delta = pick(5) - 2;  // zeros and sums that cancel out
      switch (pick(3)) {
        case 0:
          batch.add_dated(area, date, metric, delta);
          reference.add_dated(area, date, metric, delta);
          break;
        case 1:
          batch.add_total(area, metric, delta);
          reference.add_total(area, metric, delta);
          break;
        default: {
          const Period period = pick(2) == 0 ? Period::day(date) : Period::month_of(date);
          batch.add_exact(area, period, metric, delta);
          reference.add(area.value, period, metric, delta);
        }
      }
    }
    const std::string as_of = "t" + std::to_string(event);
    const std::vector<CountyDelta> expected = reference.messages(as_of);
    Recorder out;
    ASSERT_FALSE(batch.empty());
    batch.end_event(out, "deltas", as_of);
    batch.emit(out, "deltas");  // an interval of one event: its deltas as they always were
    EXPECT_TRUE(batch.empty());
    ASSERT_EQ(out.decoded, expected) << "event " << event;
    if (&batch == &at_once) {  // one message per delta
      ASSERT_EQ(out.encoded.size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(out.encoded[i].first, expected[i].area.str());
        EXPECT_EQ(out.encoded[i].second, encode_county_delta(expected[i]));
      }
    } else {  // one list per area
      EXPECT_EQ(out.encoded, lists_of(expected));
    }
  }
}

TEST(CountyDeltaBatch, EncodesTheSameMessagesInOrder) {
  CountyDeltaBatch batch;
  const schemas::AreaCode county{410403};
  const schemas::LocalDate march_5 = *schemas::parse_date("2027-03-05");
  // Out of (area, period, metric) order, with a sum that cancels and one area left empty.
  batch.add_total(county, Metric::needs_open, 1);
  batch.add_exact(schemas::AreaCode{410502}, Period::total(), Metric::needs_open, 2);
  batch.add_exact(schemas::AreaCode{410502}, Period::total(), Metric::needs_open, -2);
  batch.add_dated(county, march_5, Metric::logs_verified, 1);
  batch.add_dated(county, march_5, Metric::logs_submitted, 1);
  batch.add_dated(county, march_5, Metric::logs_submitted, -1);
  Recorder out;
  batch.end_event(out, "deltas", "t1");
  EXPECT_TRUE(out.encoded.empty());  // until the commit
  batch.emit(out, "deltas");
  ASSERT_EQ(out.encoded.size(), 2u);
  const std::vector<MetricDelta> expected = {
      {Period::day(march_5), Metric::logs_verified, 1},
      {Period::month_of(march_5), Metric::logs_verified, 1},
      {Period::total(), Metric::logs_verified, 1},
      {Period::total(), Metric::needs_open, 1},
  };
  EXPECT_EQ(out.encoded,
            lists_of({{schemas::AreaCode{410400}, "t1", expected}, {county, "t1", expected}}));

  // A rejected event's deltas are dropped, not the interval's.
  batch.add_total(county, Metric::needs_open, 1);
  batch.clear();
  EXPECT_TRUE(batch.empty());
  out.encoded.clear();
  batch.end_event(out, "deltas", "t2");
  batch.emit(out, "deltas");
  EXPECT_TRUE(out.encoded.empty());
}

TEST(CountyCellIndex, FindsInsertsGrowsAndClears) {
  CountyCellIndex index;
  std::vector<CountyCell> cells(3 * 200);
  EXPECT_EQ(index.find(410402, Period::total()), nullptr);
  // Same area and value under the three kinds, negative values, enough to grow several times.
  for (int i = 0; i < 200; ++i) {
    const Period periods[] = {{Period::Kind::day, i - 100},
                              {Period::Kind::month, i - 100},
                              {Period::Kind::total, i - 100}};
    for (int k = 0; k < 3; ++k) {
      ASSERT_EQ(index.find(410402, periods[k]), nullptr);
      index.insert(410402, periods[k], &cells[static_cast<size_t>(3 * i + k)]);
    }
  }
  EXPECT_EQ(index.size(), 600u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(index.find(410402, {Period::Kind::month, i - 100}), &cells[3 * i + 1]);
  }
  EXPECT_EQ(index.find(410403, {Period::Kind::month, 0}), nullptr);
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.find(410402, {Period::Kind::month, 0}), nullptr);
  index.insert(410402, Period::total(), &cells[0]);
  EXPECT_EQ(index.find(410402, Period::total()), &cells[0]);
}

// With a backing store (live): cells are cached between flushes, written back at each flush,
// and read back afterwards, including a cell first looked up through find().
TEST(CountyStats, CellsSurviveFlushesWithABackingStore) {
  Pipeline pipeline({}, /*with_stores=*/true);
  const schemas::AreaCode area{410402};
  const Period march = month("2027-03-05");
  auto apply = [&](const char* as_of, int64_t minutes) {
    const CountyDelta delta{area,
                            as_of,
                            {{march, Metric::minutes_verified, minutes},
                             {Period::total(), Metric::minutes_verified, minutes}}};
    EXPECT_EQ(pipeline.send(inputs::kCountyDeltas, area.str(), encode_county_delta(delta)),
              runtime::Outcome::applied);
  };
  apply("t1", 10);
  apply("t2", 5);
  pipeline.flush();
  ASSERT_EQ(pipeline.store(CountyStatsProcessor::kStoreName).data().size(), 2u);
  EXPECT_NE(pipeline.county().find(area, Period::total()), nullptr);  // cached, not dirty
  apply("t3", 1);
  pipeline.flush();
  pipeline.restart();
  const CountyCell* total = pipeline.county().find(area, Period::total());
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->revision, 3);
  EXPECT_EQ(total->as_of, "t3");
  EXPECT_EQ(total->metrics[static_cast<size_t>(Metric::minutes_verified)], 16);
  EXPECT_EQ(pipeline.metric(area.value, march, Metric::minutes_verified), 16);
  // The stored bytes are the TypedStore encoding of the cell.
  for (const auto& [key, bytes] : pipeline.store(CountyStatsProcessor::kStoreName).data()) {
    const CountyCell cell = runtime::TypedStore<CountyCell>::decode(bytes);
    EXPECT_EQ(runtime::TypedStore<CountyCell>::encode(cell), bytes);
    EXPECT_EQ(cell.revision, 3);
  }
}

// copy_text copies ids and timestamps as fixed-size blocks: every size, from every size.
TEST(CopyText, EqualsAssignForEverySizeAndPrevious) {
  const std::string source = "2027-03-05T09:30:00.123456789+08:00|0123456789";
  for (size_t before = 0; before <= 40; ++before) {
    for (size_t size = 0; size <= 40; ++size) {
      std::string to(before, 'x');
      schemas::copy_text(to, std::string_view(source).substr(size % 7, size));
      EXPECT_EQ(to, source.substr(size % 7, size)) << before << " then " << size;
    }
  }
}

}  // namespace
}  // namespace leifeng::processors::testing
