// End-to-end latency of a running `leifeng run` (issue 17): from an input event handed to the
// producer to its stars record readable by a read_committed consumer. Produces
// `volunteer.registered` events of volunteers new to the run at a steady rate to the hours
// topic (each is applied and yields one stars record of that volunteer), reads the stars topic
// from its end, and prints the latency percentiles of the records it matched:
//
//   bench_latency --bootstrap HOST:PORT [--topic-prefix leifeng] [--rate 5000] [--seconds 20]
//                 [--warmup-seconds 3] [--linger-ms 5]
//
// The first --warmup-seconds of records are left out of the percentiles. Prints one line:
// "sent N matched M lost L p50 X ms p90 X ms p99 X ms max X ms". --linger-ms is the input
// producer's linger.ms (librdkafka's default 5): an upstream app batching its sends a little.
// At 1 ms the probe's own produce requests (one per partition and batch) cost the broker more
// of the CPU every client waits on (BENCHMARKS.md, "Latency under a steady load").
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kafka_bench_support.hpp"

using Clock = std::chrono::steady_clock;

namespace {

using leifeng::bench::conf_of;

struct Options {
  std::string bootstrap;
  std::string prefix = "leifeng";
  int rate = 5000;
  int seconds = 20;
  int warmup_seconds = 3;
  int linger_ms = 5;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--bootstrap") {
      options.bootstrap = value;
    } else if (flag == "--topic-prefix") {
      options.prefix = value;
    } else if (flag == "--rate") {
      options.rate = std::stoi(value);
    } else if (flag == "--seconds") {
      options.seconds = std::stoi(value);
    } else if (flag == "--warmup-seconds") {
      options.warmup_seconds = std::stoi(value);
    } else if (flag == "--linger-ms") {
      options.linger_ms = std::stoi(value);
    } else {
      throw std::invalid_argument("unknown option " + flag);
    }
  }
  if (options.bootstrap.empty() || options.rate <= 0 || options.seconds <= 0)
    throw std::invalid_argument(
        "usage: bench_latency --bootstrap HOST:PORT [--topic-prefix P] [--rate N] [--seconds N] "
        "[--warmup-seconds N] [--linger-ms N]");
  return options;
}

// Reads `topic` from its current end (read_committed), calling `seen(key)` for each record.
class StarsReader {
 public:
  StarsReader(const Options& options, const std::string& topic) {
    std::string error;
    auto conf = conf_of({{"bootstrap.servers", options.bootstrap},
                         {"group.id", "bench-latency"},
                         {"enable.auto.commit", "false"},
                         {"isolation.level", "read_committed"},
                         {"fetch.wait.max.ms", "5"}});
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer_) throw std::runtime_error("consumer: " + error);
    RdKafka::Metadata* raw = nullptr;
    std::unique_ptr<RdKafka::Topic> handle(
        RdKafka::Topic::create(consumer_.get(), topic, nullptr, error));
    if (consumer_->metadata(false, handle.get(), &raw, 10000) != RdKafka::ERR_NO_ERROR)
      throw std::runtime_error("no metadata for " + topic);
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    std::vector<RdKafka::TopicPartition*> partitions;
    for (const auto* partition : *metadata->topics()->at(0)->partitions()) {
      int64_t low = 0;
      int64_t high = 0;
      // A topic created a moment ago may not have its leaders yet (the floor's copy is ready
      // sooner than `run`): retried for up to 10 s.
      RdKafka::ErrorCode err = RdKafka::ERR_NO_ERROR;
      const auto give_up = Clock::now() + std::chrono::seconds(10);
      while ((err = consumer_->query_watermark_offsets(topic, partition->id(), &low, &high,
                                                       10000)) != RdKafka::ERR_NO_ERROR &&
             Clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (err != RdKafka::ERR_NO_ERROR)
        throw std::runtime_error("no end offset for " + topic + ": " + RdKafka::err2str(err));
      partitions.push_back(RdKafka::TopicPartition::create(topic, partition->id(), high));
    }
    if (partitions.empty()) throw std::runtime_error(topic + " has no partitions");
    consumer_->assign(partitions);
    RdKafka::TopicPartition::destroy(partitions);
  }
  ~StarsReader() { consumer_->close(); }

  template <typename Seen>
  void poll(Seen&& seen, int timeout_ms) {
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(timeout_ms));
    if (message->err() == RdKafka::ERR_NO_ERROR && message->key() != nullptr)
      seen(*message->key(), Clock::now());
  }

 private:
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

// The counties and skills of the generator's city: volunteers spread over them, as a city's
// would, rather than one matching pool of every volunteer.
constexpr const char* kAreas[] = {"410402", "410403", "410404", "410411", "410421",
                                  "410422", "410423", "410425", "410481", "410482"};
constexpr const char* kSkills[] = {"medical_care",   "legal_aid",         "donation",
                                   "culture_sports", "housekeeping",      "counseling",
                                   "publicity",      "business_guidance", "civility_guidance"};

std::string registered(const std::string& id, int64_t n) {
  // Distinct, increasing occurred_at (one per second from a fixed day) keep the events valid.
  const int64_t seconds = n % 86400;
  char at[64];
  std::snprintf(at, sizeof at, "2027-06-%02lldT%02lld:%02lld:%02lld+08:00",
                static_cast<long long>(1 + (n / 86400) % 28),
                static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                static_cast<long long>(seconds % 60));
  const std::string when(at);
  return R"({"event_id":"lat-)" + id + R"(","type":"volunteer.registered","schema_version":1,)" +
         R"("occurred_at":")" + when + R"(","source":"bench.latency","volunteer_id":")" + id +
         R"(","area_code":")" + kAreas[n % 10] + R"(","party_member":false,"skills":[")" +
         kSkills[(n / 10) % 9] + R"("]})";
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                   values.end());
  return values[index];
}

}  // namespace

int main(int argc, char** argv) try {
  const Options options = parse(argc, argv);
  const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                                         std::chrono::milliseconds(1));
  StarsReader reader(options, options.prefix + ".stars.v1");

  std::string error;
  auto conf = conf_of({{"bootstrap.servers", options.bootstrap},
                       {"enable.idempotence", "true"},
                       {"linger.ms", std::to_string(options.linger_ms)},
                       {"partitioner", "murmur2_random"}});
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) throw std::runtime_error("producer: " + error);

  std::mutex mutex;
  std::unordered_map<std::string, Clock::time_point> sent;  // volunteer id -> handed over
  std::vector<double> latencies_ms;
  std::atomic<bool> reading{true};
  const auto start = Clock::now();
  const auto measured_from = start + std::chrono::seconds(options.warmup_seconds);
  int64_t matched = 0;
  std::thread consumer([&] {
    while (reading.load()) {
      reader.poll(
          [&](const std::string& key, Clock::time_point at) {
            std::lock_guard lock(mutex);
            auto it = sent.find(key);
            if (it == sent.end()) return;
            if (it->second >= measured_from) {
              latencies_ms.push_back(
                  std::chrono::duration<double, std::milli>(at - it->second).count());
            }
            ++matched;
            sent.erase(it);
          },
          50);
    }
  });

  const std::string topic = options.prefix + ".hours.v1";
  const int64_t total = static_cast<int64_t>(options.rate) * options.seconds;
  for (int64_t n = 0; n < total; ++n) {
    // Steady pacing: event n is due at start + n / rate.
    std::this_thread::sleep_until(start + std::chrono::microseconds(n * 1000000 / options.rate));
    const std::string id = "lat-" + run + "-" + std::to_string(n);
    const std::string value = registered(id, n);
    {
      std::lock_guard lock(mutex);
      sent.emplace(id, Clock::now());
    }
    while (producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                             const_cast<char*>(value.data()), value.size(), id.data(), id.size(), 0,
                             nullptr) == RdKafka::ERR__QUEUE_FULL)
      producer->poll(1);
    producer->poll(0);
  }
  producer->flush(10000);
  // The last records: the commit interval and the broker's markers behind them.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (sent.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  reading = false;
  consumer.join();

  std::lock_guard lock(mutex);
  const auto lost = static_cast<int64_t>(sent.size());
  std::printf("sent %lld matched %lld lost %lld p50 %.1f ms p90 %.1f ms p99 %.1f ms max %.1f ms\n",
              static_cast<long long>(total), static_cast<long long>(matched),
              static_cast<long long>(lost), percentile(latencies_ms, 0.50),
              percentile(latencies_ms, 0.90), percentile(latencies_ms, 0.99),
              percentile(latencies_ms, 1.0));
  return lost == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_latency: %s\n", e.what());
  return 2;
}
