#include "leifeng/runtime/stream_runtime.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <exception>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "leifeng/runtime/changelog_restorer.hpp"
#include "leifeng/runtime/rebalance.hpp"
#include "leifeng/runtime/task.hpp"
#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// How long one Kafka call may block before the runtime gives up on it.
constexpr int kKafkaTimeoutMs = 60000;
// A crashed instance's open transaction blocks read_committed readers of its partitions until
// the broker aborts it after this long; Kafka Streams uses the same 10 s for exactly-once.
constexpr const char* kTransactionTimeoutMs = "10000";
constexpr auto kCaughtUpCheckInterval = std::chrono::milliseconds(200);

// A transactional call failed in a way that only aborting the transaction repairs.
class AbortableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "host";
  return buffer;
}

std::string default_instance_id(const std::string& state_dir) {
  std::error_code error;
  const std::string path = std::filesystem::weakly_canonical(state_dir, error).string();
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : path) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  std::string host;
  for (char c : host_name()) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_';
    host += keep ? c : '_';
  }
  return fmt::format("{}-{:08x}", host, static_cast<uint32_t>(hash ^ (hash >> 32)));
}

std::unique_ptr<RdKafka::Conf> make_conf(const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK)
      throw std::invalid_argument("kafka property " + name + ": " + error);
  }
  return conf;
}

// Decides what a failed transactional call means: retry (nullopt handled by the caller
// looping), abort (AbortableError) or stop (std::runtime_error).
bool should_retry(RdKafka::Error* raw, const char* what) {
  if (raw == nullptr) return false;
  std::unique_ptr<RdKafka::Error> error(raw);
  const std::string message = std::string(what) + ": " + error->str();
  if (error->is_fatal()) throw std::runtime_error("fatal Kafka error in " + message);
  if (error->txn_requires_abort()) throw AbortableError(message);
  if (error->is_retriable()) {
    spdlog::warn("retrying {}", message);
    return true;
  }
  throw AbortableError(message);
}

}  // namespace

class StreamRuntime::Impl final : public RecordSink,
                                  public RdKafka::DeliveryReportCb,
                                  public RebalanceListener {
 public:
  Impl(Topology topology, RuntimeOptions options, Metrics* metrics, std::string instance_id)
      : topology_(std::move(topology)),
        options_(std::move(options)),
        metrics_(metrics),
        instance_id_(instance_id.empty() ? default_instance_id(options_.state_dir)
                                         : std::move(instance_id)),
        transactional_id_(topology_.application_id() + "-" + instance_id_),
        state_root_(std::filesystem::path(options_.state_dir) / topology_.application_id()),
        rebalance_(*this) {
    topology_.validate();
    sources_ = topology_.sources();
    if (options_.bootstrap_servers.empty())
      throw std::invalid_argument("the stream runtime needs bootstrap servers");
    describe_metrics();
  }

  ~Impl() override { disconnect(); }

  bool run(const std::atomic<bool>& stop, bool until_caught_up);
  StreamRuntimeStats stats() const { return stats_; }
  const std::string& instance_id() const { return instance_id_; }
  const std::string& transactional_id() const { return transactional_id_; }

  // RecordSink
  void send(const std::string& topic, int32_t partition, std::string_view key,
            std::optional<std::string_view> value, int64_t* delivered) override;
  // DeliveryReportCb
  void dr_cb(RdKafka::Message& message) override;
  // RebalanceListener
  void on_assigned(const std::vector<RdKafka::TopicPartition*>& partitions) override;
  void on_revoked(bool lost) override;

 private:
  std::map<std::string, std::string> common_properties() const;
  void create_internal_topics();
  void connect();
  void disconnect();
  void describe_metrics();
  void handle(RdKafka::Message& message);
  void begin_if_needed();
  bool any_uncommitted() const;
  // Commits the open transaction (beginning one if a task has something to commit). On an
  // abortable failure aborts, drops buffered state and, when `rewind`, seeks back.
  bool commit(bool rewind);
  void abort(bool rewind);
  void close_tasks();
  void report_after_commit(Clock::duration latency);
  void snapshot_input_ends();
  bool caught_up();
  RdKafka::Topic* topic_handle(const std::string& topic);

  Topology topology_;
  RuntimeOptions options_;
  Metrics* metrics_;
  std::string instance_id_;
  std::string transactional_id_;
  std::filesystem::path state_root_;
  std::map<std::string, SourceTopic, std::less<>> sources_;
  RebalanceHandler rebalance_;
  const std::atomic<bool>* stop_ = nullptr;

  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<ChangelogRestorer> restorer_;
  std::map<std::string, std::unique_ptr<RdKafka::Topic>, std::less<>> topic_handles_;

  std::map<TaskId, std::unique_ptr<StreamTask>> tasks_;
  // Kafka topic -> partition -> task, for routing each consumed record.
  std::map<std::string, std::map<int32_t, StreamTask*>, std::less<>> routes_;

  bool in_transaction_ = false;
  Clock::time_point transaction_deadline_{};
  bool delivery_failed_ = false;
  std::string delivery_error_;
  int64_t processed_in_transaction_ = 0;

  // run_until_caught_up: end offsets of the external inputs when it started.
  std::map<std::pair<std::string, int32_t>, int64_t> input_ends_;

  StreamRuntimeStats stats_;
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
        specs.push_back(TopicSpec{topology_.changelog_topic(store),
                                  partitions,
                                  options_.replication_factor,
                                  {{"cleanup.policy", "compact"}}});
      }
    }
    for (const auto& topic : topology_.repartition_source_topics()) {
      specs.push_back(TopicSpec{topic, options_.partitions, options_.replication_factor, {}});
    }
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
  };
  for (const auto& [name, value] : common_properties()) producer_properties[name] = value;
  producer_properties["transactional.id"] = transactional_id_;
  producer_properties["enable.idempotence"] = "true";
  // Same partitioner as the Java clients, so keyed topics written by either agree.
  producer_properties["partitioner"] = "murmur2_random";
  producer_properties["message.timeout.ms"] = producer_properties["transaction.timeout.ms"];
  auto producer_conf = make_conf(producer_properties);
  std::string error;
  if (producer_conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), error) !=
      RdKafka::Conf::CONF_OK)
    throw std::runtime_error("cannot set the delivery report callback: " + error);
  producer_.reset(RdKafka::Producer::create(producer_conf.get(), error));
  if (!producer_) throw std::runtime_error("cannot create the transactional producer: " + error);
  // Fences a previous incarnation of this instance and aborts what it left open.
  while (should_retry(producer_->init_transactions(kKafkaTimeoutMs), "init_transactions")) {
  }

  std::map<std::string, std::string> consumer_properties{
      {"session.timeout.ms", "10000"},
      {"heartbeat.interval.ms", "1000"},
  };
  for (const auto& [name, value] : common_properties()) consumer_properties[name] = value;
  for (const auto& [name, value] : rebalance_properties(instance_id_))
    consumer_properties[name] = value;
  consumer_properties["group.id"] = topology_.application_id();
  consumer_properties["enable.auto.commit"] = "false";
  consumer_properties["enable.auto.offset.store"] = "false";
  consumer_properties["auto.offset.reset"] = "earliest";
  consumer_properties["isolation.level"] = "read_committed";
  consumer_properties["enable.partition.eof"] = "true";
  auto consumer_conf = make_conf(consumer_properties);
  if (consumer_conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(&rebalance_), error) !=
      RdKafka::Conf::CONF_OK)
    throw std::runtime_error("cannot set the rebalance callback: " + error);
  consumer_.reset(RdKafka::KafkaConsumer::create(consumer_conf.get(), error));
  if (!consumer_) throw std::runtime_error("cannot create the consumer: " + error);

  auto restore_properties = common_properties();
  restorer_ = std::make_unique<ChangelogRestorer>(restore_properties,
                                                  topology_.application_id() + "-restore");
  const auto topics = topology_.all_source_topics();
  if (auto err = consumer_->subscribe(topics); err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot subscribe: " + RdKafka::err2str(err));
  spdlog::info("stream runtime {} started (transactional.id {})", topology_.application_id(),
               transactional_id_);
}

void StreamRuntime::Impl::disconnect() {
  if (consumer_) {
    // close() revokes the assignment, which commits and closes the tasks.
    try {
      consumer_->close();
    } catch (const std::exception& e) {
      spdlog::error("closing the consumer: {}", e.what());
    }
    consumer_.reset();
  }
  if (in_transaction_ && producer_) {
    std::unique_ptr<RdKafka::Error> error(producer_->abort_transaction(kKafkaTimeoutMs));
    in_transaction_ = false;
  }
  tasks_.clear();
  routes_.clear();
  topic_handles_.clear();
  restorer_.reset();
  if (producer_) {
    producer_->flush(kKafkaTimeoutMs);
    producer_.reset();
  }
}

void StreamRuntime::Impl::describe_metrics() {
  if (metrics_ == nullptr) return;
  metrics_->describe("leifeng_records_consumed_total", "counter",
                     "Input records processed and committed, by logical input.");
  metrics_->describe("leifeng_records_applied_total", "counter",
                     "Input records applied to state, by logical input.");
  metrics_->describe("leifeng_records_duplicate_total", "counter",
                     "Input records dropped as duplicates, by logical input.");
  metrics_->describe("leifeng_records_dead_lettered_total", "counter",
                     "Input records sent to the dead-letter topic, by logical input.");
  metrics_->describe("leifeng_commit_latency_ms", "gauge",
                     "Duration of the last transaction commit (flush, offsets, commit).");
  metrics_->describe("leifeng_transactions_committed_total", "counter",
                     "Kafka transactions committed.");
  metrics_->describe("leifeng_transactions_aborted_total", "counter",
                     "Kafka transactions aborted.");
  metrics_->describe("leifeng_consumer_lag", "gauge",
                     "Records on assigned input partitions not yet processed, by topic.");
  metrics_->describe("leifeng_restore_records_total", "counter",
                     "Changelog records replayed into local state.");
  metrics_->describe("leifeng_restore_remaining", "gauge",
                     "Changelog records left to replay in the running restore, by store.");
}

RdKafka::Topic* StreamRuntime::Impl::topic_handle(const std::string& topic) {
  auto it = topic_handles_.find(topic);
  if (it != topic_handles_.end()) return it->second.get();
  std::string error;
  std::unique_ptr<RdKafka::Topic> handle(
      RdKafka::Topic::create(producer_.get(), topic, nullptr, error));
  if (!handle) throw std::runtime_error("cannot use topic " + topic + ": " + error);
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
    if (err != RdKafka::ERR__QUEUE_FULL)
      throw AbortableError("cannot produce to " + topic + ": " + RdKafka::err2str(err));
    producer_->poll(50);  // the local queue is full: wait for deliveries
  }
}

void StreamRuntime::Impl::dr_cb(RdKafka::Message& message) {
  if (message.err() != RdKafka::ERR_NO_ERROR) {
    if (!delivery_failed_) delivery_error_ = message.topic_name() + ": " + message.errstr();
    delivery_failed_ = true;
    return;
  }
  if (auto* delivered = static_cast<int64_t*>(message.msg_opaque()); delivered != nullptr) {
    *delivered = std::max(*delivered, message.offset() + 1);
  }
}

void StreamRuntime::Impl::on_assigned(const std::vector<RdKafka::TopicPartition*>& partitions) {
  // The group's committed offsets: where each task resumes, and where an abort rewinds to.
  std::vector<RdKafka::TopicPartition*> committed;
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  for (const auto* tp : partitions) {
    owned.emplace_back(RdKafka::TopicPartition::create(tp->topic(), tp->partition()));
    committed.push_back(owned.back().get());
  }
  if (auto err = consumer_->committed(committed, kKafkaTimeoutMs); err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot read committed offsets: " + RdKafka::err2str(err));

  std::vector<StreamTask*> created;
  for (const auto* tp : committed) {
    auto source = sources_.find(tp->topic());
    if (source == sources_.end()) continue;
    const TaskId id{source->second.subtopology, tp->partition()};
    auto it = tasks_.find(id);
    if (it == tasks_.end()) {
      it =
          tasks_.emplace(id, std::make_unique<StreamTask>(id, topology_, state_root_, *this)).first;
      created.push_back(it->second.get());
    }
    it->second->set_committed_offset(tp->topic(), tp->offset() >= 0 ? tp->offset() : -1);
    routes_[tp->topic()][tp->partition()] = it->second.get();
  }

  std::vector<RestoreTarget> targets;
  for (StreamTask* task : created) {
    for (const auto& [store, topic] : task->changelogs())
      targets.push_back(RestoreTarget{&task->state(), store, topic, task->partition()});
  }
  const auto started = Clock::now();
  auto progress = [this](const RestoreProgress& p) {
    if (metrics_ == nullptr) return;
    metrics_->set("leifeng_restore_remaining", {{"store", p.store}}, p.remaining);
  };
  const RestoreResult restored = restorer_->restore(targets, *stop_, progress);
  if (restored.interrupted) {
    // Stopping: these tasks never start; their partitions are ignored until the revoke.
    routes_.clear();
    for (StreamTask* task : created) tasks_.erase(task->id());
    return;
  }
  stats_.restored_records += restored.records;
  stats_.tasks_wiped += restored.wiped_tasks;
  if (metrics_ != nullptr) {
    metrics_->add("leifeng_restore_records_total", {}, restored.records);
  }
  spdlog::info(
      "{} tasks: restored {} changelog records in {} ms", created.size(), restored.records,
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  for (StreamTask* task : created) task->start();
}

void StreamRuntime::Impl::on_revoked(bool lost) {
  if (lost) {
    if (in_transaction_) abort(false);
  } else {
    commit(false);
  }
  close_tasks();
}

void StreamRuntime::Impl::close_tasks() {
  routes_.clear();
  tasks_.clear();
}

void StreamRuntime::Impl::begin_if_needed() {
  if (in_transaction_) return;
  while (should_retry(producer_->begin_transaction(), "begin_transaction")) {
  }
  in_transaction_ = true;
  transaction_deadline_ = Clock::now() + std::chrono::milliseconds(options_.commit_interval_ms);
}

bool StreamRuntime::Impl::any_uncommitted() const {
  return std::any_of(tasks_.begin(), tasks_.end(),
                     [](const auto& entry) { return entry.second->has_uncommitted(); });
}

bool StreamRuntime::Impl::commit(bool rewind) {
  if (!in_transaction_ && !any_uncommitted()) return true;
  const auto started = Clock::now();
  try {
    begin_if_needed();
    for (auto& [id, task] : tasks_) task->prepare_commit();
    // Serves the delivery reports, which carry the changelog offsets the state will record.
    while (producer_->flush(1000) == RdKafka::ERR__TIMED_OUT) {
      if (Clock::now() - started > std::chrono::milliseconds(kKafkaTimeoutMs))
        throw AbortableError("records not delivered within the commit timeout");
    }
    if (delivery_failed_) throw AbortableError("delivery failed: " + delivery_error_);

    std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [id, task] : tasks_) {
      for (const auto& [topic, offset] : task->offsets_to_commit()) {
        owned.emplace_back(RdKafka::TopicPartition::create(topic, id.partition, offset));
        offsets.push_back(owned.back().get());
      }
    }
    if (!offsets.empty()) {
      std::unique_ptr<RdKafka::ConsumerGroupMetadata> group(consumer_->groupMetadata());
      while (should_retry(
          producer_->send_offsets_to_transaction(offsets, group.get(), kKafkaTimeoutMs),
          "send_offsets_to_transaction")) {
      }
    }
    while (should_retry(producer_->commit_transaction(kKafkaTimeoutMs), "commit_transaction")) {
    }
  } catch (const AbortableError& e) {
    spdlog::warn("transaction aborted: {}", e.what());
    abort(rewind);
    return false;
  }
  in_transaction_ = false;
  for (auto& [id, task] : tasks_) task->committed();
  report_after_commit(Clock::now() - started);
  return true;
}

void StreamRuntime::Impl::abort(bool rewind) {
  while (should_retry(producer_->abort_transaction(kKafkaTimeoutMs), "abort_transaction")) {
  }
  in_transaction_ = false;
  delivery_failed_ = false;
  delivery_error_.clear();
  processed_in_transaction_ = 0;
  ++stats_.aborts;
  if (metrics_ != nullptr) metrics_->add("leifeng_transactions_aborted_total", {}, 1);
  for (auto& [id, task] : tasks_) task->aborted();
  if (!rewind || tasks_.empty()) return;
  // Re-assigning with explicit offsets drops what was fetched past them.
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& [id, task] : tasks_) {
    for (const auto& [topic, offset] : task->committed_offsets()) {
      owned.emplace_back(RdKafka::TopicPartition::create(
          topic, id.partition, offset >= 0 ? offset : RdKafka::Topic::OFFSET_BEGINNING));
      partitions.push_back(owned.back().get());
    }
  }
  if (auto err = consumer_->assign(partitions); err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot rewind after abort: " + RdKafka::err2str(err));
}

void StreamRuntime::Impl::report_after_commit(Clock::duration latency) {
  ++stats_.commits;
  stats_.processed += processed_in_transaction_;
  processed_in_transaction_ = 0;
  if (metrics_ == nullptr) {
    for (auto& [id, task] : tasks_) task->take_counts();
    return;
  }
  metrics_->add("leifeng_transactions_committed_total", {}, 1);
  metrics_->set("leifeng_commit_latency_ms", {},
                std::chrono::duration_cast<std::chrono::milliseconds>(latency).count());
  std::map<std::string, int64_t> lag;
  for (auto& [id, task] : tasks_) {
    for (const auto& [input, counts] : task->take_counts()) {
      const MetricLabels labels{{"topic", input}};
      metrics_->add("leifeng_records_consumed_total", labels, counts.consumed);
      metrics_->add("leifeng_records_applied_total", labels, counts.applied);
      metrics_->add("leifeng_records_duplicate_total", labels, counts.duplicates);
      metrics_->add("leifeng_records_dead_lettered_total", labels, counts.dead_lettered);
    }
    for (const auto& [topic, offset] : task->committed_offsets()) {
      int64_t low = 0;
      int64_t high = 0;
      // Cached from fetch responses: no broker round trip.
      if (consumer_->get_watermark_offsets(topic, id.partition, &low, &high) ==
              RdKafka::ERR_NO_ERROR &&
          high >= 0) {
        lag[topic] += std::max<int64_t>(0, high - std::max<int64_t>(offset, low));
      }
    }
  }
  for (const auto& [topic, records] : lag) {
    metrics_->set("leifeng_consumer_lag", {{"topic", topic}}, records);
  }
}

void StreamRuntime::Impl::handle(RdKafka::Message& message) {
  switch (message.err()) {
    case RdKafka::ERR_NO_ERROR: {
      // The C name avoids a std::string copy per record.
      const auto* raw = static_cast<const rd_kafka_message_t*>(message.c_ptr());
      const std::string_view topic = rd_kafka_topic_name(raw->rkt);
      auto route = routes_.find(topic);
      if (route == routes_.end()) return;
      auto task = route->second.find(message.partition());
      if (task == route->second.end()) return;
      begin_if_needed();
      InputRecord record;
      record.topic = sources_.find(topic)->second.logical_name;
      record.partition = message.partition();
      record.offset = message.offset();
      if (raw->key != nullptr)
        record.key = std::string_view(static_cast<const char*>(raw->key), raw->key_len);
      if (raw->payload != nullptr)
        record.value = std::string_view(static_cast<const char*>(raw->payload), raw->len);
      task->second->process(route->first, record);
      ++processed_in_transaction_;
      return;
    }
    case RdKafka::ERR__PARTITION_EOF: {
      auto route = routes_.find(message.topic_name());
      if (route == routes_.end()) return;
      auto task = route->second.find(message.partition());
      if (task == route->second.end()) return;
      task->second->reached_end(route->first, message.offset());
      return;
    }
    case RdKafka::ERR__TIMED_OUT:
      return;
    default:
      if (message.err() == RdKafka::ERR__FATAL)
        throw std::runtime_error("fatal consumer error: " + message.errstr());
      spdlog::warn("consumer: {}", message.errstr());
      return;
  }
}

void StreamRuntime::Impl::snapshot_input_ends() {
  input_ends_.clear();
  RdKafka::Metadata* raw = nullptr;
  if (auto err = consumer_->metadata(true, nullptr, &raw, kKafkaTimeoutMs);
      err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot read topic metadata: " + RdKafka::err2str(err));
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const auto& topic : topology_.external_source_topics()) {
    const RdKafka::TopicMetadata* found = nullptr;
    for (const auto* candidate : *metadata->topics()) {
      if (candidate->topic() == topic && candidate->err() == RdKafka::ERR_NO_ERROR)
        found = candidate;
    }
    if (found == nullptr) throw std::runtime_error("input topic " + topic + " does not exist");
    for (const auto* partition : *found->partitions()) {
      int64_t low = 0;
      int64_t high = 0;
      if (auto err = consumer_->query_watermark_offsets(topic, partition->id(), &low, &high,
                                                        kKafkaTimeoutMs);
          err != RdKafka::ERR_NO_ERROR)
        throw std::runtime_error("cannot read the end of " + topic + ": " + RdKafka::err2str(err));
      if (high > low) input_ends_[{topic, partition->id()}] = high;
    }
  }
}

bool StreamRuntime::Impl::caught_up() {
  // Targets: the snapshot for external inputs; the current end for repartition topics, which
  // this application itself writes.
  std::map<std::pair<std::string, int32_t>, int64_t> targets = input_ends_;
  RdKafka::Metadata* raw = nullptr;
  if (consumer_->metadata(true, nullptr, &raw, kKafkaTimeoutMs) != RdKafka::ERR_NO_ERROR)
    return false;
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const auto& topic : topology_.repartition_source_topics()) {
    for (const auto* candidate : *metadata->topics()) {
      if (candidate->topic() != topic) continue;
      for (const auto* partition : *candidate->partitions()) {
        int64_t low = 0;
        int64_t high = 0;
        if (consumer_->query_watermark_offsets(topic, partition->id(), &low, &high,
                                               kKafkaTimeoutMs) != RdKafka::ERR_NO_ERROR)
          return false;
        if (high > low) targets[{topic, partition->id()}] = high;
      }
    }
  }
  if (targets.empty()) return true;
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto& [key, end] : targets) {
    owned.emplace_back(RdKafka::TopicPartition::create(key.first, key.second));
    partitions.push_back(owned.back().get());
  }
  if (consumer_->committed(partitions, kKafkaTimeoutMs) != RdKafka::ERR_NO_ERROR) return false;
  for (const auto* tp : partitions) {
    if (tp->offset() < targets.at({tp->topic(), tp->partition()})) return false;
  }
  return true;
}

bool StreamRuntime::Impl::run(const std::atomic<bool>& stop, bool until_caught_up) {
  stop_ = &stop;
  connect();
  bool reached = false;
  try {
    if (until_caught_up) snapshot_input_ends();
    auto next_check = Clock::now();
    int since_poll = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      int timeout_ms = 100;
      if (in_transaction_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              transaction_deadline_ - Clock::now())
                              .count();
        timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 100));
      }
      std::unique_ptr<RdKafka::Message> message(consumer_->consume(timeout_ms));
      rebalance_.rethrow_pending();
      handle(*message);
      if (++since_poll >= 1000 || message->err() != RdKafka::ERR_NO_ERROR) {
        producer_->poll(0);  // serve delivery reports of output records
        since_poll = 0;
      }
      const auto now = Clock::now();
      if (in_transaction_ ? now >= transaction_deadline_
                          : (message->err() != RdKafka::ERR_NO_ERROR && any_uncommitted())) {
        commit(true);
      }
      if (until_caught_up && !in_transaction_ && now >= next_check) {
        next_check = now + kCaughtUpCheckInterval;
        if (caught_up()) {
          reached = true;
          break;
        }
      }
    }
    commit(false);
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
  rebalance_.rethrow_pending();
  return reached;
}

StreamRuntime::StreamRuntime(Topology topology, RuntimeOptions options, Metrics* metrics,
                             std::string instance_id)
    : impl_(std::make_unique<Impl>(std::move(topology), std::move(options), metrics,
                                   std::move(instance_id))) {}

StreamRuntime::~StreamRuntime() = default;

void StreamRuntime::run(const std::atomic<bool>& stop) {
  impl_->run(stop, false);
}

bool StreamRuntime::run_until_caught_up(const std::atomic<bool>& stop) {
  return impl_->run(stop, true);
}

StreamRuntimeStats StreamRuntime::stats() const {
  return impl_->stats();
}
const std::string& StreamRuntime::instance_id() const {
  return impl_->instance_id();
}
const std::string& StreamRuntime::transactional_id() const {
  return impl_->transactional_id();
}

namespace {
std::atomic<bool> termination_requested{false};
extern "C" void request_termination(int) {
  termination_requested.store(true);
}
}  // namespace

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
