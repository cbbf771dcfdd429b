// EmbeddedCluster on rd_kafka_mock_cluster_new. The mock needs an rd_kafka_t for its own
// book-keeping; a producer handle that never produces serves.
#include "leifeng/runtime/embedded_cluster.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <thread>

#include "leifeng/runtime/kafka_client.hpp"
#include "offset_lookup.hpp"

namespace leifeng::runtime {

EmbeddedCluster::EmbeddedCluster(int brokers) : brokers_(brokers) {
  if (brokers < 1) throw std::invalid_argument("embedded cluster needs at least one broker");
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The owning handle only logs; keep it quiet unless something is wrong.
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  route_librdkafka_logs(conf);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(fmt::format("embedded cluster: {}", error));
  }
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(handle_);
    throw std::runtime_error("embedded cluster: cannot start the mock brokers");
  }
  bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

EmbeddedCluster::~EmbeddedCluster() {
  // librdkafka requires the mock cluster to go before its handle.
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

void EmbeddedCluster::create_topics(const std::vector<TopicSpec>& specs) {
  // One thread per topic: each call hands an operation to the mock's thread and waits for
  // the answer, and in librdkafka 2.0.2 that thread sometimes misses the wake-up and answers
  // only at its next 1 s tick. In parallel the topics wait for one tick at most, not one each.
  std::vector<rd_kafka_resp_err_t> results(specs.size(), RD_KAFKA_RESP_ERR_NO_ERROR);
  {
    std::vector<std::jthread> creators;
    creators.reserve(specs.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
      creators.emplace_back([this, &spec = specs[i], &result = results[i]] {
        // -1, the broker's default, is Kafka's default.replication.factor: 1.
        const int replication =
            spec.replication > 0 ? std::min<int>(spec.replication, brokers_) : 1;
        result =
            rd_kafka_mock_topic_create(cluster_, spec.name.c_str(), spec.partitions, replication);
      });
    }
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (results[i] != RD_KAFKA_RESP_ERR_NO_ERROR &&
        results[i] != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      throw std::runtime_error(fmt::format("embedded cluster: create topic {}: {}", specs[i].name,
                                           rd_kafka_err2str(results[i])));
  }
}

std::vector<EmbeddedCluster::TrimmedPartition> EmbeddedCluster::trimmed_partitions(
    const std::vector<TopicSpec>& specs) const {
  std::vector<TopicPartitionId> partitions;
  for (const TopicSpec& spec : specs) {
    for (int32_t p = 0; p < spec.partitions; ++p) partitions.emplace_back(spec.name, p);
  }
  if (partitions.empty()) return {};
  // A producer only asks for offsets: no fetch in flight on its connection.
  const std::unique_ptr<RdKafka::Conf> conf =
      new_kafka_conf({{"bootstrap.servers", bootstrap_servers_}, {"log_level", "3"}});
  std::string error;
  const std::unique_ptr<RdKafka::Producer> client(RdKafka::Producer::create(conf.get(), error));
  if (!client) throw std::runtime_error("embedded cluster: cannot create a client: " + error);
  constexpr int kTimeoutMs = 10000;
  const std::vector<int64_t> firsts =
      list_offsets(*client, partitions, OffsetBound::beginning, kTimeoutMs);
  std::vector<TrimmedPartition> trimmed;
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    if (firsts[i] > 0) trimmed.push_back({partitions[i].first, partitions[i].second, firsts[i]});
  }
  return trimmed;
}

void EmbeddedCluster::fail_next_requests(int16_t api_key, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  codes.reserve(errors.size());
  for (const int error : errors) codes.push_back(static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, codes.size(), codes.data());
}

void EmbeddedCluster::fail_next_offset_requests(const std::vector<int>& errors) {
  constexpr int16_t kListOffsetsApiKey = 2;  // the Kafka protocol's number for ListOffsets
  fail_next_requests(kListOffsetsApiKey, errors);
}

void EmbeddedCluster::fail_next_offset_commits(const std::vector<int>& errors) {
  constexpr int16_t kOffsetCommitApiKey = 8;  // the Kafka protocol's number for OffsetCommit
  fail_next_requests(kOffsetCommitApiKey, errors);
}

}  // namespace leifeng::runtime
