// Kafka client scenarios on librdkafka's C++ API.
#include "kafka_scenarios.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "offset_lookup.hpp"

namespace leifeng::kafka_test {
namespace {

using Properties = std::map<std::string, std::string>;

std::unique_ptr<RdKafka::Conf> make_conf(const Properties& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error("kafka property " + name + "=" + value + ": " + error);
  }
  return conf;
}

class CountingDeliveries : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      ++delivered;
    } else {
      ++failed;
      last_error = message.errstr();
    }
  }
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
  std::string last_error;
};

std::unique_ptr<RdKafka::Producer> make_producer(Properties properties,
                                                 RdKafka::DeliveryReportCb* deliveries) {
  auto conf = make_conf(properties);
  std::string error;
  if (deliveries != nullptr && conf->set("dr_cb", deliveries, error) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error(error);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error("cannot create producer: " + error);
  return producer;
}

void produce(RdKafka::Producer& producer, const std::string& topic, const std::string& key,
             const std::string& value) {
  for (;;) {
    auto err = producer.produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                const_cast<char*>(value.data()), value.size(), key.data(),
                                key.size(), 0, nullptr);
    if (err == RdKafka::ERR_NO_ERROR) return;
    if (err != RdKafka::ERR__QUEUE_FULL)
      throw std::runtime_error("produce to " + topic + ": " + RdKafka::err2str(err));
    producer.poll(100);
  }
}

// Throws with librdkafka's message and consumes the error object.
void check(RdKafka::Error* error, const std::string& what) {
  if (error == nullptr) return;
  std::string message = what + ": " + error->str();
  delete error;
  throw std::runtime_error(message);
}

std::unique_ptr<RdKafka::KafkaConsumer> make_consumer(const Properties& properties) {
  auto conf = make_conf(properties);
  std::string error;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error("cannot create consumer: " + error);
  return consumer;
}

Record to_record(const RdKafka::Message& message) {
  Record record;
  if (message.key() != nullptr) record.key = *message.key();
  record.value.assign(static_cast<const char*>(message.payload()), message.len());
  record.partition = message.partition();
  record.offset = message.offset();
  return record;
}

}  // namespace

std::string fixture_bootstrap_servers() {
  const char* file = std::getenv("LEIFENG_TEST_BOOTSTRAP_FILE");
  if (file == nullptr)
    throw std::runtime_error("LEIFENG_TEST_BOOTSTRAP_FILE is not set: run through ctest -L kafka");
  std::ifstream in(file);
  std::string bootstrap;
  if (!(in >> bootstrap))
    throw std::runtime_error(std::string("no broker address in ") + file +
                             " (did the kafka_broker_start fixture run?)");
  return bootstrap;
}

std::string unique_name(const std::string& what) {
  static std::atomic<int> sequence{0};
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return "leifeng-smoke-" + std::to_string(::getpid()) + "-" + std::to_string(now) + "-" +
         std::to_string(sequence++) + "-" + what;
}

int produce_idempotent(const std::string& bootstrap, const std::string& topic,
                       const std::string& compression, int count, const std::string& tag,
                       std::size_t padding) {
  CountingDeliveries deliveries;
  auto producer = make_producer({{"bootstrap.servers", bootstrap},
                                 {"enable.idempotence", "true"},
                                 {"acks", "all"},
                                 {"compression.type", compression},
                                 {"linger.ms", "5"}},
                                &deliveries);
  for (int i = 0; i < count; ++i) {
    // Appended, not "k" + std::to_string(...): GCC 12 at -O3 reports a false -Wrestrict in
    // the insert that operator+(const char*, std::string&&) does.
    std::string key = "k";
    key += std::to_string(i % 17);
    produce(*producer, topic, key, tag + "-" + std::to_string(i) + std::string(padding, 'x'));
  }
  if (producer->flush(30000) != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("flush to " + topic + " timed out");
  if (deliveries.failed > 0)
    throw std::runtime_error(std::to_string(deliveries.failed) + " deliveries to " + topic +
                             " failed: " + deliveries.last_error);
  return deliveries.delivered;
}

std::vector<Record> read_all(const std::string& bootstrap, const std::string& topic,
                             int32_t partitions, const std::string& isolation, std::size_t expected,
                             std::chrono::milliseconds timeout) {
  // A group id is required by the C++ consumer; with assign() and no commits it is unused.
  auto consumer = make_consumer({{"bootstrap.servers", bootstrap},
                                 {"group.id", unique_name("reader")},
                                 {"enable.auto.commit", "false"},
                                 {"isolation.level", isolation}});
  std::vector<RdKafka::TopicPartition*> assignment;
  for (int32_t p = 0; p < partitions; ++p)
    assignment.push_back(
        RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  const auto err = consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  if (err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("assign " + topic + ": " + RdKafka::err2str(err));

  std::vector<Record> records;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (records.size() < expected && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(200));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      records.push_back(to_record(*message));
    } else if (message->err() != RdKafka::ERR__TIMED_OUT &&
               message->err() != RdKafka::ERR__PARTITION_EOF) {
      throw std::runtime_error("consume " + topic + ": " + message->errstr());
    }
  }
  // A little longer, to catch records beyond the expected count (e.g. aborted ones leaking).
  const auto linger = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < linger) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(100));
    if (message->err() == RdKafka::ERR_NO_ERROR) records.push_back(to_record(*message));
  }
  consumer->close();
  return records;
}

void produce_transactions(const std::string& bootstrap, const std::string& topic, int committed,
                          int aborted) {
  auto producer = make_producer(
      {{"bootstrap.servers", bootstrap}, {"transactional.id", unique_name("txn")}}, nullptr);
  check(producer->init_transactions(30000), "init_transactions");

  check(producer->begin_transaction(), "begin_transaction");
  for (int i = 0; i < committed; ++i)
    produce(*producer, topic, "txn", "committed-" + std::to_string(i));
  check(producer->commit_transaction(30000), "commit_transaction");

  check(producer->begin_transaction(), "begin_transaction");
  for (int i = 0; i < aborted; ++i)
    produce(*producer, topic, "txn", "aborted-" + std::to_string(i));
  // Make sure the aborted records really reached the log before aborting them.
  if (producer->flush(30000) != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("flush of the aborted transaction timed out");
  check(producer->abort_transaction(30000), "abort_transaction");

  check(producer->begin_transaction(), "begin_transaction");
  produce(*producer, topic, "txn", "end");
  check(producer->commit_transaction(30000), "commit_transaction");
}

std::vector<Record> consume_and_commit(const std::string& bootstrap, const std::string& topic,
                                       const std::string& group, std::size_t count,
                                       const std::map<std::string, std::string>& extra,
                                       std::chrono::milliseconds timeout) {
  Properties properties{{"bootstrap.servers", bootstrap},
                        {"group.id", group},
                        {"enable.auto.commit", "false"},
                        {"auto.offset.reset", "earliest"},
                        // Commit exactly the records handed out, not what was prefetched.
                        {"enable.auto.offset.store", "false"}};
  for (const auto& [name, value] : extra) properties[name] = value;
  auto consumer = make_consumer(properties);
  auto err = consumer->subscribe({topic});
  if (err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("subscribe " + topic + ": " + RdKafka::err2str(err));
  std::vector<Record> records;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(200));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      records.push_back(to_record(*message));
      std::vector<RdKafka::TopicPartition*> next{
          RdKafka::TopicPartition::create(topic, message->partition(), message->offset() + 1)};
      err = consumer->offsets_store(next);
      RdKafka::TopicPartition::destroy(next);
      if (err != RdKafka::ERR_NO_ERROR)
        throw std::runtime_error("offsets_store: " + RdKafka::err2str(err));
    } else if (message->err() != RdKafka::ERR__TIMED_OUT &&
               message->err() != RdKafka::ERR__PARTITION_EOF) {
      throw std::runtime_error("consume " + topic + ": " + message->errstr());
    }
  }
  if (!records.empty()) {
    err = consumer->commitSync();
    if (err != RdKafka::ERR_NO_ERROR) throw std::runtime_error("commit: " + RdKafka::err2str(err));
  }
  consumer->close();
  return records;
}

std::pair<int64_t, int64_t> watermarks(const std::string& bootstrap, const std::string& topic,
                                       int32_t partition) {
  auto consumer = make_consumer({{"bootstrap.servers", bootstrap},
                                 {"group.id", unique_name("watermarks")},
                                 {"enable.auto.commit", "false"}});
  // list_offsets retries while the partition's leader is still being elected.
  const std::vector<runtime::TopicPartitionId> where{{topic, partition}};
  const int64_t low =
      runtime::list_offsets(*consumer, where, runtime::OffsetBound::beginning, 30000).at(0);
  const int64_t high =
      runtime::list_offsets(*consumer, where, runtime::OffsetBound::end, 30000).at(0);
  consumer->close();
  return {low, high};
}

std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap, const std::string& topic,
                                             int32_t partitions, const std::string& group) {
  auto consumer = make_consumer(
      {{"bootstrap.servers", bootstrap}, {"group.id", group}, {"enable.auto.commit", "false"}});
  std::vector<RdKafka::TopicPartition*> query;
  for (int32_t p = 0; p < partitions; ++p)
    query.push_back(RdKafka::TopicPartition::create(topic, p));
  const auto err = consumer->committed(query, 30000);
  std::map<int32_t, int64_t> offsets;
  for (auto* partition : query) offsets[partition->partition()] = partition->offset();
  RdKafka::TopicPartition::destroy(query);
  consumer->close();
  if (err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("committed offsets: " + RdKafka::err2str(err));
  return offsets;
}

}  // namespace leifeng::kafka_test
