// What the plain-program benchmarks on a real broker share: librdkafka configuration from a
// property map, and the process's CPU time.
#pragma once

#include <librdkafka/rdkafkacpp.h>
#include <sys/resource.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace leifeng::bench {

inline std::unique_ptr<RdKafka::Conf> conf_of(
    const std::map<std::string, std::string>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error(name + ": " + error);
  }
  return conf;
}

// User and system CPU seconds of this process so far.
inline double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace leifeng::bench
