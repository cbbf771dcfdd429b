#include "leifeng/processors/star_history.hpp"

namespace leifeng::processors {

void StarHistory::add(const schemas::StarChange& change) {
  if (latest.size() >= kKept) latest.erase(latest.begin(), latest.end() - (kKept - 1));
  latest.push_back({change.from_level, change.to_level, change.minutes_verified,
                    change.mean_quality_x100, change.cause_event_id, change.occurred_at});
  ++total;
}

std::vector<schemas::StarChange> StarHistory::records(const std::string& volunteer_id) const {
  std::vector<schemas::StarChange> out;
  out.reserve(latest.size());
  for (const Change& change : latest) {
    out.push_back({volunteer_id, change.from_level, change.to_level, change.minutes_verified,
                   change.mean_quality_x100, change.cause_event_id, change.occurred_at});
  }
  return out;
}

}  // namespace leifeng::processors
