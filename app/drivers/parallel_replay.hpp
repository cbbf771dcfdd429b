// The replay on several threads (`replay --threads N`), with the outputs of the one-thread
// replay, byte for byte.
//
// Inputs are taken in batches. Each batch is decoded by all threads, a slice each; then every
// thread applies, in input order, the inputs whose aggregate id (the key of the live input
// topics) falls to it, with a copy of the processors of the input topics (ledger, activities,
// needs) that owns those aggregates. What those processors emit to a repartition stream
// (county deltas, match changes) and to the dead letters is kept with the input's sequence
// number; after the batch the calling thread merges it back into input order and runs the
// processors of the repartition streams (county statistics, matching) on it, so they see
// what the one-thread replay feeds them, in the same order. Tables and star changes stay with
// the thread that owns their key and are merged by key at the end, the outputs shared out over
// the threads (one thread per output); Replay::write_outputs writes the files side by side too.
#pragma once

#include <memory>

#include "drivers/replay_engine.hpp"

namespace leifeng::app {

// `threads` >= 2.
std::unique_ptr<ReplayEngine> make_parallel_replay(const processors::DomainConfig& config,
                                                   processors::SourceNaming source, int threads);

}  // namespace leifeng::app
