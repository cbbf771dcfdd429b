// Transparent huge pages for the heap of a long replay.
//
// A replay of millions of events keeps hundreds of MB of small state objects that are touched
// in no particular order; with 4 KiB pages most of those touches also miss the TLB. Debian
// gives transparent huge pages only to memory that asks for them (madvise), and glibc's malloc
// asks only when started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1. HugePageHeap asks for them
// on the main heap as it grows (BENCHMARKS.md, "Replay --input": about 15 % less CPU).
#pragma once

#include <cstdint>

namespace leifeng::app {

class HugePageHeap {
 public:
  // From now on the heap grows in large steps, so that its new parts span whole huge pages.
  HugePageHeap();
  // Advises the part of the heap grown since the last call. One system call: call it every few
  // thousand events, not per event.
  void advise();

 private:
  uintptr_t advised_end_;  // the heap up to here has been advised
};

}  // namespace leifeng::app
