#include "drivers/topic_replay.hpp"

#include <chrono>
#include <stdexcept>

#include "leifeng/processors/wiring.hpp"
#include "leifeng/schemas/domain.hpp"
#include "product.hpp"

namespace leifeng::app {

namespace {
constexpr auto kProgressInterval = std::chrono::seconds(2);
}

int64_t parse_time_bound(std::string_view text, std::string_view flag) {
  const auto time = schemas::parse_timestamp(text);
  if (!time) {
    throw std::invalid_argument(std::string(flag) + " " + std::string(text) +
                                ": not an RFC 3339 time (e.g. 2027-03-01T00:00:00+08:00)");
  }
  // Floor division: times before 1970 stay correct.
  const int64_t nanos = time->epoch_nanos;
  return nanos / 1'000'000 - (nanos % 1'000'000 < 0 ? 1 : 0);
}

int64_t read_input_topics(
    const runtime::KafkaProperties& kafka, const std::string& topic_prefix,
    const runtime::TimestampRange& range,
    const std::function<void(std::string_view input, const runtime::TopicRecord&)>& on_message) {
  runtime::TopicReader reader(kafka, topic_reader_options());
  int64_t messages = 0;
  for (const std::string_view input :
       {processors::inputs::kHours, processors::inputs::kActivities, processors::inputs::kNeeds}) {
    messages += reader.read(processors::kafka_topic_name(topic_prefix, input), range,
                            [&](const runtime::TopicRecord& record) { on_message(input, record); });
  }
  return messages;
}

TopicReplay replay_from_topics(const runtime::KafkaProperties& kafka,
                               const std::string& topic_prefix,
                               const processors::DomainConfig& config,
                               const runtime::TimestampRange& range, const ReplayProgress& progress,
                               int threads) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto last_report = started;
  processors::SourceNaming source;
  source.topic_prefix = topic_prefix;
  Replay replay(config, source, threads);
  read_input_topics(kafka, topic_prefix, range,
                    [&](std::string_view input, const runtime::TopicRecord& record) {
                      // A message without a value reaches the live processor as empty text.
                      replay.feed_message(input, record.partition, record.offset, record.key,
                                          record.value.value_or(std::string_view{}));
                      if (progress && (replay.summary().events_read & 0x3FFF) == 0 &&
                          Clock::now() - last_report >= kProgressInterval) {
                        last_report = Clock::now();
                        progress(replay.summary().events_read,
                                 std::chrono::duration<double>(last_report - started).count());
                      }
                    });
  TopicReplay result;
  result.outputs = replay.finish();
  result.summary = replay.summary();
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace leifeng::app
