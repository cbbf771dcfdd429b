// What the domain processors share: decoding an input, the dead-letter output and the
// duplicate check of spec §4. A concrete processor only applies the events that pass them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "leifeng/processors/domain_config.hpp"
#include "leifeng/processors/internal/applied_events.hpp"
#include "leifeng/runtime/prefetch.hpp"
#include "leifeng/runtime/processor.hpp"
#include "leifeng/runtime/typed_store.hpp"
#include "leifeng/schemas/copy_text.hpp"
#include "leifeng/schemas/events.hpp"
#include "leifeng/schemas/records.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::processors {

// How a dead-letter record names where its input came from.
struct SourceNaming {
  // File replay: {"file": file, "line": record.offset}.
  std::optional<std::string> file;
  // Live: {"topic": <topic_prefix>.<record.topic>.v1, "partition", "offset"}; an internal
  // stream's topic is <application_id>-<record.topic>.
  std::string topic_prefix = "leifeng";
  std::string application_id = "leifeng";
  std::variant<schemas::KafkaSource, schemas::FileSource> describe(
      const runtime::InputRecord& record) const;
};

struct ProcessorOptions {
  DomainConfig config;
  SourceNaming source;
  // Emit a table's new value after every update (live: compacted topics, where the runtime
  // sends the last one per key and transaction). The in-process replays turn this off and
  // take the final value of every key from Processor::finish(): the same tables without
  // formatting a record per event.
  bool emit_table_updates = true;
  // Sum the county deltas of a commit interval into few messages (live, CountyDeltaBatch).
  // The in-process replays turn this off: one message per event and area, straight to the
  // county-stats processor, so that a cell's as_of follows the input order across processors
  // and nothing is summed twice.
  bool sum_county_deltas = true;
  // Send the match changes of a commit interval as one list per area (live,
  // MatchChangeBatch). The in-process replays turn this off, for the same reason as above.
  bool pack_match_changes = true;
};

// What became of one input: applied, a duplicate, or dead-lettered with its rejection.
struct Verdict {
  runtime::Outcome outcome = runtime::Outcome::applied;
  std::optional<schemas::Rejection> rejection;  // when dead_lettered

  static Verdict applied() { return {}; }
  static Verdict duplicate() { return {runtime::Outcome::duplicate, std::nullopt}; }
  static Verdict rejected(schemas::Rejection rejection) {
    return {runtime::Outcome::dead_lettered, std::move(rejection)};
  }
  static Verdict rejected(schemas::Reason reason, std::string field, std::string detail) {
    return rejected({reason, std::move(field), std::move(detail)});
  }
};

// Emits the dead-letter record of an input that failed with `rejection`, naming its source as
// `options.source` does and cutting its payload at `options.config.dead_letter_payload_bytes`.
void emit_dead_letter(const runtime::InputRecord& record, const schemas::Rejection& rejection,
                      const std::optional<std::string>& event_id,
                      const std::optional<std::string>& type, const std::optional<std::string>& at,
                      const ProcessorOptions& options, runtime::Emitter& out);

class EventProcessor : public runtime::Processor {
 public:
  EventProcessor(schemas::InputTopic topic, const ProcessorOptions& options);

  // Live: decodes with the topic and key of the message, then applies.
  runtime::Outcome process(const runtime::InputRecord& record, runtime::Emitter& out) final;
  // An input decoded by the caller (file replay decodes once to route by type).
  Verdict handle(const runtime::InputRecord& record, schemas::DecodeResult& decoded,
                 runtime::Emitter& out);

  // File replay looks ahead: it calls prefetch() for an event with steps 0 .. kPrefetchSteps-1,
  // a few events apart, before it applies the event, so that the cache misses of the event's
  // state (index slot, node, the vectors the node points to) overlap with the work on the
  // events in between instead of stalling one after another. A hint: nothing changes.
  static constexpr int kPrefetchSteps = 4;
  struct Lookahead {
    size_t key_hash = 0;
  };
  virtual void prefetch(const schemas::Event& event, int step, Lookahead& ahead) const = 0;

 protected:
  // Applies a decoded event; a rejection is dead-lettered by handle().
  virtual Verdict apply(const schemas::Event& event, runtime::Emitter& out) = 0;

  const ProcessorOptions& options() const { return options_; }

 private:
  schemas::InputTopic topic_;
  ProcessorOptions options_;
  schemas::ValidationRules rules_;
  schemas::DecodeResult decoded_;  // reused: its strings keep their memory between messages
};

// The event processor of one kind of aggregate (volunteer, activity, need), kept as a `State`
// per aggregate id in one store. It owns the duplicate check: an event whose id is in the
// aggregate's `State::applied` is dropped before the rules see it, and the id of every event
// the rules apply is added there.
template <class State>
class AggregateProcessor : public EventProcessor {
 public:
  AggregateProcessor(schemas::InputTopic topic, const ProcessorOptions& options,
                     runtime::KeyValueStore* store)
      : EventProcessor(topic, options), store_(store) {}

  void flush() override {
    forget_due();  // before_commit has rendered them; the states may leave the cache now
    store_.flush();
  }
  // The state of one aggregate, or null (audit, tests).
  const State* find(const std::string& aggregate_id) { return store_.find(aggregate_id); }

  // Steps 0 and 1 find the aggregate's slot and node in the store; from step 2 on its state.
  void prefetch(const schemas::Event& event, int step, Lookahead& ahead) const final {
    prefetch_aggregate(event.aggregate_id(), &event, step, ahead.key_hash);
  }
  // Live (runtime::Processor::prefetch_key): the record's key is the aggregate id; the event
  // is not decoded yet, so the last step (2) is what the state alone tells.
  void prefetch_key(std::string_view key, int step, size_t& key_hash) const final {
    prefetch_aggregate(key, nullptr, step, key_hash);
  }

 protected:
  // Applies an event that is not a duplicate to `state`, null when the aggregate has none yet
  // (create() makes it). A rejection must leave the state as it was.
  virtual Verdict apply_to(State* state, const schemas::Event& event, runtime::Emitter& out) = 0;
  // From step 2 on: what apply() will read of `state` besides its applied ids (`event` null:
  // not decoded yet).
  virtual void prefetch_state(const State&, const schemas::Event*, int) const {}

  State& create() { return *(state_ = &store_.upsert(key_)); }
  const std::string& key() const { return key_; }  // the aggregate id of the event applied
  const runtime::TypedStore<State>& store() const { return store_; }

  // Live, an aggregate changes with every event applied to it, often many times per commit
  // interval under load; its table record is rendered once, at the commit, with its latest
  // values. mark_due() notes the aggregate of the event being applied (`State::record_due`,
  // not stored, keeps it once); take_due(fn) calls fn(aggregate_id, state) for each one noted
  // since the last call, in the order they were first noted. The states stay in the store's
  // cache until its flush, which follows before_commit.
  void mark_due(State& state) {
    if (state.record_due) return;
    state.record_due = true;
    if (due_count_ == due_.size()) due_.emplace_back();
    Due& due = due_[due_count_++];
    schemas::copy_text(due.aggregate_id, key_);
    due.state = &state;
  }
  template <class Fn>
  void take_due(Fn&& fn) {
    // The states were last touched up to a commit interval before, most of them out of the
    // cache: the one kDueLookahead places ahead is asked for, so that the misses overlap.
    constexpr size_t kDueLookahead = 4;
    for (size_t i = 0; i < due_count_; ++i) {
      if (i + kDueLookahead < due_count_)
        runtime::prefetch_bytes(due_[i + kDueLookahead].state, sizeof(State));
      due_[i].state->record_due = false;
      fn(std::as_const(due_[i].aggregate_id), std::as_const(*due_[i].state));
    }
    due_count_ = 0;
  }

 private:
  void prefetch_aggregate(std::string_view aggregate_id, const schemas::Event* event, int step,
                          size_t& key_hash) const {
    if (step == 0) {
      key_hash = runtime::TypedStore<State>::hash_key(aggregate_id);
      store_.prefetch_slot(key_hash);
    } else if (step == 1) {
      store_.prefetch_node(key_hash);
    } else if (const State* state = store_.likely_value(key_hash)) {
      if (step == 2) state->applied.prefetch();
      prefetch_state(*state, event, step);
    }
  }
  Verdict apply(const schemas::Event& event, runtime::Emitter& out) final {
    schemas::copy_text(key_, event.aggregate_id());
    state_ = store_.find(key_);
    const std::string& event_id = event.envelope.event_id;
    const uint64_t id_hash = stable_hash(event_id);  // for contains and add
    if (state_ != nullptr && state_->applied.contains(event_id, id_hash)) {
      return Verdict::duplicate();
    }
    Verdict verdict = apply_to(state_, event, out);
    if (verdict.outcome == runtime::Outcome::applied) {
      state_->applied.add(event_id, id_hash);
      store_.mark_dirty(key_);
    }
    return verdict;
  }

  void forget_due() {
    if constexpr (requires(State & state) { state.record_due; }) {
      for (size_t i = 0; i < due_count_; ++i) due_[i].state->record_due = false;
    }
    due_count_ = 0;
  }

  runtime::TypedStore<State> store_;
  State* state_ = nullptr;  // of the event being applied
  std::string key_;         // reused lookup key
  struct Due {
    std::string aggregate_id;  // keeps its capacity from one commit to the next
    State* state = nullptr;
  };
  std::vector<Due> due_;  // the first due_count_ are due
  size_t due_count_ = 0;
};

}  // namespace leifeng::processors
