// The JSON of a need-matches record (SPEC §8) written straight from the matching state: the
// same bytes as schemas::to_json(MatchingProcessor::record_of(...)), without building the
// record's strings and without the JSON writer's per-value bookkeeping. Every need has its
// record written at the end of a replay, so this was most of matching's cost there.
#pragma once

#include <string>
#include <string_view>

#include "leifeng/processors/matching.hpp"

namespace leifeng::processors {

std::string need_match_json(std::string_view need_id, const NeedMatchState& need);

}  // namespace leifeng::processors
