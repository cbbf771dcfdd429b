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
                      const ProcessorOptions& options, runtime::Emitter& out) {
  schemas::DeadLetterRecord letter;
  // Cut so that the record always fits in a Kafka message (spec §6): a dead letter that
  // cannot be produced would abort every transaction on this input, restart after restart.
  auto cut = [](const std::optional<std::string>& text) -> std::optional<std::string> {
    if (!text) return std::nullopt;
    return schemas::cut_dead_letter_text(*text);
  };
  letter.reason = rejection.reason;
  if (!rejection.field.empty()) letter.field = schemas::cut_dead_letter_text(rejection.field);
  letter.detail = schemas::cut_dead_letter_text(rejection.detail);
  letter.event_id = cut(event_id);
  letter.type = cut(type);
  letter.source = options.source.describe(record);
  schemas::set_dead_letter_payload(letter, record.value,
                                   static_cast<size_t>(options.config.dead_letter_payload_bytes));
  letter.at = cut(at);
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
  schemas::decode_event_into(decoded_, record.value, rules_, topic_, key);
  return handle(record, decoded_, out).outcome;
}

Verdict EventProcessor::handle(const runtime::InputRecord& record, schemas::DecodeResult& decoded,
                               runtime::Emitter& out) {
  if (!decoded.ok()) {
    emit_dead_letter(record, decoded.rejection(), decoded.event_id, decoded.type, std::nullopt,
                     options_, out);
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
                     event.envelope.occurred_at.text, options_, out);
  }
  return verdict;
}

}  // namespace leifeng::processors
