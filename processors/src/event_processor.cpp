#include "leifeng/processors/event_processor.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/prefetch.hpp"

namespace leifeng::processors {

std::variant<schemas::KafkaSource, schemas::FileSource> SourceNaming::describe(
    const runtime::InputRecord& record) const {
  if (file) return schemas::FileSource{*file, record.offset};
  return schemas::KafkaSource{kafka_topic_name(topic_prefix, record.topic), record.partition,
                              record.offset};
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

bool AppliedEvents::contains(std::string_view event_id) const {
  if (count_ == 0) return false;
  const auto fingerprint = static_cast<uint32_t>(stable_hash(event_id) >> 32);
  const size_t mask = slots_.size() - 1;
  for (size_t i = first_slot(fingerprint);; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return false;
    if (static_cast<uint32_t>(slot >> 32) != fingerprint) continue;
    if (ids_.at(static_cast<uint32_t>(slot) - 1) == event_id) return true;
  }
}

void AppliedEvents::prefetch(std::string_view event_id) const {
  if (count_ == 0) return;
  const auto fingerprint = static_cast<uint32_t>(stable_hash(event_id) >> 32);
  runtime::prefetch_bytes(&slots_[first_slot(fingerprint)], sizeof(uint64_t));
  runtime::prefetch_bytes(ids_.back(), 1);
}

void AppliedEvents::add(std::string_view event_id) {
  const uint64_t offset = ids_.append(event_id);     // below UINT32_MAX - 5: offset + 1 fits
  if (4 * (count_ + 1) > 3 * slots_.size()) grow();  // at most 3/4 full
  const uint64_t fingerprint = stable_hash(event_id) >> 32;
  insert_slot(fingerprint << 32 | (offset + 1));
  ++count_;
}

size_t AppliedEvents::first_slot(uint32_t fingerprint) const {
  // Fibonacci hashing: the top bits of the product depend on every bit of the fingerprint.
  const uint32_t mixed = fingerprint * 0x9e3779b9u;
  return static_cast<size_t>(mixed >> std::countl_zero(static_cast<uint32_t>(slots_.size() - 1)));
}

void AppliedEvents::insert_slot(uint64_t slot) {
  const size_t mask = slots_.size() - 1;
  size_t i = first_slot(static_cast<uint32_t>(slot >> 32));
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = slot;
}

void AppliedEvents::grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 4 : 2 * old.size(), 0);
  for (const uint64_t slot : old) {
    if (slot != 0) insert_slot(slot);
  }
}

std::vector<uint64_t> AppliedEvents::hashes() const {
  std::vector<uint64_t> out;
  out.reserve(count_);
  ids_.for_each([&out](std::string_view id) { out.push_back(stable_hash(id)); });
  return out;
}

void EventProcessor::prefetch(const schemas::Event&, int, Lookahead&) const {}

EventProcessor::EventProcessor(schemas::InputTopic topic, const ProcessorOptions& options)
    : topic_(topic), options_(options), rules_(options.config.validation_rules()) {}

runtime::Outcome EventProcessor::process(const runtime::InputRecord& record,
                                         runtime::Emitter& out) {
  schemas::DecodeResult decoded = schemas::decode_event(record.value, rules_, topic_, record.key);
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
