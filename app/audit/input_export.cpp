#include "audit/input_export.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <stdexcept>

#include "drivers/topic_replay.hpp"
#include "kafka/event_router.hpp"
#include "leifeng/processors/wiring.hpp"

namespace leifeng::app {

namespace {
constexpr std::size_t kMaxNotes = 20;

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}
}  // namespace

std::optional<std::string> events_file_line(std::string_view value, std::string& why) {
  if (is_blank(value)) {
    why = "empty message (replay --input skips blank lines; live dead-letters it as malformed)";
    return std::nullopt;
  }
  if (value.find('\n') == std::string_view::npos) return std::string(value);
  rapidjson::Document document;
  document.Parse(value.data(), value.size());
  if (document.HasParseError()) {
    why = "not JSON and spans several lines";
    return std::nullopt;
  }
  // Valid JSON: no string holds a raw line break, so each is whitespace between tokens.
  std::string line(value);
  std::replace(line.begin(), line.end(), '\n', ' ');
  return line;
}

InputExport export_inputs(const runtime::KafkaProperties& kafka, const std::string& topic_prefix,
                          const schemas::ValidationRules& rules,
                          const runtime::TimestampRange& range, std::FILE* out) {
  InputExport result;
  std::string why;
  bool write_ok = true;
  auto note = [&](std::string_view input, const runtime::TopicRecord& record,
                  std::string_view what) {
    if (result.notes.size() < kMaxNotes) {
      result.notes.push_back(fmt::format("{} partition {} offset {}: {}",
                                         processors::kafka_topic_name(topic_prefix, input),
                                         record.partition, record.offset, what));
    }
  };
  read_input_topics(
      kafka, topic_prefix, range, [&](std::string_view input, const runtime::TopicRecord& record) {
        ++result.messages;
        const std::string_view value = record.value.value_or(std::string_view{});
        const std::optional<std::string> line = events_file_line(value, why);
        if (!line) {
          ++result.left_out;
          note(input, record, "left out: " + why);
          return;
        }
        if (line->size() != value.size() || *line != value) ++result.rejoined;
        // Where `publish` would have sent it; a file replay routes it there.
        const LineRoute route = route_line(*line, rules);
        if (route.routed && (processors::input_of(route.routed->topic) != input ||
                             route.routed->key != record.key)) {
          ++result.routed_elsewhere;
          note(input, record,
               fmt::format("a file replay routes it to {} key {}, live read it here",
                           processors::input_of(route.routed->topic),
                           route.routed->key.value_or("(none)")));
        }
        write_ok = write_ok && std::fwrite(line->data(), 1, line->size(), out) == line->size() &&
                   std::fputc('\n', out) != EOF;
        ++result.written;
      });
  if (!write_ok || std::fflush(out) != 0) throw std::runtime_error("error while writing events");
  return result;
}

}  // namespace leifeng::app
