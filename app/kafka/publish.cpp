#include "kafka/publish.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "drivers/line_limit.hpp"
#include "kafka/event_router.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/wiring.hpp"

namespace leifeng::app {

namespace {

constexpr auto kDeliveryTimeout = std::chrono::minutes(2);

// Sends the dead letters publish itself writes (lines no processor will ever see).
class DeadLetterSender : public runtime::Emitter {
 public:
  DeadLetterSender(KafkaPublisher& publisher, std::string topic)
      : publisher_(publisher), topic_(std::move(topic)) {}
  void emit(std::string_view, std::string_view key, std::string_view value) override {
    publisher_.send(topic_, key, value);
  }

 private:
  KafkaPublisher& publisher_;
  std::string topic_;
};

// The lines of an events file, each held up to `limit` bytes: a longer one is read to its end
// and reported with its length and a prefix (what getline() would have held whole).
class LineReader {
 public:
  LineReader(std::FILE* in, int64_t limit) : in_(in), limit_(static_cast<size_t>(limit)) {}
  // The next line without its newline; false at the end of the input.
  bool next() {
    line_.clear();
    bytes_ = 0;
    int c = EOF;
    while ((c = getc_unlocked(in_)) != EOF && c != '\n') {
      if (line_.size() < limit_) line_.push_back(static_cast<char>(c));
      ++bytes_;
    }
    return c == '\n' || bytes_ > 0;
  }
  bool oversize() const { return bytes_ > static_cast<int64_t>(limit_); }
  int64_t bytes() const { return bytes_; }
  // The line, or its first limit bytes when oversize().
  std::string_view line() const { return line_; }

 private:
  std::FILE* in_;
  size_t limit_;
  std::string line_;
  int64_t bytes_ = 0;
};

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  void update(int64_t lines) {
    if (!enabled_ || (lines & 0x3FF) != 0) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    std::fprintf(stderr, "publish: %lld lines read (%.0f/s)\n", static_cast<long long>(lines),
                 static_cast<double>(lines) / seconds);
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_ = started_;
};

}  // namespace

PublishSummary publish_events(std::FILE* in, const std::string& source_name,
                              const Settings& settings, KafkaCluster& cluster, bool show_progress) {
  const std::string& prefix = settings.runtime().topic_prefix;
  const schemas::ValidationRules rules = settings.domain.validation_rules();
  processors::ProcessorOptions file_source;  // dead letters name the file and line
  file_source.config = settings.domain;
  file_source.source.file = source_name;
  std::map<schemas::InputTopic, std::string> topics;
  for (const auto topic :
       {schemas::InputTopic::hours, schemas::InputTopic::activities, schemas::InputTopic::needs}) {
    topics[topic] = processors::kafka_topic_name(prefix, processors::input_of(topic));
  }

  KafkaPublisher publisher(cluster.properties());
  DeadLetterSender dead_letters(
      publisher, processors::kafka_topic_name(prefix, processors::outputs::kDeadLetter));
  PublishSummary summary;
  ProgressLine progress(show_progress);

  LineReader reader(in, settings.domain.max_line_bytes);
  int64_t line_number = 0;  // counts blank lines too, as `replay --input` does
  while (reader.next()) {
    ++line_number;
    std::string_view line = reader.line();
    if (reader.oversize()) {
      // Dead-lettered as `replay --input` does, and reported: the line never reaches a topic.
      const schemas::Rejection rejection =
          oversize_line(reader.bytes(), settings.domain.max_line_bytes);
      std::fprintf(stderr, "publish: %s line %lld: %s; dead-lettered as malformed\n",
                   source_name.c_str(), static_cast<long long>(line_number),
                   rejection.detail.c_str());
      ++summary.lines_read;
      ++summary.oversize_lines;
      const runtime::InputRecord record{{}, 0, line_number, std::nullopt, oversize_prefix(line)};
      processors::emit_dead_letter(record, rejection, std::nullopt, std::nullopt, std::nullopt,
                                   file_source, dead_letters);
      ++summary.dead_lettered;
      ++summary.dead_lettered_by_reason[static_cast<size_t>(rejection.reason)];
      publisher.poll();
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++summary.lines_read;

    const LineRoute route = route_line(line, rules);
    if (route.routed) {
      const RoutedEvent& event = *route.routed;
      const std::string& topic = topics[event.topic];
      publisher.send(topic, event.key ? std::optional<std::string_view>(*event.key) : std::nullopt,
                     line);
      ++summary.published[topic];
      if (event.invalid) ++summary.invalid_by_reason[static_cast<size_t>(event.invalid->reason)];
    } else {
      const UnroutableLine& bad = *route.unroutable;
      const runtime::InputRecord record{{}, 0, line_number, std::nullopt, line};
      processors::emit_dead_letter(record, bad.rejection, bad.event_id, bad.type, std::nullopt,
                                   file_source, dead_letters);
      ++summary.dead_lettered;
      ++summary.dead_lettered_by_reason[static_cast<size_t>(bad.rejection.reason)];
    }
    publisher.poll();
    progress.update(summary.lines_read);
  }
  if (std::ferror(in)) throw std::runtime_error("error while reading " + source_name);
  summary.delivery = publisher.flush(kDeliveryTimeout);
  return summary;
}

}  // namespace leifeng::app
