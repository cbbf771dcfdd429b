// StreamTask's outputs without a broker: stream records go out as they are emitted, table
// records (Topology::table_output) wait for the commit, one per key with its last value.
#include "task.hpp"

#include "leifeng/runtime/stored_chunks.hpp"
#include "leifeng/runtime/typed_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cereal/types/string.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;

struct Sent {
  std::string topic;
  std::string key;
  std::string value;
  friend bool operator==(const Sent&, const Sent&) = default;
};

class RecordingSink : public RecordSink {
 public:
  void send(const std::string& topic, int32_t, std::string_view key,
            std::optional<std::string_view> value, int64_t*) override {
    sent.push_back({topic, std::string(key), std::string(value.value_or("<tombstone>"))});
  }
  std::vector<Sent> sent;
};

// Each input "key=value" becomes a row of the table and an entry of the stream.
class TableAndStream : public Processor {
 public:
  Outcome process(const InputRecord& record, Emitter& out) override {
    out.emit("table", *record.key, record.value);
    out.emit("stream", *record.key, record.value);
    return Outcome::applied;
  }
};

class TaskOutputs : public ::testing::Test {
 protected:
  TaskOutputs()
      : dir_(fs::temp_directory_path() / ("leifeng-task-test-" + std::to_string(getpid()))) {
    topology_.input("events", "in.v1")
        .table_output("table", "table.v1")
        .output("stream", "stream.v1")
        .processor("p", {"events"}, {},
                   [](TaskContext&) { return std::make_unique<TableAndStream>(); });
    task_ = std::make_unique<StreamTask>(TaskId{0, 0}, topology_, dir_, sink_);
    task_->start();
  }
  ~TaskOutputs() override {
    task_.reset();
    fs::remove_all(dir_);
  }
  void process(int64_t offset, std::string_view key, std::string_view value) {
    task_->process("in.v1", InputRecord{"events", 0, offset, key, value});
  }
  std::vector<Sent> sent_to(const std::string& topic) const {
    std::vector<Sent> sent;
    for (const Sent& s : sink_.sent) {
      if (s.topic == topic) sent.push_back(s);
    }
    return sent;
  }

  fs::path dir_;
  Topology topology_{"app"};
  RecordingSink sink_;
  std::unique_ptr<StreamTask> task_;
};

TEST_F(TaskOutputs, TableRecordsWaitForTheCommitOnePerKeyWithItsLastValue) {
  EXPECT_TRUE(topology_.is_table_output("table"));
  EXPECT_FALSE(topology_.is_table_output("stream"));
  process(0, "a", "a1");
  process(1, "b", "b1");
  process(2, "a", "a2");
  EXPECT_EQ(sent_to("stream.v1"),
            (std::vector<Sent>{
                {"stream.v1", "a", "a1"}, {"stream.v1", "b", "b1"}, {"stream.v1", "a", "a2"}}));
  EXPECT_TRUE(sent_to("table.v1").empty());
  task_->prepare_commit();
  EXPECT_EQ(sent_to("table.v1"),
            (std::vector<Sent>{{"table.v1", "a", "a2"}, {"table.v1", "b", "b1"}}));
  task_->committed();
  // The next transaction starts empty.
  process(3, "b", "b2");
  task_->prepare_commit();
  ASSERT_EQ(sent_to("table.v1").size(), 3u);
  EXPECT_EQ(sent_to("table.v1").back(), (Sent{"table.v1", "b", "b2"}));
}

// A committed task handed to another stream thread (KeptTasks) sends through that one's sink.
TEST_F(TaskOutputs, ATaskMovedToAnotherSinkSendsThere) {
  process(0, "a", "a1");
  task_->prepare_commit();
  task_->committed();
  RecordingSink other;
  task_->move_to(other);
  task_->start();
  const size_t before = sink_.sent.size();
  process(1, "b", "b1");
  task_->prepare_commit();
  EXPECT_EQ(sink_.sent.size(), before);
  EXPECT_EQ(other.sent, (std::vector<Sent>{{"stream.v1", "b", "b1"}, {"table.v1", "b", "b1"}}));
}

TEST_F(TaskOutputs, AnAbortedTransactionsTableRecordsAreNeverSent) {
  process(0, "a", "a1");
  task_->aborted();
  task_->prepare_commit();
  EXPECT_TRUE(sent_to("table.v1").empty());
  process(0, "a", "a1-again");
  task_->prepare_commit();
  EXPECT_EQ(sent_to("table.v1"), (std::vector<Sent>{{"table.v1", "a", "a1-again"}}));
}

// Outcomes by the input's value: "dup" a duplicate, "bad" dead-lettered, anything else applied.
class ByValue : public Processor {
 public:
  Outcome process(const InputRecord& record, Emitter&) override {
    if (record.value == "dup") return Outcome::duplicate;
    if (record.value == "bad") return Outcome::dead_lettered;
    return Outcome::applied;
  }
};

// A task of one processor (ByValue) reading two topics, "events" (in.v1) and "others"
// (other.v1); the test starts it.
class TaskPositions : public ::testing::Test {
 protected:
  TaskPositions()
      : dir_(fs::temp_directory_path() / ("leifeng-task-positions-" + std::to_string(getpid()))) {
    topology_.input("events", "in.v1")
        .input("others", "other.v1")
        .processor("p", {"events", "others"}, {},
                   [](TaskContext&) { return std::make_unique<ByValue>(); });
    task = std::make_unique<StreamTask>(TaskId{0, 0}, topology_, dir_, sink_);
  }
  ~TaskPositions() override {
    task.reset();
    fs::remove_all(dir_);
  }
  std::optional<Outcome> event(int64_t offset, std::string_view value) {
    return task->process("in.v1", InputRecord{"events", 0, offset, "k", value});
  }
  std::optional<Outcome> other(int64_t offset, std::string_view value) {
    return task->process("other.v1", InputRecord{"others", 0, offset, "k", value});
  }

  fs::path dir_;
  Topology topology_{"app"};
  RecordingSink sink_;
  std::unique_ptr<StreamTask> task;
};

// Records come in runs from one topic (the task keeps the last run's entries at hand): each
// record still moves its own topic's position and counts, across topics, commits and aborts.
TEST_F(TaskPositions, EachRecordCountsAndAdvancesItsOwnTopicAcrossCommitsAndAborts) {
  task->start();
  using Offsets = std::map<std::string, int64_t>;
  auto counted = [&] {
    std::map<std::string, std::vector<int64_t>> counts;
    for (const auto& [input, c] : task->take_counts())
      counts[input] = {c.consumed, c.applied, c.duplicates, c.dead_lettered};
    return counts;
  };
  using Counts = std::map<std::string, std::vector<int64_t>>;

  event(0, "a");
  event(1, "dup");
  other(7, "bad");
  event(2, "b");
  other(8, "c");
  EXPECT_EQ(task->offsets_to_commit(), (Offsets{{"in.v1", 3}, {"other.v1", 9}}));
  EXPECT_EQ(counted(), (Counts{{"events", {3, 2, 1, 0}}, {"others", {2, 1, 0, 1}}}));
  task->prepare_commit();
  task->committed();
  EXPECT_TRUE(task->offsets_to_commit().empty());

  // After the counts were taken, the same topic again: counted anew.
  other(9, "d");
  EXPECT_EQ(counted(), (Counts{{"others", {1, 1, 0, 0}}}));
  other(10, "e");
  event(3, "bad");
  task->aborted();  // takes back the counts and the positions of the aborted records
  EXPECT_TRUE(counted().empty());
  EXPECT_TRUE(task->offsets_to_commit().empty());
  event(3, "f");
  other(9, "dup");
  EXPECT_EQ(task->offsets_to_commit(), (Offsets{{"in.v1", 4}, {"other.v1", 10}}));
  EXPECT_EQ(counted(), (Counts{{"events", {1, 1, 0, 0}}, {"others", {1, 0, 1, 0}}}));
}

// The consumer can deliver a partition's records again after they were processed (librdkafka
// 2.0.2 restarting a fetch from an earlier offset; county deltas were counted twice in CI): a
// record below its topic's position, whether committed or in the open transaction, is skipped
// and not counted. An abort moves the position back, and the records after the commit count.
TEST_F(TaskPositions, ARecordDeliveredAgainBelowItsTopicsPositionIsSkipped) {
  task->set_committed_offset("in.v1", 10);  // the group's committed offset at the assignment
  task->start();
  auto consumed = [&] {
    int64_t n = 0;
    for (const auto& [input, c] : task->take_counts()) n += c.consumed;
    return n;
  };
  using Offsets = std::map<std::string, int64_t>;

  // Below the committed offset: processed by an earlier owner.
  EXPECT_EQ(event(0, "a"), std::nullopt);
  EXPECT_EQ(event(9, "a"), std::nullopt);
  EXPECT_EQ(consumed(), 0);
  EXPECT_TRUE(task->offsets_to_commit().empty());
  EXPECT_EQ(event(10, "a"), Outcome::applied);
  EXPECT_EQ(event(11, "dup"), Outcome::duplicate);
  // Again within the open transaction.
  EXPECT_EQ(event(10, "a"), std::nullopt);
  EXPECT_EQ(event(11, "a"), std::nullopt);
  EXPECT_EQ(event(12, "bad"), Outcome::dead_lettered);
  EXPECT_EQ(consumed(), 3);
  // Another topic has its own position.
  EXPECT_EQ(other(0, "a"), Outcome::applied);
  EXPECT_EQ(task->offsets_to_commit(), (Offsets{{"in.v1", 13}, {"other.v1", 1}}));
  task->prepare_commit();
  task->committed();
  // Again after the commit.
  EXPECT_EQ(event(12, "a"), std::nullopt);
  EXPECT_TRUE(task->offsets_to_commit().empty());
  EXPECT_EQ(event(13, "a"), Outcome::applied);
  EXPECT_EQ(event(14, "a"), Outcome::applied);
  // An abort rewinds to the commit: 13 and 14 are processed again, 12 still is not.
  task->aborted();
  EXPECT_EQ(event(12, "a"), std::nullopt);
  EXPECT_EQ(event(13, "a"), Outcome::applied);
  EXPECT_EQ(event(14, "a"), Outcome::applied);
  EXPECT_EQ(consumed(), 2);
  EXPECT_EQ(task->offsets_to_commit(), (Offsets{{"in.v1", 15}}));
}

// Each input's value, repeated to `key`'s length in KiB when the key is a number, is stored
// under the input's key in store "values" (a changelog: app-values-changelog).
class LargeValues : public Processor {
 public:
  explicit LargeValues(TaskContext& context) : values_(context.store("values")) {}
  Outcome process(const InputRecord& record, Emitter&) override {
    std::string value;
    for (int i = 0; value.size() < 1024 * std::stoul(std::string(record.value)); ++i)
      value += std::to_string(i * 7919) + ";";
    values_.upsert(*record.key) = value;
    return Outcome::applied;
  }
  void flush() override { values_.flush(); }

 private:
  TypedStore<std::string> values_;
};

// The changelog of a commit that stores a value in pieces carries its new pieces first, then
// the manifest and the other keys, then the removals of the pieces it no longer names: a
// standby copy or a restore that stops anywhere in between finds every piece a manifest names.
TEST(TaskChangelog, NewPiecesPrecedeTheirManifestAndReplacedPiecesAreRemovedAfterIt) {
  const fs::path dir =
      fs::temp_directory_path() / ("leifeng-task-pieces-test-" + std::to_string(getpid()));
  Topology topology("app");
  topology.input("events", "in.v1").processor("p", {"events"}, {"values"}, [](TaskContext& c) {
    return std::make_unique<LargeValues>(c);
  });
  RecordingSink sink;
  auto task = std::make_unique<StreamTask>(TaskId{0, 0}, topology, dir, sink);
  task->start();
  auto changelog_order = [&] {
    // 'p' for a piece, 'm' for a manifest, 'v' for a whole value, 'r' for a removed piece.
    std::string order;
    for (const Sent& sent : sink.sent) {
      if (sent.topic != "app-values-changelog") continue;
      const bool piece = sent.key.find('\0') != std::string::npos;  // "b\0<hash>"
      if (sent.value == "<tombstone>") {
        order += piece ? 'r' : '-';
      } else {
        order += piece ? 'p' : (stored_chunks::is_manifest(sent.value) ? 'm' : 'v');
      }
    }
    sink.sent.clear();
    return order;
  };
  task->process("in.v1", InputRecord{"events", 0, 0, "a", "1"});
  task->process("in.v1", InputRecord{"events", 0, 1, "b", "400"});
  task->prepare_commit();
  task->committed();
  const std::string first = changelog_order();
  EXPECT_EQ(first, std::string(first.size() - 2, 'p') + "vm") << first;  // "a", then "b"
  EXPECT_GT(first.size(), 8u);

  task->process("in.v1", InputRecord{"events", 0, 2, "b", "300"});  // shorter: pieces change
  task->prepare_commit();
  task->committed();
  const std::string second = changelog_order();
  const size_t manifest = second.find('m');
  ASSERT_NE(manifest, std::string::npos) << second;
  EXPECT_EQ(second.substr(0, manifest).find_first_not_of('p'), std::string::npos) << second;
  EXPECT_GT(second.size() - manifest - 1, 0u) << "replaced pieces are removed: " << second;
  EXPECT_EQ(second.substr(manifest + 1).find_first_not_of('r'), std::string::npos) << second;
  task.reset();
  fs::remove_all(dir);
}

// LargeValues' writes, and each input's value as it came in store "raw".
class LargeAndRawValues : public LargeValues {
 public:
  explicit LargeAndRawValues(TaskContext& context)
      : LargeValues(context), raw_(context.store("raw")) {}
  Outcome process(const InputRecord& record, Emitter& out) override {
    raw_.upsert(*record.key) = std::string(record.value);
    return LargeValues::process(record, out);
  }
  void flush() override {
    LargeValues::flush();
    raw_.flush();
  }

 private:
  TypedStore<std::string> raw_;
};

// The runtime sends the first record of every changelog before the others (so that librdkafka
// registers their partitions with the transaction together): split that way, each changelog
// still gets the same records in the same order as from prepare_commit().
TEST(TaskChangelog, TheFirstRecordOfEachChangelogThenTheRestAreTheRecordsOfPrepareCommit) {
  const fs::path dir =
      fs::temp_directory_path() / ("leifeng-task-split-test-" + std::to_string(getpid()));
  Topology topology("app");
  topology.input("events", "in.v1")
      .processor("p", {"events"}, {"values", "raw"},
                 [](TaskContext& c) { return std::make_unique<LargeAndRawValues>(c); });
  RecordingSink whole_sink;
  RecordingSink split_sink;
  auto whole = std::make_unique<StreamTask>(TaskId{0, 0}, topology, dir / "whole", whole_sink);
  auto split = std::make_unique<StreamTask>(TaskId{0, 0}, topology, dir / "split", split_sink);
  whole->start();
  split->start();
  auto by_topic = [](const std::vector<Sent>& sent) {
    std::map<std::string, std::vector<Sent>> topics;
    for (const Sent& s : sent) topics[s.topic].push_back(s);
    return topics;
  };
  // The second commit replaces "b"'s pieces: new pieces, a manifest and removals.
  int64_t offset = 0;
  for (const auto& inputs :
       {std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "400"}, {"c", "2"}},
        {{"b", "300"}, {"d", "3"}}}) {
    for (const auto& [key, value] : inputs) {
      whole->process("in.v1", InputRecord{"events", 0, offset, key, value});
      split->process("in.v1", InputRecord{"events", 0, offset, key, value});
      ++offset;
    }
    whole->prepare_commit();
    split->before_commit();
    split->flush_caches();
    split->send_changelogs(StreamTask::ChangelogRecords::first);
    const auto firsts = by_topic(split_sink.sent);
    const auto all = by_topic(whole_sink.sent);
    ASSERT_EQ(firsts.size(), 2u);
    for (const auto& [topic, sent] : firsts) {
      ASSERT_EQ(sent.size(), 1u) << topic;
      ASSERT_GT(all.at(topic).size(), 1u) << topic;
      EXPECT_EQ(sent.front(), all.at(topic).front()) << topic;
    }
    split->send_tables();
    split->send_changelogs(StreamTask::ChangelogRecords::rest);
    EXPECT_EQ(by_topic(split_sink.sent), all);
    whole->committed();
    split->committed();
    whole_sink.sent.clear();
    split_sink.sent.clear();
  }
  whole.reset();
  split.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace leifeng::runtime
