// Replay from an events file (`leifeng replay --input FILE`): the file read in blocks of whole
// lines and fed to the in-process replay (replay.hpp), no Kafka needed.
#pragma once

#include <string>

#include "drivers/replay.hpp"

namespace leifeng::app {

// Feeds every line of `input` ("-" = stdin) to `replay`, numbered from 1, and calls `progress`
// every two seconds. Throws std::runtime_error naming the file when it cannot be read.
void read_events_file(const std::string& input, Replay& replay, const ReplayProgress& progress);

}  // namespace leifeng::app
