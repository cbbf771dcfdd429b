// What the default logger writes while a CapturedLog lives, as "level=<l> <message>" lines;
// the logger before it is the default again afterwards. Declare it before any client whose
// threads log, so that it outlives them.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace leifeng::runtime::testing {

class CapturedLog {
 public:
  CapturedLog() : before_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_pattern("level=%l %v");
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(before_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::string text() const { return out_.str(); }
  bool contains(const std::string& needle) const {
    return out_.str().find(needle) != std::string::npos;
  }
  int count(const std::string& needle) const {
    int found = 0;
    const std::string all = out_.str();
    for (auto at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1))
      ++found;
    return found;
  }

 private:
  std::shared_ptr<spdlog::logger> before_;
  std::ostringstream out_;
};

}  // namespace leifeng::runtime::testing
