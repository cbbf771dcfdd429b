// The ledger's star history (star_history.hpp): each volunteer's latest star changes in the
// store `star-history`, what GET /v1/volunteers/{id}/star-changes answers. It must hold what the
// ledger emitted on the star-changes stream, survive a restart like every store, be the same
// whichever way the state is kept, and be written only when a level changes.
#include <gtest/gtest.h>

#include <map>

#include "harness.hpp"
#include "leifeng/processors/star_history.hpp"

namespace leifeng::processors::testing {
namespace {

using runtime::Outcome;
using History = runtime::TypedStore<StarHistory>;

constexpr const char* kHours = "hours";

DomainConfig small_stars() {
  DomainConfig config;
  config.star_thresholds_hours = {1, 2, 3, 4, 5};
  return config;
}

schemas::StarChange change_to(int32_t level, int n) {
  return {"v1",
          level - 1,
          level,
          60 * level,
          400,
          "e-" + std::to_string(n),
          "2027-03-01T08:00:00+08:00"};
}

TEST(StarHistory, KeepsTheLatestHundredOldestFirstAndCountsThemAll) {
  StarHistory history;
  for (int n = 1; n <= 150; ++n) history.add(change_to(1 + n % 5, n));
  EXPECT_EQ(history.total, 150);
  ASSERT_EQ(history.latest.size(), StarHistory::kKept);
  const auto records = History::decode(History::encode(history)).records("v1");
  ASSERT_EQ(records.size(), 100u);
  EXPECT_EQ(records.front(), change_to(1 + 51 % 5, 51));
  EXPECT_EQ(records.back(), change_to(1 + 150 % 5, 150));
  EXPECT_EQ(records.back().volunteer_id, "v1");
}

// Three level changes of v1 (0→2, 2→3, 3→1) and none of v2.
void send_changes(Pipeline& pipeline) {
  pipeline.send(kHours, "v1", registered("r1", "v1", "410402", true));
  pipeline.send(kHours, "v1", submitted("s1", "v1", "L1", "410402", "2027-03-01", 150));
  pipeline.send(kHours, "v1", verified("c1", "v1", "L1", 4));  // 2.5 h: level 2
  pipeline.send(kHours, "v2", registered("r2", "v2", "410402", false));
  pipeline.send(kHours, "v2", submitted("s2", "v2", "L2", "410402", "2027-03-01", 30));
  pipeline.send(kHours, "v1", submitted("s3", "v1", "L3", "410402", "2027-03-02", 60));
  pipeline.send(kHours, "v1", verified("c3", "v1", "L3", 4));  // 3.5 h: level 3
  pipeline.send(kHours, "v1", revoked("x1", "v1", "L1"));      // 1 h, quality 4: level 1
}

std::vector<schemas::StarChange> emitted_changes(const Pipeline& pipeline) {
  std::vector<schemas::StarChange> changes;
  for (const Emitted& e : pipeline.on(outputs::kStarChanges))
    changes.push_back(*schemas::star_change_from_json(e.value));
  return changes;
}

TEST(LedgerStarHistory, HoldsWhatTheLedgerEmittedAndSurvivesARestart) {
  Pipeline pipeline(small_stars(), /*with_stores=*/true);
  send_changes(pipeline);
  pipeline.flush();
  const auto& stored = pipeline.store(LedgerProcessor::kHistoryStoreName).data();
  ASSERT_EQ(stored.size(), 1u) << "only volunteers whose level changed";
  ASSERT_EQ(stored.begin()->first, "v1");
  auto changes = emitted_changes(pipeline);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[2].to_level, 1);
  StarHistory history = History::decode(stored.begin()->second);
  EXPECT_EQ(history.total, 3);
  EXPECT_EQ(history.records("v1"), changes);

  // A restart (state from the stored bytes only) appends to the stored history.
  pipeline.restart();
  pipeline.send(kHours, "v1", submitted("s4", "v1", "L4", "410402", "2027-03-03", 120));
  pipeline.send(kHours, "v1", verified("c4", "v1", "L4", 5));  // 3 h: level 3
  EXPECT_EQ(pipeline.send(kHours, "v1", verified("c4", "v1", "L4", 5)), Outcome::duplicate);
  pipeline.flush();
  changes = emitted_changes(pipeline);
  ASSERT_EQ(changes.size(), 4u);
  history = History::decode(pipeline.store(LedgerProcessor::kHistoryStoreName).data().at("v1"));
  EXPECT_EQ(history.total, 4);
  EXPECT_EQ(history.records("v1"), changes);
}

// The replays keep state in the processors, the live run and the tests in stores: the same
// history either way.
TEST(LedgerStarHistory, IsTheSameWhereverTheStateIsKept) {
  Pipeline in_stores(small_stars(), /*with_stores=*/true);
  Pipeline in_processors(small_stars(), /*with_stores=*/false);
  send_changes(in_stores);
  send_changes(in_processors);
  const StarHistory* kept = in_processors.ledger().star_history("v1");
  ASSERT_NE(kept, nullptr);
  in_stores.flush();
  EXPECT_EQ(History::encode(*kept),
            in_stores.store(LedgerProcessor::kHistoryStoreName).data().at("v1"));
  EXPECT_EQ(in_processors.ledger().star_history("v2"), nullptr);
}

// A store that counts what is asked of it.
class CountingStore final : public runtime::KeyValueStore {
 public:
  std::optional<std::string> get(std::string_view key) override {
    ++gets;
    auto it = data.find(std::string(key));
    if (it == data.end()) return std::nullopt;
    return it->second;
  }
  void put(std::string_view key, std::string_view value) override {
    ++puts;
    data[std::string(key)] = value;
  }
  void remove(std::string_view key) override { data.erase(std::string(key)); }
  std::map<std::string, std::string> data;
  int gets = 0;
  int puts = 0;
};

class Discard final : public runtime::Emitter {
 public:
  void emit(std::string_view topic, std::string_view, std::string_view) override {
    if (topic == outputs::kStarChanges) ++star_changes;
  }
  int star_changes = 0;
};

TEST(LedgerStarHistory, IsReadAndWrittenOnlyWhenALevelChanges) {
  ProcessorOptions options;
  options.config = small_stars();
  runtime::MemoryStore volunteers;
  CountingStore history;
  Discard out;
  int64_t offset = 0;
  auto send = [&](const std::string& value) {
    auto ledger = std::make_unique<LedgerProcessor>(options, &volunteers, &history);
    ledger->process({kHours, 0, ++offset, std::string_view("v1"), value}, out);
    ledger->flush();
  };
  send(registered("r1", "v1", "410402", true));
  send(submitted("s1", "v1", "L1", "410402", "2027-03-01", 50));
  send(verified("c1", "v1", "L1", 4));  // under an hour: level 0
  send(submitted("s2", "v1", "L2", "410402", "2027-03-02", 50));
  EXPECT_EQ(history.gets + history.puts, 0);
  send(verified("c2", "v1", "L2", 4));  // 100 min: level 1
  EXPECT_EQ(out.star_changes, 1);
  EXPECT_EQ(history.gets, 1);
  EXPECT_EQ(history.puts, 1);
  send(submitted("s3", "v1", "L3", "410402", "2027-03-03", 10));
  send(verified("c3", "v1", "L3", 4));  // 110 min: still level 1
  EXPECT_EQ(history.gets, 1);
  EXPECT_EQ(history.puts, 1);
  send(revoked("x2", "v1", "L2"));  // 60 min: still level 1
  send(revoked("x3", "v1", "L3"));  // 50 min: level 0
  EXPECT_EQ(out.star_changes, 2);
  EXPECT_EQ(history.puts, 2);
  EXPECT_EQ(History::decode(history.data.at("v1")).total, 2);
}

}  // namespace
}  // namespace leifeng::processors::testing
