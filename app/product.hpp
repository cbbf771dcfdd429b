// What leifeng calls the things the generic runtime leaves to its caller to name.
#pragma once

#include <string_view>

#include "leifeng/runtime/config.hpp"
#include "leifeng/runtime/topic_reader.hpp"

namespace leifeng::app {

// What the configuration starts from (config/leifeng.toml states the same values): application
// id and topic prefix "leifeng", state under .leifeng/state; environment variables
// LEIFENG_<TABLE>_<KEY>. Not configurable: metric names begin with leifeng_.
runtime::ConfigDefaults config_defaults();

// runtime::setup_logging with the level from LEIFENG_LOG_LEVEL, else `default_level`.
void setup_logging(std::string_view default_level = "info");

// Reading a topic once (export, audits, replay from topics): the reader's group id, and the
// command that creates a missing topic.
runtime::TopicReaderOptions topic_reader_options();

}  // namespace leifeng::app
