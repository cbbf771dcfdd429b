// The consumer that reads changelogs into local state, for the restorer and the standby
// replicas alike: assigned partitions only (the group id is required by the client but never
// joined), nothing committed (the offsets live in the local state), read_committed (the state
// stays a prefix of the committed changelog), and partition EOF reported (the end of
// committed data is where a restore is done). Its librdkafka events are logged.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace RdKafka {
class KafkaConsumer;
class EventCb;
}  // namespace RdKafka

namespace leifeng::runtime {

class ChangelogConsumer {
 public:
  // `kafka_config`: librdkafka properties (bootstrap.servers and the [kafka] table);
  // `fetch_wait_ms`: how long the broker may hold a fetch with nothing new; `role` names the
  // consumer in errors ("changelog restore", "standby").
  ChangelogConsumer(std::map<std::string, std::string> kafka_config, std::string group_id,
                    int fetch_wait_ms, std::string role);
  ~ChangelogConsumer();
  ChangelogConsumer(const ChangelogConsumer&) = delete;
  ChangelogConsumer& operator=(const ChangelogConsumer&) = delete;

  // Created on first use; throws std::runtime_error when librdkafka refuses the settings.
  RdKafka::KafkaConsumer& get();
  bool created() const { return consumer_ != nullptr; }
  // Closes and destroys the consumer (the next get() creates a new one).
  void close();

 private:
  std::map<std::string, std::string> kafka_config_;
  std::string group_id_;
  int fetch_wait_ms_;
  std::string role_;
  std::unique_ptr<RdKafka::EventCb> events_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

}  // namespace leifeng::runtime
