// Owning pointers for librdkafka's C objects, internal to leifeng_runtime.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>

namespace leifeng::runtime {

template <auto Destroy>
struct RdKafkaDeleter {
  template <typename T>
  void operator()(T* p) const {
    if (p != nullptr) Destroy(p);
  }
};
using MetadataPtr =
    std::unique_ptr<const rd_kafka_metadata_t, RdKafkaDeleter<rd_kafka_metadata_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, RdKafkaDeleter<rd_kafka_message_destroy>>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                         RdKafkaDeleter<rd_kafka_topic_partition_list_destroy>>;

}  // namespace leifeng::runtime
