#include "leifeng/processors/event_processor.hpp"

#include "leifeng/processors/wiring.hpp"

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
    return Verdict::rejected(decoded.rejection());
  }
  const schemas::Event& event = decoded.event();
  Verdict verdict = apply(event, out);
  if (verdict.rejection) {
    // A file has no message keys: the aggregate id is the key the event would have had.
    runtime::InputRecord keyed = record;
    if (!keyed.key) keyed.key = event.aggregate_id();
    emit_dead_letter(keyed, *verdict.rejection, event.envelope.event_id,
                     std::string(schemas::to_string(event.envelope.type)),
                     event.envelope.occurred_at.text, options_.source, out);
  }
  return verdict;
}

}  // namespace leifeng::processors
