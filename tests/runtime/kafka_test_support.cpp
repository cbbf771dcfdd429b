#include "kafka_test_support.hpp"

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::runtime::testing {

std::string test_bootstrap_servers() {
  const char* file = std::getenv("LEIFENG_TEST_BOOTSTRAP_FILE");
  if (file == nullptr) throw std::runtime_error("LEIFENG_TEST_BOOTSTRAP_FILE is not set");
  std::ifstream in(file);
  std::string bootstrap;
  if (!(in >> bootstrap)) throw std::runtime_error(std::string("cannot read ") + file);
  return bootstrap;
}

std::string unique_name(const std::string& stem) {
  static std::atomic<int> counter{0};
  return stem + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

std::map<std::string, std::string> topic_overrides(const std::string& bootstrap,
                                                   const std::string& topic) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> kafka(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), &rd_kafka_destroy);
  if (!kafka) throw std::runtime_error(error);
  std::unique_ptr<rd_kafka_queue_t, void (*)(rd_kafka_queue_t*)> queue(
      rd_kafka_queue_new(kafka.get()), &rd_kafka_queue_destroy);
  std::unique_ptr<rd_kafka_ConfigResource_t, void (*)(rd_kafka_ConfigResource_t*)> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()),
      &rd_kafka_ConfigResource_destroy);
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_DescribeConfigs(kafka.get(), resources, 1, nullptr, queue.get());
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> event(
      rd_kafka_queue_poll(queue.get(), 30000), &rd_kafka_event_destroy);
  if (!event || rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("describe configs of " + topic + ": no answer");
  std::map<std::string, std::string> configs;
  size_t count = 0;
  const rd_kafka_ConfigResource_t** described = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  for (size_t r = 0; r < count; ++r) {
    if (rd_kafka_ConfigResource_error(described[r]) != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("describe configs of " + topic + ": " +
                               rd_kafka_err2str(rd_kafka_ConfigResource_error(described[r])));
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** list = rd_kafka_ConfigResource_configs(described[r], &entries);
    for (size_t e = 0; e < entries; ++e) {
      if (rd_kafka_ConfigEntry_source(list[e]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
        continue;
      const char* value = rd_kafka_ConfigEntry_value(list[e]);
      configs[rd_kafka_ConfigEntry_name(list[e])] = value != nullptr ? value : "";
    }
  }
  return configs;
}

void create_topic(const std::string& bootstrap, const std::string& topic, int32_t partitions) {
  create_topics({{"bootstrap.servers", bootstrap}}, {TopicSpec{topic, partitions, 1, {}}});
}

void delete_records_before(const std::string& bootstrap, const std::string& topic, int64_t offset) {
  char error[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error) !=
      RD_KAFKA_CONF_OK)
    throw std::runtime_error(error);
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> admin(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), &rd_kafka_destroy);
  if (!admin) throw std::runtime_error(error);
  rd_kafka_topic_partition_list_t* before = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(before, topic.c_str(), 0)->offset = offset;
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(before);
  rd_kafka_topic_partition_list_destroy(before);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
  rd_kafka_DeleteRecords(admin.get(), &request, 1, nullptr, queue);
  rd_kafka_DeleteRecords_destroy(request);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  std::string failure;
  if (event == nullptr) {
    failure = "no answer to DeleteRecords";
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = rd_kafka_event_error_string(event);
  } else {
    const rd_kafka_topic_partition_list_t* done =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event));
    if (done->cnt != 1 || done->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR)
      failure = "DeleteRecords refused";
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  if (!failure.empty()) throw std::runtime_error(failure);
}

namespace {
void check_transaction(RdKafka::Error* error) {
  if (error == nullptr) return;
  const std::string what = error->str();
  delete error;
  throw std::runtime_error(what);
}
}  // namespace

OpenTransaction::OpenTransaction(const std::string& bootstrap, const std::string& topic,
                                 const std::string& id) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  conf->set("bootstrap.servers", bootstrap, error);
  conf->set("transactional.id", id, error);
  producer_.reset(RdKafka::Producer::create(conf.get(), error));
  if (!producer_) throw std::runtime_error("producer: " + error);
  check_transaction(producer_->init_transactions(30000));
  check_transaction(producer_->begin_transaction());
  std::string value = "open";
  if (producer_->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, value.data(), value.size(),
                         "k-open", 6, 0, nullptr) != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("produce failed");
  if (producer_->flush(30000) != RdKafka::ERR_NO_ERROR) throw std::runtime_error("not flushed");
}

OpenTransaction::~OpenTransaction() = default;

void OpenTransaction::commit() {
  check_transaction(producer_->commit_transaction(30000));
}

void OpenTransaction::abort() {
  check_transaction(producer_->abort_transaction(30000));
}

void produce_all(const std::string& bootstrap, const std::string& topic,
                 const std::vector<KeyedRecord>& records,
                 const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  conf->set("bootstrap.servers", bootstrap, error);
  conf->set("enable.idempotence", "true", error);
  conf->set("partitioner", "murmur2_random", error);
  conf->set("linger.ms", "20", error);
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error("producer property " + name + ": " + error);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error("producer: " + error);
  for (const auto& record : records) {
    for (;;) {
      const auto err =
          producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                            const_cast<char*>(record.value.data()), record.value.size(),
                            record.key ? record.key->data() : nullptr,
                            record.key ? record.key->size() : 0, 0, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) break;
      if (err != RdKafka::ERR__QUEUE_FULL)
        throw std::runtime_error("produce: " + RdKafka::err2str(err));
      producer->poll(20);
    }
  }
  if (producer->flush(60000) != RdKafka::ERR_NO_ERROR || producer->outq_len() != 0)
    throw std::runtime_error("records to " + topic + " not delivered");
}

namespace {

rd_kafka_t* new_consumer(const std::string& bootstrap, const std::string& group,
                         const char* isolation) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof error);
  if (!group.empty()) rd_kafka_conf_set(conf, "group.id", group.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "isolation.level", isolation, error, sizeof error);
  return rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
}

rd_kafka_topic_partition_list_t* partitions_of(const std::map<std::string, int>& topics) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(64);
  for (const auto& [topic, partitions] : topics) {
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  }
  return list;
}

// The end offset of every partition of `topics` as a reader with `isolation` sees it (the last
// stable offset for read_committed); empty when the cluster does not answer.
std::vector<int64_t> end_offsets(const std::string& bootstrap,
                                 const std::map<std::string, int>& topics, const char* isolation) {
  rd_kafka_t* consumer = new_consumer(bootstrap, "", isolation);
  if (consumer == nullptr) return {};
  rd_kafka_topic_partition_list_t* list = partitions_of(topics);
  for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = RD_KAFKA_OFFSET_END;
  std::vector<int64_t> offsets;
  if (rd_kafka_offsets_for_times(consumer, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) offsets.push_back(list->elems[i].offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(consumer);
  return offsets;
}

}  // namespace

int64_t group_lag(const std::string& bootstrap, const std::string& group,
                  const std::map<std::string, int>& topics) {
  rd_kafka_t* consumer = new_consumer(bootstrap, group, "read_uncommitted");
  if (consumer == nullptr) return -1;
  rd_kafka_topic_partition_list_t* list = partitions_of(topics);
  int64_t lag = 0;
  if (list->cnt == 0 || rd_kafka_committed(consumer, list, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    lag = -1;
  } else {
    for (int i = 0; i < list->cnt && lag >= 0; ++i) {
      int64_t low = 0;
      int64_t high = 0;
      if (rd_kafka_query_watermark_offsets(consumer, list->elems[i].topic, list->elems[i].partition,
                                           &low, &high, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        lag = -1;
      } else if (high > low) {
        lag += high - std::max(low, list->elems[i].offset);
      }
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(consumer);
  return lag;
}

int open_transactions(const std::string& bootstrap, const std::map<std::string, int>& topics) {
  const std::vector<int64_t> stable = end_offsets(bootstrap, topics, "read_committed");
  const std::vector<int64_t> written = end_offsets(bootstrap, topics, "read_uncommitted");
  if (stable.empty() || stable.size() != written.size()) return -1;
  int open = 0;
  for (std::size_t i = 0; i < stable.size(); ++i) open += stable[i] < written[i] ? 1 : 0;
  return open;
}

std::vector<ReadRecord> read_committed(const std::string& bootstrap, const std::string& topic) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  conf->set("bootstrap.servers", bootstrap, error);
  conf->set("group.id", unique_name("reader"), error);
  conf->set("isolation.level", "read_committed", error);
  conf->set("enable.partition.eof", "true", error);
  conf->set("enable.auto.commit", "false", error);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error("consumer: " + error);
  RdKafka::Metadata* raw = nullptr;
  if (consumer->metadata(true, nullptr, &raw, 10000) != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("metadata");
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  std::vector<std::unique_ptr<RdKafka::TopicPartition>> owned;
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const auto* t : *metadata->topics()) {
    if (t->topic() != topic) continue;
    for (const auto* p : *t->partitions()) {
      owned.emplace_back(
          RdKafka::TopicPartition::create(topic, p->id(), RdKafka::Topic::OFFSET_BEGINNING));
      partitions.push_back(owned.back().get());
    }
  }
  if (partitions.empty()) throw std::runtime_error("no topic " + topic);
  // A commit returns before the broker has written its markers; until then the last stable
  // offset, where a read_committed reader sees the end, stops before that transaction. Wait
  // for the markers a little (an abandoned transaction stays open until it times out).
  const std::map<std::string, int> whole{{topic, static_cast<int>(partitions.size())}};
  for (int wait = 0; wait < 60 && open_transactions(bootstrap, whole) > 0; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  consumer->assign(partitions);
  std::set<int32_t> at_end;
  std::vector<ReadRecord> records;
  int idle = 0;
  while (at_end.size() < partitions.size()) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(1000));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      records.push_back(
          ReadRecord{message->key() ? *message->key() : std::string(),
                     std::string(static_cast<const char*>(message->payload()), message->len()),
                     message->partition(), message->offset()});
    } else if (message->err() == RdKafka::ERR__PARTITION_EOF) {
      at_end.insert(message->partition());
    } else if (message->err() == RdKafka::ERR__TIMED_OUT) {
      if (++idle > 120) throw std::runtime_error("reading " + topic + " timed out");
    } else {
      throw std::runtime_error("reading " + topic + ": " + message->errstr());
    }
  }
  consumer->close();
  return records;
}

std::string count_sequence_errors(const std::vector<ReadRecord>& records,
                                  const std::map<std::string, int64_t>& expected) {
  std::map<std::string, int64_t> last;
  std::string errors;
  int reported = 0;
  auto report = [&](const std::string& text) {
    if (++reported <= 10) errors += text + "\n";
  };
  for (const auto& record : records) {
    int64_t& previous = last[record.key];
    const std::string want = std::to_string(previous + 1);
    if (record.value != want) {
      report("key " + record.key + ": got " + record.value + " after " + std::to_string(previous) +
             " (partition " + std::to_string(record.partition) + " offset " +
             std::to_string(record.offset) + ")");
    }
    previous = std::stoll(record.value);
  }
  for (const auto& [key, count] : expected) {
    auto it = last.find(key);
    const int64_t got = it == last.end() ? 0 : it->second;
    if (got != count)
      report("key " + key + ": final count " + std::to_string(got) + ", expected " +
             std::to_string(count));
  }
  for (const auto& [key, count] : last) {
    if (!expected.contains(key)) report("unexpected key " + key);
  }
  if (reported > 10) errors += std::to_string(reported - 10) + " more\n";
  return errors;
}

pid_t spawn(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

void kill_and_wait(pid_t pid, int signal) {
  kill(pid, signal);
  wait_for(pid);
}

std::map<std::string, int64_t> read_stats(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("no stats file " + path);
  std::map<std::string, int64_t> stats;
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    stats[line.substr(0, eq)] = std::stoll(line.substr(eq + 1));
  }
  return stats;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("no free port");
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace leifeng::runtime::testing
