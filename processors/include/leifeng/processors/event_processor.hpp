// What the domain processors share: decoding an input, the dead-letter output and the
// duplicate check of SPEC §4. A concrete processor only applies decoded events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/domain_config.hpp"
#include "leifeng/processors/packed_texts.hpp"
#include "leifeng/runtime/processor.hpp"
#include "leifeng/runtime/typed_store.hpp"
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
};

// What became of one input, with the reason when it was dead-lettered (replay's summary).
struct Verdict {
  runtime::Outcome outcome = runtime::Outcome::applied;
  std::optional<schemas::Reason> reason;
};

// Emits the dead-letter record of an input that failed with `rejection`.
void emit_dead_letter(const runtime::InputRecord& record, const schemas::Rejection& rejection,
                      const std::optional<std::string>& event_id,
                      const std::optional<std::string>& type, const std::optional<std::string>& at,
                      const SourceNaming& source, runtime::Emitter& out);

// A stable 64-bit string hash (FNV-1a): it is stored in state, so it must not change between
// builds the way std::hash may.
uint64_t stable_hash(std::string_view text);

// Event ids applied to one aggregate: the ids packed in one buffer, and beside them a column
// of their hashes. A lookup scans 8 bytes per applied event, contiguous and prefetched; the
// ids are only read when a hash matches (a re-sent event, or a collision).
struct AppliedEvents {
  bool contains(std::string_view event_id) const {
    return contains(event_id, stable_hash(event_id));
  }
  void add(std::string_view event_id) { add(event_id, stable_hash(event_id)); }
  // The same with the id's stable_hash computed once by the caller for both.
  bool contains(std::string_view event_id, uint64_t hash) const;
  void add(std::string_view event_id, uint64_t hash);
  size_t size() const { return hashes_.size(); }
  std::vector<std::string> ids() const { return ids_.all(); }  // in the order applied
  void prefetch() const;  // the hashes, and where the next id goes

  // The stored format is that of a vector of hashes and a vector of id strings.
  template <class Archive>
  void save(Archive& ar) const {
    ar(hashes_, ids());
  }
  template <class Archive>
  void load(Archive& ar) {
    std::vector<std::string> stored;
    ar(hashes_, stored);
    ids_ = PackedTexts{};
    for (const std::string& id : stored) ids_.append(id);
  }

 private:
  std::vector<uint64_t> hashes_;  // stable_hash of each id, in the order applied
  PackedTexts ids_;
};

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
  virtual void prefetch(const schemas::Event& event, int step, Lookahead& ahead) const;

 protected:
  // The outcome of applying one decoded event to its aggregate.
  struct Applied {
    runtime::Outcome outcome = runtime::Outcome::applied;
    schemas::Rejection rejection;  // when dead_lettered
  };
  static Applied applied() { return {}; }
  static Applied duplicate() { return {runtime::Outcome::duplicate, {}}; }
  static Applied rejected(schemas::Reason reason, std::string field, std::string detail) {
    return {runtime::Outcome::dead_lettered, {reason, std::move(field), std::move(detail)}};
  }

  virtual Applied apply(const schemas::Event& event, runtime::Emitter& out) = 0;

  // Steps 0 and 1 of prefetch() for the store keyed by the event's aggregate id; from step 2
  // on, the (likely) value, whose own data the processor may prefetch.
  template <class Value>
  static const Value* prefetch_aggregate(const runtime::TypedStore<Value>& store,
                                         const schemas::Event& event, int step, Lookahead& ahead) {
    switch (step) {
      case 0:
        ahead.key_hash = runtime::TypedStore<Value>::hash_key(event.aggregate_id());
        store.prefetch_slot(ahead.key_hash);
        return nullptr;
      case 1:
        store.prefetch_node(ahead.key_hash);
        return nullptr;
      default:
        return store.likely_value(ahead.key_hash);
    }
  }

  const ProcessorOptions& options() const { return options_; }
  const schemas::ValidationRules& rules() const { return rules_; }

 private:
  schemas::InputTopic topic_;
  ProcessorOptions options_;
  schemas::ValidationRules rules_;
};

}  // namespace leifeng::processors
