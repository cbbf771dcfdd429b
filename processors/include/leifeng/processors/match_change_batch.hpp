// Collects the match changes (match_change.hpp) a processor sends in a commit interval into one
// message per area, in the order they came (issue 17: one message per change was the largest
// stream a live run wrote, 128k of its 580k records for 990k events). Matching applies a
// list's changes in order, and the whole list becomes visible with the transaction anyway, so
// what it makes of them is what it made of one message each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/processors/match_change.hpp"
#include "leifeng/runtime/processor.hpp"

namespace leifeng::processors {

class MatchChangeBatch {
 public:
  // A list is sent once it holds this many bytes: far below a topic's default
  // max.message.bytes (1 MB).
  static constexpr size_t kMaxMessageBytes = 64 * 1024;
  // All lists are sent once they hold this many bytes together: bounded memory when a commit
  // is far away.
  static constexpr size_t kMaxPendingBytes = 1024 * 1024;

  // `pack` false: add() sends each change at once, one message of format version 1 (the
  // in-process replays, whose matching runs before emit() returns).
  explicit MatchChangeBatch(bool pack) : pack_(pack) {}

  // Sends `change` to `stream` at the latest with the next emit().
  void add(runtime::Emitter& out, std::string_view stream, const MatchChange& change);
  // Sends every pending list to `stream` (keyed by its area's six digits) and forgets it.
  void emit(runtime::Emitter& out, std::string_view stream);
  size_t pending_bytes() const { return pending_bytes_; }

 private:
  struct Area {
    uint32_t area = 0;
    std::string list;  // empty: nothing pending; the buffer is kept for the next interval
  };
  Area& area(uint32_t code);
  void send(runtime::Emitter& out, std::string_view stream, Area& area);

  bool pack_;
  std::vector<Area> areas_;  // the areas seen since the last emit() that let them go
  size_t last_ = 0;          // areas_ index of the last add(): a volunteer's changes come together
  size_t pending_bytes_ = 0;
};

}  // namespace leifeng::processors
