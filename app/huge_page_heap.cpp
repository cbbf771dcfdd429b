#include "huge_page_heap.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

namespace leifeng::app {

namespace {
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
constexpr int kHeapStep = 64 << 20;

uintptr_t heap_end() {
  return reinterpret_cast<uintptr_t>(sbrk(0));
}
}  // namespace

HugePageHeap::HugePageHeap() : advised_end_((heap_end() + kHugePage - 1) & ~(kHugePage - 1)) {
  mallopt(M_TOP_PAD, kHeapStep);
}

void HugePageHeap::advise() {
  const uintptr_t end = heap_end() & ~(kHugePage - 1);
  if (end <= advised_end_) return;
  // A hint: where the kernel cannot (THP disabled), the heap simply keeps small pages.
  madvise(reinterpret_cast<void*>(advised_end_), end - advised_end_, MADV_HUGEPAGE);
  advised_end_ = end;
}

}  // namespace leifeng::app
