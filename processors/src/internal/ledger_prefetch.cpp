// The ledger's part of the file replay's lookahead (EventProcessor::prefetch): what an hours
// event will read of a volunteer's state. A hint for the cache; nothing changes.
#include "leifeng/processors/ledger.hpp"
#include "leifeng/runtime/prefetch.hpp"

namespace leifeng::processors {

namespace {
// The log id an hours event names, or null for volunteer events.
const std::string* log_id_of(const schemas::Event& event) {
  return std::visit(
      [](const auto& payload) -> const std::string* {
        if constexpr (requires { payload.log_id; }) {
          return &payload.log_id;
        } else {
          return nullptr;
        }
      },
      event.payload);
}

template <class T>
void prefetch_lines(const std::vector<T>& items) {
  runtime::prefetch_bytes(items.data(), items.size() * sizeof(T));
}
}  // namespace

void LedgerProcessor::prefetch_state(const VolunteerState& state, const schemas::Event* event,
                                     int step) const {
  if (step == 2) {
    state.logs.prefetch_hashes();
    prefetch_lines(state.daily.days());
    prefetch_lines(state.verified_counts.counts());
    runtime::prefetch_bytes(state.as_of.data(), 1);  // on the heap: longer than 15 bytes
  } else if (const std::string* log_id = event != nullptr ? log_id_of(*event) : nullptr) {
    state.logs.prefetch_log(*log_id);
  }
}

}  // namespace leifeng::processors
