// Interactive queries: read-only access, from any thread, to the stores of the tasks this
// instance owns. A query sees only committed state (what RocksDB holds: never the write buffer
// of an open transaction), and says what it is consistent with: the changelog offset of the
// state it read and `as_of`, the time of the last commit applied to it (or of the end of its
// restore). While the instance is not ready (joining, restoring, rebalancing, stopped) a query
// gets not_ready, never state that may be stale or half restored. The runtime knows no domain:
// keys and values are the bytes the processors stored; the caller decodes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leifeng/runtime/readiness.hpp"

namespace leifeng::runtime {

class TaskStateDb;

// The partition a record with this key goes to: the producer's murmur2 partitioner (the Java
// clients'), which the runtime and leifeng's publisher use; so a key's store partition is the
// partition of the input records keyed by it.
int32_t partition_for_key(std::string_view key, int32_t partitions);

enum class QueryStatus {
  ok,             // read from local committed state (entries may be empty: no such key)
  not_ready,      // the instance is joining, restoring, rebalancing or stopped: retry later
  not_here,       // ready, but another instance owns the partition
  unknown_store,  // no store of that name in the topology
};

struct QueryResult {
  QueryStatus status = QueryStatus::not_ready;
  int32_t partition = -1;
  std::vector<std::pair<std::string, std::string>> entries;  // key, value; in key order
  // Offset of the next changelog record not in the state read; -1 = the store never wrote one.
  int64_t changelog_offset = -1;
  std::string as_of;  // UTC, RFC 3339 with milliseconds
  ReadinessState readiness = ReadinessState::stopped;
  // Read from a standby copy (QueryableState::standby()), not from the owner's state: then
  // `standby_lag` is how many changelog records the copy was behind the changelog's end as of
  // its latest fetch (-1 = not known), and `as_of` when that was.
  bool standby = false;
  int64_t standby_lag = -1;
};

// What a query needs of the state: implemented by QueryableState; tests may bring their own.
class StateReader {
 public:
  virtual ~StateReader() = default;
  // Partitions of the store's changelog (those of its sub-topology's inputs); 0 = not known.
  virtual int32_t partitions(std::string_view store) const = 0;
  // The value of `key` in `partition` of `store`.
  virtual QueryResult get(std::string_view store, int32_t partition,
                          std::string_view key) const = 0;
  // The keys in [from, to] (bytewise order) of `partition` of `store`, at most `limit`.
  virtual QueryResult range(std::string_view store, int32_t partition, std::string_view from,
                            std::string_view to, std::size_t limit) const = 0;
  // Store -> partitions this instance serves now (empty while not ready).
  virtual std::map<std::string, std::vector<int32_t>> owned() const = 0;
  virtual ReadinessState readiness() const = 0;
};

class QueryableState final : public StateReader {
 public:
  // `readiness` (may be null: then only what is published counts) must outlive this.
  explicit QueryableState(const Readiness* readiness = nullptr);
  ~QueryableState() override;

  int32_t partitions(std::string_view store) const override;
  QueryResult get(std::string_view store, int32_t partition, std::string_view key) const override;
  QueryResult range(std::string_view store, int32_t partition, std::string_view from,
                    std::string_view to, std::size_t limit) const override;
  std::map<std::string, std::vector<int32_t>> owned() const override;
  ReadinessState readiness() const override;

  // Called by the runtime on its thread. The store names and partition counts of the
  // topology; a partition's restored state, to be served until withdraw_all(); a committed
  // transaction (as_of of every published partition moves to now).
  void declare_store(const std::string& store, int32_t partitions);
  void publish(const std::string& store, int32_t partition, TaskStateDb& state);
  // Waits for running queries, then serves nothing until the next publish.
  void withdraw_all();
  void committed();
  // The same for the partitions of `states` only: with several stream threads each withdraws
  // and commits its own tasks' partitions.
  void withdraw(const std::vector<const TaskStateDb*>& states);
  void committed(const std::vector<const TaskStateDb*>& states);

  // Standby copies ([runtime] standby_replicas), called on the standby's thread: a copy's
  // state, to be served through standby() until withdrawn; its progress (the changelog's end
  // offset as of the latest fetch, -1 = not known; as_of moves to now); withdraw_standby waits
  // for running reads of that copy.
  void publish_standby(const std::string& store, int32_t partition, TaskStateDb& state);
  void standby_progress(const std::string& store, int32_t partition, int64_t end_offset);
  void withdraw_standby(const std::string& store, int32_t partition);
  // The standby copies as a StateReader: get() and range() read a copy whatever the
  // readiness (a copy is marked as such, never passed off as the owner's state) and answer
  // not_here where there is none; owned() lists the copies.
  const StateReader& standby() const;

 private:
  struct Served;
  class StandbyView;
  QueryResult read(std::string_view store, int32_t partition,
                   const std::function<void(const TaskStateDb&, QueryResult&)>& reader) const;

  const Readiness* readiness_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, int32_t, std::less<>> partitions_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<Served>> served_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<Served>> standby_;
  std::unique_ptr<StandbyView> standby_view_;
};

}  // namespace leifeng::runtime
