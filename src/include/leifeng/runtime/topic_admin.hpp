// Topic administration through librdkafka's Admin API: create topics idempotently, ask the
// cluster what exists, delete topics. Generic: which topics to create is the caller's business.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "leifeng/runtime/options.hpp"

struct rd_kafka_s;

namespace leifeng::runtime {

// librdkafka properties, e.g. {"bootstrap.servers": "127.0.0.1:9092"}.
using KafkaProperties = std::map<std::string, std::string>;

struct TopicSpec {
  std::string name;
  int32_t partitions = 1;
  // -1 = the broker's default.replication.factor.
  int16_t replication = 1;
  // Topic configs, e.g. {"cleanup.policy": "compact"}, {"retention.ms": "-1"}.
  std::map<std::string, std::string> configs;
};

// A topic the application creates, with the replication settings of `options` ([topics]
// replication_factor and min_insync_replicas; the latter becomes the topic's
// min.insync.replicas config unless it is -1, the broker's default).
TopicSpec replicated_topic(const RuntimeOptions& options, std::string name, int32_t partitions,
                           std::map<std::string, std::string> configs);

// What create_topics did; a topic that already existed is not an error (idempotent).
struct TopicCreation {
  std::vector<std::string> created;
  std::vector<std::string> already_existed;
};

// A failed admin call; what() names the topic and the broker's error.
class KafkaAdminError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TopicAdmin {
 public:
  // Throws KafkaAdminError for a property librdkafka rejects.
  explicit TopicAdmin(const KafkaProperties& kafka,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~TopicAdmin();
  TopicAdmin(const TopicAdmin&) = delete;
  TopicAdmin& operator=(const TopicAdmin&) = delete;

  // Creates the topics that do not exist yet and waits until the cluster's metadata shows
  // every one of them with a leader for each partition, so producers can start right away.
  // A topic to create with more replicas (or min.insync.replicas) than the cluster has live
  // brokers is refused at once, naming the topic and both numbers.
  TopicCreation create_topics(const std::vector<TopicSpec>& specs);
  // Partition count of `topic`, or nullopt when it does not exist.
  std::optional<int32_t> partition_count(const std::string& topic);
  // Names of all topics, internal ones (e.g. __consumer_offsets) excluded, sorted.
  std::vector<std::string> list_topics();
  // Deletes the topics that exist and waits until the cluster's metadata no longer shows them,
  // so they can be created again right away. Returns the deleted ones, in the order given.
  std::vector<std::string> delete_topics(const std::vector<std::string>& names);

 private:
  // Topic name -> partitions that have a leader, for all topics; `brokers` (when given) gets
  // the number of brokers in the metadata.
  std::map<std::string, std::pair<int32_t, int32_t>> partitions_with_leaders(
      int32_t* brokers = nullptr);
  // Waits until every broker's own metadata lists `specs` with a leader for each partition.
  void wait_until_every_broker_knows(const std::vector<TopicSpec>& specs);

  KafkaProperties kafka_;
  rd_kafka_s* handle_ = nullptr;
  std::chrono::milliseconds timeout_;
};

// One-shot convenience: a TopicAdmin for one call. It asks the broker to create only the topics
// the cluster does not list, so a principal allowed to use but not to create them (ACLs) passes.
TopicCreation create_topics(const KafkaProperties& kafka, const std::vector<TopicSpec>& specs,
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace leifeng::runtime
