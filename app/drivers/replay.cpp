#include "drivers/replay.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "drivers/in_process_options.hpp"
#include "drivers/line_limit.hpp"
#include "drivers/parallel_replay.hpp"
#include "drivers/replay_engine.hpp"
#include "drivers/table_rows.hpp"
#include "drivers/work_on_threads.hpp"
#include "leifeng/runtime/in_memory_runner.hpp"

namespace leifeng::app {

std::string ReplaySummary::to_json() const {
  std::string json = "{\"events_read\":" + std::to_string(events_read) +
                     ",\"applied\":" + std::to_string(applied) +
                     ",\"duplicates\":" + std::to_string(duplicates) +
                     ",\"dead_lettered\":" + std::to_string(dead_lettered) + ",\"by_reason\":{";
  bool first = true;
  for (int r = 0; r < schemas::kReasonCount; ++r) {
    if (by_reason[static_cast<size_t>(r)] == 0) continue;
    if (!first) json += ',';
    first = false;
    json += '"';
    json += schemas::to_string(static_cast<schemas::Reason>(r));
    json += "\":" + std::to_string(by_reason[static_cast<size_t>(r)]);
  }
  json += "}}";
  return json;
}

InputProcessors::InputProcessors(runtime::InMemoryRunner& runner) {
  for (const auto topic :
       {schemas::InputTopic::hours, schemas::InputTopic::activities, schemas::InputTopic::needs}) {
    auto* processor = dynamic_cast<processors::EventProcessor*>(
        &runner.processor_of(processors::input_of(topic)));
    if (processor == nullptr) {
      throw std::logic_error("replay: input " + std::string(processors::input_of(topic)) +
                             " is not read by an event processor");
    }
    by_topic_[static_cast<size_t>(topic)] = processor;
  }
}

processors::Verdict apply_line(const InputProcessors& processors, runtime::InputRecord record,
                               bool routed, schemas::InputTopic topic,
                               schemas::DecodeResult& decoded,
                               const processors::ProcessorOptions& options, runtime::Emitter& out) {
  if (routed) {
    record.topic = processors::input_of(topic);
    return processors.of(topic).handle(record, decoded, out);
  }
  processors::emit_dead_letter(record, decoded.rejection(), decoded.event_id, decoded.type,
                               std::nullopt, options, out);
  return processors::Verdict::rejected(decoded.rejection());
}

size_t output_index(std::string_view output) {
  for (size_t i = 0; i < processors::kOutputs.size(); ++i) {
    if (processors::kOutputs[i].name == output) return i;
  }
  throw std::invalid_argument("replay: unknown output " + std::string(output));
}

void count_verdict(ReplaySummary& summary, const processors::Verdict& verdict) {
  switch (verdict.outcome) {
    case runtime::Outcome::applied:
      ++summary.applied;
      break;
    case runtime::Outcome::duplicate:
      ++summary.duplicates;
      break;
    case runtime::Outcome::dead_lettered:
      ++summary.dead_lettered;
      if (verdict.rejection) ++summary.by_reason[static_cast<size_t>(verdict.rejection->reason)];
      break;
  }
}

bool is_blank_line(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

schemas::InputTopic replay_input_topic(std::string_view input) {
  for (const auto topic :
       {schemas::InputTopic::hours, schemas::InputTopic::activities, schemas::InputTopic::needs}) {
    if (processors::input_of(topic) == input) return topic;
  }
  throw std::invalid_argument("replay: unknown input " + std::string(input));
}

void order_rows(TableRows& rows, processors::OutputKind kind) {
  switch (kind) {
    case processors::OutputKind::table:
      rows.sort_by_key(/*latest_only=*/true);
      break;
    case processors::OutputKind::keyed_stream:
      rows.sort_by_key(/*latest_only=*/false);
      break;
    case processors::OutputKind::stream:
      break;
  }
}

std::vector<std::string>& ReplayOutputs::of(std::string_view output) {
  return lines_[output_index(output)];
}
const std::vector<std::string>& ReplayOutputs::of(std::string_view output) const {
  return lines_[output_index(output)];
}

namespace {

// The topology in one InMemoryRunner on the calling thread; the runner hands every public
// output back to emit().
class SerialReplay final : public ReplayEngine, public runtime::Emitter {
 public:
  SerialReplay(const processors::DomainConfig& config, processors::SourceNaming source)
      : options_(in_process_options(config, std::move(source))),
        rules_(config.validation_rules()),
        max_line_bytes_(config.max_line_bytes),
        runner_(processors::topology(options_, options_.source.application_id), *this),
        processors_(runner_) {}

  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    rows_[output_index(topic)].add(key, value);
  }

  // Decodes the line now and applies it kLookahead lines later (see Queued). `line` is copied.
  void feed(std::string_view line, int64_t line_number) override {
    if (is_blank_line(line)) return;
    if (static_cast<int64_t>(line.size()) > max_line_bytes_) {
      return feed_oversize(oversize_prefix(line), static_cast<int64_t>(line.size()), line_number);
    }
    Queued& next = enqueue();
    next.owned.assign(line);
    next.line = next.owned;
    decode_queued(next, line_number);
  }

  // Every line of `lines` (newline-separated; the last newline may be missing), without copies
  // while the lines are read: only the few still queued when this returns are copied.
  int64_t feed_lines(std::string_view lines, int64_t first_line_number) override {
    int64_t line_number = first_line_number;
    while (!lines.empty()) {
      const size_t newline = lines.find('\n');
      const std::string_view line = lines.substr(0, newline);
      lines.remove_prefix(newline == std::string_view::npos ? lines.size() : newline + 1);
      if (static_cast<int64_t>(line.size()) > max_line_bytes_) {
        feed_oversize(oversize_prefix(line), static_cast<int64_t>(line.size()), line_number);
      } else if (!is_blank_line(line)) {
        Queued& next = enqueue();
        next.line = line;
        decode_queued(next, line_number);
      }
      ++line_number;
    }
    // The caller reuses its buffer: the lines still waiting keep a copy (their decoded events
    // hold no views into the line).
    for (size_t i = 0; i < queued_; ++i) {
      Queued& queued = queue_[(first_ + i) % kLookahead];
      if (queued.line.data() != queued.owned.data()) {
        queued.owned.assign(queued.line);
        queued.line = queued.owned;
      }
    }
    return line_number - first_line_number;
  }

  // Queued like any line, already rejected; the prefix is copied.
  void feed_oversize(std::string_view prefix, int64_t bytes, int64_t line_number) override {
    Queued& next = enqueue();
    next.owned.assign(prefix);
    next.line = next.owned;
    next.line_number = line_number;
    next.decoded.outcome = oversize_line(bytes, max_line_bytes_);
    next.decoded.event_id.reset();
    next.decoded.type.reset();
    next.processor = nullptr;
    run_lookahead_steps();
  }

  int64_t max_line_bytes() const override { return max_line_bytes_; }

  void drain() {
    while (queued_ > 0) apply_oldest();
  }

  void feed_message(std::string_view input, int32_t partition, int64_t offset,
                    std::optional<std::string_view> key, std::string_view value) override {
    drain();  // keep the order of lines fed before
    const schemas::InputTopic topic = replay_input_topic(input);
    ++summary_.events_read;
    // The logical name outlives the record (dead letters name the topic from it).
    const runtime::InputRecord record{processors::input_of(topic), partition, offset, key, value};
    // A message without a key is checked as one with an empty key: it fails the key check.
    schemas::DecodeResult decoded =
        schemas::decode_event(value, rules_, topic, key.value_or(std::string_view{}));
    count_verdict(summary_, processors_.of(topic).handle(record, decoded, runner_.emitter()));
  }

  int64_t routed(std::string_view stream) const override { return runner_.routed(stream); }
  const ReplaySummary& summary() const override { return summary_; }

  // Applies what is queued, lets the processors emit their tables (Processor::finish) and puts
  // every output in file order.
  OutputRows& complete() override {
    drain();
    runner_.finish();
    for (size_t i = 0; i < processors::kOutputs.size(); ++i)
      order_rows(rows_[i], processors::kOutputs[i].kind);
    return rows_;
  }

 private:
  // A decoded line waiting for its turn. Step s of the lookahead runs s * kStepDistance lines
  // after the line was decoded, and the line is applied kLookahead lines after: the time to
  // decode the lines in between hides the memory latency of each step
  // (docs/performance-history.md).
  static constexpr size_t kStepDistance = 2;
  static constexpr size_t kLookahead = 16;
  static_assert(kLookahead > processors::EventProcessor::kPrefetchSteps * kStepDistance);
  struct Queued {
    std::string_view line;  // into `owned`, or into the block of feed_lines()
    std::string owned;      // feed(): dead letters copy the line after the caller's buffer moved on
    int64_t line_number = 0;
    schemas::DecodeResult decoded;
    schemas::InputTopic topic{};
    processors::EventProcessor* processor = nullptr;  // null: not decoded, dead-lettered
    processors::EventProcessor::Lookahead ahead;
  };

  // The queue slot for the next line, after applying the oldest line if the queue is full.
  Queued& enqueue() {
    ++summary_.events_read;
    if (queued_ == kLookahead) apply_oldest();
    Queued& next = queue_[(first_ + queued_) % kLookahead];
    ++queued_;
    return next;
  }

  // Decodes the newest queued line and runs the lookahead steps that fall due now.
  void decode_queued(Queued& next, int64_t line_number) {
    next.line_number = line_number;
    schemas::decode_event_into(next.decoded, next.line, rules_);
    next.processor = nullptr;
    if (next.decoded.ok()) {
      next.topic = schemas::topic_of(next.decoded.event().envelope.type);
      next.processor = &processors_.of(next.topic);
    }
    run_lookahead_steps();
  }

  // Step s of the lookahead for the line s * kStepDistance lines back (the newest: step 0).
  void run_lookahead_steps() {
    for (int step = 0; step < processors::EventProcessor::kPrefetchSteps; ++step) {
      const size_t age = static_cast<size_t>(step) * kStepDistance;
      if (age >= queued_) break;
      Queued& queued = queue_[(first_ + queued_ - 1 - age) % kLookahead];
      if (queued.processor != nullptr) {
        queued.processor->prefetch(queued.decoded.event(), step, queued.ahead);
      }
    }
  }

  void apply_oldest() {
    Queued& queued = queue_[first_];
    first_ = (first_ + 1) % kLookahead;
    --queued_;
    const runtime::InputRecord record{{}, 0, queued.line_number, std::nullopt, queued.line};
    count_verdict(summary_, apply_line(processors_, record, queued.processor != nullptr,
                                       queued.topic, queued.decoded, options_, runner_.emitter()));
  }

  processors::ProcessorOptions options_;
  schemas::ValidationRules rules_;
  int64_t max_line_bytes_;
  runtime::InMemoryRunner runner_;
  InputProcessors processors_;
  // Output rows as emitted, one per processors::kOutputs (tables: once per key, at finish).
  OutputRows rows_;
  ReplaySummary summary_;
  std::array<Queued, kLookahead> queue_;
  size_t first_ = 0;  // the oldest queued line
  size_t queued_ = 0;
};

std::unique_ptr<ReplayEngine> make_engine(const processors::DomainConfig& config,
                                          processors::SourceNaming source, int threads) {
  if (threads < 1) throw std::invalid_argument("replay: threads must be at least 1");
  if (threads == 1) return std::make_unique<SerialReplay>(config, std::move(source));
  return make_parallel_replay(config, std::move(source), threads);
}

}  // namespace

std::vector<std::string> sorted_by_key(KeyedTable table) {
  std::vector<std::pair<std::string, std::string>> rows(std::make_move_iterator(table.begin()),
                                                        std::make_move_iterator(table.end()));
  table.clear();
  return latest_by_key(rows);
}

namespace {
// The one ordering rule of the output files, the one file replay uses (TableRows).
std::vector<std::string> rows_by_key(const std::vector<std::pair<std::string, std::string>>& rows,
                                     bool latest_only) {
  TableRows table;
  for (const auto& [key, value] : rows) table.add(key, value);
  table.sort_by_key(latest_only);
  return table.lines();
}
}  // namespace

std::vector<std::string> latest_by_key(
    const std::vector<std::pair<std::string, std::string>>& rows) {
  return rows_by_key(rows, /*latest_only=*/true);
}

std::vector<std::string> stable_sorted_by_key(
    const std::vector<std::pair<std::string, std::string>>& records) {
  return rows_by_key(records, /*latest_only=*/false);
}

namespace {
processors::SourceNaming file_source(std::string source_name) {
  processors::SourceNaming source;
  source.file = std::move(source_name);
  return source;
}
}  // namespace

Replay::Replay(const processors::DomainConfig& config, std::string source_name, int threads)
    : impl_(make_engine(config, file_source(std::move(source_name)), threads)), threads_(threads) {}
Replay::Replay(const processors::DomainConfig& config, processors::SourceNaming source, int threads)
    : impl_(make_engine(config, std::move(source), threads)), threads_(threads) {}
Replay::~Replay() = default;

void Replay::feed(std::string_view line, int64_t line_number) {
  impl_->feed(line, line_number);
}
int64_t Replay::feed_lines(std::string_view lines, int64_t first_line_number) {
  return impl_->feed_lines(lines, first_line_number);
}
void Replay::feed_oversize(std::string_view prefix, int64_t bytes, int64_t line_number) {
  impl_->feed_oversize(prefix, bytes, line_number);
}
int64_t Replay::max_line_bytes() const {
  return impl_->max_line_bytes();
}
void Replay::feed_message(std::string_view input, int32_t partition, int64_t offset,
                          std::optional<std::string_view> key, std::string_view value) {
  impl_->feed_message(input, partition, offset, key, value);
}
const ReplaySummary& Replay::summary() const {
  return impl_->summary();
}
int64_t Replay::routed(std::string_view stream) const {
  return impl_->routed(stream);
}
ReplayOutputs Replay::finish() {
  if (completed_) throw std::logic_error("Replay: finished twice");
  completed_ = true;
  OutputRows& rows = impl_->complete();
  ReplayOutputs result;
  for (size_t i = 0; i < processors::kOutputs.size(); ++i)
    result.of(processors::kOutputs[i].name) = rows[i].lines();
  return result;
}
void Replay::write_outputs(const std::filesystem::path& dir) {
  if (completed_) throw std::logic_error("Replay: finished twice");
  completed_ = true;
  OutputRows& rows = impl_->complete();
  create_output_dir(dir);
  // The files side by side, the largest first: one after the other, on one core, they took
  // 70 ms of the 2.4 s of `replay --threads 2` over 2M events.
  std::vector<size_t> bytes(processors::kOutputs.size());
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = rows[i].bytes();
  work_on_threads(largest_first(bytes), threads_, [&rows, &dir](size_t i) {
    const TableRows& output = rows[i];
    write_file(dir / output_file_name(processors::kOutputs[i].name),
               [&output](std::FILE* out) { return output.write(out); });
  });
  write_lines(dir / "summary.json", {impl_->summary().to_json()});
}

bool write_lines(std::FILE* out, const std::vector<std::string>& lines) {
  bool ok = true;
  for (const std::string& line : lines) {
    ok = ok && std::fwrite(line.data(), 1, line.size(), out) == line.size() &&
         std::fputc('\n', out) != EOF;
  }
  return ok;
}

void write_file(const std::filesystem::path& file, const std::function<bool(std::FILE*)>& write) {
  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("cannot write " + file.string());
  std::setvbuf(out, nullptr, _IOFBF, 1 << 20);  // tens of MB of short lines: few, large writes
  bool ok = write(out);
  ok = (std::fclose(out) == 0) && ok;
  if (!ok) throw std::runtime_error("error while writing " + file.string());
}

void write_lines(const std::filesystem::path& file, const std::vector<std::string>& lines) {
  write_file(file, [&lines](std::FILE* out) { return write_lines(out, lines); });
}

void create_output_dir(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw std::runtime_error("cannot create output directory " + dir.string() + ": " +
                             error.message());
  }
}

std::string output_file_name(std::string_view output) {
  std::string name(output);
  name += ".jsonl";
  return name;
}

void write_replay_outputs(const std::filesystem::path& dir, const ReplayOutputs& outputs,
                          const ReplaySummary& summary) {
  create_output_dir(dir);
  for (const processors::OutputSpec& output : processors::kOutputs) {
    write_lines(dir / output_file_name(output.name), outputs.of(output.name));
  }
  write_lines(dir / "summary.json", {summary.to_json()});
}

}  // namespace leifeng::app
