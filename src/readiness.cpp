#include "leifeng/runtime/readiness.hpp"

namespace leifeng::runtime {

std::string_view readiness_name(ReadinessState state) {
  switch (state) {
    case ReadinessState::not_assigned:
      return "not_assigned";
    case ReadinessState::restoring:
      return "restoring";
    case ReadinessState::ready:
      return "ready";
    case ReadinessState::rebalancing:
      return "rebalancing";
    case ReadinessState::stopped:
      return "stopped";
  }
  return "stopped";
}

namespace {
// Least ready first: what a process of several stream threads reports when they differ.
int rank(ReadinessState state) {
  switch (state) {
    case ReadinessState::stopped:
      return 0;
    case ReadinessState::not_assigned:
      return 1;
    case ReadinessState::rebalancing:
      return 2;
    case ReadinessState::restoring:
      return 3;
    case ReadinessState::ready:
      return 4;
  }
  return 0;
}
}  // namespace

ReadinessState Readiness::state() const {
  if (!following_.load(std::memory_order_acquire)) return state_.load(std::memory_order_acquire);
  std::lock_guard lock(parts_mutex_);
  ReadinessState least = ReadinessState::ready;
  for (const Readiness* part : parts_) {
    const ReadinessState state = part->state();
    if (rank(state) < rank(least)) least = state;
  }
  return parts_.empty() ? state_.load(std::memory_order_acquire) : least;
}

void Readiness::follow(std::vector<const Readiness*> parts) {
  std::lock_guard lock(parts_mutex_);
  parts_ = std::move(parts);
  following_.store(!parts_.empty(), std::memory_order_release);
}

bool Readiness::move(ReadinessState from, ReadinessState to) {
  return state_.compare_exchange_strong(from, to, std::memory_order_acq_rel);
}

void Readiness::move_unless_stopped(ReadinessState to) {
  ReadinessState current = state_.load(std::memory_order_acquire);
  while (current != ReadinessState::stopped &&
         !state_.compare_exchange_weak(current, to, std::memory_order_acq_rel)) {
  }
}

void Readiness::starting() {
  state_.store(ReadinessState::not_assigned, std::memory_order_release);
}

void Readiness::assigned() {
  move_unless_stopped(ReadinessState::restoring);
}

void Readiness::restored() {
  move(ReadinessState::restoring, ReadinessState::ready);
}

void Readiness::revoked() {
  move_unless_stopped(ReadinessState::rebalancing);
}

void Readiness::stopping() {
  state_.store(ReadinessState::stopped, std::memory_order_release);
}

}  // namespace leifeng::runtime
