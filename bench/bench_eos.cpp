// Throughput of the exactly-once runtime (counting processor: a RocksDB-backed store with a
// changelog, one output per input, transactions every commit interval) against a bare
// consume -> transactional produce passthrough of the same records on the same broker (also
// read_committed, same commit interval, offsets in the transaction). Prints both rates and
// their ratio.
//
//   bench_eos --bootstrap HOST:PORT [--records N] [--keys K] [--partitions P] [--rounds R]
//
// Each run's time counts from creating the client to the last commit (group join, and for
// the runtime internal-topic check and restore, included).
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "../tests/runtime/counting_processor.hpp"
#include "leifeng/runtime/stream_runtime.hpp"
#include "leifeng/runtime/topic_admin.hpp"

using namespace leifeng::runtime;
#include "kafka_bench_support.hpp"

using Clock = std::chrono::steady_clock;

namespace {

using leifeng::bench::conf_of;

void fill(const std::string& bootstrap, const std::string& topic, int records, int keys) {
  auto conf = conf_of(
      {{"bootstrap.servers", bootstrap}, {"partitioner", "murmur2_random"}, {"linger.ms", "20"}});
  std::string error;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  for (int i = 0; i < records; ++i) {
    const std::string key = "k" + std::to_string((static_cast<int64_t>(i) * 7919) % keys);
    std::string value =
        "{\"event\":" + std::to_string(i) + ",\"pad\":\"" + std::string(60, 'x') + "\"}";
    while (producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                             value.data(), value.size(), key.data(), key.size(), 0,
                             nullptr) == RdKafka::ERR__QUEUE_FULL) {
      producer->poll(10);
    }
  }
  producer->flush(60000);
}

// consume (group, read_committed) -> produce the same record, transactions every 100 ms with
// the consumed offsets; until `records` are through.
double passthrough(const std::string& bootstrap, const std::string& input,
                   const std::string& output, int records, const std::string& run_id) {
  std::string error;
  auto pconf = conf_of({{"bootstrap.servers", bootstrap},
                        {"transactional.id", run_id},
                        {"linger.ms", "5"},
                        {"partitioner", "murmur2_random"}});
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), error));
  auto cconf = conf_of({{"bootstrap.servers", bootstrap},
                        {"group.id", run_id},
                        {"isolation.level", "read_committed"},
                        {"enable.auto.commit", "false"},
                        {"auto.offset.reset", "earliest"}});
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(cconf.get(), error));
  const auto started = Clock::now();
  delete producer->init_transactions(30000);
  consumer->subscribe({input});
  std::map<int32_t, int64_t> offsets;
  int done = 0;
  bool open = false;
  auto deadline = Clock::now();
  auto commit = [&] {
    std::vector<RdKafka::TopicPartition*> list;
    for (const auto& [partition, offset] : offsets)
      list.push_back(RdKafka::TopicPartition::create(input, partition, offset));
    std::unique_ptr<RdKafka::ConsumerGroupMetadata> group(consumer->groupMetadata());
    if (auto* e = producer->send_offsets_to_transaction(list, group.get(), 30000))
      throw std::runtime_error(e->str());
    if (auto* e = producer->commit_transaction(30000)) throw std::runtime_error(e->str());
    RdKafka::TopicPartition::destroy(list);
    open = false;
  };
  while (done < records) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(100));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      if (!open) {
        delete producer->begin_transaction();
        open = true;
        deadline = Clock::now() + std::chrono::milliseconds(100);
      }
      while (producer->produce(output, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                               message->payload(), message->len(), message->key_pointer(),
                               message->key_len(), 0, nullptr) == RdKafka::ERR__QUEUE_FULL) {
        producer->poll(10);
      }
      offsets[message->partition()] = message->offset() + 1;
      ++done;
    }
    if (open && Clock::now() >= deadline) commit();
  }
  if (open) commit();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  consumer->close();
  return records / seconds;
}

double exactly_once(const std::string& bootstrap, const std::string& input,
                    const std::string& output, int records, const std::string& app) {
  Topology topology(app);
  topology.input("events", input)
      .output("counts", output)
      .processor("counter", {"events"}, {"counts"}, [](TaskContext& context) {
        return std::make_unique<testing::CountingProcessor>(context, false);
      });
  RuntimeOptions options;
  options.application_id = app;
  options.bootstrap_servers = bootstrap;
  options.state_dir = (std::filesystem::temp_directory_path() / app).string();
  options.instance_id = "bench";
  std::atomic<bool> stop{false};
  const auto started = Clock::now();
  StreamRuntime runtime(topology, options);
  if (!runtime.run_until_caught_up(stop)) throw std::runtime_error("did not catch up");
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::filesystem::remove_all(options.state_dir);
  return records / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{
      {"--records", "300000"}, {"--keys", "10000"}, {"--partitions", "4"}, {"--rounds", "3"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.contains("--bootstrap")) {
    std::fprintf(stderr, "usage: bench_eos --bootstrap HOST:PORT [--records N] [--keys K]\n");
    return 64;
  }
  spdlog::set_level(spdlog::level::warn);
  try {
    const std::string bootstrap = args["--bootstrap"];
    const int records = std::stoi(args["--records"]);
    const int keys = std::stoi(args["--keys"]);
    const int partitions = std::stoi(args["--partitions"]);
    const std::string run = "bench-eos-" + std::to_string(getpid());
    const std::string input = run + ".events";
    create_topics({{"bootstrap.servers", bootstrap}},
                  {TopicSpec{input, partitions, 1, {}}, TopicSpec{run + ".copy", partitions, 1, {}},
                   TopicSpec{run + ".counts", partitions, 1, {}}});
    fill(bootstrap, input, records, keys);
    // Alternating rounds, medians: the box is shared, so single runs are noisy.
    const int rounds = std::stoi(args["--rounds"]);
    std::vector<double> bare;
    std::vector<double> eos;
    for (int round = 0; round < rounds; ++round) {
      const std::string id = run + "-" + std::to_string(round);
      if (round % 2 == 0) {
        bare.push_back(passthrough(bootstrap, input, run + ".copy", records, id + "-pass"));
        eos.push_back(exactly_once(bootstrap, input, run + ".counts", records, id + "-eos"));
      } else {
        eos.push_back(exactly_once(bootstrap, input, run + ".counts", records, id + "-eos"));
        bare.push_back(passthrough(bootstrap, input, run + ".copy", records, id + "-pass"));
      }
      std::printf("round %d: passthrough %.0f records/s, exactly-once %.0f records/s\n", round,
                  bare.back(), eos.back());
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::printf("records %d, keys %d, partitions %d, commit interval 100 ms, %d rounds\n", records,
                keys, partitions, rounds);
    std::printf("passthrough (consume -> transactional produce): %.0f records/s (median)\n",
                median(bare));
    std::printf("exactly-once counting runtime:                  %.0f records/s (median)\n",
                median(eos));
    std::printf("ratio: %.2f\n", median(eos) / median(bare));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_eos: %s\n", e.what());
    return 1;
  }
}
