// The exactly-once streaming runtime: a consumer group reads the topology's inputs, one task
// per input partition runs its processor over RocksDB-backed stores, and every commit interval
// the outputs, changelog records, repartition records and consumed offsets go into one Kafka
// transaction.
//
// Fencing model (KIP-447, librdkafka 2.0.2 against Kafka 3.x): one transactional producer per
// instance, transactional.id = <application_id>-<instance_id>. The instance id is stable across
// restarts of the same instance and unique among live ones (RuntimeOptions::instance_id, by
// default generated once and kept in the state directory; instance_id.hpp), so a
// restarted instance's init_transactions() aborts whatever its crashed predecessor left open
// and fences that zombie's producer. Zombies of partitions that moved to another instance are
// fenced by the consumer group: send_offsets_to_transaction() carries the consumer's group
// metadata (generation), and the broker rejects offsets from an old generation, which aborts
// the zombie's transaction. All consumers, changelog restore included, are read_committed.
//
// Stream threads ([runtime] threads): an instance may run several, each a member of the group
// of its own, with its own consumer, transactional producer and tasks, as if it were an
// instance: the first keeps the instance id, thread k > 1 is "<instance_id>-thread-k" (so its
// transactional.id and group.instance.id are stable across restarts too, and fence its own
// predecessor). The group spreads the tasks over them; they share the metrics, the readiness
// (ready when every thread is) and the queryable state. A restart with fewer threads leaves the
// dropped threads' open transactions to the broker's transaction timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "leifeng/runtime/metrics.hpp"
#include "leifeng/runtime/options.hpp"
#include "leifeng/runtime/readiness.hpp"
#include "leifeng/runtime/stream_topology.hpp"

namespace leifeng::runtime {

class QueryableState;

// What became of the records of one logical input: consumed = applied + duplicates +
// dead_lettered.
struct InputCounts {
  int64_t consumed = 0;
  int64_t applied = 0;
  int64_t duplicates = 0;
  int64_t dead_lettered = 0;

  InputCounts& operator+=(const InputCounts& other) {
    consumed += other.consumed;
    applied += other.applied;
    duplicates += other.duplicates;
    dead_lettered += other.dead_lettered;
    return *this;
  }
  bool operator==(const InputCounts&) const = default;
};

struct StreamRuntimeStats {
  int64_t processed = 0;         // input records processed in committed transactions
  int64_t commits = 0;           // committed transactions
  int64_t aborts = 0;            // aborted transactions
  int64_t restored_records = 0;  // changelog records replayed into local state
  int64_t tasks_wiped = 0;       // tasks whose local state was ahead of the changelog
  int64_t tasks_opened = 0;      // tasks opened (and restored) for an assignment
  int64_t tasks_kept = 0;        // tasks a rebalance gave back while their state stayed open
  // Times the producer and consumer were replaced after a Kafka failure (fenced, fatal
  // transaction state, static member fenced) instead of stopping; see kafka_failure.hpp.
  int64_t client_rebuilds = 0;
  // Records the consumer delivered again below a task's position (already processed) and the
  // tasks skipped; see StreamTask::process.
  int64_t redelivered_skipped = 0;
  // By logical input, its records in committed transactions (the counts the metrics
  // <metric_prefix>records_{consumed,applied,duplicate,dead_lettered}_total report).
  std::map<std::string, InputCounts> inputs;
  // By consumed Kafka topic, over the partitions this instance has: records after the committed
  // position, by the high watermarks of the latest fetches (the <metric_prefix>consumer_lag
  // gauge). As of the latest commit or progress report; empty before the first.
  std::map<std::string, int64_t> lag;
};

// Called on the thread that runs the runtime, with the stats so far.
using ProgressListener = std::function<void(const StreamRuntimeStats&)>;

class StreamRuntime {
 public:
  // `metrics` and `readiness` may be null; `readiness` follows every run (readiness.hpp).
  // Resolves the instance id (resolve_instance_id: options.instance_id, else the one kept in
  // options.state_dir, generated there the first time); throws InstanceIdError. Throws
  // std::invalid_argument for several threads with standby replicas (not built).
  StreamRuntime(Topology topology, RuntimeOptions options, Metrics* metrics = nullptr,
                Readiness* readiness = nullptr);
  ~StreamRuntime();
  StreamRuntime(const StreamRuntime&) = delete;
  StreamRuntime& operator=(const StreamRuntime&) = delete;

  // Processes until `stop` is set, then finishes the current transaction and closes cleanly.
  // A fenced or fatally failed producer or consumer is replaced and the group rejoined
  // (kafka_failure.hpp); throws on errors no new client gets past (authentication,
  // authorisation, configuration), after more than 10 such replacements in 10 minutes (another
  // process with the same instance id), or when a processor threw, after aborting the open
  // transaction.
  void run(const std::atomic<bool>& stop);
  // Processes until everything that was on the external input topics when it started, and
  // everything on the internal repartition topics, is processed and committed by the group
  // (with several threads: until each has found that and processed nothing since). When that
  // already holds it returns at once, without joining the group. Returns false when `stop`
  // came first.
  bool run_until_caught_up(const std::atomic<bool>& stop);

  // Summed over the stream threads.
  StreamRuntimeStats stats() const;
  // Calls `listener` about every `interval` while run() or run_until_caught_up() runs, with
  // the lag as of that moment (a progress line for people, not a metric), on the thread that
  // called run(). Set before running.
  void on_progress(std::chrono::milliseconds interval, ProgressListener listener);
  const std::string& instance_id() const;
  // The first stream thread's (the others': see above).
  const std::string& transactional_id() const;
  int threads() const { return static_cast<int>(threads_.size()); }
  // Serves the committed state of the tasks this instance owns to `queries` (which must
  // outlive the runs): published once restored, withdrawn when revoked or stopping. Set before
  // running.
  void serve_queries(QueryableState& queries);

 private:
  class Impl;  // one stream thread
  struct Shared;
  // One stream thread runs on the caller's thread; several each on their own, while the
  // caller's watches `stop` and reports the progress.
  bool run_threads(const std::atomic<bool>& stop, bool until_caught_up);

  std::vector<std::unique_ptr<Impl>> threads_;
  std::unique_ptr<Shared> shared_;
};

// The stream threads `options` asks for: [runtime] threads, else the number of cores.
int stream_threads(const RuntimeOptions& options);

// Where the runtime keeps an application's local state: <state_dir>/<application_id>, one
// RocksDB directory per task below it. Deleting it makes the next run restore from changelogs.
std::filesystem::path application_state_dir(const Topology& topology,
                                            const RuntimeOptions& options);
// The consumer group the runtime joins and commits its input offsets in (the application id).
std::string consumer_group_id(const Topology& topology);

// Installs SIGTERM and SIGINT handlers that set the returned flag (once per process).
const std::atomic<bool>& stop_on_termination_signals();

}  // namespace leifeng::runtime
