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

bool Readiness::move(ReadinessState from, ReadinessState to) {
  return state_.compare_exchange_strong(from, to, std::memory_order_acq_rel);
}

void Readiness::move_unless_stopped(ReadinessState to) {
  ReadinessState current = state();
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
