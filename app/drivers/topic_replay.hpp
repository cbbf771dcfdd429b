// Replay from the retained input topics (SPEC §7 `leifeng replay --from-topics`): the input
// topics read from the beginning — no consumer group, read_committed — and fed through the
// same processors as `replay --input`, with in-memory stores.
//
// Why an in-process driver and not a second Kafka Streams-style application with its own
// application id: it cannot touch the live group, state, changelogs or output topics (it
// writes nothing to Kafka at all), it needs no topics or transactions of its own, and it runs
// at the speed of the processors rather than of commit intervals. It runs the very processor
// code of the live run, fed each partition in offset order — the order the live run applied
// every key's events in — so its tables are the ones the live run must have.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "drivers/replay.hpp"
#include "leifeng/processors/domain_config.hpp"
#include "leifeng/runtime/topic_admin.hpp"
#include "leifeng/runtime/topic_reader.hpp"

namespace leifeng::app {

// An RFC 3339 time (`--from`, `--to`) as ms since the epoch; throws std::invalid_argument
// naming `flag`. Sub-millisecond digits are cut off.
int64_t parse_time_bound(std::string_view text, std::string_view flag);

// Calls `on_message` for every committed message of the three input topics whose timestamp
// is in `range`: hours, then activities, then needs, each partition by partition in offset
// order, so every key's messages come in the order the live run applied them. `input` is the
// logical input name ("hours", ...). Returns the number of messages. Throws
// runtime::TopicReadError (a missing topic, a timeout).
int64_t read_input_topics(
    const runtime::KafkaProperties& kafka, const std::string& topic_prefix,
    const runtime::TimestampRange& range,
    const std::function<void(std::string_view input, const runtime::TopicRecord&)>& on_message);

struct TopicReplay {
  ReplayOutputs outputs;
  ReplaySummary summary;
  double seconds = 0;  // reading and processing, not writing the files
};

// The replay itself. Dead letters name their source {"topic","partition","offset"} as live.
TopicReplay replay_from_topics(const runtime::KafkaProperties& kafka,
                               const std::string& topic_prefix,
                               const processors::DomainConfig& config,
                               const runtime::TimestampRange& range,
                               const ReplayProgress& progress = {}, int threads = 1);

}  // namespace leifeng::app
