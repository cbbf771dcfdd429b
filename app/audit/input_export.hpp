// `leifeng export --inputs` (SPEC §7): the three input topics as one events file that
// `replay --input` accepts — hours, then activities, then needs, each partition by partition
// in offset order (every key's order kept), one message per line, values verbatim.
//
// An events file holds one event per line, so a message value must become exactly one line:
// - a value without a line break is written as it is;
// - a value with line breaks that is valid JSON is written with each line break replaced by a
//   space: JSON strings cannot hold a raw line break, so every one is whitespace between
//   tokens and the event decodes the same (only a dead letter's `payload` shows the change);
// - an empty value, and a value with line breaks that is not JSON, cannot be one line with the
//   same meaning (replay skips blank lines; a split line would be two events): such messages
//   are left out, and each is reported with its topic, partition and offset.
// An events file carries no message keys or topics: `replay --input` routes by `type` and keys
// by the aggregate id, as `publish` does. Messages another producer put on the wrong topic or
// under another key are dead-lettered live but may be applied by a file replay; they are
// counted and reported too. For those, compare with `replay --from-topics`, which reads the
// topics themselves.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/runtime/topic_admin.hpp"
#include "leifeng/runtime/topic_reader.hpp"
#include "leifeng/schemas/validation.hpp"

namespace leifeng::app {

// One message value as an events-file line (no newline), or nullopt when it cannot be one;
// then `why` says why.
std::optional<std::string> events_file_line(std::string_view value, std::string& why);

struct InputExport {
  int64_t messages = 0;  // read from the topics
  int64_t written = 0;   // lines written
  int64_t rejoined = 0;  // JSON values whose line breaks became spaces
  int64_t left_out = 0;
  int64_t routed_elsewhere = 0;    // on another topic or key than `publish` would use
  std::vector<std::string> notes;  // the first left-out / misrouted messages, described
};

// Writes the input topics (records whose timestamp is in `range`) to `out`. Throws
// runtime::TopicReadError for Kafka errors, std::runtime_error for a write error.
InputExport export_inputs(const runtime::KafkaProperties& kafka, const std::string& topic_prefix,
                          const schemas::ValidationRules& rules,
                          const runtime::TimestampRange& range, std::FILE* out);

}  // namespace leifeng::app
