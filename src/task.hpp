// One task: a sub-topology's processor for one partition number of its co-partitioned inputs,
// with its own stores (TaskStateDb) and changelog partitions. The runtime drives it through
// process() and the commit protocol: prepare_commit() (processor flush, table and changelog
// records; the runtime calls its parts across all tasks), then after the Kafka transaction
// committed() or aborted().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/processor.hpp"
#include "leifeng/runtime/stream_runtime.hpp"
#include "leifeng/runtime/stream_topology.hpp"
#include "state_db.hpp"

namespace leifeng::runtime {

struct TaskId {
  std::size_t subtopology = 0;
  int32_t partition = 0;
  auto operator<=>(const TaskId&) const = default;
};

// Where a task's records go: the runtime's transactional producer.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // `partition` < 0 partitions by key. `value` nullopt is a tombstone. When `delivered` is not
  // null, the sink raises *delivered to the record's offset + 1 once the broker acknowledged it.
  virtual void send(const std::string& topic, int32_t partition, std::string_view key,
                    std::optional<std::string_view> value, int64_t* delivered) = 0;
};

class StreamTask final : public TaskContext {
 public:
  StreamTask(TaskId id, const Topology& topology, const std::filesystem::path& state_root,
             RecordSink& sink);
  ~StreamTask() override;

  // "<processor>_<partition>", also the state directory name.
  static std::string name_of(const Topology& topology, TaskId id);
  const std::string& name() const { return name_; }
  TaskId id() const { return id_; }

  int32_t partition() const override { return id_.partition; }
  KeyValueStore* store(std::string_view name) override;

  TaskStateDb& state() { return *state_; }
  // Store name -> changelog topic.
  const std::map<std::string, std::string>& changelogs() const { return changelogs_; }

  // Where consumption of `topic` resumes: the group's committed offset (negative = none).
  void set_committed_offset(const std::string& topic, int64_t offset);
  std::map<std::string, int64_t> committed_offsets() const;
  // Calls f(kafka_topic, offset) per consumed topic: the next offset to process, or the
  // committed one while nothing of it has been processed.
  template <class F>
  void for_each_next_offset(F&& f) const {
    for (const auto& [topic, position] : positions_)
      f(topic, position.next >= 0 ? position.next : position.committed);
  }

  // Creates the processor; call after the stores are restored.
  void start();
  // A committed task kept open across a rebalance (kept_tasks.hpp), taken over by its keeper
  // or a sibling stream thread: its records go to `sink` from now on. The topology it refers
  // to stays the keeper's, an equal copy that lives as long as the StreamRuntime.
  void move_to(RecordSink& sink);
  // The processor's outcome, or nullopt for a record below the task's position in its
  // partition: one the consumer delivered again after it was processed (librdkafka 2.0.2 can
  // restart a partition's fetch from an earlier offset), which must not be applied twice.
  std::optional<Outcome> process(const std::string& kafka_topic, const InputRecord& record);
  // Processor::prefetch_key for a record polled ahead of the one processed.
  void prefetch(std::string_view key, int step, size_t& key_hash) const {
    if (processor_) processor_->prefetch_key(key, step, key_hash);
  }
  // The consumer reached the end of `topic` at `end_offset` (past control records). Returns
  // whether that moved the position past the committed offset (a commit is then due).
  bool reached_end(const std::string& topic, int64_t end_offset);

  // Whether there is anything to commit (processed records, positions or state writes).
  bool has_uncommitted() const;
  // Lets the processor emit what it computes at a commit and flush its caches into the stores,
  // then sends the waiting table records (see Topology::table_output) and the stores' writes to
  // the changelogs: before_commit(), flush_caches(), send_tables() and send_changelogs(). The
  // runtime calls the parts itself, each across all its tasks.
  void prepare_commit();
  void before_commit();
  void flush_caches();
  void send_tables();
  // Which of the stores' pending writes send_changelogs() sends: all, or the first record of
  // each store's changelog, or all but that first. After flush_caches(), which works out their
  // order; `all` and `rest` end the commit's sending.
  enum class ChangelogRecords { all, first, rest };
  void send_changelogs(ChangelogRecords which);
  // Offsets to commit in the transaction: topic -> next offset to consume.
  std::map<std::string, int64_t> offsets_to_commit() const;
  // The transaction committed: apply buffered writes with their changelog offsets.
  void committed();
  // The transaction aborted: drop buffered writes and table records, and recreate the
  // processor so its caches go.
  void aborted();

  // Outcome counts per logical input since the last call; resets them.
  std::map<std::string, InputCounts, std::less<>> take_counts();

 private:
  class TaskEmitter;
  struct Position {
    int64_t committed = -1;  // next offset per the group's last commit; -1 = none
    int64_t next = -1;       // next offset after what this task has processed; -1 = none
  };

  TaskId id_;
  const Topology& topology_;
  const SubTopology& sub_;
  std::string name_;
  RecordSink* sink_;
  std::unique_ptr<TaskStateDb> state_;
  std::unique_ptr<TaskEmitter> emitter_;
  std::unique_ptr<Processor> processor_;
  std::map<std::string, std::string> changelogs_;
  // Store -> offset + 1 of its last changelog record delivered in this transaction (-1: none).
  std::map<std::string, int64_t, std::less<>> delivered_;
  std::map<std::string, Position, std::less<>> positions_;
  std::map<std::string, InputCounts, std::less<>> counts_;
  // The entries of the last record's topic: inputs come in runs from one topic, and two map
  // lookups by a long name (plus a string for counts_) per record showed in the profile.
  // Cleared with counts_; positions_ only ever grows.
  struct LastInput {
    const std::string* kafka_topic = nullptr;  // key in positions_
    const std::string* topic = nullptr;        // key in counts_
    Position* position = nullptr;
    InputCounts* counts = nullptr;
  };
  LastInput last_;
  // Per changelog (in changelogs_' order), the order of its records for this commit, worked out
  // by flush_caches(). Cleared by send_changelogs(all or rest), committed() and aborted().
  std::vector<std::vector<BufferedStore::PendingWrites::const_pointer>> changelog_orders_;
};

}  // namespace leifeng::runtime
