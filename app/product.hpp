// What leifeng calls the things the generic runtime leaves to its caller to name.
#pragma once

#include "leifeng/runtime/topic_reader.hpp"

namespace leifeng::app {

// Reading a topic once (export, audits, replay from topics): the reader's group id, and the
// command that creates a missing topic.
runtime::TopicReaderOptions topic_reader_options();

}  // namespace leifeng::app
