// How the instances of one application find each other for interactive queries: each
// publishes its advertised address and the store partitions it serves on a small compacted
// topic, <application_id>-instances (one partition, key = instance id), and every instance
// reads that topic from the beginning to know who serves what. Through Kafka, not a side
// channel. A record is a few lines of text:
//   leifeng-instance 1
//   address <host:port>
//   updated_ms <publisher's wall clock, ms since the epoch>
//   store <name> <partition> <partition> ...
// An instance stopping cleanly publishes a tombstone. A crashed one's record stays until the
// partitions' new owner publishes; when two claim one partition the later `updated_ms` wins.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "leifeng/runtime/queryable_state.hpp"

namespace RdKafka {
class Producer;
class KafkaConsumer;
}  // namespace RdKafka

namespace leifeng::runtime {

struct InstanceInfo {
  std::string instance_id;
  std::string address;  // host:port
  std::map<std::string, std::vector<int32_t>> stores;
  int64_t updated_ms = 0;
  bool operator==(const InstanceInfo&) const = default;
};

// The record text above, and back (nullopt for anything else).
std::string encode_instance(const InstanceInfo& info);
std::optional<InstanceInfo> decode_instance(const std::string& instance_id, std::string_view text);

// Who serves `store` partition `partition` among `instances`: the latest claim; nullopt = none.
std::optional<InstanceInfo> owner_of(const std::vector<InstanceInfo>& instances,
                                     const std::string& store, int32_t partition);

class InstanceDirectory {
 public:
  // `kafka`: librdkafka properties (bootstrap.servers and the [kafka] table). Creates the
  // topic when missing, with `replication` replicas. `local` is what this instance serves; it is
  // published whenever that changes (checked every 100 ms) and at least every `refresh`.
  InstanceDirectory(std::map<std::string, std::string> kafka, std::string application_id,
                    std::string instance_id, std::string address, const StateReader& local,
                    int16_t replication = 1);
  ~InstanceDirectory();
  InstanceDirectory(const InstanceDirectory&) = delete;
  InstanceDirectory& operator=(const InstanceDirectory&) = delete;

  static std::string topic_name(const std::string& application_id);

  // Starts the background thread; throws std::runtime_error when a client cannot be made.
  void start();
  // Publishes the tombstone and stops the thread; idempotent.
  void stop();

  // Every instance known, this one included (as it serves now).
  std::vector<InstanceInfo> instances() const;
  std::optional<InstanceInfo> owner(const std::string& store, int32_t partition) const;
  const std::string& instance_id() const { return instance_id_; }

 private:
  void loop();
  void publish(const std::optional<InstanceInfo>& info);
  void read_available();
  InstanceInfo local_info() const;

  std::map<std::string, std::string> kafka_;
  std::string application_id_;
  std::string topic_;
  std::string instance_id_;
  std::string address_;
  const StateReader& local_;
  int16_t replication_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, InstanceInfo> others_;  // by instance id, from the topic
  std::map<std::string, std::vector<int32_t>> published_;
};

}  // namespace leifeng::runtime
