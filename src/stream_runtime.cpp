#include "leifeng/runtime/stream_runtime.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <exception>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "caught_up_barrier.hpp"
#include "changelog_restorer.hpp"
#include "commit_pacer.hpp"
#include "join_order.hpp"
#include "kafka_failure.hpp"
#include "kept_tasks.hpp"
#include "leifeng/runtime/instance_id.hpp"
#include "leifeng/runtime/kafka_client.hpp"
#include "leifeng/runtime/kafka_connection_state.hpp"
#include "leifeng/runtime/logging.hpp"
#include "leifeng/runtime/queryable_state.hpp"
#include "leifeng/runtime/topic_admin.hpp"
#include "offset_lookup.hpp"
#include "rdkafka_ptr.hpp"
#include "rebalance.hpp"
#include "standby_placement.hpp"
#include "standby_replicas.hpp"
#include "task.hpp"

namespace leifeng::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// How long one Kafka call may block before the runtime gives up on it.
constexpr int kKafkaTimeoutMs = 60000;
// Long enough to ride out a broker's failure: KRaft notices a dead broker after
// broker.session.timeout.ms (9 s) and only then moves its leaderships, so records to a dead
// leader wait ~10 s (message.timeout.ms is this too), and the broker aborts (and fences) a
// transaction older than this. The cost: an instance that crashed and does not come back holds
// read_committed readers of its partitions until the broker aborts its open transaction; a
// restarted one aborts it at once (init_transactions).
constexpr const char* kTransactionTimeoutMs = "30000";
// Longest time the broker holds a fetch of the runtime's consumer; see connect().
constexpr const char* kConsumerFetchWaitMs = "20";
// How often run_until_caught_up asks the broker whether the group is done, once local
// positions say it may be (three requests, none behind a fetch).
constexpr auto kCaughtUpCheckInterval = std::chrono::milliseconds(50);
// The longest consume() wait, so the loop still notices `stop` and the caught-up check.
constexpr int kIdlePollMs = 100;
// The first stream thread, alone in the group with every partition at its first assignment,
// leaves its tasks closed until the rebalance its siblings' joins bring (join_order.hpp), or
// this long: opened, they were closed again at once. Its heartbeat learnt of that rebalance
// about 20 ms after the assignment, but the revocation was delivered only after the thread had
// opened and restored all the tasks, 0.3-0.5 s of a fresh run's start.
constexpr auto kFirstAssignmentHold = std::chrono::milliseconds(1000);
// How long the tasks of a revocation stay open for the assignment that follows it (KeptTasks).
// It comes within milliseconds when this member is part of the next generation; when it is not
// (its session expired meanwhile), they close after this.
constexpr auto kKeptTasksHold = std::chrono::seconds(10);
// The consume() wait while the first assignment is held: each wait is followed by a wake-up
// of librdkafka's main thread, which sends the heartbeats that learn of the rebalance.
constexpr int kHeldPollMs = 10;
// The consume() wait of a thread while a sibling has found the group caught up
// (run_until_caught_up with several threads): the run ends once every thread has, and the
// others notice the last arrival within this instead of kIdlePollMs.
constexpr int kArrivedPollMs = 5;
// Records polled ahead of the one processed, for prefetching their state (StreamRuntime's
// lookahead); each is prefetched in steps: as it is polled, then at 4 and at 2 ahead.
constexpr std::size_t kLookahead = 8;
// An empty local queue is light load only if the external inputs hold fewer records than this
// past what was processed, as the last fetch responses tell. During a catch-up the queue empties
// for moments between fetches (librdkafka also pauses a partition's fetches for a second over
// its queue thresholds); committing at each of them, and starting over at commit_interval_ms,
// made 26 to 31 transactions of 990k events where 14 to 17 do, and used about 15 % more CPU
// (BENCHMARKS.md).
constexpr int64_t kBacklogRecords = 1000;
// While records keep coming the clock is read once per this many of them (per record it showed
// in the profile): they take tens of microseconds, against commit intervals of milliseconds.
constexpr int kRecordsPerClockRead = 32;
// While the connection is lost and nothing else shows it is back, how often the loop asks the
// cluster for metadata (with kIdlePollMs as the timeout).
constexpr auto kReconnectProbeInterval = std::chrono::seconds(1);
// At least once: how soon input offsets the group refused to store are offered again.
constexpr auto kOffsetsRetryInterval = std::chrono::milliseconds(500);

// At most this many client rebuilds (see rebuild_clients) in this window, then stop.
constexpr int kRebuildsPerWindow = 10;
constexpr auto kRebuildWindow = std::chrono::minutes(10);

// The runtime's metrics, each named <metric_prefix><name>.
struct MetricNames {
  explicit MetricNames(const std::string& prefix)
      : records_consumed(prefix + "records_consumed_total"),
        records_applied(prefix + "records_applied_total"),
        records_duplicate(prefix + "records_duplicate_total"),
        records_dead_lettered(prefix + "records_dead_lettered_total"),
        commit_latency(prefix + "commit_latency_ms"),
        transactions_committed(prefix + "transactions_committed_total"),
        transactions_aborted(prefix + "transactions_aborted_total"),
        consumer_lag(prefix + "consumer_lag"),
        restore_records(prefix + "restore_records_total"),
        restore_remaining(prefix + "restore_remaining"),
        standby_records(prefix + "standby_records_total"),
        client_rebuilds(prefix + "kafka_client_rebuilds_total"),
        redelivered_skipped(prefix + "records_redelivered_skipped_total") {}

  std::string records_consumed;
  std::string records_applied;
  std::string records_duplicate;
  std::string records_dead_lettered;
  std::string commit_latency;
  std::string transactions_committed;
  std::string transactions_aborted;
  std::string consumer_lag;
  std::string restore_records;
  std::string restore_remaining;
  std::string standby_records;
  std::string client_rebuilds;
  std::string redelivered_skipped;
};

// A transactional call failed in a way that only aborting the transaction repairs.
class AbortableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The producer or the consumer can do nothing more (FailureAction::rebuild_clients): the
// runtime replaces both and rejoins the group.
class ClientsLostError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

int64_t ms(Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

// Acts on a failure classified by classify(): returns for `retry`, throws AbortableError,
// ClientsLostError, or std::runtime_error (stop) otherwise.
void act_on(const KafkaFailure& failure, const std::string& message) {
  switch (classify(failure)) {
    case FailureAction::retry:
      spdlog::warn("{}; {}", message, describe(FailureAction::retry));
      return;
    case FailureAction::abort_transaction:
      throw AbortableError(message);
    case FailureAction::rebuild_clients:
      throw ClientsLostError(message);
    case FailureAction::stop:
      throw std::runtime_error("Kafka refused " + message);
  }
}

// Whether a failed transactional call is to be repeated; throws for the other actions.
bool should_retry(RdKafka::Error* raw, KafkaCall call) {
  if (raw == nullptr) return false;
  std::unique_ptr<RdKafka::Error> error(raw);
  act_on(KafkaFailure{call, error->code(), error->is_fatal(), error->is_retriable(),
                      error->txn_requires_abort()},
         std::string(describe(call)) + ": " + error->str());
  return true;
}

// After a rebuild, the wait before the next one: 1 s, doubling up to 30 s while rebuilds
// follow each other without a commit in between (a cluster that is down).
std::chrono::milliseconds rebuild_backoff(int consecutive) {
  return std::chrono::milliseconds(
      std::min<int64_t>(30000, int64_t{1000} << std::min(consecutive, 5)));
}

}  // namespace

class StreamRuntime::Impl final : public RecordSink,
                                  public RdKafka::DeliveryReportCb,
                                  public RdKafka::EventCb,
                                  public RebalanceListener {
 public:
  // Stream thread `thread` of a StreamRuntime: `barrier` and `join_order` are null when it is
  // the only one.
  Impl(Topology topology, RuntimeOptions options, Metrics* metrics, Readiness* readiness,
       int thread, CaughtUpBarrier* barrier, JoinOrder* join_order, StandbyPlacement* standby,
       KeptTasks* kept)
      : topology_(std::move(topology)),
        options_(std::move(options)),
        metrics_(metrics),
        readiness_(readiness),
        thread_(thread),
        barrier_(barrier),
        join_order_(join_order),
        standby_(standby),
        metric_(options_.metric_prefix),
        instance_id_(resolve_instance_id(options_.instance_id, options_.state_dir)),
        transactional_id_(topology_.application_id() + "-" + instance_id_),
        state_root_(application_state_dir(topology_, options_)),
        rebalance_(*this),
        connection_(options_.bootstrap_servers),
        pacer_(std::chrono::milliseconds(options_.commit_interval_ms),
               std::chrono::milliseconds(options_.max_commit_interval_ms)),
        kept_(kept) {
    topology_.validate();
    sources_ = topology_.sources();
    if (options_.bootstrap_servers.empty())
      throw std::invalid_argument("the stream runtime needs bootstrap servers");
    describe_metrics();
  }

  ~Impl() override { disconnect(); }

  bool run(const std::atomic<bool>& stop, bool until_caught_up);
  // The consume-process-commit loop; returns whether caught up (until_caught_up), or on stop.
  bool process(const std::atomic<bool>& stop, bool until_caught_up);
  // FailureAction::rebuild_clients: drops the clients, the tasks and the open transaction, then
  // connects and subscribes again, retrying with a backoff until it works or `stop` is set.
  void rebuild_clients(std::string reason, const std::atomic<bool>& stop);
  StreamRuntimeStats stats() const { return stats_; }
  void on_progress(std::chrono::milliseconds interval, ProgressListener listener) {
    progress_interval_ = interval;
    progress_ = std::move(listener);
  }
  const std::string& instance_id() const { return instance_id_; }
  const std::string& transactional_id() const { return transactional_id_; }
  void serve_queries(QueryableState& queries) { queries_ = &queries; }

  // RecordSink
  void send(const std::string& topic, int32_t partition, std::string_view key,
            std::optional<std::string_view> value, int64_t* delivered) override;
  // DeliveryReportCb
  void dr_cb(RdKafka::Message& message) override;
  // EventCb: librdkafka's log lines and errors of the producer and the consumer.
  void event_cb(RdKafka::Event& event) override;
  // RebalanceListener
  bool on_assigned(const std::vector<RdKafka::TopicPartition*>& partitions) override;
  void on_revoked(bool lost) override;

 private:
  // Whether this thread's first assignment is one to hold (kFirstAssignmentHold): the first of
  // several threads' with every partition, so that the others' joins are still to come.
  bool hold_first_assignment(const std::vector<RdKafka::TopicPartition*>& partitions);
  // The held assignment, once no rebalance came within kFirstAssignmentHold, or a sibling
  // will not join.
  void assign_held();
  std::map<std::string, std::string> common_properties() const;
  void create_internal_topics();
  void connect();
  void disconnect();
  // After a failure: no commit, no flush; the broker aborts what the producer left open.
  void drop_clients();
  void describe_metrics();
  void handle(const rd_kafka_message_t& message);
  void begin_if_needed();
  void commit_due_after_interval();
  void subscribe();
  bool any_uncommitted() const;
  // Commits the open transaction (beginning one if a task has something to commit). On an
  // abortable failure aborts, drops buffered state and, when `rewind`, seeks back.
  bool commit(bool rewind);
  void abort(bool rewind);
  // At least once: commits the input offsets of the last transactions with the consumer. When
  // the group refuses they stay pending for a retry; throws when it never will accept them.
  void commit_input_offsets();
  // Offers refused input offsets again, once their retry is due and no transaction is open.
  void retry_refused_offsets(Clock::time_point now);
  void close_tasks();
  // Sets the offset of each of `partitions` that has none (nothing committed) to the
  // partition's first offset, asked of the broker. Throws ClientsLostError.
  void start_uncommitted_at_first_offset(const std::vector<RdKafka::TopicPartition*>& partitions);
  // Counts a record a task skipped as already processed; warns at the first of each run of them.
  void skipped_redelivered(std::string_view topic, int32_t partition, int64_t offset);
  // The tasks' restored stores, to the queries (queryable_state.hpp).
  void publish_queryable_state();
  // Partitions of each sub-topology's inputs (one task per partition); asked once.
  const std::map<std::size_t, int32_t>& task_partitions();
  // [runtime] standby_replicas: keeps every store partition not owned here warm.
  void warm_standbys();
  void report_after_commit(Clock::duration latency);
  // A gauge's labels: with several stream threads each sets its own (thread="1", ...).
  MetricLabels gauge_labels(MetricLabels labels) const;
  // The tasks' states, for the queries (each stream thread withdraws only its own).
  std::vector<const TaskStateDb*> task_states() const;
  void withdraw_queries();
  // Lag by consumed topic over the tasks' committed offsets (see StreamRuntimeStats::lag).
  std::map<std::string, int64_t> lag_by_topic() const;
  // Records of `topic`[`partition`] at the broker from `offset` on, by the watermarks cached
  // from fetch responses (no round trip); none while the watermarks are unknown.
  std::optional<int64_t> records_from(const std::string& topic, int32_t partition,
                                      int64_t offset) const;
  // Whether the external inputs wait at the broker with kBacklogRecords or more past what this
  // thread processed (cached watermarks, no round trip). Repartition topics are left out: the
  // sibling threads' open transactions keep their high watermarks ahead of what is readable.
  bool inputs_backlogged() const;
  void report_progress_if_due(Clock::time_point now);
  // Every partition of `topics`.
  std::vector<TopicPartitionId> partitions_of(const std::vector<std::string>& topics);
  // End offsets of the partitions that hold records. Throws OffsetLookupError.
  std::map<TopicPartitionId, int64_t> offset_ends(const std::vector<TopicPartitionId>& partitions);
  void snapshot_input_ends();
  // Offsets after the records this instance wrote to repartition topics.
  std::map<TopicPartitionId, int64_t> written_ends() const;
  bool locally_caught_up() const;
  // Whether the group's committed offsets reach `targets` (every instance's partitions).
  bool group_reached(const std::map<TopicPartitionId, int64_t>& targets);
  bool caught_up();
  // The loop's caught-up check: caught_up(), and with several stream threads the barrier.
  // Starts the tasks' flushes once this thread's own partitions are done.
  bool check_caught_up();
  // While the connection is lost: a short metadata request, which tells the connection state
  // when the cluster answers again even if no record or commit does.
  void probe_connection();
  RdKafka::Topic* topic_handle(const std::string& topic);

  Topology topology_;
  RuntimeOptions options_;
  Metrics* metrics_;
  Readiness* readiness_;
  // This stream thread's index among the instance's, and the barrier of them all (null: one).
  int thread_;
  CaughtUpBarrier* barrier_;
  // The first thread opens it at its first assignment; the others subscribe after that.
  JoinOrder* join_order_;
  // An assignment arrived since the last subscribe(). A caught-up thread that is still
  // joining waits for it: otherwise its assignment arrives inside the consumer's close(),
  // where opening the tasks waits 60 s for offsets the coordinator no longer serves.
  bool joined_ = false;
  // run_until_caught_up: this thread's partitions were found done and their state's flush
  // started, with no record processed since; and the siblings' arrivals at the last check.
  bool locally_done_ = false;
  int arrivals_checked_ = 0;
  // No assignment yet in this run; the first one while it is held (hold_first_assignment),
  // emptied by assign_held(), the revocation or a new subscription.
  bool before_first_assignment_ = true;
  std::vector<TopicPartitionId> held_;
  Clock::time_point held_until_;
  // The instance's standby copies ([runtime] standby_replicas; null without): shared by its
  // stream threads, kept across rebalances and client rebuilds, closed when the run ends.
  StandbyPlacement* standby_;
  QueryableState* queries_ = nullptr;
  const MetricNames metric_;
  std::string instance_id_;
  std::string transactional_id_;
  std::filesystem::path state_root_;
  std::map<std::string, SourceTopic, std::less<>> sources_;
  RebalanceHandler rebalance_;
  // librdkafka retries a lost broker by itself; this says so once, and once when it is back.
  KafkaConnectionState connection_;
  CommitPacer pacer_;  // the length of each transaction
  const std::atomic<bool>* stop_ = nullptr;

  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<ChangelogRestorer> restorer_;
  std::map<std::string, std::unique_ptr<RdKafka::Topic>, std::less<>> topic_handles_;

  std::map<TaskId, std::unique_ptr<StreamTask>> tasks_;
  // The tasks of the last revocation, their state committed and their databases still open,
  // in the instance's KeptTasks: a rebalance usually gives most of them back to this thread or
  // a sibling, and those are then neither closed (a flush of their memtables) nor opened again.
  // The ones no thread took close after the threads' assignments, or kKeptTasksHold.
  KeptTasks* kept_;
  bool keeping_ = false;
  bool disconnecting_ = false;  // the consumer's close revokes: nothing is kept then
  Clock::time_point kept_until_;
  void close_kept();
  std::map<std::size_t, int32_t> task_partitions_;
  bool stores_declared_ = false;  // queries_ knows the stores and their partition counts
  // Kafka topic -> partition -> task, for routing each consumed record.
  std::map<std::string, std::map<int32_t, StreamTask*>, std::less<>> routes_;
  // At least once: the input offsets of committed transactions that the group has not stored
  // yet (it refused them), when it first refused and when to offer them again.
  std::map<TopicPartitionId, int64_t> pending_offsets_;
  std::optional<Clock::time_point> offsets_refused_since_;
  Clock::time_point offsets_retry_at_;
  // The last consumed record's route: records come in runs from one partition, and three map
  // lookups by topic name per record showed in the profile. Cleared with routes_.
  struct LastRoute {
    const std::string* kafka_topic = nullptr;  // key in routes_
    int32_t partition = -1;
    StreamTask* task = nullptr;
    std::string_view logical_name;
  };
  LastRoute last_route_;
  struct SkippedRecord {
    std::string topic;
    int32_t partition = -1;
    int64_t offset = -1;
  };
  SkippedRecord last_skipped_;  // the latest record skipped as delivered again
  void clear_routes() {
    clear_lookahead();
    routes_.clear();
    last_route_ = {};
  }

  // Records polled ahead of the one processed (kLookahead), oldest first: while one is
  // processed, the state the next ones will read is prefetched (Processor::prefetch_key), so
  // that their cache misses overlap with the work instead of stalling one after another, as
  // the file replay's lookahead does. Emptied whenever the tasks' positions or routes change
  // (an abort, a revocation, closed tasks): the records in it are then not processed, and the
  // consumer delivers them again from the committed offsets.
  struct Ahead {
    MessagePtr message;
    StreamTask* task = nullptr;  // null: not a record of a task (an event, an unrouted record)
    size_t key_hash = 0;
  };
  std::array<Ahead, kLookahead> ahead_;
  std::size_t ahead_first_ = 0;
  std::size_t ahead_count_ = 0;
  // The route of the last record polled ahead, by librdkafka's topic handle.
  const rd_kafka_topic_t* ahead_topic_ = nullptr;
  int32_t ahead_partition_ = -1;
  StreamTask* ahead_task_ = nullptr;
  Ahead& ahead_at(std::size_t i) { return ahead_[(ahead_first_ + i) % kLookahead]; }
  void clear_lookahead() {
    for (std::size_t i = 0; i < ahead_count_; ++i) ahead_at(i) = Ahead{};
    ahead_first_ = 0;
    ahead_count_ = 0;
    ahead_topic_ = nullptr;
    ahead_task_ = nullptr;
  }
  void poll_ahead(MessagePtr message);
  // The oldest record polled, after topping the lookahead up with what is fetched already;
  // waits up to `timeout_ms` only when nothing is. Null when nothing came.
  MessagePtr next_message(int timeout_ms);

  bool in_transaction_ = false;
  // When the uncommitted work (processed records or positions moved past control records at
  // the end of a partition) must be committed: one commit interval after it started.
  std::optional<Clock::time_point> commit_due_;
  // From when that work may commit early, as soon as nothing fetched waits to be processed
  // (light load); meaningful while commit_due_ is set.
  Clock::time_point early_commit_from_;
  // The local queue was last found empty while input records waited at the broker
  // (inputs_backlogged). Such a transaction commits at an empty queue only once it is half its
  // interval old (backlog_commit_from_): fewer, larger transactions during a catch-up, whose
  // commits still fall into the waits for the next fetch.
  bool backlogged_ = false;
  Clock::time_point backlog_commit_from_;
  bool delivery_failed_ = false;
  std::string delivery_error_;
  int64_t processed_in_transaction_ = 0;

  // run_until_caught_up: end offsets of the external inputs when it started, and the
  // partitions of the repartition topics.
  std::map<TopicPartitionId, int64_t> input_ends_;
  std::vector<TopicPartitionId> repartition_partitions_;
  // Per repartition topic handle: partition -> offset after the last record this instance
  // wrote there (from delivery reports). Right after a commit the broker's last stable offset
  // still excludes that transaction until its markers are written, so the caught-up target
  // for a repartition partition is at least this.
  struct WrittenEnds {
    std::string topic;
    std::map<int32_t, int64_t> ends;
  };
  std::map<const rd_kafka_topic_t*, WrittenEnds> repartition_written_;
  // The same, kept from producers dropped by rebuild_clients (their topic handles are gone).
  std::map<TopicPartitionId, int64_t> written_before_rebuild_;
  // Rebuilds since the last commit, for the backoff.
  int consecutive_rebuilds_ = 0;
  RebuildBudget rebuild_budget_{kRebuildsPerWindow, kRebuildWindow};

  StreamRuntimeStats stats_;
  ProgressListener progress_;
  std::chrono::milliseconds progress_interval_{0};
  std::optional<Clock::time_point> next_progress_;
};

std::map<std::string, std::string> StreamRuntime::Impl::common_properties() const {
  std::map<std::string, std::string> properties{
      {"bootstrap.servers", options_.bootstrap_servers},
      {"client.id", transactional_id_},
  };
  for (const auto& [name, value] : options_.kafka) properties[name] = value;
  properties["bootstrap.servers"] = options_.bootstrap_servers;
  return properties;
}

// Changelogs get the partition count of their task's inputs (one changelog partition per
// task); repartition topics the configured count. Existing topics are left alone.
void StreamRuntime::Impl::create_internal_topics() {
  try {
    TopicAdmin admin(common_properties());
    std::vector<TopicSpec> specs;
    for (const auto& sub : topology_.subtopologies()) {
      int32_t partitions = options_.partitions;
      for (const auto& [topic, source] : sources_) {
        if (topology_.subtopologies()[source.subtopology].name != sub.name || source.repartition)
          continue;
        if (auto count = admin.partition_count(topic)) partitions = *count;
      }
      for (const auto& store : sub.stores) {
        specs.push_back(replicated_topic(options_, topology_.changelog_topic(store), partitions,
                                         changelog_topic_configs()));
      }
    }
    for (const auto& topic : topology_.repartition_source_topics()) {
      specs.push_back(replicated_topic(options_, topic, options_.partitions, {}));
    }
    // Existing topics need no Admin API call (the embedded cluster has no Admin API at all).
    const std::vector<std::string> existing = admin.list_topics();
    std::erase_if(specs, [&](const TopicSpec& spec) {
      return std::binary_search(existing.begin(), existing.end(), spec.name);
    });
    if (!specs.empty()) admin.create_topics(specs);
  } catch (const KafkaAdminError& e) {
    // E.g. the embedded cluster has no Admin API; its owner creates the topics.
    spdlog::warn("cannot create internal topics ({}); they must exist already", e.what());
  }
}

void StreamRuntime::Impl::connect() {
  create_internal_topics();
  // Producer: tunables first, the [kafka] table may override them, correctness last.
  std::map<std::string, std::string> producer_properties{
      {"transaction.timeout.ms", kTransactionTimeoutMs},
      {"linger.ms", "5"},
      {"compression.type", options_.producer_compression},
  };
  for (const auto& [name, value] : common_properties()) producer_properties[name] = value;
  producer_properties["transactional.id"] = transactional_id_;
  producer_properties["enable.idempotence"] = "true";
  // Idempotence implies it; said outright so that a [kafka] acks cannot weaken it: a write
  // counts only once min.insync.replicas replicas have it.
  producer_properties["acks"] = "all";
  // Same partitioner as the Java clients, so keyed topics written by either agree.
  producer_properties["partitioner"] = "murmur2_random";
  producer_properties["message.timeout.ms"] = producer_properties["transaction.timeout.ms"];
  auto producer_conf = new_kafka_conf(producer_properties);
  std::string error;
  if (producer_conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), error) !=
          RdKafka::Conf::CONF_OK ||
      producer_conf->set("event_cb", static_cast<RdKafka::EventCb*>(this), error) !=
          RdKafka::Conf::CONF_OK)
    throw std::runtime_error("cannot set the producer's callbacks: " + error);
  producer_.reset(RdKafka::Producer::create(producer_conf.get(), error));
  if (!producer_) throw std::runtime_error("cannot create the transactional producer: " + error);
  // Fences a previous incarnation of this instance and aborts what it left open.
  while (
      should_retry(producer_->init_transactions(kKafkaTimeoutMs), KafkaCall::init_transactions)) {
  }

  // Consumer tunables; the [kafka] table may override them. fetch.wait.max.ms: a parked
  // read_committed fetch is not answered early when a commit makes new records readable, so
  // with the default 500 ms every hop through a repartition topic and every refill of the
  // local queue idled up to half a second (docs/performance-history.md, "The demo's shape").
  // queued.min.messages: see kafka_client.hpp. heartbeat.interval.ms: a member learns of a
  // rebalance at its next heartbeat, the first thread of join_order.hpp among them, whose
  // held first assignment waits for it (kFirstAssignmentHold); 250 ms left 0.25 s of each
  // fresh start to that wait.
  std::map<std::string, std::string> consumer_properties{
      {"session.timeout.ms", "10000"},
      {"heartbeat.interval.ms", "100"},
      {"fetch.wait.max.ms", kConsumerFetchWaitMs},
      {"queued.min.messages", kStreamQueuedMinMessages},
  };
  for (const auto& [name, value] : common_properties()) consumer_properties[name] = value;
  for (const auto& [name, value] : rebalance_properties(instance_id_))
    consumer_properties[name] = value;
  consumer_properties["group.id"] = consumer_group_id(topology_);
  consumer_properties["enable.auto.commit"] = "false";
  consumer_properties["enable.auto.offset.store"] = "false";
  consumer_properties["auto.offset.reset"] = "earliest";
  consumer_properties["isolation.level"] = "read_committed";
  consumer_properties["enable.partition.eof"] = "true";
  auto consumer_conf = new_kafka_conf(consumer_properties);
  if (consumer_conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(&rebalance_), error) !=
          RdKafka::Conf::CONF_OK ||
      consumer_conf->set("event_cb", static_cast<RdKafka::EventCb*>(this), error) !=
          RdKafka::Conf::CONF_OK)
    throw std::runtime_error("cannot set the consumer's callbacks: " + error);
  consumer_.reset(RdKafka::KafkaConsumer::create(consumer_conf.get(), error));
  if (!consumer_) throw std::runtime_error("cannot create the consumer: " + error);

  auto restore_properties = common_properties();
  restorer_ = std::make_unique<ChangelogRestorer>(restore_properties,
                                                  topology_.application_id() + "-restore");
  spdlog::info("stream runtime {} started (transactional.id {})", topology_.application_id(),
               transactional_id_);
}

void StreamRuntime::Impl::subscribe() {
  joined_ = false;
  held_.clear();
  // A thread found caught up before it joined counts again only once it has joined.
  if (barrier_ != nullptr) barrier_->leave(thread_);
  if (auto err = consumer_->subscribe(topology_.all_source_topics()); err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot subscribe: " + RdKafka::err2str(err));
}

void StreamRuntime::Impl::disconnect() {
  clear_lookahead();  // librdkafka's messages go before the handles that made them
  if (consumer_) {
    // close() revokes the assignment, which commits and closes the tasks.
    disconnecting_ = true;
    try {
      consumer_->close();
    } catch (const std::exception& e) {
      spdlog::error("closing the consumer: {}", e.what());
    }
    consumer_.reset();
    disconnecting_ = false;
  }
  if (in_transaction_ && producer_) {
    std::unique_ptr<RdKafka::Error> error(producer_->abort_transaction(kKafkaTimeoutMs));
    in_transaction_ = false;
  }
  if (standby_ != nullptr) standby_->forget(thread_);
  withdraw_queries();
  tasks_.clear();
  close_kept();
  clear_routes();
  topic_handles_.clear();
  restorer_.reset();
  if (producer_) {
    producer_->flush(kKafkaTimeoutMs);
    producer_.reset();
  }
}

void StreamRuntime::Impl::describe_metrics() {
  if (metrics_ == nullptr) return;
  metrics_->describe(metric_.records_consumed, "counter",
                     "Input records processed and committed, by logical input.");
  metrics_->describe(metric_.records_applied, "counter",
                     "Input records applied to state, by logical input.");
  metrics_->describe(metric_.records_duplicate, "counter",
                     "Input records dropped as duplicates, by logical input.");
  metrics_->describe(metric_.records_dead_lettered, "counter",
                     "Input records sent to the dead-letter topic, by logical input.");
  metrics_->describe(metric_.commit_latency, "gauge",
                     "Duration of the last transaction commit (flush, offsets, commit).");
  metrics_->describe(metric_.transactions_committed, "counter", "Kafka transactions committed.");
  metrics_->describe(metric_.transactions_aborted, "counter", "Kafka transactions aborted.");
  metrics_->describe(metric_.consumer_lag, "gauge",
                     "Records on assigned input partitions not yet processed, by topic.");
  metrics_->describe(metric_.restore_records, "counter",
                     "Changelog records replayed into local state.");
  metrics_->describe(metric_.client_rebuilds, "counter",
                     "Times the producer and consumer were replaced after a Kafka failure.");
  metrics_->describe(metric_.redelivered_skipped, "counter",
                     "Input records the consumer delivered again after they were processed, "
                     "skipped.");
  metrics_->describe(metric_.restore_remaining, "gauge",
                     "Changelog records left to replay in the running restore, by store.");
  metrics_->describe(metric_.standby_records, "counter",
                     "Changelog records applied to standby copies of partitions owned elsewhere.");
}

RdKafka::Topic* StreamRuntime::Impl::topic_handle(const std::string& topic) {
  auto it = topic_handles_.find(topic);
  if (it != topic_handles_.end()) return it->second.get();
  std::string error;
  std::unique_ptr<RdKafka::Topic> handle(
      RdKafka::Topic::create(producer_.get(), topic, nullptr, error));
  if (!handle) throw std::runtime_error("cannot use topic " + topic + ": " + error);
  if (auto source = sources_.find(topic); source != sources_.end() && source->second.repartition)
    repartition_written_[handle->c_ptr()].topic = topic;
  return topic_handles_.emplace(topic, std::move(handle)).first->second.get();
}

void StreamRuntime::Impl::send(const std::string& topic, int32_t partition, std::string_view key,
                               std::optional<std::string_view> value, int64_t* delivered) {
  begin_if_needed();
  RdKafka::Topic* handle = topic_handle(topic);
  void* payload = value ? const_cast<char*>(value->data()) : nullptr;
  const std::size_t length = value ? value->size() : 0;
  for (;;) {
    const RdKafka::ErrorCode err = producer_->produce(
        handle, partition < 0 ? RdKafka::Topic::PARTITION_UA : partition,
        RdKafka::Producer::RK_MSG_COPY, payload, length, key.data(), key.size(), delivered);
    if (err == RdKafka::ERR_NO_ERROR) return;
    if (err == RdKafka::ERR__FATAL) {
      std::string reason;
      const RdKafka::ErrorCode code = producer_->fatal_error(reason);
      act_on(KafkaFailure{KafkaCall::produce, code, true, false, false}, "produce: " + reason);
    }
    if (err != RdKafka::ERR__QUEUE_FULL)
      throw AbortableError("cannot produce a record of " + std::to_string(key.size() + length) +
                           " bytes (key and value) to " + topic + ": " + RdKafka::err2str(err));
    producer_->poll(50);  // the local queue is full: wait for deliveries
  }
}

void StreamRuntime::Impl::event_cb(RdKafka::Event& event) {
  if (event.type() == RdKafka::Event::EVENT_ERROR) connection_.on_error(event.err(), event.str());
  log_librdkafka_event(event, transactional_id_);
}

void StreamRuntime::Impl::dr_cb(RdKafka::Message& message) {
  if (message.err() != RdKafka::ERR_NO_ERROR) {
    if (!delivery_failed_) {
      delivery_error_ = message.topic_name() + " partition " + std::to_string(message.partition()) +
                        ": " + message.errstr();
    }
    delivery_failed_ = true;
    return;
  }
  if (auto* delivered = static_cast<int64_t*>(message.msg_opaque()); delivered != nullptr) {
    *delivered = std::max(*delivered, message.offset() + 1);
  }
  if (repartition_written_.empty()) return;
  const auto* raw = static_cast<const rd_kafka_message_t*>(message.c_ptr());
  if (auto written = repartition_written_.find(raw->rkt); written != repartition_written_.end()) {
    int64_t& end = written->second.ends[message.partition()];
    end = std::max(end, message.offset() + 1);
  }
}

bool StreamRuntime::Impl::hold_first_assignment(
    const std::vector<RdKafka::TopicPartition*>& partitions) {
  if (!std::exchange(before_first_assignment_, false) || join_order_ == nullptr || thread_ != 0)
    return false;
  try {
    // Fewer than every partition: another member shares this generation, and none may follow.
    return partitions.size() >= partitions_of(topology_.all_source_topics()).size();
  } catch (const std::exception& e) {
    spdlog::debug("not holding the first assignment: {}", e.what());
    return false;
  }
}

void StreamRuntime::Impl::assign_held() {
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& [topic, partition] : std::exchange(held_, {})) {
    owned.emplace_back(RdKafka::TopicPartition::create(topic, partition));
    partitions.push_back(owned.back().get());
  }
  spdlog::info("the other stream threads have not joined; opening the {} partitions held",
               partitions.size());
  on_assigned(partitions);
  if (auto err = consumer_->assign(partitions); err != RdKafka::ERR_NO_ERROR)
    throw ClientsLostError("cannot assign the held partitions: " + RdKafka::err2str(err));
}

bool StreamRuntime::Impl::on_assigned(const std::vector<RdKafka::TopicPartition*>& partitions) {
  const auto assigned = Clock::now();
  if (join_order_ != nullptr && thread_ == 0) join_order_->open();
  if (hold_first_assignment(partitions)) {
    for (const auto* tp : partitions) held_.emplace_back(tp->topic(), tp->partition());
    held_until_ = assigned + kFirstAssignmentHold;
    spdlog::debug("holding the first assignment until the other stream threads have joined");
    return false;
  }
  joined_ = true;
  locally_done_ = false;  // new tasks, whose state no flush has started
  if (readiness_ != nullptr) readiness_->assigned();
  std::vector<TaskId> to_open;
  std::vector<StreamTask*> resumed;
  for (const auto* tp : partitions) {
    auto source = sources_.find(tp->topic());
    if (source == sources_.end()) continue;
    const TaskId id{source->second.subtopology, tp->partition()};
    if (tasks_.contains(id) || std::find(to_open.begin(), to_open.end(), id) != to_open.end())
      continue;
    if (auto task = kept_->take(id)) {
      task->move_to(*this);
      resumed.push_back(task.get());
      tasks_.emplace(id, std::move(task));
      continue;
    }
    to_open.push_back(id);
  }
  // What no thread of this instance took closes once none waits for its assignment.
  close_kept();
  // A warm standby copy closes first (one RocksDB per directory); the restore below then reads
  // only the changelog tail after the offset the copy reached.
  if (standby_ != nullptr) {
    std::vector<std::string> names;
    for (const TaskId& id : to_open) names.push_back(StreamTask::name_of(topology_, id));
    standby_->claim(thread_, names);
  }
  // Opening a task's RocksDB waits mostly on fsync; the tasks open side by side (24 of them
  // one after another took 1.5 s), and while the broker answers the offset requests below.
  std::map<TaskId, std::future<std::unique_ptr<StreamTask>>> opening;
  for (const TaskId& id : to_open) {
    opening.emplace(id, std::async(std::launch::async, [this, id] {
                      return std::make_unique<StreamTask>(id, topology_, state_root_, *this);
                    }));
  }

  // The group's committed offsets: where each task resumes, and where an abort rewinds to.
  std::vector<RdKafka::TopicPartition*> committed;
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  for (const auto* tp : partitions) {
    owned.emplace_back(RdKafka::TopicPartition::create(tp->topic(), tp->partition()));
    committed.push_back(owned.back().get());
  }
  // Fails when the group coordinator is gone for longer than the timeout; a new consumer finds
  // the new one.
  if (auto err = consumer_->committed(committed, kKafkaTimeoutMs); err != RdKafka::ERR_NO_ERROR)
    throw ClientsLostError("cannot read committed offsets: " + RdKafka::err2str(err));
  // The consumer starts from these offsets, not from its own query of them: librdkafka 2.0.2
  // never retries that query when the whole request fails with NOT_COORDINATOR (the group
  // coordinator moving, e.g. in a rolling restart of the brokers), and the partitions then
  // stay unfetched for good (confluentinc/librdkafka#5586). committed() above answers or
  // fails, and a failure rebuilds the clients.
  for (std::size_t i = 0; i < partitions.size(); ++i)
    partitions[i]->set_offset(committed[i]->offset());
  start_uncommitted_at_first_offset(partitions);

  std::vector<StreamTask*> created;
  for (auto& [id, task] : opening) {
    created.push_back(tasks_.emplace(id, task.get()).first->second.get());
  }
  for (const auto* tp : committed) {
    auto source = sources_.find(tp->topic());
    if (source == sources_.end()) continue;
    StreamTask* task = tasks_.at(TaskId{source->second.subtopology, tp->partition()}).get();
    task->set_committed_offset(tp->topic(), tp->offset() >= 0 ? tp->offset() : -1);
    routes_[tp->topic()][tp->partition()] = task;
  }
  last_route_ = {};
  ahead_topic_ = nullptr;
  ahead_task_ = nullptr;

  // A kept task is restored like an opened one: its changelogs are read from the offsets its
  // database stored. That reads nothing unless another member wrote them meanwhile, which it
  // can when this one missed a generation (a session that expired between the revocation and
  // this assignment); its processor starts afresh either way.
  std::vector<StreamTask*> restoring = created;
  restoring.insert(restoring.end(), resumed.begin(), resumed.end());
  std::vector<RestoreTarget> targets;
  for (StreamTask* task : restoring) {
    for (const auto& [store, topic] : task->changelogs())
      targets.push_back(RestoreTarget{&task->state(), store, topic, task->partition()});
  }
  const auto started = Clock::now();
  auto progress = [this](const RestoreProgress& p) {
    if (metrics_ == nullptr) return;
    metrics_->set(metric_.restore_remaining, gauge_labels({{"store", p.store}}), p.remaining);
  };
  const RestoreResult restored = restorer_->restore(targets, *stop_, progress);
  if (restored.interrupted) {
    // Stopping: these tasks never start; their partitions are ignored until the revoke.
    if (readiness_ != nullptr) readiness_->stopping();
    clear_routes();
    for (StreamTask* task : restoring) tasks_.erase(task->id());
    return true;
  }
  stats_.restored_records += restored.records;
  stats_.tasks_wiped += restored.wiped_tasks;
  stats_.tasks_opened += static_cast<int64_t>(created.size());
  stats_.tasks_kept += static_cast<int64_t>(resumed.size());
  if (metrics_ != nullptr) {
    metrics_->add(metric_.restore_records, {}, restored.records);
  }
  spdlog::info("{} tasks opened ({} kept) in {} ms, restored {} changelog records in {} ms",
               created.size(), resumed.size(), ms(started - assigned), restored.records,
               ms(Clock::now() - started));
  for (StreamTask* task : restoring) task->start();
  if (queries_ != nullptr) publish_queryable_state();
  if (standby_ != nullptr) warm_standbys();
  if (readiness_ != nullptr) readiness_->restored();
  return true;
}

const std::map<std::size_t, int32_t>& StreamRuntime::Impl::task_partitions() {
  if (!task_partitions_.empty()) return task_partitions_;
  std::map<std::string, int32_t> counts;
  for (const auto& [topic, partition] : partitions_of(topology_.all_source_topics())) {
    int32_t& count = counts[topic];
    count = std::max(count, partition + 1);
  }
  for (const auto& [topic, source] : sources_) {
    int32_t& count = task_partitions_[source.subtopology];
    count = std::max(count, counts[topic]);
  }
  return task_partitions_;
}

void StreamRuntime::Impl::warm_standbys() {
  // Simplest correct placement: every store partition no thread here owns. With two instances
  // that is one copy of each partition on the instance that does not own it; with more, each
  // instance holds every partition (the directory could spread them; not built).
  std::vector<StandbyTask> candidates;
  for (const auto& [subtopology, partitions] : task_partitions()) {
    const auto& stores = topology_.subtopologies()[subtopology].stores;
    if (stores.empty()) continue;
    for (int32_t partition = 0; partition < partitions; ++partition) {
      StandbyTask task;
      task.name = StreamTask::name_of(topology_, TaskId{subtopology, partition});
      task.partition = partition;
      for (const auto& store : stores) task.changelogs[store] = topology_.changelog_topic(store);
      candidates.push_back(std::move(task));
    }
  }
  std::set<std::string> owned;
  for (const auto& [id, task] : tasks_) owned.insert(StreamTask::name_of(topology_, id));
  standby_->settle(thread_, std::move(owned), candidates, [this] {
    return std::make_unique<StandbyReplicas>(
        common_properties(), topology_.application_id() + "-standby", state_root_, queries_);
  });
}

void StreamRuntime::Impl::publish_queryable_state() {
  if (!stores_declared_) {
    // Each store has the partitions of its sub-topology's inputs (one changelog partition per
    // task); one metadata request, on the first assignment.
    for (const auto& [subtopology, partitions] : task_partitions()) {
      for (const auto& store : topology_.subtopologies()[subtopology].stores)
        queries_->declare_store(store, partitions);
    }
    stores_declared_ = true;
  }
  for (const auto& [id, task] : tasks_) {
    for (const auto& store : task->state().store_names())
      queries_->publish(store, id.partition, task->state());
  }
}

void StreamRuntime::Impl::on_revoked(bool lost) {
  held_.clear();
  // Queries stop before the tasks close (and before a lost partition's state could go stale).
  withdraw_queries();
  if (readiness_ != nullptr) readiness_->revoked();
  if (lost) {
    if (in_transaction_) abort(false);
  } else {
    commit(false);  // committed or aborted, every task is at its committed state
  }
  // Not with standby replicas: their copies open the directories of the tasks this instance no
  // longer owns, and one a sibling thread takes over open would hold the copy's lock while that
  // thread's claim of its new tasks waits for the copies (not built).
  const bool keep = !lost && !disconnecting_ && standby_ == nullptr && stop_ != nullptr &&
                    !stop_->load() && !tasks_.empty();
  clear_routes();
  if (keep) {
    kept_->keep(thread_, std::exchange(tasks_, {}));
    keeping_ = true;
    kept_until_ = Clock::now() + kKeptTasksHold;
  } else {
    close_tasks();
  }
}

void StreamRuntime::Impl::close_kept() {
  if (std::exchange(keeping_, false)) kept_->done(thread_);
}

bool StreamRuntime::Impl::check_caught_up() {
  if (!locally_caught_up()) return false;
  // The close flushes every task's memtables and waits for them: 150-200 ms per thread at the
  // end of a catch-up of a million events. Started once this thread's own partitions are done,
  // that work overlaps the wait for the group and the siblings; what is processed after it is
  // flushed at the close as before. Best effort: a failed flush leaves it all to the close.
  if (!locally_done_) {
    locally_done_ = true;
    try {
      for (auto& [id, task] : tasks_) task->state().make_durable(false);
    } catch (const StateError& e) {
      spdlog::debug("flushing the caught-up tasks' state: {}", e.what());
    }
  }
  if (!caught_up()) return false;
  if (barrier_ == nullptr) return true;
  barrier_->arrive(thread_);
  return barrier_->all();
}

void StreamRuntime::Impl::close_tasks() {
  withdraw_queries();
  clear_routes();
  tasks_.clear();
  close_kept();
}

void StreamRuntime::Impl::begin_if_needed() {
  if (in_transaction_) return;
  while (should_retry(producer_->begin_transaction(), KafkaCall::begin)) {
  }
  in_transaction_ = true;
  commit_due_after_interval();
}

void StreamRuntime::Impl::commit_due_after_interval() {
  if (commit_due_) return;
  const auto now = Clock::now();
  commit_due_ = now + pacer_.interval();
  early_commit_from_ = now + std::chrono::milliseconds(options_.min_commit_interval_ms);
  backlog_commit_from_ = now + pacer_.interval() / 2;
  backlogged_ = false;  // until an empty queue finds otherwise
}

bool StreamRuntime::Impl::any_uncommitted() const {
  return std::any_of(tasks_.begin(), tasks_.end(),
                     [](const auto& entry) { return entry.second->has_uncommitted(); });
}

bool StreamRuntime::Impl::commit(bool rewind) {
  if (!in_transaction_ && !any_uncommitted()) {
    commit_due_.reset();
    return true;
  }
  const auto started = Clock::now();
  try {
    begin_if_needed();
    // Each step across all the tasks, and the first record of every changelog before the bulk:
    // librdkafka adds the partitions a transaction writes to in rounds, one request to the
    // coordinator each, and version 2.0.2 spins its main thread for the millisecond of each
    // round's timer (issue #4684). Partitions first written while a round is under way wait for
    // the next; written in one burst they share one.
    for (auto& [id, task] : tasks_) task->before_commit();
    for (auto& [id, task] : tasks_) task->flush_caches();
    for (auto& [id, task] : tasks_) task->send_changelogs(StreamTask::ChangelogRecords::first);
    for (auto& [id, task] : tasks_) task->send_tables();
    for (auto& [id, task] : tasks_) task->send_changelogs(StreamTask::ChangelogRecords::rest);
    const auto prepared = Clock::now();
    // Serves the delivery reports, which carry the changelog offsets the state will record.
    while (producer_->flush(1000) == RdKafka::ERR__TIMED_OUT) {
      if (Clock::now() - started > std::chrono::milliseconds(kKafkaTimeoutMs))
        throw AbortableError("records not delivered within the commit timeout");
    }
    if (delivery_failed_) throw AbortableError("delivery failed: " + delivery_error_);
    const auto flushed = Clock::now();

    std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [id, task] : tasks_) {
      for (const auto& [topic, offset] : task->offsets_to_commit()) {
        owned.emplace_back(RdKafka::TopicPartition::create(topic, id.partition, offset));
        offsets.push_back(owned.back().get());
      }
    }
    const bool exactly_once = options_.guarantee == ProcessingGuarantee::exactly_once;
    if (!offsets.empty() && exactly_once) {
      std::unique_ptr<RdKafka::ConsumerGroupMetadata> group(consumer_->groupMetadata());
      while (should_retry(
          producer_->send_offsets_to_transaction(offsets, group.get(), kKafkaTimeoutMs),
          KafkaCall::send_offsets)) {
      }
    }
    const auto offsets_sent = Clock::now();
    while (should_retry(producer_->commit_transaction(kKafkaTimeoutMs), KafkaCall::commit)) {
    }
    if (!offsets.empty() && !exactly_once) {
      in_transaction_ = false;  // committed: a failure below has nothing left to abort
      for (const auto* tp : offsets)
        pending_offsets_[{tp->topic(), tp->partition()}] = tp->offset();
      commit_input_offsets();
    }
    spdlog::debug(
        "committed a transaction: records={} prepare_ms={} flush_ms={} offsets_ms={} commit_ms={}",
        processed_in_transaction_, ms(prepared - started), ms(flushed - prepared),
        ms(offsets_sent - flushed), ms(Clock::now() - offsets_sent));
  } catch (const AbortableError& e) {
    spdlog::warn("transaction aborted: {}", e.what());
    abort(rewind);
    return false;
  }
  in_transaction_ = false;
  commit_due_.reset();
  for (auto& [id, task] : tasks_) task->committed();
  if (queries_ != nullptr) queries_->committed(task_states());
  report_after_commit(Clock::now() - started);
  return true;
}

void StreamRuntime::Impl::commit_input_offsets() {
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> offsets;
  for (const auto& [partition, offset] : pending_offsets_) {
    owned.emplace_back(RdKafka::TopicPartition::create(partition.first, partition.second, offset));
    offsets.push_back(owned.back().get());
  }
  RdKafka::ErrorCode err = consumer_->commitSync(offsets);
  for (const auto* tp : offsets) {
    if (err == RdKafka::ERR_NO_ERROR) err = tp->err();
  }
  if (err == RdKafka::ERR_NO_ERROR) {
    if (offsets_refused_since_) spdlog::info("input offsets committed after an earlier refusal");
    pending_offsets_.clear();
    offsets_refused_since_.reset();
    return;
  }
  // Nothing is lost when the group refuses the commit (a rebalance under way, a coordinator
  // moving): the offsets are offered again, with the next transaction's or on their own, and a
  // partition that moves meanwhile is read again by its next owner from its last committed
  // offset, at least once, as after a crash between the two commits. Only an error every
  // later commit would meet again (authorisation, configuration) stops the run.
  if (is_configuration_error(err))
    throw std::runtime_error("transaction committed, but not its input offsets: " +
                             RdKafka::err2str(err));
  const auto now = Clock::now();
  if (!offsets_refused_since_) {
    offsets_refused_since_ = now;
    spdlog::warn(
        "transaction committed, but not its input offsets ({}): offering them again; a partition "
        "that moves meanwhile is processed again from its last committed offset (at least once)",
        RdKafka::err2str(err));
  }
  offsets_retry_at_ = now + kOffsetsRetryInterval;
}

void StreamRuntime::Impl::retry_refused_offsets(Clock::time_point now) {
  if (in_transaction_ || now < offsets_retry_at_) return;
  // Only partitions still assigned here: a moved one is its next owner's to commit.
  std::erase_if(pending_offsets_, [this](const auto& entry) {
    const auto route = routes_.find(entry.first.first);
    return route == routes_.end() || route->second.count(entry.first.second) == 0;
  });
  if (pending_offsets_.empty()) {
    offsets_refused_since_.reset();
    return;
  }
  commit_input_offsets();
}

void StreamRuntime::Impl::abort(bool rewind) {
  // The tasks go back to their committed positions: what was polled past them comes again.
  clear_lookahead();
  while (should_retry(producer_->abort_transaction(kKafkaTimeoutMs), KafkaCall::abort)) {
  }
  in_transaction_ = false;
  commit_due_.reset();
  delivery_failed_ = false;
  delivery_error_.clear();
  processed_in_transaction_ = 0;
  ++stats_.aborts;
  if (metrics_ != nullptr) metrics_->add(metric_.transactions_aborted, {}, 1);
  for (auto& [id, task] : tasks_) task->aborted();
  if (!rewind || tasks_.empty()) return;
  // Re-assigning with explicit offsets drops what was fetched past them.
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& [id, task] : tasks_) {
    for (const auto& [topic, offset] : task->committed_offsets()) {
      owned.emplace_back(RdKafka::TopicPartition::create(topic, id.partition, offset));
      partitions.push_back(owned.back().get());
    }
  }
  start_uncommitted_at_first_offset(partitions);
  if (auto err = consumer_->assign(partitions); err != RdKafka::ERR_NO_ERROR)
    throw ClientsLostError("cannot rewind after abort: " + RdKafka::err2str(err));
}

void StreamRuntime::Impl::report_after_commit(Clock::duration latency) {
  connection_.on_progress();
  consecutive_rebuilds_ = 0;
  ++stats_.commits;
  stats_.processed += processed_in_transaction_;
  processed_in_transaction_ = 0;
  if (metrics_ == nullptr) {
    for (auto& [id, task] : tasks_) {
      for (const auto& [input, counts] : task->take_counts()) stats_.inputs[input] += counts;
    }
    stats_.lag = lag_by_topic();
    return;
  }
  metrics_->add(metric_.transactions_committed, {}, 1);
  if (standby_ != nullptr) metrics_->add(metric_.standby_records, {}, standby_->take_applied());
  metrics_->set(metric_.commit_latency, gauge_labels({}),
                std::chrono::duration_cast<std::chrono::milliseconds>(latency).count());
  for (auto& [id, task] : tasks_) {
    for (const auto& [input, counts] : task->take_counts()) {
      stats_.inputs[input] += counts;
      const MetricLabels labels{{"topic", input}};
      metrics_->add(metric_.records_consumed, labels, counts.consumed);
      metrics_->add(metric_.records_applied, labels, counts.applied);
      metrics_->add(metric_.records_duplicate, labels, counts.duplicates);
      metrics_->add(metric_.records_dead_lettered, labels, counts.dead_lettered);
    }
  }
  stats_.lag = lag_by_topic();
  for (const auto& [topic, records] : stats_.lag) {
    metrics_->set(metric_.consumer_lag, gauge_labels({{"topic", topic}}), records);
  }
}

MetricLabels StreamRuntime::Impl::gauge_labels(MetricLabels labels) const {
  if (barrier_ != nullptr) labels.emplace_back("thread", std::to_string(thread_ + 1));
  return labels;
}

std::vector<const TaskStateDb*> StreamRuntime::Impl::task_states() const {
  std::vector<const TaskStateDb*> states;
  for (const auto& [id, task] : tasks_) states.push_back(&task->state());
  return states;
}

void StreamRuntime::Impl::withdraw_queries() {
  if (queries_ != nullptr) queries_->withdraw(task_states());
}

std::map<std::string, int64_t> StreamRuntime::Impl::lag_by_topic() const {
  std::map<std::string, int64_t> lag;
  for (const auto& [id, task] : tasks_) {
    for (const auto& [topic, offset] : task->committed_offsets()) {
      if (const auto records = records_from(topic, id.partition, offset)) lag[topic] += *records;
    }
  }
  return lag;
}

std::optional<int64_t> StreamRuntime::Impl::records_from(const std::string& topic,
                                                         int32_t partition, int64_t offset) const {
  int64_t low = 0;
  int64_t high = 0;
  if (consumer_->get_watermark_offsets(topic, partition, &low, &high) != RdKafka::ERR_NO_ERROR ||
      high < 0)
    return std::nullopt;
  return std::max<int64_t>(0, high - std::max<int64_t>(offset, low));
}

bool StreamRuntime::Impl::inputs_backlogged() const {
  int64_t waiting = 0;
  for (const auto& [id, task] : tasks_) {
    task->for_each_next_offset([&](const std::string& topic, int64_t next) {
      const auto source = sources_.find(topic);
      if (source != sources_.end() && !source->second.repartition)
        waiting += records_from(topic, id.partition, next).value_or(0);
    });
    if (waiting >= kBacklogRecords) return true;
  }
  return false;
}

void StreamRuntime::Impl::start_uncommitted_at_first_offset(
    const std::vector<RdKafka::TopicPartition*>& partitions) {
  // Asked here rather than left to the consumer as OFFSET_BEGINNING: librdkafka 2.0.2 defers
  // the query of a logical offset while it does not know the partition's leader, and an
  // outdated answer re-arms it after the partition was revoked; when the partition came back
  // at its committed offset, the query fired and moved the fetch back to the beginning
  // (docs/architecture.md, "Records the consumer delivers again").
  // A repartition topic's partition without a committed offset starts at 0 without asking:
  // only this application reads it and nothing purges it, so its log starts at 0 unless
  // retention dropped records that no member ever read, which the consumer's reset to the
  // earliest offset then handles. Asked for, a fresh application's new repartition topics
  // held every start 180-200 ms until their leaders were known.
  std::vector<TopicPartitionId> uncommitted;
  for (auto* tp : partitions) {
    if (tp->offset() >= 0) continue;
    if (auto source = sources_.find(tp->topic());
        source != sources_.end() && source->second.repartition) {
      tp->set_offset(0);
    } else {
      uncommitted.emplace_back(tp->topic(), tp->partition());
    }
  }
  if (uncommitted.empty()) return;
  std::vector<int64_t> first;
  try {
    first = list_offsets(*producer_, uncommitted, OffsetBound::beginning, kKafkaTimeoutMs);
  } catch (const OffsetLookupError& e) {
    throw ClientsLostError(std::string("cannot read the first offsets: ") + e.what());
  }
  std::size_t next = 0;
  for (auto* tp : partitions) {
    if (tp->offset() < 0) tp->set_offset(first[next++]);
  }
}

void StreamRuntime::Impl::skipped_redelivered(std::string_view topic, int32_t partition,
                                              int64_t offset) {
  ++stats_.redelivered_skipped;
  if (metrics_ != nullptr) metrics_->add(metric_.redelivered_skipped, {}, 1);
  const bool continues = last_skipped_.partition == partition && last_skipped_.topic == topic &&
                         offset > last_skipped_.offset;
  last_skipped_ = {std::string(topic), partition, offset};
  if (continues) return;
  spdlog::warn(
      "{} partition {}: the consumer delivered offset {} again after it was processed; skipping "
      "the records processed already",
      topic, partition, offset);
}

void StreamRuntime::Impl::report_progress_if_due(Clock::time_point now) {
  if (!progress_ || progress_interval_.count() <= 0) return;
  if (!next_progress_) next_progress_ = now + progress_interval_;
  if (now < *next_progress_) return;
  next_progress_ = now + progress_interval_;
  stats_.lag = lag_by_topic();
  progress_(stats_);
}

void StreamRuntime::Impl::handle(const rd_kafka_message_t& message) {
  const auto err = static_cast<RdKafka::ErrorCode>(message.err);
  switch (err) {
    case RdKafka::ERR_NO_ERROR: {
      connection_.on_progress();
      const std::string_view topic = rd_kafka_topic_name(message.rkt);
      if (last_route_.task == nullptr || last_route_.partition != message.partition ||
          *last_route_.kafka_topic != topic) {
        auto route = routes_.find(topic);
        if (route == routes_.end()) return;
        auto task = route->second.find(message.partition);
        if (task == route->second.end()) return;
        last_route_ = {&route->first, message.partition, task->second,
                       sources_.find(topic)->second.logical_name};
      }
      begin_if_needed();
      InputRecord record;
      record.topic = last_route_.logical_name;
      record.partition = message.partition;
      record.offset = message.offset;
      if (message.key != nullptr)
        record.key = std::string_view(static_cast<const char*>(message.key), message.key_len);
      if (message.payload != nullptr)
        record.value = std::string_view(static_cast<const char*>(message.payload), message.len);
      try {
        if (!last_route_.task->process(*last_route_.kafka_topic, record)) {
          skipped_redelivered(topic, record.partition, record.offset);
          return;
        }
      } catch (const AbortableError& e) {
        // Name the input, so that an operator can find the message that cannot be processed.
        throw AbortableError(std::string(e.what()) + " (while processing " + std::string(topic) +
                             " partition " + std::to_string(record.partition) + " offset " +
                             std::to_string(record.offset) + ")");
      }
      ++processed_in_transaction_;
      return;
    }
    case RdKafka::ERR__PARTITION_EOF: {
      connection_.on_progress();
      if (message.rkt == nullptr) return;
      auto route = routes_.find(std::string_view(rd_kafka_topic_name(message.rkt)));
      if (route == routes_.end()) return;
      auto task = route->second.find(message.partition);
      if (task == route->second.end()) return;
      if (task->second->reached_end(route->first, message.offset)) commit_due_after_interval();
      return;
    }
    case RdKafka::ERR__TIMED_OUT:
      return;
    default: {
      if (err == RdKafka::ERR__FATAL) {
        std::string reason;
        const RdKafka::ErrorCode code = consumer_->fatal_error(reason);
        act_on(KafkaFailure{KafkaCall::consume, code, true, false, false}, "consumer: " + reason);
      }
      const char* described = rd_kafka_message_errstr(&message);
      const std::string errstr = described != nullptr ? described : "";
      connection_.on_error(err, errstr);
      if (is_connection_error(err)) {
        spdlog::debug("consumer: {}", errstr);
        return;
      }
      spdlog::warn("consumer: {}", errstr);
      return;
    }
  }
}

MessagePtr StreamRuntime::Impl::next_message(int timeout_ms) {
  while (ahead_count_ < kLookahead) {
    // Through the C API: the C++ consume() allocates a wrapper object per message.
    MessagePtr polled(
        rd_kafka_consumer_poll(consumer_->c_ptr(), ahead_count_ == 0 ? timeout_ms : 0));
    rebalance_.rethrow_pending();  // a revocation inside the poll emptied the lookahead
    if (polled == nullptr) break;
    poll_ahead(std::move(polled));
  }
  if (ahead_count_ == 0) return nullptr;
  Ahead& first = ahead_at(0);
  MessagePtr message = std::move(first.message);
  first = Ahead{};
  ahead_first_ = (ahead_first_ + 1) % kLookahead;
  --ahead_count_;
  // Two steps on: the records now 4 and 2 ahead of the next one processed.
  for (const auto& [index, step] : {std::pair<std::size_t, int>{4, 1}, {2, 2}}) {
    if (index >= ahead_count_) continue;
    Ahead& ahead = ahead_at(index);
    if (ahead.task != nullptr) {
      const rd_kafka_message_t& m = *ahead.message;
      ahead.task->prefetch({static_cast<const char*>(m.key), m.key_len}, step, ahead.key_hash);
    }
  }
  return message;
}

void StreamRuntime::Impl::poll_ahead(MessagePtr message) {
  Ahead& ahead = ahead_at(ahead_count_++);
  ahead.message = std::move(message);
  ahead.task = nullptr;
  const rd_kafka_message_t& m = *ahead.message;
  if (m.err != RD_KAFKA_RESP_ERR_NO_ERROR || m.rkt == nullptr || m.key == nullptr) return;
  if (m.rkt != ahead_topic_ || m.partition != ahead_partition_) {
    ahead_topic_ = m.rkt;
    ahead_partition_ = m.partition;
    ahead_task_ = nullptr;
    if (auto route = routes_.find(std::string_view(rd_kafka_topic_name(m.rkt)));
        route != routes_.end()) {
      if (auto task = route->second.find(m.partition); task != route->second.end())
        ahead_task_ = task->second;
    }
  }
  ahead.task = ahead_task_;
  if (ahead.task != nullptr)
    ahead.task->prefetch({static_cast<const char*>(m.key), m.key_len}, 0, ahead.key_hash);
}

std::vector<TopicPartitionId> StreamRuntime::Impl::partitions_of(
    const std::vector<std::string>& topics) {
  RdKafka::Metadata* raw = nullptr;
  // Through the producer: see offset_ends().
  if (auto err = producer_->metadata(true, nullptr, &raw, kKafkaTimeoutMs);
      err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot read topic metadata: " + RdKafka::err2str(err));
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  std::vector<TopicPartitionId> partitions;
  for (const auto& topic : topics) {
    const RdKafka::TopicMetadata* found = nullptr;
    for (const auto* candidate : *metadata->topics()) {
      if (candidate->topic() == topic && candidate->err() == RdKafka::ERR_NO_ERROR)
        found = candidate;
    }
    if (found == nullptr) throw std::runtime_error("topic " + topic + " does not exist");
    for (const auto* partition : *found->partitions())
      partitions.emplace_back(topic, partition->id());
  }
  return partitions;
}

std::map<TopicPartitionId, int64_t> StreamRuntime::Impl::offset_ends(
    const std::vector<TopicPartitionId>& partitions) {
  // The producer's connection, not the consumer's: the broker answers a connection's requests
  // in order, and the consumer's always has a fetch parked for up to fetch.wait.max.ms in front.
  const auto lows = list_offsets(*producer_, partitions, OffsetBound::beginning, kKafkaTimeoutMs);
  const auto highs = list_offsets(*producer_, partitions, OffsetBound::end, kKafkaTimeoutMs);
  // Only partitions that hold records: an empty one is caught up without a committed offset.
  std::map<TopicPartitionId, int64_t> ends;
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    if (highs[i] > lows[i]) ends[partitions[i]] = highs[i];
  }
  return ends;
}

void StreamRuntime::Impl::snapshot_input_ends() {
  repartition_partitions_ = partitions_of(topology_.repartition_source_topics());
  input_ends_ = offset_ends(partitions_of(topology_.external_source_topics()));
}

std::map<TopicPartitionId, int64_t> StreamRuntime::Impl::written_ends() const {
  std::map<TopicPartitionId, int64_t> ends = written_before_rebuild_;
  for (const auto& [handle, written] : repartition_written_) {
    for (const auto& [partition, end] : written.ends) {
      int64_t& known = ends[{written.topic, partition}];
      known = std::max(known, end);
    }
  }
  return ends;
}

bool StreamRuntime::Impl::locally_caught_up() const {
  // Cheap evidence first: every assigned partition has committed its known end.
  auto below = [this](const std::map<TopicPartitionId, int64_t>& ends) {
    for (const auto& [key, end] : ends) {
      auto route = routes_.find(key.first);
      if (route == routes_.end()) continue;  // not assigned here; the group check covers it
      auto task = route->second.find(key.second);
      if (task == route->second.end()) continue;
      const auto offsets = task->second->committed_offsets();
      auto offset = offsets.find(key.first);
      if (offset == offsets.end() || offset->second < end) return true;
    }
    return false;
  };
  return !below(input_ends_) && !below(written_ends());
}

bool StreamRuntime::Impl::group_reached(const std::map<TopicPartitionId, int64_t>& targets) {
  if (targets.empty()) return true;
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& [key, end] : targets) {
    owned.emplace_back(RdKafka::TopicPartition::create(key.first, key.second));
    partitions.push_back(owned.back().get());
  }
  // The group's view, so partitions other instances own count too (the group coordinator has
  // its own connection, no fetch in front of it).
  if (consumer_->committed(partitions, kKafkaTimeoutMs) != RdKafka::ERR_NO_ERROR) return false;
  for (const auto* tp : partitions) {
    if (tp->offset() < targets.at({tp->topic(), tp->partition()})) return false;
  }
  return true;
}

bool StreamRuntime::Impl::caught_up() {
  if (!locally_caught_up()) return false;
  // Targets: the snapshot for external inputs and what this instance wrote to repartition
  // topics first. While the group is behind on them (a catch-up's start) the repartition
  // topics' current ends are not needed, and asking right after this run created those topics
  // waited for their leaders: the offset lookup retried NOT_LEADER for 0.3 s before a fresh
  // application's first join.
  std::map<TopicPartitionId, int64_t> targets = input_ends_;
  for (const auto& [key, end] : written_ends()) {
    int64_t& target = targets[key];
    target = std::max(target, end);
  }
  if (!group_reached(targets)) return false;
  // Then the current end of the repartition topics, which this application itself writes.
  if (repartition_partitions_.empty()) return true;
  try {
    return group_reached(offset_ends(repartition_partitions_));
  } catch (const OffsetLookupError& e) {
    spdlog::warn("caught-up check: {}", e.what());
    return false;
  }
}

void StreamRuntime::Impl::probe_connection() {
  RdKafka::Metadata* raw = nullptr;
  if (producer_->metadata(false, nullptr, &raw, kIdlePollMs) == RdKafka::ERR_NO_ERROR)
    connection_.on_progress();
  delete raw;
}

bool StreamRuntime::Impl::run(const std::atomic<bool>& stop, bool until_caught_up) {
  stop_ = &stop;
  // However run() ends, the instance is not ready after it.
  struct StoppedOnExit {
    Readiness* readiness;
    ~StoppedOnExit() {
      if (readiness != nullptr) readiness->stopping();
    }
  } stopped_on_exit{readiness_};
  if (readiness_ != nullptr) readiness_->starting();
  // However the first thread's run ends, the others do not wait for it after that.
  struct JoinOrderOpenedOnExit {
    JoinOrder* order;
    ~JoinOrderOpenedOnExit() {
      if (order != nullptr) order->open();
    }
  } join_order_opened{thread_ == 0 ? join_order_ : nullptr};
  connect();
  bool reached = false;
  try {
    if (until_caught_up) {
      snapshot_input_ends();
      // Nothing to do: done without joining the group (a join costs a rebalance, here and for
      // the members already in it).
      reached = caught_up();
      if (barrier_ != nullptr) {
        if (reached) barrier_->arrive(thread_);
        reached = barrier_->all();
      }
    }
    if (!reached) {
      if (join_order_ != nullptr && thread_ > 0) {
        const bool after_first = join_order_->wait(stop);
        spdlog::debug("stream thread {} joins the group {}", thread_ + 1,
                      after_first ? "after the first thread's assignment"
                                  : "without waiting longer for the first thread's assignment");
      }
      subscribe();
    }
    while (!reached && !stop.load(std::memory_order_relaxed)) {
      try {
        reached = process(stop, until_caught_up);
      } catch (const ClientsLostError& e) {
        rebuild_clients(e.what(), stop);
      }
    }
    // Stopping: not ready from here on, though the last commit and the close still run.
    if (readiness_ != nullptr) readiness_->stopping();
    try {
      commit(false);
      // At least once: a last offer of input offsets the group refused, or the next start
      // processes their records again.
      if (!pending_offsets_.empty()) commit_input_offsets();
    } catch (const ClientsLostError& e) {
      // Nothing lost: the next start processes that transaction's inputs again.
      log_event(spdlog::level::warn, "the last transaction did not commit", "reason", e.what());
      drop_clients();
    }
  } catch (...) {
    // Whatever was in flight is not committed; disconnect() aborts it.
    if (in_transaction_) {
      try {
        abort(false);
      } catch (const std::exception& e) {
        spdlog::error("aborting after a failure: {}", e.what());
      }
      in_transaction_ = false;  // a fatal producer cannot abort; the broker times it out
    }
    close_tasks();
    disconnect();
    throw;
  }
  disconnect();
  try {
    rebalance_.rethrow_pending();
  } catch (const ClientsLostError& e) {
    log_event(spdlog::level::warn, "the last transaction did not commit", "reason", e.what());
  }
  return reached;
}

bool StreamRuntime::Impl::process(const std::atomic<bool>& stop, bool until_caught_up) {
  bool reached = false;
  auto now = Clock::now();
  auto next_check = now;
  auto next_reconnect_probe = now;
  int since_poll = 0;
  int since_clock = 0;
  while (!reached && !stop.load(std::memory_order_relaxed)) {
    int timeout_ms = kIdlePollMs;
    if (commit_due_) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*commit_due_ - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, kIdlePollMs));
      // Past the shortest transaction an empty queue commits at once (below); while records
      // wait at the broker, from half the interval on.
      if (now >= early_commit_from_) {
        const auto early = backlogged_ ? backlog_commit_from_ : now;
        const auto until_early =
            std::chrono::duration_cast<std::chrono::milliseconds>(early - now).count();
        timeout_ms = static_cast<int>(std::clamp<int64_t>(until_early, 0, timeout_ms));
      }
    }
    // Idle near the end of a catch-up: the next caught-up check is due sooner than kIdlePollMs,
    // and once a sibling has arrived, so may the end of the run.
    const int arrivals = barrier_ != nullptr ? barrier_->arrivals() : 0;
    if (until_caught_up && locally_done_) {
      const auto until_check =
          std::chrono::duration_cast<std::chrono::milliseconds>(next_check - now).count();
      timeout_ms =
          static_cast<int>(std::min<int64_t>(std::max<int64_t>(until_check, 1), timeout_ms));
    }
    if (arrivals > 0) timeout_ms = std::min(timeout_ms, kArrivedPollMs);
    if (!held_.empty()) {
      // A sibling at the caught-up barrier may never join (run_until_caught_up with nothing
      // to do): no rebalance to wait for.
      if (now >= held_until_ || (barrier_ != nullptr && barrier_->arrivals() > 0)) {
        assign_held();
        now = Clock::now();
        continue;
      }
      // librdkafka's main thread serves the group, heartbeats included, only when it wakes,
      // which with nothing fetched is every 500 ms; a request for the assignment wakes it.
      std::vector<RdKafka::TopicPartition*> assignment;
      consumer_->assignment(assignment);
      RdKafka::TopicPartition::destroy(assignment);
      timeout_ms = std::min(timeout_ms, kHeldPollMs);
    }
    if (keeping_ && now >= kept_until_) {
      spdlog::info("closing the tasks kept from the last revocation: no assignment followed");
      close_kept();
    }
    const MessagePtr message = next_message(timeout_ms);
    // Nothing fetched waits: the input is not arriving faster than it is processed.
    const bool drained = message == nullptr;
    const rd_kafka_resp_err_t err = drained ? RD_KAFKA_RESP_ERR__TIMED_OUT : message->err;
    if (message != nullptr) handle(*message);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      locally_done_ = false;
      if (barrier_ != nullptr) barrier_->leave(thread_);
    }
    if (++since_poll >= 1000 || err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      producer_->poll(0);  // serve delivery reports of output records
      since_poll = 0;
    }
    // The commit interval counts from the first uncommitted work, whatever consume() returned.
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || ++since_clock >= kRecordsPerClockRead) {
      now = Clock::now();
      since_clock = 0;
    }
    if (!connection_.connected() && now >= next_reconnect_probe) {
      next_reconnect_probe = now + kReconnectProbeInterval;
      probe_connection();
    }
    // Under load a transaction lasts its interval, which grows while the input keeps waiting
    // (CommitPacer); under light load it commits as soon as the input is drained, which bounds
    // the latency of each record by little more than the commit itself. Light load: the local
    // queue is empty and so are the external inputs at the broker.
    bool light = false;
    bool early = false;
    if (drained && commit_due_ && now >= early_commit_from_) {
      backlogged_ = inputs_backlogged();
      light = !backlogged_;
      early = light || now >= backlog_commit_from_;
    }
    if (commit_due_ && (now >= *commit_due_ || early)) {
      pacer_.committing(!light);
      commit(true);
      now = Clock::now();
    }
    if (!pending_offsets_.empty()) retry_refused_offsets(now);
    report_progress_if_due(now);
    if (until_caught_up && !commit_due_ && !in_transaction_) {
      if (barrier_ != nullptr && barrier_->arrived(thread_)) {
        // Done when every stream thread is (caught_up_barrier.hpp); until then this one keeps
        // processing what its siblings send it.
        reached = barrier_->all();
      } else if (now >= next_check || arrivals != arrivals_checked_) {
        // A sibling's arrival may be what this thread's check waited for: check at once.
        next_check = now + kCaughtUpCheckInterval;
        arrivals_checked_ = arrivals;
        reached = joined_ && check_caught_up();
      }
    }
  }
  return reached;
}

void StreamRuntime::Impl::drop_clients() {
  // In this order: delivery reports write into the tasks, and the tasks' revocation must find
  // nothing to commit.
  in_transaction_ = false;
  commit_due_.reset();
  processed_in_transaction_ = 0;
  for (const auto& [handle, written] : repartition_written_) {
    for (const auto& [partition, end] : written.ends) {
      int64_t& known = written_before_rebuild_[{written.topic, partition}];
      known = std::max(known, end);
    }
  }
  repartition_written_.clear();
  topic_handles_.clear();
  if (producer_) {
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT |
                     RdKafka::Producer::PURGE_NON_BLOCKING);
    producer_->poll(0);
    producer_.reset();
  }
  delivery_failed_ = false;
  delivery_error_.clear();
  close_tasks();
  if (consumer_) {
    try {
      consumer_->close();
    } catch (const std::exception& e) {
      spdlog::debug("closing the lost consumer: {}", e.what());
    }
    consumer_.reset();
  }
  try {
    rebalance_.rethrow_pending();
  } catch (const std::exception& e) {
    spdlog::debug("while dropping the clients: {}", e.what());
  }
  restorer_.reset();
}

void StreamRuntime::Impl::rebuild_clients(std::string reason, const std::atomic<bool>& stop) {
  // Whether the open transaction committed before the failure or not, the changelogs and the
  // group's committed offsets agree on it: the new tasks restore the changelog tail and resume
  // from the committed offsets; the new producer's init_transactions aborts what is still open.
  if (!rebuild_budget_.take(Clock::now()))
    throw std::runtime_error(
        "the Kafka clients failed " + std::to_string(kRebuildsPerWindow) + " times within " +
        std::to_string(std::chrono::minutes(kRebuildWindow).count()) +
        " minutes (is another process running with this instance id? see [app] instance_id); "
        "last: " +
        reason);
  log_event(spdlog::level::warn,
            "Kafka clients lost; uncommitted work is processed again from the committed offsets",
            "reason", reason, "action", describe(FailureAction::rebuild_clients));
  if (readiness_ != nullptr) readiness_->revoked();
  ++stats_.client_rebuilds;
  if (metrics_ != nullptr) metrics_->add(metric_.client_rebuilds, {}, 1);
  drop_clients();
  while (!stop.load(std::memory_order_relaxed)) {
    const auto until = Clock::now() + rebuild_backoff(consecutive_rebuilds_++);
    while (Clock::now() < until && !stop.load(std::memory_order_relaxed))
      std::this_thread::sleep_for(std::chrono::milliseconds(kIdlePollMs));
    if (stop.load(std::memory_order_relaxed)) return;
    try {
      connect();
      subscribe();
      log_event(spdlog::level::info, "Kafka clients rebuilt; rejoining the group");
      return;
    } catch (const ClientsLostError& e) {
      log_event(spdlog::level::warn, "Kafka clients could not be rebuilt yet; trying again",
                "reason", e.what());
      drop_clients();
    }
  }
}

// What the stream threads of one StreamRuntime share.
struct StreamRuntime::Shared {
  std::string instance_id;
  Readiness* readiness = nullptr;  // the caller's; with several threads it follows `parts`
  std::vector<std::unique_ptr<Readiness>> parts;
  std::unique_ptr<CaughtUpBarrier> barrier;   // null with one thread
  std::unique_ptr<JoinOrder> join_order;      // null with one thread
  std::unique_ptr<StandbyPlacement> standby;  // null without standby replicas
  KeptTasks kept;                             // empty whenever no thread runs
  ProgressListener progress;
  std::chrono::milliseconds progress_interval{0};
  std::mutex progress_mutex;
  std::vector<StreamRuntimeStats> progress_by_thread;  // each thread's latest report
};

namespace {

void add_stats(StreamRuntimeStats& total, const StreamRuntimeStats& part) {
  total.processed += part.processed;
  total.commits += part.commits;
  total.aborts += part.aborts;
  total.restored_records += part.restored_records;
  total.tasks_wiped += part.tasks_wiped;
  total.tasks_opened += part.tasks_opened;
  total.tasks_kept += part.tasks_kept;
  total.client_rebuilds += part.client_rebuilds;
  total.redelivered_skipped += part.redelivered_skipped;
  for (const auto& [input, counts] : part.inputs) total.inputs[input] += counts;
  for (const auto& [topic, lag] : part.lag) total.lag[topic] += lag;
}

// How long the other stream threads wait for the first one's assignment before they join.
constexpr auto kFirstJoinWait = std::chrono::milliseconds(2000);
// How often the caller's thread looks at `stop` and the progress while stream threads run.
constexpr auto kSupervisionInterval = std::chrono::milliseconds(20);

}  // namespace

int stream_threads(const RuntimeOptions& options) {
  if (options.threads > 0) return options.threads;
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 64);
}

StreamRuntime::StreamRuntime(Topology topology, RuntimeOptions options, Metrics* metrics,
                             Readiness* readiness)
    : shared_(std::make_unique<Shared>()) {
  const int count = stream_threads(options);
  if (options.standby_replicas > 0) shared_->standby = std::make_unique<StandbyPlacement>();
  shared_->instance_id = resolve_instance_id(options.instance_id, options.state_dir);
  shared_->readiness = readiness;
  if (count > 1) {
    shared_->barrier = std::make_unique<CaughtUpBarrier>(count);
    shared_->join_order = std::make_unique<JoinOrder>(kFirstJoinWait);
  }
  std::vector<const Readiness*> parts;
  for (int thread = 0; thread < count; ++thread) {
    RuntimeOptions own = options;
    own.instance_id = thread == 0 ? shared_->instance_id
                                  : shared_->instance_id + "-thread-" + std::to_string(thread + 1);
    Readiness* part = readiness;
    if (count > 1) {
      part = shared_->parts.emplace_back(std::make_unique<Readiness>()).get();
      parts.push_back(part);
    }
    threads_.push_back(std::make_unique<Impl>(topology, std::move(own), metrics, part, thread,
                                              shared_->barrier.get(), shared_->join_order.get(),
                                              shared_->standby.get(), &shared_->kept));
  }
  if (readiness != nullptr && count > 1) readiness->follow(std::move(parts));
}

StreamRuntime::~StreamRuntime() {
  if (shared_->readiness != nullptr && !shared_->parts.empty()) shared_->readiness->follow({});
  shared_->kept.close_all();  // the kept tasks refer to the threads' topologies
  // The threads use the shared parts until they are gone.
  threads_.clear();
}

void StreamRuntime::run(const std::atomic<bool>& stop) {
  run_threads(stop, false);
}

bool StreamRuntime::run_until_caught_up(const std::atomic<bool>& stop) {
  return run_threads(stop, true);
}

bool StreamRuntime::run_threads(const std::atomic<bool>& stop, bool until_caught_up) {
  // The standby copies and the tasks kept from a revocation close when the run ends, however
  // it ends.
  struct EndOfRun {
    Shared& shared;
    ~EndOfRun() {
      shared.kept.close_all();
      if (shared.standby != nullptr) shared.standby->stop();
    }
  } end_of_run{*shared_};
  if (threads_.size() == 1) return threads_.front()->run(stop, until_caught_up);
  // The threads stop on one flag: the caller's `stop`, or one of them failing.
  std::atomic<bool> halt{false};
  std::atomic<int> running{static_cast<int>(threads_.size())};
  std::vector<std::exception_ptr> failures(threads_.size());
  std::vector<char> reached(threads_.size(), 0);
  std::vector<std::thread> workers;
  for (std::size_t thread = 0; thread < threads_.size(); ++thread) {
    workers.emplace_back([&, thread] {
      try {
        reached[thread] = threads_[thread]->run(halt, until_caught_up) ? 1 : 0;
      } catch (...) {
        failures[thread] = std::current_exception();
        halt.store(true);
      }
      running.fetch_sub(1);
    });
  }
  auto next_progress = Clock::now() + shared_->progress_interval;
  while (running.load() > 0) {
    if (stop.load(std::memory_order_relaxed)) halt.store(true);
    std::this_thread::sleep_for(kSupervisionInterval);
    if (shared_->progress && shared_->progress_interval.count() > 0 &&
        Clock::now() >= next_progress) {
      next_progress = Clock::now() + shared_->progress_interval;
      StreamRuntimeStats total;
      {
        std::lock_guard lock(shared_->progress_mutex);
        for (const auto& part : shared_->progress_by_thread) add_stats(total, part);
      }
      shared_->progress(total);
    }
  }
  for (std::thread& worker : workers) worker.join();
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  return std::any_of(reached.begin(), reached.end(), [](char r) { return r != 0; });
}

StreamRuntimeStats StreamRuntime::stats() const {
  if (threads_.size() == 1) return threads_.front()->stats();
  StreamRuntimeStats total;
  for (const auto& thread : threads_) add_stats(total, thread->stats());
  return total;
}
void StreamRuntime::on_progress(std::chrono::milliseconds interval, ProgressListener listener) {
  if (threads_.size() == 1) {
    threads_.front()->on_progress(interval, std::move(listener));
    return;
  }
  shared_->progress = std::move(listener);
  shared_->progress_interval = interval;
  shared_->progress_by_thread.assign(threads_.size(), {});
  for (std::size_t thread = 0; thread < threads_.size(); ++thread) {
    threads_[thread]->on_progress(interval, [this, thread](const StreamRuntimeStats& stats) {
      std::lock_guard lock(shared_->progress_mutex);
      shared_->progress_by_thread[thread] = stats;
    });
  }
}
const std::string& StreamRuntime::instance_id() const {
  return shared_->instance_id;
}
const std::string& StreamRuntime::transactional_id() const {
  return threads_.front()->transactional_id();
}
void StreamRuntime::serve_queries(QueryableState& queries) {
  for (const auto& thread : threads_) thread->serve_queries(queries);
}

namespace {
std::atomic<bool> termination_requested{false};
extern "C" void request_termination(int) {
  termination_requested.store(true);
}
}  // namespace

std::filesystem::path application_state_dir(const Topology& topology,
                                            const RuntimeOptions& options) {
  return std::filesystem::path(options.state_dir) / topology.application_id();
}

std::string consumer_group_id(const Topology& topology) {
  return topology.application_id();
}

const std::atomic<bool>& stop_on_termination_signals() {
  static const bool installed = [] {
    std::signal(SIGTERM, request_termination);
    std::signal(SIGINT, request_termination);
    return true;
  }();
  (void)installed;
  return termination_requested;
}

}  // namespace leifeng::runtime
