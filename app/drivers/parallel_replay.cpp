#include "drivers/parallel_replay.hpp"

#include <array>
#include <condition_variable>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "drivers/in_process_options.hpp"
#include "drivers/line_limit.hpp"
#include "drivers/work_on_threads.hpp"
#include "leifeng/runtime/key_hash.hpp"

namespace leifeng::app {
namespace {

// Inputs per batch: large enough that the two waits per batch cost little, small enough that
// the batches in flight (text and decoded events) stay near the cores' caches: 2048 replayed
// 2M events 6 % faster than 8192, whose decoding copied into cold memory (BENCHMARKS.md).
constexpr size_t kBatchInputs = 2048;
// A batch also ends once its text reaches this size, so long lines cannot make the batches in
// flight hold more than about kBatchesInFlight * (kBatchBytes + max_line_bytes).
constexpr size_t kBatchBytes = 4 << 20;
// Batches read ahead of the oldest one not yet through the second stage: enough that a thread
// always finds work while another waits for its turn on a shard or on the second stage.
constexpr int64_t kBatchesInFlight = 4;
// Slices a batch is decoded in, per thread: small pieces even out the threads' finishing times.
constexpr int kDecodeSlicesPerThread = 2;

// One input of a batch: a line of the file, the kept prefix of an oversize line, or a message
// of an input topic.
struct Input {
  enum class Kind : uint8_t { line, oversize, message };
  Kind kind = Kind::line;
  size_t text_at = 0;  // in Batch::text: the line, the prefix or the message's value
  size_t text_size = 0;
  size_t key_at = 0;  // the message's key, when has_key
  size_t key_size = 0;
  bool has_key = false;
  int32_t partition = 0;
  int64_t position = 0;  // the line number, or the message's offset
  int64_t oversize_bytes = 0;
  schemas::InputTopic topic{};  // a message's input; a line's, from its type once decoded
  bool routed = false;          // a processor handles it; else it is dead-lettered as decoded
  schemas::DecodeResult decoded;
  processors::EventProcessor::Lookahead ahead;
};

struct Batch {
  std::string text;
  std::vector<Input> inputs;    // the first `size` belong to this batch; the rest wait for reuse
  std::vector<uint8_t> owners;  // the shard of each input, apart: apply() scans it
  size_t size = 0;
  int64_t number = 0;          // batches before this one
  int64_t first_sequence = 0;  // of inputs[0], counting every input of the replay
  std::string_view text_of(size_t at, size_t bytes) const { return {text.data() + at, bytes}; }
};

// The outputs a shard hands back in input order: the repartition streams, which the second
// stage reads, and the stream outputs (dead letters), whose files are in input order.
struct OrderedTarget {
  std::string name;
  bool repartition = false;
  size_t output = 0;                     // index in processors::kOutputs, for a stream output
  runtime::Processor* reader = nullptr;  // the second stage's processor, for a repartition stream
};

// A record of an ordered target, its bytes in the shard's buffer.
struct OrderedRecord {
  int64_t sequence = 0;
  size_t target = 0;
  size_t key_at = 0;
  size_t key_size = 0;
  size_t value_at = 0;
  size_t value_size = 0;
};

// One thread's processors of the input topics and what they emitted.
class Shard final : public runtime::Emitter {
 public:
  Shard(const processors::ProcessorOptions& options, const std::vector<OrderedTarget>& targets)
      : options_(options),
        targets_(targets),
        runner_(processors::topology(options, options.source.application_id), *this),
        processors_(runner_) {}

  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    for (size_t target = 0; target < targets_.size(); ++target) {
      if (targets_[target].name != topic) continue;
      Ordered& ordered = ordered_[filling_];
      OrderedRecord record{sequence_, target, ordered.bytes.size(), key.size(), 0, value.size()};
      ordered.bytes.append(key);
      record.value_at = ordered.bytes.size();
      ordered.bytes.append(value);
      ordered.records.push_back(record);
      return;
    }
    rows_[output_index(topic)].add(key, value);
  }

  // The records a batch sent to ordered targets, their bytes in `bytes`.
  struct Ordered {
    std::vector<OrderedRecord> records;
    std::string bytes;
    std::string_view text(size_t at, size_t size) const { return {bytes.data() + at, size}; }
  };

  // Applies, in input order, the inputs of `batch` that fall to shard `self`, looking a few
  // inputs ahead as the one-thread replay does (prefetch). What goes to ordered targets is
  // kept in ordered(batch.number), while the second stage may still read earlier batches'.
  void apply(Batch& batch, int self) {
    filling_ = static_cast<size_t>(batch.number % kBatchesInFlight);
    std::array<size_t, kLookahead> queue{};
    size_t first = 0;
    size_t queued = 0;
    for (size_t index = 0; index < batch.size; ++index) {
      if (batch.owners[index] != self) continue;
      if (queued == kLookahead) {
        apply_one(batch, queue[first]);
        first = (first + 1) % kLookahead;
        --queued;
      }
      queue[(first + queued) % kLookahead] = index;
      ++queued;
      for (int step = 0; step < processors::EventProcessor::kPrefetchSteps; ++step) {
        const size_t age = static_cast<size_t>(step) * kStepDistance;
        if (age >= queued) break;
        Input& ahead = batch.inputs[queue[(first + queued - 1 - age) % kLookahead]];
        if (ahead.routed && ahead.decoded.ok()) {
          processors_.of(ahead.topic).prefetch(ahead.decoded.event(), step, ahead.ahead);
        }
      }
    }
    for (; queued > 0; --queued, first = (first + 1) % kLookahead) {
      apply_one(batch, queue[first]);
    }
    sequence_ = 0;
  }

  // The end of the input: the processors emit their tables, then every output of this shard
  // is put in file order.
  void finish() {
    sequence_ = std::numeric_limits<int64_t>::max();
    for (processors::EventProcessor* processor : processors_.all()) processor->before_commit(*this);
    for (processors::EventProcessor* processor : processors_.all()) processor->finish(*this);
    const auto& records = ordered_[filling_].records;
    if (!records.empty()) {
      // In-process replays send county deltas and match changes per event: nothing is left
      // for the end whose place in input order would be unknown.
      throw std::logic_error("parallel replay: a processor of an input topic emitted " +
                             targets_[records.front().target].name + " at the end");
    }
    for (size_t i = 0; i < processors::kOutputs.size(); ++i)
      order_rows(rows_[i], processors::kOutputs[i].kind);
  }

  Ordered& ordered(int64_t batch_number) {
    return ordered_[static_cast<size_t>(batch_number % kBatchesInFlight)];
  }
  OutputRows& rows() { return rows_; }
  const ReplaySummary& counts() const { return counts_; }

 private:
  static constexpr size_t kStepDistance = 2;
  static constexpr size_t kLookahead = 16;

  void apply_one(Batch& batch, size_t index) {
    Input& input = batch.inputs[index];
    sequence_ = batch.first_sequence + static_cast<int64_t>(index);
    const std::string_view text = batch.text_of(input.text_at, input.text_size);
    processors::Verdict verdict;
    if (input.kind == Input::Kind::message) {
      std::optional<std::string_view> key;
      if (input.has_key) key = batch.text_of(input.key_at, input.key_size);
      const runtime::InputRecord record{processors::input_of(input.topic), input.partition,
                                        input.position, key, text};
      verdict = processors_.of(input.topic).handle(record, input.decoded, *this);
    } else {
      const runtime::InputRecord record{{}, 0, input.position, std::nullopt, text};
      verdict = apply_line(processors_, record, input.routed, input.topic, input.decoded, options_,
                           *this);
    }
    count_verdict(counts_, verdict);
  }

  const processors::ProcessorOptions& options_;
  const std::vector<OrderedTarget>& targets_;
  runtime::InMemoryRunner runner_;
  InputProcessors processors_;
  int64_t sequence_ = 0;                           // of the input being applied
  std::array<Ordered, kBatchesInFlight> ordered_;  // by batch number modulo their count
  size_t filling_ = 0;                             // the one emit() fills
  OutputRows rows_;
  ReplaySummary counts_;  // applied, duplicates, dead-lettered
};

// The work on a batch is split into tasks: decoding a slice, applying it on one shard, merging
// it into the second stage. Any thread runs any task that is ready (the caller's thread too,
// while it waits for a free batch), so no thread waits while there is work, and there are no
// phases that all threads must finish together.
class ParallelReplay final : public ReplayEngine, public runtime::Emitter {
 public:
  ParallelReplay(const processors::DomainConfig& config, processors::SourceNaming source,
                 int threads)
      : options_(in_process_options(config, std::move(source))),
        rules_(config.validation_rules()),
        max_line_bytes_(config.max_line_bytes),
        second_stage_(processors::topology(options_, options_.source.application_id), *this),
        decode_slices_(threads * kDecodeSlicesPerThread) {
    const runtime::Topology& topology = second_stage_.topology();
    for (const runtime::SubTopology& sub : topology.subtopologies()) {
      for (const std::string& input : sub.inputs) {
        if (topology.is_repartition(input))
          targets_.push_back({input, true, 0, &second_stage_.processor_of(input)});
      }
    }
    for (size_t i = 0; i < processors::kOutputs.size(); ++i) {
      if (processors::kOutputs[i].kind == processors::OutputKind::stream)
        targets_.push_back({std::string(processors::kOutputs[i].name), false, i, nullptr});
    }
    routed_.assign(targets_.size(), 0);
    for (int shard = 0; shard < threads; ++shard) {
      shards_.push_back(std::make_unique<Shard>(options_, targets_));
      shard_next_.push_back(0);
      shard_busy_.push_back(false);
    }
    for (Slot& slot : slots_) {
      slot.batch.text.reserve(4 << 20);
      slot.batch.inputs.resize(kBatchInputs);
      slot.batch.owners.resize(kBatchInputs);
    }
    filling_ = &slots_[0].batch;
    for (int helper = 1; helper < threads; ++helper)
      helpers_.emplace_back([this] { work_until_stopped(); });
  }

  ~ParallelReplay() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (std::thread& helper : helpers_) helper.join();
  }

  // The second stage's outputs (county statistics, need matches, their dead letters).
  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    rows_[output_index(topic)].add(key, value);
  }

  void feed(std::string_view line, int64_t line_number) override {
    if (is_blank_line(line)) return;
    if (static_cast<int64_t>(line.size()) > max_line_bytes_) {
      return feed_oversize(oversize_prefix(line), static_cast<int64_t>(line.size()), line_number);
    }
    Input& input = next_input(Input::Kind::line, line);
    input.position = line_number;
  }

  int64_t feed_lines(std::string_view lines, int64_t first_line_number) override {
    int64_t line_number = first_line_number;
    while (!lines.empty()) {
      const size_t newline = lines.find('\n');
      const std::string_view line = lines.substr(0, newline);
      lines.remove_prefix(newline == std::string_view::npos ? lines.size() : newline + 1);
      feed(line, line_number);
      ++line_number;
    }
    return line_number - first_line_number;
  }

  void feed_oversize(std::string_view prefix, int64_t bytes, int64_t line_number) override {
    Input& input = next_input(Input::Kind::oversize, prefix);
    input.position = line_number;
    input.oversize_bytes = bytes;
  }

  void feed_message(std::string_view input_name, int32_t partition, int64_t offset,
                    std::optional<std::string_view> key, std::string_view value) override {
    const schemas::InputTopic topic = replay_input_topic(input_name);
    Input& input = next_input(Input::Kind::message, value);
    input.topic = topic;
    input.partition = partition;
    input.position = offset;
    input.has_key = key.has_value();
    if (key) {
      input.key_at = filling_->text.size();
      input.key_size = key->size();
      filling_->text.append(*key);
    }
  }

  const ReplaySummary& summary() const override { return summary_; }
  int64_t max_line_bytes() const override { return max_line_bytes_; }

  int64_t routed(std::string_view stream) const override {
    for (size_t target = 0; target < targets_.size(); ++target) {
      if (targets_[target].name == stream) return routed_[target];
    }
    return 0;
  }

  OutputRows& complete() override {
    if (filling_->size > 0) submit();
    help_until([this] { return merged_ == submitted_; });
    // The shards and the second stage end side by side, each on a thread of its own (the
    // second stage is item shards_.size()).
    std::vector<size_t> finishing(shards_.size() + 1);
    std::iota(finishing.begin(), finishing.end(), size_t{0});
    work_on_threads(finishing, static_cast<int>(finishing.size()), [this](size_t part) {
      if (part < shards_.size()) {
        shards_[part]->finish();
      } else {
        second_stage_.finish();
      }
    });
    // Stream outputs are in rows_ already, in input order; the rest is sorted by key, and
    // each key belongs to one shard (or to the second stage). The outputs are shared out over
    // the replay's threads, one thread per output.
    std::vector<size_t> rows(processors::kOutputs.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i] = rows_[i].size();
      for (auto& shard : shards_) rows[i] += shard->rows()[i].size();
    }
    work_on_threads(largest_first(rows), static_cast<int>(shards_.size()), [this](size_t i) {
      order_rows(rows_[i], processors::kOutputs[i].kind);
      for (auto& shard : shards_) rows_[i].merge_sorted(std::move(shard->rows()[i]));
    });
    for (auto& shard : shards_) {
      const ReplaySummary& counts = shard->counts();
      summary_.applied += counts.applied;
      summary_.duplicates += counts.duplicates;
      summary_.dead_lettered += counts.dead_lettered;
      for (size_t r = 0; r < counts.by_reason.size(); ++r)
        summary_.by_reason[r] += counts.by_reason[r];
    }
    return rows_;
  }

 private:
  // A batch and how far its tasks are. Batch n uses slot n % kBatchesInFlight.
  struct Slot {
    Batch batch;
    int decode_started = 0;
    int decode_done = 0;
  };
  enum class TaskKind { none, decode, apply, merge };
  struct Task {
    TaskKind kind = TaskKind::none;
    Slot* slot = nullptr;
    int part = 0;  // the slice to decode, or the shard to apply on
  };

  // The slot of the next input, its text copied into the batch (which is submitted first if
  // full).
  Input& next_input(Input::Kind kind, std::string_view text) {
    if (filling_->size == filling_->inputs.size() ||
        (filling_->size > 0 && filling_->text.size() + text.size() > kBatchBytes)) {
      submit();
    }
    ++summary_.events_read;
    Input& input = filling_->inputs[filling_->size++];
    input.kind = kind;
    input.text_at = filling_->text.size();
    input.text_size = text.size();
    input.has_key = false;
    filling_->text.append(text);
    return input;
  }

  // Hands the batch being filled to the threads and waits, helping, for the next slot.
  void submit() {
    const int64_t number = filling_->number;
    const int64_t next_sequence = filling_->first_sequence + static_cast<int64_t>(filling_->size);
    {
      std::lock_guard lock(mutex_);
      Slot& slot = slot_of(number);
      slot.decode_started = 0;
      slot.decode_done = 0;
      submitted_ = number + 1;
    }
    changed_.notify_all();
    // Batch number + 1 reuses the slot of number + 1 - kBatchesInFlight: free once merged.
    help_until([&] { return merged_ > number + 1 - kBatchesInFlight; });
    filling_ = &slot_of(number + 1).batch;
    filling_->number = number + 1;
    filling_->first_sequence = next_sequence;
    filling_->size = 0;
    filling_->text.clear();
  }

  Slot& slot_of(int64_t number) { return slots_[static_cast<size_t>(number % kBatchesInFlight)]; }

  // Runs ready tasks on the calling thread until `done()` holds (checked under the lock);
  // rethrows what a task threw.
  template <class Done>
  void help_until(Done done) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (error_) std::rethrow_exception(error_);
      if (done()) return;
      const Task task = take_task();
      if (task.kind == TaskKind::none) {
        changed_.wait(lock);
        continue;
      }
      lock.unlock();
      run_task(task);
      lock.lock();
    }
  }

  // A helper thread's life. A task's error is kept in error_ for the caller's thread to throw;
  // the helper just ends.
  void work_until_stopped() {
    try {
      help_until([this] { return stopping_; });
    } catch (...) {
    }
  }

  // The next ready task, marked started; under the lock. The oldest batch's work first, and
  // the second stage before anything else: it is the one part that cannot be split.
  Task take_task() {
    if (merged_ < submitted_ && !merging_) {
      Slot& slot = slot_of(merged_);
      bool applied = true;
      for (const int64_t next : shard_next_) applied = applied && next > merged_;
      if (applied) {
        merging_ = true;
        return {TaskKind::merge, &slot, 0};
      }
    }
    for (size_t shard = 0; shard < shards_.size(); ++shard) {
      const int64_t number = shard_next_[shard];
      if (shard_busy_[shard] || number >= submitted_) continue;
      // Its ordered records go where batch number - kBatchesInFlight's were: merged by now,
      // since that batch's slot was reused.
      Slot& slot = slot_of(number);
      if (slot.decode_done < decode_slices_) continue;
      shard_busy_[shard] = true;
      return {TaskKind::apply, &slot, static_cast<int>(shard)};
    }
    for (int64_t number = merged_; number < submitted_; ++number) {
      Slot& slot = slot_of(number);
      if (slot.decode_started < decode_slices_)
        return {TaskKind::decode, &slot, slot.decode_started++};
    }
    return {};
  }

  void run_task(const Task& task) {
    try {
      switch (task.kind) {
        case TaskKind::decode:
          decode_slice(task.slot->batch, task.part);
          break;
        case TaskKind::apply:
          shards_[static_cast<size_t>(task.part)]->apply(task.slot->batch, task.part);
          break;
        case TaskKind::merge:
          merge_ordered(task.slot->batch.number);
          break;
        case TaskKind::none:
          break;
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      changed_.notify_all();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      switch (task.kind) {
        case TaskKind::decode:
          ++task.slot->decode_done;
          break;
        case TaskKind::apply:
          shard_busy_[static_cast<size_t>(task.part)] = false;
          ++shard_next_[static_cast<size_t>(task.part)];
          break;
        case TaskKind::merge:
          merging_ = false;
          ++merged_;
          break;
        case TaskKind::none:
          break;
      }
    }
    changed_.notify_all();
  }

  // Decodes a slice of the batch and gives each input its shard: the owner of its aggregate
  // id, or (not decoded) any shard, which only dead-letters it.
  void decode_slice(Batch& batch, int slice) {
    const size_t slices = static_cast<size_t>(decode_slices_);
    const size_t begin = batch.size * static_cast<size_t>(slice) / slices;
    const size_t end = batch.size * (static_cast<size_t>(slice) + 1) / slices;
    const size_t shards = shards_.size();
    for (size_t index = begin; index < end; ++index) {
      Input& input = batch.inputs[index];
      const std::string_view text = batch.text_of(input.text_at, input.text_size);
      schemas::DecodeResult& decoded = input.decoded;
      switch (input.kind) {
        case Input::Kind::line:
          schemas::decode_event_into(decoded, text, rules_);
          input.routed = decoded.ok();
          if (input.routed) input.topic = schemas::topic_of(decoded.event().envelope.type);
          break;
        case Input::Kind::message: {
          // A message without a key is checked as one with an empty key: it fails the check.
          const std::string_view key =
              input.has_key ? batch.text_of(input.key_at, input.key_size) : std::string_view{};
          schemas::decode_event_into(decoded, text, rules_, input.topic, key);
          input.routed = true;
          break;
        }
        case Input::Kind::oversize:
          decoded.outcome = oversize_line(input.oversize_bytes, max_line_bytes_);
          decoded.event_id.reset();
          decoded.type.reset();
          input.routed = false;
          break;
      }
      const size_t owner = decoded.ok() ? runtime::key_hash(decoded.event().aggregate_id())
                                        : static_cast<size_t>(batch.first_sequence) + index;
      batch.owners[index] = static_cast<uint8_t>(owner % shards);
    }
  }

  // The shards' ordered records of a batch in input order: dead letters to their rows,
  // repartition records to the processors that read them (the second stage).
  void merge_ordered(int64_t batch) {
    std::vector<Shard::Ordered*> parts;
    for (auto& shard : shards_) parts.push_back(&shard->ordered(batch));
    std::vector<size_t> next(parts.size(), 0);
    for (;;) {
      size_t from = parts.size();
      int64_t sequence = std::numeric_limits<int64_t>::max();
      for (size_t p = 0; p < parts.size(); ++p) {
        const auto& records = parts[p]->records;
        if (next[p] < records.size() && records[next[p]].sequence < sequence) {
          sequence = records[next[p]].sequence;
          from = p;
        }
      }
      if (from == parts.size()) break;
      // An input belongs to one shard: all its records come from there, in emission order.
      const Shard::Ordered& part = *parts[from];
      for (size_t& at = next[from];
           at < part.records.size() && part.records[at].sequence == sequence; ++at) {
        deliver(part, part.records[at]);
      }
    }
    for (Shard::Ordered* part : parts) {
      part->records.clear();
      part->bytes.clear();
    }
  }

  void deliver(const Shard::Ordered& part, const OrderedRecord& record) {
    const OrderedTarget& target = targets_[record.target];
    const std::string_view key = part.text(record.key_at, record.key_size);
    const std::string_view value = part.text(record.value_at, record.value_size);
    if (!target.repartition) {
      rows_[target.output].add(key, value);
      return;
    }
    // The offsets the one-thread runner gives the stream's records: the same order.
    target.reader->process(
        runtime::InputRecord{target.name, 0, routed_[record.target]++, key, value},
        second_stage_.emitter());
  }

  processors::ProcessorOptions options_;
  schemas::ValidationRules rules_;
  int64_t max_line_bytes_;
  // The whole topology; only the processors of the repartition streams get records.
  runtime::InMemoryRunner second_stage_;
  std::vector<OrderedTarget> targets_;
  std::vector<int64_t> routed_;  // records per target delivered so far
  std::vector<std::unique_ptr<Shard>> shards_;
  const int decode_slices_;
  std::array<Slot, kBatchesInFlight> slots_;
  Batch* filling_ = nullptr;  // the batch inputs go to; only the caller's thread touches it
  OutputRows rows_;           // the second stage's outputs and the stream outputs in input order
  ReplaySummary summary_;

  // Under mutex_: how far the batches are.
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t submitted_ = 0;            // batches handed over
  std::vector<int64_t> shard_next_;  // per shard: the batch it applies next
  std::vector<bool> shard_busy_;     // per shard: a task applies on it now
  int64_t merged_ = 0;               // batches through the second stage
  bool merging_ = false;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> helpers_;  // started last, joined first
};

}  // namespace

std::unique_ptr<ReplayEngine> make_parallel_replay(const processors::DomainConfig& config,
                                                   processors::SourceNaming source, int threads) {
  if (threads < 2) throw std::invalid_argument("parallel replay: at least two threads");
  return std::make_unique<ParallelReplay>(config, std::move(source), threads);
}

}  // namespace leifeng::app
