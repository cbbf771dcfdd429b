#include "leifeng/processors/event_processor.hpp"

#include <algorithm>

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
  const uint64_t hash = stable_hash(event_id);
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (hashes[i] != hash) continue;
    // Rare (a re-sent event or a hash collision): walk the ids to the i-th.
    size_t offset = 0;
    std::string_view id;
    for (size_t j = 0; j <= i; ++j) id = id_at(offset);
    if (id == event_id) return true;
  }
  return false;
}

void AppliedEvents::prefetch() const {
  runtime::prefetch_bytes(hashes.data(), hashes.size() * sizeof(uint64_t));
  if (!id_bytes_.empty()) runtime::prefetch_bytes(id_bytes_.data() + id_bytes_.size() - 1, 1);
}

void AppliedEvents::add(std::string_view event_id) {
  hashes.push_back(stable_hash(event_id));
  append_id(event_id);
}

std::vector<std::string> AppliedEvents::ids() const {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (size_t offset = 0; offset < id_bytes_.size();) out.emplace_back(id_at(offset));
  return out;
}

void AppliedEvents::append_id(std::string_view id) {
  constexpr size_t kLong = 0xFF;
  if (id.size() < kLong) {
    id_bytes_.push_back(static_cast<char>(id.size()));
  } else {
    const auto size = static_cast<uint32_t>(id.size());
    id_bytes_.push_back(static_cast<char>(kLong));
    for (int i = 0; i < 4; ++i) id_bytes_.push_back(static_cast<char>(size >> (8 * i)));
  }
  id_bytes_.append(id);
}

std::string_view AppliedEvents::id_at(size_t& offset) const {
  size_t size = static_cast<unsigned char>(id_bytes_[offset++]);
  if (size == 0xFF) {
    size = 0;
    for (int i = 0; i < 4; ++i) {
      size |= static_cast<size_t>(static_cast<unsigned char>(id_bytes_[offset++])) << (8 * i);
    }
  }
  const std::string_view id(id_bytes_.data() + offset, size);
  offset += size;
  return id;
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
