// What runs a replay behind app::Replay: the one-thread engine (replay.cpp) or the parallel one
// (parallel_replay.cpp), and the few rules both follow.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "drivers/replay.hpp"
#include "drivers/table_rows.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/in_memory_runner.hpp"

namespace leifeng::app {

// One TableRows per output of processors::kOutputs.
using OutputRows = std::array<TableRows, processors::kOutputs.size()>;

class ReplayEngine {
 public:
  virtual ~ReplayEngine() = default;
  // The operations of Replay of the same names.
  virtual void feed(std::string_view line, int64_t line_number) = 0;
  virtual int64_t feed_lines(std::string_view lines, int64_t first_line_number) = 0;
  virtual void feed_oversize(std::string_view prefix, int64_t bytes, int64_t line_number) = 0;
  virtual void feed_message(std::string_view input, int32_t partition, int64_t offset,
                            std::optional<std::string_view> key, std::string_view value) = 0;
  virtual const ReplaySummary& summary() const = 0;
  virtual int64_t routed(std::string_view stream) const = 0;
  virtual int64_t max_line_bytes() const = 0;
  // Ends the replay: every output's rows in the order of its file (order_rows). Call once.
  virtual OutputRows& complete() = 0;
};

// The processors of the three input topics in a runner, as the domain's type: a replay decodes
// a line once, to route it by its type, and hands the decoded event on (EventProcessor::handle).
class InputProcessors {
 public:
  // Throws std::logic_error when an input topic is not read by an event processor.
  explicit InputProcessors(runtime::InMemoryRunner& runner);
  processors::EventProcessor& of(schemas::InputTopic topic) const {
    return *by_topic_[static_cast<size_t>(topic)];
  }
  // In the order the runner commits them: hours, activities, needs.
  const std::array<processors::EventProcessor*, 3>& all() const { return by_topic_; }

 private:
  std::array<processors::EventProcessor*, 3> by_topic_{};
};

// A decoded line of an events file (`record` without its topic): applied by the processor of
// `topic` when `routed`, else (not routable or not valid) dead-lettered before any processor
// sees it.
processors::Verdict apply_line(const InputProcessors& processors, runtime::InputRecord record,
                               bool routed, schemas::InputTopic topic,
                               schemas::DecodeResult& decoded,
                               const processors::ProcessorOptions& options, runtime::Emitter& out);
// Index of `output` in processors::kOutputs; throws std::invalid_argument for another name.
size_t output_index(std::string_view output);
// Adds a verdict to the summary's counts (not to events_read).
void count_verdict(ReplaySummary& summary, const processors::Verdict& verdict);
// Only spaces, tabs and carriage returns: a blank line, skipped.
bool is_blank_line(std::string_view line);
// The input topic of a logical input name; throws std::invalid_argument for another name.
schemas::InputTopic replay_input_topic(std::string_view input);
// Puts rows emitted in order into file order: tables sorted by key with the last value of each
// key, keyed streams stable-sorted by key, streams as they are.
void order_rows(TableRows& rows, processors::OutputKind kind);

}  // namespace leifeng::app
