// A few independent pieces of work shared by a few threads: the end of a replay on several
// threads, where the shards and the second stage finish side by side and each output is put in
// file order and written on its own (parallel_replay.cpp, replay.cpp), so the last part of the
// replay is not left to one core.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace leifeng::app {

// Runs work(item) for every item of `items` on up to `threads` threads, the calling thread
// among them. A free thread takes the next item in the order given, so the largest first
// spreads the work best. Returns once every item is done; then rethrows the first exception a
// piece of work threw (the others still ran). `threads` <= 1: one after the other on the caller.
void work_on_threads(const std::vector<size_t>& items, int threads,
                     const std::function<void(size_t item)>& work);

// Indices 0 .. sizes.size() - 1, the largest size first (ties in index order).
std::vector<size_t> largest_first(const std::vector<size_t>& sizes);

}  // namespace leifeng::app
