// What the cluster knows about topics, for operators: partition counts and replication of
// every topic, and one topic in detail (leaders, replicas, in-sync replicas, configs, the
// first and end offset of each partition). Generic: which topics matter is the caller's
// business.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "leifeng/runtime/topic_admin.hpp"

struct rd_kafka_s;

namespace leifeng::runtime {

struct TopicSummary {
  int32_t partitions = 0;
  int32_t replication = 0;  // replicas of partition 0
};

struct PartitionDescription {
  int32_t partition = 0;
  int32_t leader = -1;  // broker id; -1 while there is none
  std::vector<int32_t> replicas;
  std::vector<int32_t> in_sync;
  int64_t beginning = 0;  // the first offset still on the log
  int64_t end = 0;        // the offset after the last committed record (read_committed)
};

struct TopicDescription {
  std::string name;
  std::vector<PartitionDescription> partitions;  // by partition number
  std::map<std::string, std::string> configs;    // every topic config the broker reports
};

class TopicInspector {
 public:
  // Throws KafkaAdminError for a property librdkafka rejects.
  explicit TopicInspector(const KafkaProperties& kafka,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~TopicInspector();
  TopicInspector(const TopicInspector&) = delete;
  TopicInspector& operator=(const TopicInspector&) = delete;

  // Every topic but the cluster's own (e.g. __consumer_offsets), by name.
  std::map<std::string, TopicSummary> summaries();
  // nullopt when the topic does not exist. Throws KafkaAdminError.
  std::optional<TopicDescription> describe(const std::string& topic);

 private:
  std::map<std::string, std::string> configs(const std::string& topic);

  rd_kafka_s* handle_ = nullptr;
  std::chrono::milliseconds timeout_;
};

}  // namespace leifeng::runtime
