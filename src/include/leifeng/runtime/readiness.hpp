// Whether a runtime instance is ready to do its share of the work, for orchestrators' readiness
// probes (GET /readyz on the metrics server). The runtime reports what happens to it: a run
// starts, the group assigns partitions, their stores are restored, the group takes them away
// for a rebalance, the run stops. Written by the runtime's thread, read by any other.
#pragma once

#include <atomic>
#include <mutex>
#include <string_view>
#include <vector>

namespace leifeng::runtime {

enum class ReadinessState {
  not_assigned,  // running, but the group has not assigned partitions yet
  restoring,     // partitions assigned; their stores are being restored from the changelogs
  ready,         // assigned and restored: processing (an empty assignment is ready too)
  rebalancing,   // the group took the partitions back; a new assignment is coming
  stopped,       // not running: before the first run, or stopping, stopped, failed
};

// "not_assigned", "restoring", "ready", "rebalancing", "stopped".
std::string_view readiness_name(ReadinessState state);

class Readiness {
 public:
  // Its own state, or, while it follows parts (follow()), the least ready part's.
  ReadinessState state() const;
  bool ready() const { return state() == ReadinessState::ready; }

  // A run starts and joins the group: not_assigned.
  void starting();
  // The group assigned partitions: restoring. Ignored once stopped.
  void assigned();
  // The assigned partitions' stores are restored: ready. Only after assigned().
  void restored();
  // The group took the partitions back (a rebalance begins): rebalancing. Ignored once
  // stopped: closing the consumer revokes too.
  void revoked();
  // The run stops (or failed): stopped, until the next starting().
  void stopping();

  // Several stream threads, each with its own readiness: from now on this one is the least
  // ready of `parts` (ready only when every thread is); follow({}) ends that. The parts must
  // outlive the following.
  void follow(std::vector<const Readiness*> parts);

 private:
  // Moves from `from` to `to`; false when the state was not `from`.
  bool move(ReadinessState from, ReadinessState to);
  // Moves to `to` unless stopped.
  void move_unless_stopped(ReadinessState to);

  std::atomic<ReadinessState> state_{ReadinessState::stopped};
  std::atomic<bool> following_{false};
  mutable std::mutex parts_mutex_;
  std::vector<const Readiness*> parts_;
};

}  // namespace leifeng::runtime
