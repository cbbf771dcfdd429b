#include "kafka/event_router.hpp"

#include <rapidjson/document.h>

namespace leifeng::app {

namespace {

std::string_view aggregate_field(schemas::InputTopic topic) {
  switch (topic) {
    case schemas::InputTopic::hours:
      return "volunteer_id";
    case schemas::InputTopic::activities:
      return "activity_id";
    case schemas::InputTopic::needs:
      return "need_id";
  }
  return "volunteer_id";
}

// The aggregate id of an event that failed decoding, when it is there as a string.
std::optional<std::string> aggregate_id_of(std::string_view line, schemas::InputTopic topic) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseIterativeFlag>(line.data(), line.size());
  if (document.HasParseError() || !document.IsObject()) return std::nullopt;
  const std::string_view field = aggregate_field(topic);
  const auto member =
      document.FindMember(rapidjson::Value(field.data(), static_cast<unsigned>(field.size())));
  if (member == document.MemberEnd() || !member->value.IsString()) return std::nullopt;
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

}  // namespace

LineRoute route_line(std::string_view line, const schemas::ValidationRules& rules) {
  schemas::DecodeResult decoded = schemas::decode_event(line, rules);
  LineRoute route;
  if (decoded.ok()) {
    const schemas::Event& event = decoded.event();
    route.routed =
        RoutedEvent{schemas::topic_of(event.envelope.type), event.aggregate_id(), std::nullopt};
    return route;
  }
  const std::optional<schemas::EventType> type =
      decoded.type ? schemas::parse_event_type(*decoded.type) : std::nullopt;
  if (type) {
    const schemas::InputTopic topic = schemas::topic_of(*type);
    route.routed = RoutedEvent{topic, aggregate_id_of(line, topic), decoded.rejection()};
    return route;
  }
  route.unroutable = UnroutableLine{decoded.rejection(), decoded.event_id, decoded.type};
  return route;
}

}  // namespace leifeng::app
