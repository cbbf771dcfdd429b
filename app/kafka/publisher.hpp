// A plain (non-transactional) producer for upstream-style publishing: idempotent, acks=all,
// lz4, the Java clients' murmur2 partitioner so keys land where any Kafka client puts them.
// Every delivery report is checked: a record counts as published only once the broker
// acknowledged it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leifeng/runtime/topic_admin.hpp"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace leifeng::app {

struct DeliveryOutcome {
  int64_t delivered = 0;
  int64_t failed = 0;
  std::string first_error;  // "topic: error" of the first failed record
};

class KafkaPublisher {
 public:
  // Throws std::runtime_error for a property librdkafka rejects.
  explicit KafkaPublisher(const runtime::KafkaProperties& kafka);
  ~KafkaPublisher();
  KafkaPublisher(const KafkaPublisher&) = delete;
  KafkaPublisher& operator=(const KafkaPublisher&) = delete;

  // Queues a copy of the record; waits while librdkafka's local queue is full. A missing key
  // is sent as a null key. Throws std::runtime_error when the record cannot be queued.
  void send(const std::string& topic, std::optional<std::string_view> key, std::string_view value);
  // Serves delivery reports without blocking.
  void poll();
  // Waits up to `timeout` for every outstanding delivery; records still outstanding then count
  // as failed.
  DeliveryOutcome flush(std::chrono::milliseconds timeout);
  const DeliveryOutcome& outcome() const { return outcome_; }

 private:
  static void on_delivery(rd_kafka_s* kafka, const rd_kafka_message_s* message, void* opaque);

  rd_kafka_s* handle_ = nullptr;
  DeliveryOutcome outcome_;
};

}  // namespace leifeng::app
