// TopicAdmin on librdkafka's C Admin API (rd_kafka_CreateTopics). The C++ binding has no
// Admin API in 2.0.2.
#include "leifeng/runtime/topic_admin.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "admin_request.hpp"
#include "leifeng/runtime/kafka_client.hpp"

namespace leifeng::runtime {
namespace {

template <auto Destroy>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    if (p != nullptr) Destroy(p);
  }
};

using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>>;
using DeleteTopicPtr =
    std::unique_ptr<rd_kafka_DeleteTopic_t, Deleter<rd_kafka_DeleteTopic_destroy>>;
using OptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_destroy>>;

constexpr std::size_t kErrorSize = 512;

int timeout_ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(timeout.count());
}

std::string brokers_text(int32_t brokers) {
  return fmt::format("{} broker{}", brokers, brokers == 1 ? "" : "s");
}

// The broker would refuse too many replicas only after its own checks, and accept a
// min.insync.replicas no write could meet (producers would then time out); say so now.
void check_against_brokers(const TopicSpec& spec, int32_t brokers) {
  if (spec.replication > brokers)
    throw KafkaAdminError(fmt::format(
        "cannot create topic {} with replication factor {}: the cluster has {} (see [topics] "
        "replication_factor)",
        spec.name, spec.replication, brokers_text(brokers)));
  const auto min_isr = spec.configs.find("min.insync.replicas");
  if (min_isr == spec.configs.end()) return;
  int32_t required = 0;
  const std::string& text = min_isr->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), required);
  if (ec == std::errc{} && end == text.data() + text.size() && required > brokers)
    throw KafkaAdminError(fmt::format(
        "cannot create topic {} with min.insync.replicas {}: the cluster has {}, so no write "
        "could succeed (see [topics] min_insync_replicas)",
        spec.name, required, brokers_text(brokers)));
}

// What one metadata answer says: topic name -> (partitions, partitions with a leader), and the
// brokers' addresses.
struct ClusterTopics {
  std::map<std::string, std::pair<int32_t, int32_t>> topics;
  std::vector<std::string> brokers;
};

ClusterTopics topics_with_leaders(rd_kafka_t* client, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* raw = nullptr;
  // all_topics=1: asking for one topic by name could auto-create it on some brokers.
  if (auto err = rd_kafka_metadata(client, 1, nullptr, &raw, timeout_ms(timeout)))
    throw KafkaAdminError(fmt::format("cluster metadata: {}", rd_kafka_err2str(err)));
  MetadataPtr metadata(raw);
  ClusterTopics known;
  for (int b = 0; b < metadata->broker_cnt; ++b) {
    const std::string_view host = metadata->brokers[b].host;
    const bool ipv6 = host.find(':') != std::string_view::npos;
    known.brokers.push_back(fmt::format(ipv6 ? fmt::runtime("[{}]:{}") : fmt::runtime("{}:{}"),
                                        host, metadata->brokers[b].port));
  }
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const auto& topic = metadata->topics[t];
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    int32_t led = 0;
    for (int p = 0; p < topic.partition_cnt; ++p) {
      if (topic.partitions[p].leader >= 0 && topic.partitions[p].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        ++led;
    }
    known.topics[topic.topic] = {topic.partition_cnt, led};
  }
  return known;
}

}  // namespace

TopicAdmin::TopicAdmin(const KafkaProperties& kafka, std::chrono::milliseconds timeout)
    : kafka_(kafka), timeout_(timeout) {
  const NewKafkaClient client =
      new_kafka_client(KafkaClientKind::producer, kafka, "Kafka admin client");
  if (client.handle == nullptr) throw KafkaAdminError(client.error);
  handle_ = client.handle;
}

TopicAdmin::~TopicAdmin() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

TopicCreation TopicAdmin::create_topics(const std::vector<TopicSpec>& specs) {
  TopicCreation outcome;
  if (specs.empty()) return outcome;
  {
    // Only topics to be created: existing ones are left alone, also while a broker is down.
    int32_t brokers = 0;
    const auto existing = partitions_with_leaders(&brokers);
    for (const auto& spec : specs) {
      if (existing.count(spec.name) == 0) check_against_brokers(spec, brokers);
    }
  }
  char error[kErrorSize];
  std::vector<NewTopicPtr> owned;
  std::vector<rd_kafka_NewTopic_t*> topics;
  for (const auto& spec : specs) {
    NewTopicPtr topic(rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication,
                                            error, sizeof error));
    if (!topic) throw KafkaAdminError(fmt::format("topic {}: {}", spec.name, error));
    for (const auto& [name, value] : spec.configs) {
      if (auto err = rd_kafka_NewTopic_set_config(topic.get(), name.c_str(), value.c_str()))
        throw KafkaAdminError(fmt::format("topic {} config {}={}: {}", spec.name, name, value,
                                          rd_kafka_err2str(err)));
    }
    topics.push_back(topic.get());
    owned.push_back(std::move(topic));
  }

  OptionsPtr options(rd_kafka_AdminOptions_new(handle_, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  // The broker answers once the controller has created the topics (or the timeout passed).
  if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms(timeout_), error,
                                                  sizeof error) ||
      rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms(timeout_), error,
                                                sizeof error))
    throw KafkaAdminError(fmt::format("create topics: {}", error));
  QueuePtr queue(rd_kafka_queue_new(handle_));
  rd_kafka_CreateTopics(handle_, topics.data(), topics.size(), options.get(), queue.get());

  EventPtr event(rd_kafka_queue_poll(queue.get(), timeout_ms(timeout_ + std::chrono::seconds(5))));
  if (!event) throw KafkaAdminError("create topics: no answer from the cluster in time");
  if (rd_kafka_event_error(event.get()))
    throw KafkaAdminError(
        fmt::format("create topics: {}", rd_kafka_event_error_string(event.get())));
  const auto* result = rd_kafka_event_CreateTopics_result(event.get());
  if (result == nullptr) throw KafkaAdminError("create topics: unexpected answer");
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string name = rd_kafka_topic_result_name(results[i]);
    switch (rd_kafka_topic_result_error(results[i])) {
      case RD_KAFKA_RESP_ERR_NO_ERROR:
        outcome.created.push_back(name);
        break;
      case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
        outcome.already_existed.push_back(name);
        break;
      case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        // Names neither topic nor user: say which, and the way out.
        throw KafkaAdminError(fmt::format(
            "not authorised to create topic {}: the cluster's ACLs do not allow this client to "
            "create it (an operator creates the topics beforehand; docs/security.md)",
            name));
      default: {
        const char* message = rd_kafka_topic_result_error_string(results[i]);
        throw KafkaAdminError(fmt::format(
            "create topic {}: {}", name,
            message != nullptr ? message
                               : rd_kafka_err2str(rd_kafka_topic_result_error(results[i]))));
      }
    }
  }

  wait_until_every_broker_knows(specs);
  return outcome;
}

// Metadata reaches each broker shortly after the controller, each at its own pace. A client
// that meets a broker still without the topic drops the partitions it already knew and fails
// the records queued for them ("partition count changed from 3 to 0", then "Unknown
// partition"): so the topics are ready only once every broker lists them. A client whose only
// bootstrap address is one broker asks that broker.
void TopicAdmin::wait_until_every_broker_knows(const std::vector<TopicSpec>& specs) {
  // A broker that just died stays in the metadata until its session times out (9 s): it is
  // given this long to answer, then skipped.
  constexpr auto kBrokerAskTimeout = std::chrono::seconds(5);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  // The first topic `known` lacks or lacks a leader of, or nullptr.
  auto first_missing = [&](const ClusterTopics& known) -> const TopicSpec* {
    for (const TopicSpec& spec : specs) {
      auto it = known.topics.find(spec.name);
      if (it == known.topics.end() || it->second.first == 0 || it->second.second < it->second.first)
        return &spec;
    }
    return nullptr;
  };
  // Asks `client` until it lists them all. `one_broker`: a client of one broker, skipped if that
  // broker does not answer (it then serves no client either; the others decide).
  auto wait_for = [&](rd_kafka_t* client, const std::string& one_broker) {
    for (;;) {
      std::optional<ClusterTopics> known;
      try {
        known = topics_with_leaders(client, one_broker.empty() ? timeout_ : kBrokerAskTimeout);
      } catch (const KafkaAdminError&) {
        if (one_broker.empty()) throw;
        return;
      }
      const TopicSpec* missing = first_missing(*known);
      if (missing == nullptr) return;
      if (std::chrono::steady_clock::now() >= deadline)
        throw KafkaAdminError(
            fmt::format("topic {} created but not ready{} after {} ms", missing->name,
                        one_broker.empty() ? "" : " on broker " + one_broker, timeout_.count()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  wait_for(handle_, "");
  for (const std::string& address : topics_with_leaders(handle_, timeout_).brokers) {
    KafkaProperties one = kafka_;
    one["bootstrap.servers"] = address;
    const NewKafkaClient client =
        new_kafka_client(KafkaClientKind::producer, one, "Kafka admin client");
    if (client.handle == nullptr) throw KafkaAdminError(client.error);
    const std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_destroy>> owned(client.handle);
    wait_for(client.handle, address);
  }
}

std::map<std::string, std::pair<int32_t, int32_t>> TopicAdmin::partitions_with_leaders(
    int32_t* brokers) {
  ClusterTopics known = topics_with_leaders(handle_, timeout_);
  if (brokers != nullptr) *brokers = static_cast<int32_t>(known.brokers.size());
  return std::move(known.topics);
}

std::optional<int32_t> TopicAdmin::partition_count(const std::string& topic) {
  const auto topics = partitions_with_leaders();
  auto it = topics.find(topic);
  if (it == topics.end()) return std::nullopt;
  return it->second.first;
}

std::vector<std::string> TopicAdmin::list_topics() {
  std::vector<std::string> names;
  for (const auto& [name, partitions] : partitions_with_leaders()) {
    if (!name.starts_with("__")) names.push_back(name);
  }
  return names;
}

std::vector<std::string> TopicAdmin::delete_topics(const std::vector<std::string>& names) {
  std::vector<std::string> present;
  {
    const auto known = partitions_with_leaders();
    for (const std::string& name : names) {
      if (known.count(name) > 0) present.push_back(name);
    }
  }
  if (present.empty()) return present;
  const AdminRequest request(handle_, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_, "delete topics",
                             true);
  std::vector<DeleteTopicPtr> owned;
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (const std::string& name : present) {
    owned.emplace_back(rd_kafka_DeleteTopic_new(name.c_str()));
    topics.push_back(owned.back().get());
  }
  rd_kafka_DeleteTopics(handle_, topics.data(), topics.size(), request.options(), request.queue());
  const EventPtr event = request.await();
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  std::vector<std::string> deleted;
  for (std::size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    const std::string name = rd_kafka_topic_result_name(results[i]);
    // Gone already (another client deleted it meanwhile): nothing left to do.
    if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw KafkaAdminError(
          fmt::format("delete topic {}: {}", name,
                      admin_error_text(err, rd_kafka_topic_result_error_string(results[i]))));
    deleted.push_back(name);
  }

  // The controller deletes first, the brokers' metadata follows; wait for it.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const auto known = partitions_with_leaders();
    const auto left = std::find_if(deleted.begin(), deleted.end(),
                                   [&](const std::string& name) { return known.count(name) > 0; });
    if (left == deleted.end()) break;
    if (std::chrono::steady_clock::now() >= deadline)
      throw KafkaAdminError(
          fmt::format("topic {} deleted but still listed after {} ms", *left, timeout_.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<std::string> in_order;
  for (const std::string& name : names) {
    if (std::find(deleted.begin(), deleted.end(), name) != deleted.end()) in_order.push_back(name);
  }
  return in_order;
}

TopicSpec replicated_topic(const RuntimeOptions& options, std::string name, int32_t partitions,
                           std::map<std::string, std::string> configs) {
  if (options.min_insync_replicas > 0)
    configs["min.insync.replicas"] = std::to_string(options.min_insync_replicas);
  return TopicSpec{std::move(name), partitions, options.replication_factor, std::move(configs)};
}

TopicCreation create_topics(const KafkaProperties& kafka, const std::vector<TopicSpec>& specs,
                            std::chrono::milliseconds timeout) {
  TopicAdmin admin(kafka, timeout);
  // Only what is missing is asked for: the broker refuses CreateTopics, even of existing
  // topics, to a principal without Create (ACLs, docs/security.md) that may still use them.
  const std::vector<std::string> existing = admin.list_topics();
  std::vector<TopicSpec> missing;
  TopicCreation outcome;
  for (const TopicSpec& spec : specs) {
    if (std::binary_search(existing.begin(), existing.end(), spec.name)) {
      outcome.already_existed.push_back(spec.name);
    } else {
      missing.push_back(spec);
    }
  }
  TopicCreation created = admin.create_topics(missing);
  outcome.created = std::move(created.created);
  outcome.already_existed.insert(outcome.already_existed.end(), created.already_existed.begin(),
                                 created.already_existed.end());
  return outcome;
}

}  // namespace leifeng::runtime
