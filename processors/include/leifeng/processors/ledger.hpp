// The ledger (topic hours, keyed by volunteer): volunteers, their hour logs and star levels
// (spec §4). Emits stars, star-changes and county deltas, and keeps each volunteer's latest
// star changes queryable (star_history.hpp).
#pragma once

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/internal/applied_events.hpp"
#include "leifeng/processors/internal/hour_logs.hpp"
#include "leifeng/processors/internal/volunteer_tallies.hpp"
#include "leifeng/processors/match_change_batch.hpp"
#include "leifeng/processors/star_history.hpp"

namespace leifeng::processors {

struct VolunteerState {
  bool registered = false;
  bool party_member = false;
  std::vector<uint8_t> skills;  // ServiceType values
  uint32_t registered_area = 0;
  uint32_t first_log_area = 0;  // area of the first accepted hours.submitted
  HourLogs logs;
  AppliedEvents applied;
  MinutesByDate daily;             // minutes of SUBMITTED and VERIFIED logs
  VerifiedCounts verified_counts;  // VERIFIED logs by area and period
  // Derived from the VERIFIED logs, kept so that an event costs O(1) to re-rate.
  int64_t minutes_verified = 0;
  int64_t logs_verified = 0;
  int64_t quality_minutes = 0;  // Σ quality·minutes
  int32_t star_level = 0;
  std::string as_of;        // occurred_at of the last applied event
  bool record_due = false;  // not stored: AggregateProcessor::mark_due

  uint32_t home_area() const { return registered ? registered_area : first_log_area; }
  int64_t mean_quality_x100() const {
    return minutes_verified == 0 ? 0 : 100 * quality_minutes / minutes_verified;
  }
  std::string_view log_id(const HourLog& log) const { return logs.id(log); }

  // The stored format (RocksDB, changelogs; runtime::TypedStore calls these). Written
  // compact: kCompactFormat, then varints and each id once (without its hash), less than half
  // the bytes of the first release's cereal format. Both formats are read, so state written by
  // an older build still loads (internal/volunteer_state_format.cpp). Throws
  // StoredFormatError, or cereal::Exception for a damaged cereal record.
  static constexpr uint8_t kCompactFormat = 2;  // cereal's records begin with 0 or 1
  static std::string encode_stored(const VolunteerState& state);
  static VolunteerState decode_stored(std::string_view bytes);
  // Asks for the cache lines encode_stored reads (runtime::TypedStore::flush, a few values
  // ahead of the one it encodes).
  void prefetch_stored() const;

  // The cereal format of the first release (see HourLogs and AppliedEvents).
  template <class Archive>
  void serialize(Archive& ar) {
    ar(registered, party_member, skills, registered_area, first_log_area, logs, applied, daily,
       verified_counts, minutes_verified, logs_verified, quality_minutes, star_level, as_of);
  }
};

// Spec §4 star level from verified minutes and the minute-weighted mean quality.
int32_t star_level(const DomainConfig& config, int64_t minutes_verified, int64_t mean_quality_x100);

class LedgerProcessor : public AggregateProcessor<VolunteerState> {
 public:
  static constexpr const char* kStoreName = "volunteers";
  // Each volunteer's latest star changes (StarHistory), written only when a level changes.
  static constexpr const char* kHistoryStoreName = "star-history";
  LedgerProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store,
                  runtime::KeyValueStore* history);

  void flush() override;
  void finish(runtime::Emitter& out) override;  // the stars table, when deferred
  // The county deltas summed since the last commit (CountyDeltaBatch), the match changes
  // since then (MatchChangeBatch) and one stars record per volunteer changed since then, sent
  // now.
  void before_commit(runtime::Emitter& out) override;
  // A volunteer's kept star changes, or null (tests, audit).
  const StarHistory* star_history(const std::string& volunteer_id) {
    return history_.find(volunteer_id);
  }
  // The stars record (SPEC §6) of a volunteer's state; also what the query server answers.
  static schemas::StarRecord star_record(const std::string& volunteer_id,
                                         const VolunteerState& state);

 protected:
  Verdict apply_to(VolunteerState* state, const schemas::Event& event,
                   runtime::Emitter& out) override;
  void prefetch_state(const VolunteerState& state, const schemas::Event* event,
                      int step) const override;  // internal/ledger_prefetch.cpp

 private:
  // What a volunteer counts for in the total-only metrics of the home area, and in matching.
  struct Profile;
  // `skills`: read the skills too (else left 0).
  static Profile profile_of(const VolunteerState& state, bool skills);

  // One rule per event type. `state` is null for a volunteer not seen before; registration
  // and submission create it.
  Verdict apply_event(VolunteerState*& state, const schemas::VolunteerRegistered& e);
  Verdict apply_event(VolunteerState*& state, const schemas::VolunteerUpdated& e);
  Verdict apply_event(VolunteerState*& state, const schemas::HoursSubmitted& e);
  Verdict apply_event(VolunteerState*& state, const schemas::HoursVerified& e);
  Verdict apply_event(VolunteerState*& state, const schemas::HoursRejected& e);
  Verdict apply_event(VolunteerState*& state, const schemas::HoursAmended& e);
  Verdict apply_event(VolunteerState*& state, const schemas::HoursRevoked& e);
  template <class Other>
  Verdict apply_event(VolunteerState*&, const Other&) {
    return Verdict::rejected(schemas::Reason::unknown_type, "type", "not an event of topic hours");
  }

  // Moves a log between states and keeps the derived sums, daily minutes and county deltas.
  void leave_state(VolunteerState& state, const HourLog& log);
  void enter_state(VolunteerState& state, const HourLog& log);
  void count_verified(VolunteerState& state, const HourLog& log, int32_t sign);
  // Verify, reject, amend, revoke: `change` moves an existing log the rules let go.
  template <class Change>
  Verdict correct(VolunteerState* state, const std::string& log_id, bool verified_too,
                  Change change);
  // After an applied event: the star level, the home area's total-only metrics, and what
  // matching (SPEC §8) is told when the volunteer enters, leaves or moves in a pool.
  void rerate(VolunteerState& volunteer, const Profile& before, const schemas::Event& event,
              runtime::Emitter& out);
  void tell_matching(const Profile& before, const Profile& after, const std::string& as_of,
                     runtime::Emitter& out);

  CountyDeltaBatch deltas_;
  MatchChangeBatch match_changes_;
  runtime::TypedStore<StarHistory> history_;
};

}  // namespace leifeng::processors
