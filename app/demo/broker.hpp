// A real local Kafka broker for the demo, started and stopped with the project's own script
// (scripts/kafka.sh). The script is found through LEIFENG_HOME, else the source tree the
// binary was built from.
#pragma once

#include <filesystem>
#include <string>

namespace leifeng::app {

class LocalBroker {
 public:
  // Starts a broker with its data and log under `dir` and waits until it is ready. Throws
  // std::runtime_error with the script's message when it cannot (e.g. no broker installed:
  // run scripts/setup.sh).
  explicit LocalBroker(std::filesystem::path dir);
  ~LocalBroker();  // stops the broker if stop() was not called
  LocalBroker(const LocalBroker&) = delete;
  LocalBroker& operator=(const LocalBroker&) = delete;

  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  void stop();

 private:
  std::filesystem::path dir_;
  std::string bootstrap_servers_;
  bool running_ = false;
};

// scripts/kafka.sh of this installation.
std::filesystem::path kafka_script();

}  // namespace leifeng::app
