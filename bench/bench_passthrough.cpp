// The two baselines of the live benchmark (scripts/bench-live.sh): what the broker hands out to
// a bare consumer, and what a bare exactly-once copy costs, over topics that already hold the
// events. Both read every partition of the given topics up to the end offsets taken at start
// (read_committed), then print one line: "<mode> <records> records <seconds> s <cpu> cpu-s".
//
//   bench_passthrough consume     --bootstrap HOST:PORT --topics T1,T2,...
//                                 [--queued-min-messages N]
//   bench_passthrough passthrough --bootstrap HOST:PORT --topics T1,T2,... --output TOPIC
//                                 --id RUN_ID [--commit-interval-ms 100]
//                                 [--queued-min-messages N]
//   bench_passthrough serve       (the same arguments as passthrough)
//   passthrough also takes [--write-percent P] (default 100) [--producer-queue-messages N]
//                          [--queued-max-kbytes N]
//
// consume: assigned partitions, no group, no commits. passthrough: a consumer group and a
// transactional producer; each record is produced unchanged to TOPIC, and a transaction with
// the consumed offsets commits every commit interval, as `leifeng run` does. serve: the same
// copy from the topics' ends, until SIGINT or SIGTERM, committing as soon as nothing fetched
// waits (at most every 10 ms) or at the commit interval, as `leifeng run` does under light
// load: the floor of the latency benchmark (scripts/bench-latency.sh) on the same broker.
// --write-percent P copies only P of every 100 records consumed (evenly spread) and commits all
// their offsets: the floor of a live run that writes fewer records than it reads (`leifeng run`
// writes about 41 per 100 inputs, BENCHMARKS.md "Live path").
// --producer-queue-messages sets the producer's queue.buffering.max.messages (default 100,000):
// a copy that meets a full queue waits 10 ms for deliveries each time.
// --queued-min-messages sets the consumer's queued.min.messages (librdkafka's default, 100,000,
// when absent): librdkafka 2.0.2 stops fetching while the consumer's local queue holds that
// many messages and looks again only when its fetcher wakes, up to a second later, which
// bounds a copy that is faster than 100,000 records a second, and now and then adds that
// second to the bare consume (BENCHMARKS.md, "Live path").
// --queued-max-kbytes sets the consumer's queued.max.messages.kbytes (64 MiB when absent), the
// other threshold of that pause: about 220,000 of the bench's events, so a copy with
// --queued-min-messages 1000000 still paused at it.
#include <librdkafka/rdkafkacpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka_bench_support.hpp"

using Clock = std::chrono::steady_clock;

namespace {

using leifeng::bench::conf_of;
using leifeng::bench::cpu_seconds;

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> parts;
  std::stringstream in(list);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// An offset per topic partition.
using Offsets = std::map<std::pair<std::string, int32_t>, int64_t>;

// The end offset of every partition of `topics` now: what "caught up" means.
Offsets end_offsets(RdKafka::KafkaConsumer& consumer, const std::vector<std::string>& topics) {
  Offsets ends;
  for (const std::string& name : topics) {
    std::string error;
    std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(&consumer, name, nullptr, error));
    RdKafka::Metadata* raw = nullptr;
    if (consumer.metadata(false, topic.get(), &raw, 30000) != RdKafka::ERR_NO_ERROR)
      throw std::runtime_error("no metadata for " + name);
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    for (const auto* t : *metadata->topics()) {
      if (t->err() != RdKafka::ERR_NO_ERROR) throw std::runtime_error("no topic " + name);
      for (const auto* p : *t->partitions()) {
        int64_t low = 0;
        int64_t high = 0;
        if (consumer.query_watermark_offsets(name, p->id(), &low, &high, 30000) !=
            RdKafka::ERR_NO_ERROR)
          throw std::runtime_error("no offsets for " + name);
        if (high > low) ends[{name, p->id()}] = high;
      }
    }
  }
  return ends;
}

// Partitions whose position has not reached its end yet.
bool caught_up(RdKafka::KafkaConsumer& consumer, const Offsets& ends) {
  std::vector<RdKafka::TopicPartition*> list;
  for (const auto& [tp, end] : ends)
    list.push_back(RdKafka::TopicPartition::create(tp.first, tp.second));
  consumer.position(list);
  bool done = true;
  for (auto* tp : list) {
    if (tp->offset() < ends.at({tp->topic(), tp->partition()})) done = false;
  }
  RdKafka::TopicPartition::destroy(list);
  return done;
}

struct Result {
  int64_t records = 0;
  int64_t written = 0;  // copied to the output (passthrough)
  double seconds = 0;
};

Result consume(const std::string& bootstrap, const std::vector<std::string>& topics,
               const std::string& queued_min_messages) {
  std::string error;
  auto conf = conf_of({{"bootstrap.servers", bootstrap},
                       {"group.id", "bench-consume-unused"},
                       {"isolation.level", "read_committed"},
                       {"enable.auto.commit", "false"}});
  if (!queued_min_messages.empty() &&
      conf->set("queued.min.messages", queued_min_messages, error) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error(error);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer) throw std::runtime_error(error);
  const auto started = Clock::now();
  const auto ends = end_offsets(*consumer, topics);
  std::vector<RdKafka::TopicPartition*> assignment;
  for (const auto& [tp, end] : ends)
    assignment.push_back(
        RdKafka::TopicPartition::create(tp.first, tp.second, RdKafka::Topic::OFFSET_BEGINNING));
  consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  Result result;
  int idle = 0;
  for (;;) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(100));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      ++result.records;
      if ((result.records & 0xFFFF) == 0 && caught_up(*consumer, ends)) break;
    } else if (message->err() == RdKafka::ERR__TIMED_OUT ||
               message->err() == RdKafka::ERR__PARTITION_EOF) {
      if (caught_up(*consumer, ends)) break;
      if (++idle > 600) throw std::runtime_error("no progress for 60 s");
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  consumer->close();
  return result;
}

std::atomic<bool> stopping{false};

extern "C" void stop_serving(int) {
  stopping = true;
}

// `serve`: from the topics' ends until stopped, committing early when drained (see the top).
Result passthrough(const std::string& bootstrap, const std::vector<std::string>& topics,
                   const std::string& output, const std::string& id, int commit_interval_ms,
                   const std::string& queued_min_messages, bool serve, int write_percent,
                   const std::string& producer_queue_messages,
                   const std::string& queued_max_kbytes) {
  std::string error;
  auto pconf = conf_of({{"bootstrap.servers", bootstrap},
                        {"transactional.id", id},
                        {"acks", "all"},
                        {"linger.ms", "5"}});
  if (!producer_queue_messages.empty() &&
      pconf->set("queue.buffering.max.messages", producer_queue_messages, error) !=
          RdKafka::Conf::CONF_OK)
    throw std::runtime_error(error);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), error));
  if (!producer) throw std::runtime_error(error);
  auto cconf = conf_of({{"bootstrap.servers", bootstrap},
                        {"group.id", id},
                        {"isolation.level", "read_committed"},
                        {"enable.auto.commit", "false"},
                        {"fetch.wait.max.ms", serve ? "20" : "500"},
                        {"auto.offset.reset", "earliest"}});
  if (!queued_min_messages.empty() &&
      cconf->set("queued.min.messages", queued_min_messages, error) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error(error);
  if (!queued_max_kbytes.empty() &&
      cconf->set("queued.max.messages.kbytes", queued_max_kbytes, error) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error(error);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(cconf.get(), error));
  if (!consumer) throw std::runtime_error(error);
  const auto started = Clock::now();
  // Serving has no end to reach.
  const Offsets ends = serve ? Offsets{} : end_offsets(*consumer, topics);
  if (auto* e = producer->init_transactions(30000)) throw std::runtime_error(e->str());
  consumer->subscribe(topics);
  Offsets offsets;
  bool open = false;
  auto deadline = Clock::now();
  auto early_from = Clock::now();
  auto commit = [&] {
    std::vector<RdKafka::TopicPartition*> list;
    for (const auto& [tp, offset] : offsets)
      list.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, offset));
    std::unique_ptr<RdKafka::ConsumerGroupMetadata> group(consumer->groupMetadata());
    if (auto* e = producer->send_offsets_to_transaction(list, group.get(), 30000))
      throw std::runtime_error(e->str());
    if (auto* e = producer->commit_transaction(30000)) throw std::runtime_error(e->str());
    RdKafka::TopicPartition::destroy(list);
    open = false;
  };
  Result result;
  int idle = 0;
  bool announced = false;
  while (!stopping) {
    if (serve && !announced) {
      // The latency script starts its probe once the group has given this copy its partitions.
      std::vector<RdKafka::TopicPartition*> assigned;
      consumer->assignment(assigned);
      if (!assigned.empty()) {
        std::fprintf(stderr, "serving %zu partitions\n", assigned.size());
        announced = true;
      }
      RdKafka::TopicPartition::destroy(assigned);
    }
    int timeout_ms = 100;
    if (serve && open) timeout_ms = Clock::now() >= early_from ? 0 : 1;
    std::unique_ptr<RdKafka::Message> message(consumer->consume(timeout_ms));
    if (message->err() == RdKafka::ERR_NO_ERROR) {
      if (!open) {
        if (auto* e = producer->begin_transaction()) throw std::runtime_error(e->str());
        open = true;
        deadline = Clock::now() + std::chrono::milliseconds(commit_interval_ms);
        early_from = Clock::now() + std::chrono::milliseconds(10);
      }
      // Record i is copied when the count of copies due, i * P / 100, steps up at it.
      const bool copied =
          (result.records + 1) * write_percent / 100 > result.records * write_percent / 100;
      while (copied &&
             producer->produce(output, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                               message->payload(), message->len(), message->key_pointer(),
                               message->key_len(), 0, nullptr) == RdKafka::ERR__QUEUE_FULL) {
        producer->poll(10);
      }
      offsets[{message->topic_name(), message->partition()}] = message->offset() + 1;
      ++result.records;
      if (copied) ++result.written;
      idle = 0;
    } else if (serve) {
      if (open && Clock::now() >= early_from) commit();
      continue;
    } else if (++idle > 600) {
      throw std::runtime_error("no progress for 60 s");
    }
    if (open && Clock::now() >= deadline) {
      commit();
      if (serve) continue;
      if (caught_up(*consumer, ends)) break;
    } else if (!open && message->err() != RdKafka::ERR_NO_ERROR && caught_up(*consumer, ends)) {
      break;
    }
  }
  if (open) commit();
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  consumer->close();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: bench_passthrough consume|passthrough|serve --bootstrap HOST:PORT --topics "
        "T1,T2 [--output TOPIC --id RUN_ID] [--commit-interval-ms 100] [--queued-min-messages "
        "N]\n");
    return 64;
  }
  const std::string mode = argv[1];
  std::map<std::string, std::string> args{{"--commit-interval-ms", "100"},
                                          {"--queued-min-messages", ""},
                                          {"--write-percent", "100"},
                                          {"--producer-queue-messages", ""},
                                          {"--queued-max-kbytes", ""}};
  for (int i = 2; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  try {
    const std::string bootstrap = args.at("--bootstrap");
    const auto topics = split(args.at("--topics"));
    Result result;
    if (mode == "consume") {
      result = consume(bootstrap, topics, args.at("--queued-min-messages"));
    } else if (mode == "passthrough" || mode == "serve") {
      std::signal(SIGINT, stop_serving);
      std::signal(SIGTERM, stop_serving);
      result =
          passthrough(bootstrap, topics, args.at("--output"), args.at("--id"),
                      std::stoi(args.at("--commit-interval-ms")), args.at("--queued-min-messages"),
                      mode == "serve", std::clamp(std::stoi(args.at("--write-percent")), 0, 100),
                      args.at("--producer-queue-messages"), args.at("--queued-max-kbytes"));
    } else {
      std::fprintf(stderr, "bench_passthrough: unknown mode %s\n", mode.c_str());
      return 64;
    }
    std::printf("%s %lld records %.3f s %.3f cpu-s\n", mode.c_str(),
                static_cast<long long>(result.records), result.seconds, cpu_seconds());
    if (mode != "consume")
      std::fprintf(stderr, "bench_passthrough: %lld records written\n",
                   static_cast<long long>(result.written));
    return 0;
  } catch (const std::out_of_range&) {
    std::fprintf(stderr,
                 "bench_passthrough: missing an argument (run without arguments for usage)\n");
    return 64;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_passthrough: %s\n", e.what());
    return 1;
  }
}
