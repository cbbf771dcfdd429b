// The in-process replay (SPEC §7 `leifeng replay`): the application's one topology
// (processors::topology()) run by runtime::InMemoryRunner, fed lines of an events file or
// messages of the input topics, its outputs collected into the sorted files of a replay
// directory.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "leifeng/processors/domain_config.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::app {

struct ReplaySummary {
  int64_t events_read = 0;
  int64_t applied = 0;
  int64_t duplicates = 0;
  int64_t dead_lettered = 0;
  std::array<int64_t, schemas::kReasonCount> by_reason{};
  std::string to_json() const;  // the summary.json object, no trailing newline
};

// The output lines (JSON) of a replay, one list per output of processors::kOutputs, in the
// order its file holds them: tables sorted by key, star-changes stable-sorted by volunteer,
// dead letters in input order.
class ReplayOutputs {
 public:
  // Throws std::invalid_argument for a name that is not in processors::kOutputs.
  std::vector<std::string>& of(std::string_view output);
  const std::vector<std::string>& of(std::string_view output) const;

 private:
  std::array<std::vector<std::string>, processors::kOutputs.size()> lines_;
};

// Called now and then while replaying: events read so far and seconds since the start.
using ReplayProgress = std::function<void(int64_t events_read, double seconds)>;

class ReplayEngine;  // replay_engine.hpp

class Replay {
 public:
  // `source_name` is what dead-letter records give as `source.file`. With `threads` above 1
  // the inputs are applied on that many threads, split by aggregate id as the live topics are
  // partitioned, with the same outputs (parallel_replay.hpp).
  Replay(const processors::DomainConfig& config, std::string source_name, int threads = 1);
  // Replay from topics: dead letters name their source as `source` says (live: the Kafka
  // topic, partition and offset).
  Replay(const processors::DomainConfig& config, processors::SourceNaming source, int threads = 1);
  ~Replay();
  Replay(const Replay&) = delete;
  Replay& operator=(const Replay&) = delete;

  // One line of the file (without its newline), 1-based; blank lines are skipped. The line is
  // copied and decoded now, and applied a few lines later (the lookahead, see replay_file.cpp).
  void feed(std::string_view line, int64_t line_number);
  // A block of whole lines separated by '\n' (the last one may lack it), the first numbered
  // `first_line_number`: the same as feeding them one by one, but only the few lines still
  // waiting when this returns are copied. Returns the number of lines, blank ones included.
  int64_t feed_lines(std::string_view lines, int64_t first_line_number);
  // A line of `bytes` bytes, more than max_line_bytes(), of which the reader kept `prefix`:
  // dead-lettered as `malformed` in its turn (line_limit.hpp). feed() and feed_lines() do the
  // same with a whole line over the limit.
  void feed_oversize(std::string_view prefix, int64_t bytes, int64_t line_number);
  // [rules] max_line_bytes of the configuration.
  int64_t max_line_bytes() const;
  // One message of a logical input ("hours", "activities", "needs") exactly as the live
  // processor gets it: decoded against that topic and message key, so a mis-keyed message or
  // a type of another topic is dead-lettered as live. Throws std::invalid_argument for
  // another input name.
  void feed_message(std::string_view input, int32_t partition, int64_t offset,
                    std::optional<std::string_view> key, std::string_view value);
  // `events_read` counts every input fed so far; the other counts are complete after finish().
  const ReplaySummary& summary() const;
  // Records that went through the internal stream `stream` (e.g. "county-deltas"), encoded as
  // on Kafka, so far.
  int64_t routed(std::string_view stream) const;
  // Ends the replay: the final tables. Call once, or write_outputs() instead.
  ReplayOutputs finish();
  // Ends the replay and writes what write_replay_outputs(dir, finish(), summary()) writes,
  // straight from the replay's buffers (no string per output line). Throws std::runtime_error
  // naming the file that could not be written.
  void write_outputs(const std::filesystem::path& dir);

 private:
  std::unique_ptr<ReplayEngine> impl_;
  int threads_;  // also the threads that write the output files
  bool completed_ = false;
};

// Latest value per key, as the processors' tables hold them.
using KeyedTable = std::unordered_map<std::string, std::string>;

// A table's values sorted by key: the order every table file is written in (`export` of a
// compacted topic uses it too, so replay and export agree line by line).
std::vector<std::string> sorted_by_key(KeyedTable table);
// The same from (key, value) rows in the order they were emitted: the last row of a key wins.
std::vector<std::string> latest_by_key(
    const std::vector<std::pair<std::string, std::string>>& rows);
// (key, value) records stable-sorted by key: per-key order kept, as star-changes are written.
std::vector<std::string> stable_sorted_by_key(
    const std::vector<std::pair<std::string, std::string>>& records);

// One line per value, each followed by '\n'. The FILE* form returns false on a write error;
// the path form throws std::runtime_error naming the file.
bool write_lines(std::FILE* out, const std::vector<std::string>& lines);
void write_lines(const std::filesystem::path& file, const std::vector<std::string>& lines);
// Opens `file` for writing, runs `write` on it and closes it; throws std::runtime_error naming
// the file when any of that fails.
void write_file(const std::filesystem::path& file, const std::function<bool(std::FILE*)>& write);
// Creates `dir` and its parents if missing; throws std::runtime_error when it cannot.
void create_output_dir(const std::filesystem::path& dir);

// The file of an output in a replay directory: <output>.jsonl.
std::string output_file_name(std::string_view output);

// Writes <output>.jsonl for every output and summary.json into `dir` (created if missing).
// Throws std::runtime_error naming the file that could not be written.
void write_replay_outputs(const std::filesystem::path& dir, const ReplayOutputs& outputs,
                          const ReplaySummary& summary);

}  // namespace leifeng::app
