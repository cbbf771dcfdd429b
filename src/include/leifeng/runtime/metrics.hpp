// Process-wide counters and gauges, rendered in the Prometheus text format by the /metrics
// endpoint. Thread-safe; cheap enough to bump once per record.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leifeng::runtime {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Declares a metric once with its help text and kind ("counter" or "gauge").
  void describe(std::string_view name, std::string_view kind, std::string_view help);
  void add(std::string_view name, const MetricLabels& labels, int64_t delta);
  void set(std::string_view name, const MetricLabels& labels, int64_t value);
  int64_t value(std::string_view name, const MetricLabels& labels) const;
  // Prometheus text exposition format 0.0.4.
  std::string prometheus_text() const;

 private:
  struct Family {
    std::string kind;
    std::string help;
    std::map<MetricLabels, int64_t> series;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace leifeng::runtime
