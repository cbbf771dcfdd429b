#include "leifeng/processors/event_processor.hpp"

#include <algorithm>
#include <cstdint>

#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/prefetch.hpp"

namespace leifeng::processors {

std::variant<schemas::KafkaSource, schemas::FileSource> SourceNaming::describe(
    const runtime::InputRecord& record) const {
  if (file) return schemas::FileSource{*file, record.offset};
  std::string topic = record.topic == inputs::kCountyDeltas
                          ? application_id + "-" + std::string(record.topic)
                          : kafka_topic_name(topic_prefix, record.topic);
  return schemas::KafkaSource{std::move(topic), record.partition, record.offset};
}

void emit_dead_letter(const runtime::InputRecord& record, const schemas::Rejection& rejection,
                      const std::optional<std::string>& event_id,
                      const std::optional<std::string>& type, const std::optional<std::string>& at,
                      const SourceNaming& source, runtime::Emitter& out) {
  schemas::DeadLetterRecord letter;
  letter.reason = rejection.reason;
  if (!rejection.field.empty()) letter.field = rejection.field;
  letter.detail = rejection.detail;
  letter.event_id = event_id;
  letter.type = type;
  letter.source = source.describe(record);
  letter.payload.assign(record.value);
  letter.at = at;
  out.emit(outputs::kDeadLetter, record.key.value_or(std::string_view{}), schemas::to_json(letter));
}

uint64_t stable_hash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

bool AppliedEvents::contains(std::string_view event_id, uint64_t hash) const {
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] != hash) continue;
    // Rare (a re-sent event or a hash collision): walk the ids to the i-th.
    size_t index = 0;
    bool found = false;
    ids_.for_each([&](std::string_view id) {
      if (index++ == i) found = id == event_id;
    });
    if (found) return true;
  }
  return false;
}

void AppliedEvents::prefetch() const {
  runtime::prefetch_bytes(hashes_.data(), hashes_.size() * sizeof(uint64_t));
  if (!ids_.empty()) runtime::prefetch_bytes(ids_.back(), 1);
}

void AppliedEvents::add(std::string_view event_id, uint64_t hash) {
  hashes_.push_back(hash);
  ids_.append(event_id);
}

void EventProcessor::prefetch(const schemas::Event&, int, Lookahead&) const {}

EventProcessor::EventProcessor(schemas::InputTopic topic, const ProcessorOptions& options)
    : topic_(topic), options_(options), rules_(options.config.validation_rules()) {}

runtime::Outcome EventProcessor::process(const runtime::InputRecord& record,
                                         runtime::Emitter& out) {
  // Read from Kafka (no file source), a message without a key fails the key check like one
  // with a wrong key; lines of a file have no keys to check.
  const std::optional<std::string_view> key =
      options_.source.file ? record.key : record.key.value_or(std::string_view{});
  schemas::DecodeResult decoded = schemas::decode_event(record.value, rules_, topic_, key);
  return handle(record, decoded, out).outcome;
}

Verdict EventProcessor::handle(const runtime::InputRecord& record, schemas::DecodeResult& decoded,
                               runtime::Emitter& out) {
  if (!decoded.ok()) {
    emit_dead_letter(record, decoded.rejection(), decoded.event_id, decoded.type, std::nullopt,
                     options_.source, out);
    return {runtime::Outcome::dead_lettered, decoded.rejection().reason};
  }
  const schemas::Event& event = decoded.event();
  Applied result = apply(event, out);
  if (result.outcome == runtime::Outcome::dead_lettered) {
    // A file has no message keys: the aggregate id is the key the event would have had.
    runtime::InputRecord keyed = record;
    if (!keyed.key) keyed.key = event.aggregate_id();
    emit_dead_letter(keyed, result.rejection, event.envelope.event_id,
                     std::string(schemas::to_string(event.envelope.type)),
                     event.envelope.occurred_at.text, options_.source, out);
    return {runtime::Outcome::dead_lettered, result.rejection.reason};
  }
  return {result.outcome, std::nullopt};
}

}  // namespace leifeng::processors
