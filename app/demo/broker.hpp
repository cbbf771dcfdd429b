// A real local Kafka broker for the demo, started with the project's own script
// (scripts/kafka.sh). The script is found through LEIFENG_HOME, else the source tree the
// binary was built from.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace leifeng::app {

class LocalBroker {
 public:
  // Starts a broker with its data and log under `dir` and waits until it is ready. Throws
  // std::runtime_error with the script's message when it cannot (e.g. no broker installed:
  // run scripts/setup.sh).
  //
  // The script and the broker run in a process group of their own, whose orphans this
  // process adopts (a child subreaper). From the start of the constructor until stop() or
  // release(), SIGINT and SIGTERM stop the whole group, wait until it is gone and end the
  // process with 128 + the signal (130, 143): an interrupted demo leaves no broker behind.
  explicit LocalBroker(std::filesystem::path dir);
  ~LocalBroker();  // stops the broker unless stop() or release() was called
  LocalBroker(const LocalBroker&) = delete;
  LocalBroker& operator=(const LocalBroker&) = delete;

  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  pid_t pid() const { return pid_; }  // the broker's JVM
  // Stops the broker (SIGTERM, SIGKILL after 20 s) and waits until it is gone.
  void stop();
  // Leaves the broker running after this process (stop it with `scripts/kafka.sh stop DIR`).
  void release();

 private:
  std::filesystem::path dir_;
  std::string bootstrap_servers_;
  pid_t pid_ = 0;
  bool running_ = false;
};

// scripts/kafka.sh of this installation.
std::filesystem::path kafka_script();

// Stops a broker that an earlier run left under `dir` (scripts/kafka.sh stop); returns its pid,
// or 0 when none was running there.
pid_t stop_leftover_broker(const std::filesystem::path& dir);

}  // namespace leifeng::app
