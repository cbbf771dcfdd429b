// Residents' needs (topic needs, keyed by need_id): OPEN → CLAIMED; OPEN | CLAIMED →
// FULFILLED | CANCELLED | EXPIRED (SPEC §4). Emits needs-status and county deltas.
#pragma once

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/match_change_batch.hpp"

namespace leifeng::processors {

enum class NeedStatus : uint8_t { open, claimed, fulfilled, cancelled, expired };
std::string_view to_string(NeedStatus);

struct NeedState {
  NeedStatus status = NeedStatus::open;
  uint32_t area = 0;
  uint8_t kind = 0;
  uint8_t service_type = 0;
  uint8_t target_group = 0;
  int64_t posted_epoch_nanos = 0;
  // Timestamps as they arrived; empty = not yet (every such input field is non-empty).
  std::string posted_at;
  std::string claimed_at;
  std::string claimant_id;
  std::string fulfilled_at;
  std::string fulfilled_by;
  std::string closed_at;
  AppliedEvents applied;
  bool record_due = false;  // not stored: AggregateProcessor::mark_due

  template <class Archive>
  void serialize(Archive& ar) {
    ar(status, area, kind, service_type, target_group, posted_epoch_nanos, posted_at, claimed_at,
       claimant_id, fulfilled_at, fulfilled_by, closed_at, applied);
  }
};

// ⌊seconds from posting to fulfilment / 60⌋, never below zero (SPEC §5).
int64_t fulfil_minutes(int64_t posted_epoch_nanos, int64_t fulfilled_epoch_nanos);

class NeedsProcessor : public AggregateProcessor<NeedState> {
 public:
  static constexpr const char* kStoreName = "needs";
  NeedsProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store);

  void finish(runtime::Emitter& out) override;  // the needs-status table, when deferred
  // The county deltas summed since the last commit (CountyDeltaBatch), the match changes
  // since then (MatchChangeBatch) and one needs-status record per need changed since then,
  // sent now.
  void before_commit(runtime::Emitter& out) override;
  static schemas::NeedStatusRecord status_record(const std::string& need_id,
                                                 const NeedState& state);

 protected:
  Verdict apply_to(NeedState* state, const schemas::Event& event, runtime::Emitter& out) override;

 private:
  CountyDeltaBatch deltas_;
  MatchChangeBatch match_changes_;
};

}  // namespace leifeng::processors
