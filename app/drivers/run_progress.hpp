// The progress line `leifeng run` logs while it runs (to stderr, like every log line): input
// records processed, commits, and the lag of each input topic, e.g.
//   msg="run progress" processed=120000 per_second=4000 commits=310 lag_hours=250 lag_activities=0
//   lag_needs=12
// Every few seconds when stderr is a terminal, once a minute into a file or a pipe; `run
// --progress-interval SECONDS` chooses (0 = none).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "leifeng/runtime/stream_runtime.hpp"

namespace leifeng::app {

inline constexpr std::chrono::seconds kTerminalProgressInterval{5};
inline constexpr std::chrono::seconds kLogProgressInterval{60};

// kTerminalProgressInterval when a person watches, else kLogProgressInterval.
std::chrono::seconds default_progress_interval(bool stderr_is_terminal);

// --progress-interval SECONDS when given (0 = no progress lines), else the default for where
// stderr goes. Throws std::invalid_argument for a negative number.
std::chrono::seconds progress_interval(std::optional<int> seconds, bool stderr_is_terminal);

// An input as the line names it: its logical name and its Kafka topic.
struct ProgressInput {
  std::string name;   // e.g. "hours"
  std::string topic;  // e.g. "leifeng.hours.v1"
};

// The line for `now` after `previous` (the stats of the line before, zeros for the first),
// `seconds` apart. `processed` counts the records of `inputs` in committed transactions (not
// those of internal topics). Lag is that of the partitions this instance has; "-" for an input of
// which it has none, or whose high watermarks it has not fetched yet (right after an assignment).
std::string format_run_progress(const runtime::StreamRuntimeStats& now,
                                const runtime::StreamRuntimeStats& previous, double seconds,
                                const std::vector<ProgressInput>& inputs);

// Logs one line per call (StreamRuntime::on_progress calls it every interval).
class RunProgress {
 public:
  explicit RunProgress(std::vector<ProgressInput> inputs);
  void operator()(const runtime::StreamRuntimeStats& stats);

 private:
  using Clock = std::chrono::steady_clock;
  std::vector<ProgressInput> inputs_;
  runtime::StreamRuntimeStats previous_;
  Clock::time_point previous_at_ = Clock::now();
};

}  // namespace leifeng::app
