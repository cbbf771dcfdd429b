#include "drivers/run_progress.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <utility>

#include "leifeng/runtime/logging.hpp"

namespace leifeng::app {

std::chrono::seconds default_progress_interval(bool stderr_is_terminal) {
  return stderr_is_terminal ? kTerminalProgressInterval : kLogProgressInterval;
}

std::chrono::seconds progress_interval(std::optional<int> seconds, bool stderr_is_terminal) {
  if (!seconds) return default_progress_interval(stderr_is_terminal);
  if (*seconds < 0) {
    throw std::invalid_argument(
        "--progress-interval must be 0 (no progress lines) or more "
        "seconds, not " +
        std::to_string(*seconds));
  }
  return std::chrono::seconds(*seconds);
}

std::string format_run_progress(const runtime::StreamRuntimeStats& now,
                                const runtime::StreamRuntimeStats& previous, double seconds,
                                const std::vector<ProgressInput>& inputs) {
  // Input records only: the runtime also counts the records of its internal repartition
  // topics, which would count an event twice for a person reading the line.
  const auto consumed = [&inputs](const runtime::StreamRuntimeStats& stats) {
    int64_t sum = 0;
    for (const ProgressInput& input : inputs) {
      const auto counts = stats.inputs.find(input.name);
      if (counts != stats.inputs.end()) sum += counts->second.consumed;
    }
    return sum;
  };
  const int64_t processed = consumed(now);
  const double per_second =
      seconds > 0 ? static_cast<double>(processed - consumed(previous)) / seconds : 0.0;
  std::string line =
      fmt::format("msg={} processed={} per_second={:.0f} commits={}",
                  runtime::log_value("run progress"), processed, per_second, now.commits);
  for (const ProgressInput& input : inputs) {
    const auto lag = now.lag.find(input.topic);
    line += fmt::format(" lag_{}={}", input.name,
                        lag == now.lag.end() ? std::string("-") : std::to_string(lag->second));
  }
  return line;
}

RunProgress::RunProgress(std::vector<ProgressInput> inputs) : inputs_(std::move(inputs)) {}

void RunProgress::operator()(const runtime::StreamRuntimeStats& stats) {
  const Clock::time_point now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - previous_at_).count();
  spdlog::info("{}", format_run_progress(stats, previous_, seconds, inputs_));
  previous_ = stats;
  previous_at_ = now;
}

}  // namespace leifeng::app
