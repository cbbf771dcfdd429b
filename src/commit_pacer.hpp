// How long the next transaction lasts ([runtime] commit_interval_ms, max_commit_interval_ms).
// Under load (input still waiting when a transaction's interval ends) each interval is twice
// the previous one, up to the maximum: fewer commits, and a key changed many times is encoded
// and written once per transaction. Once the input drains (the local queue empty and no backlog
// at the broker: StreamRuntime's inputs_backlogged) it is back to commit_interval_ms, so light
// load keeps its latency; under load an output waits at most the maximum plus a commit.
#pragma once

#include <algorithm>
#include <chrono>

namespace leifeng::runtime {

class CommitPacer {
 public:
  // A maximum below `interval` is taken as `interval` (no growth).
  CommitPacer(std::chrono::milliseconds interval, std::chrono::milliseconds max)
      : base_(interval), max_(std::max(interval, max)), current_(interval) {}

  // The interval of the transaction that begins next.
  std::chrono::milliseconds interval() const { return current_; }

  // A transaction is being committed; `under_load`: its interval ran out with input waiting.
  void committing(bool under_load) { current_ = under_load ? std::min(current_ * 2, max_) : base_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds current_;
};

}  // namespace leifeng::runtime
