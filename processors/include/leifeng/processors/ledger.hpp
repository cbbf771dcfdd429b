// The ledger (topic hours, keyed by volunteer): volunteers, their hour logs and star levels
// (SPEC §4). Emits stars, star-changes and county deltas.
#pragma once

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::processors {

enum class LogState : uint8_t { submitted, verified, rejected, revoked };

struct HourLog {
  std::string log_id;
  uint64_t log_hash = 0;  // stable_hash(log_id): a cheap first comparison
  LogState state = LogState::submitted;
  int32_t minutes = 0;
  int32_t quality = 0;  // 1..5 once verified
  uint32_t area = 0;    // where served
  uint8_t category = 0;
  int32_t service_date = 0;  // days since 1970-01-01

  template <class Archive>
  void serialize(Archive& ar) {
    ar(log_id, log_hash, state, minutes, quality, area, category, service_date);
  }
};

// Minutes of SUBMITTED and VERIFIED logs on one service date (the daily limit).
struct DailyMinutes {
  int32_t service_date = 0;
  int32_t minutes = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(service_date, minutes);
  }
};

// VERIFIED logs of the volunteer in one area (county or city) and period: `volunteers.active`
// changes exactly when such a count moves between 0 and 1.
struct VerifiedCount {
  uint32_t area = 0;
  uint8_t period_kind = 0;
  int32_t period_value = 0;
  int32_t logs = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(area, period_kind, period_value, logs);
  }
};

struct VolunteerState {
  bool registered = false;
  bool party_member = false;
  std::vector<uint8_t> skills;  // ServiceType values
  uint32_t registered_area = 0;
  uint32_t first_log_area = 0;  // area of the first accepted hours.submitted
  std::vector<HourLog> logs;
  // logs[i].log_hash side by side: every hours event looks its log up, and scanning 8 bytes per
  // log instead of a whole HourLog saves most of the cache misses. Not stored: rebuilt on load.
  std::vector<uint64_t> log_hashes;
  AppliedEvents applied;
  std::vector<DailyMinutes> daily;
  std::vector<VerifiedCount> verified_counts;
  // Derived from the VERIFIED logs, kept so that an event costs O(1) to re-rate.
  int64_t minutes_verified = 0;
  int64_t logs_verified = 0;
  int64_t quality_minutes = 0;  // Σ quality·minutes
  int32_t star_level = 0;
  std::string as_of;  // occurred_at of the last applied event

  uint32_t home_area() const { return registered ? registered_area : first_log_area; }
  int64_t mean_quality_x100() const {
    return minutes_verified == 0 ? 0 : 100 * quality_minutes / minutes_verified;
  }

  // Appends a new log and its hash.
  void add_log(HourLog log) {
    log_hashes.push_back(log.log_hash);
    logs.push_back(std::move(log));
  }

  // The stored format is the same as before log_hashes existed.
  template <class Archive>
  void save(Archive& ar) const {
    ar(registered, party_member, skills, registered_area, first_log_area, logs, applied, daily,
       verified_counts, minutes_verified, logs_verified, quality_minutes, star_level, as_of);
  }
  template <class Archive>
  void load(Archive& ar) {
    ar(registered, party_member, skills, registered_area, first_log_area, logs, applied, daily,
       verified_counts, minutes_verified, logs_verified, quality_minutes, star_level, as_of);
    log_hashes.clear();
    log_hashes.reserve(logs.size());
    for (const HourLog& log : logs) log_hashes.push_back(log.log_hash);
  }
};

// SPEC §4 star level from verified minutes and the minute-weighted mean quality.
int32_t star_level(const DomainConfig& config, int64_t minutes_verified, int64_t mean_quality_x100);

class LedgerProcessor : public EventProcessor {
 public:
  static constexpr const char* kStoreName = "volunteers";
  LedgerProcessor(const ProcessorOptions& options, runtime::KeyValueStore* store);

  void flush() override { volunteers_.flush(); }
  void prefetch(const schemas::Event& event, int step, Lookahead& ahead) const override;
  void emit_tables(runtime::Emitter& out) override;
  // The state of one volunteer, or null (audit, tests).
  const VolunteerState* find(const std::string& volunteer_id) {
    return volunteers_.find(volunteer_id);
  }

 protected:
  Applied apply(const schemas::Event& event, runtime::Emitter& out) override;

 private:
  struct Profile;  // what a volunteer counts for in the total-only metrics of the home area
  static Profile profile_of(const VolunteerState& state);

  Applied apply_registered(VolunteerState& state, const schemas::VolunteerRegistered& e);
  Applied apply_updated(VolunteerState* state, const schemas::VolunteerUpdated& e);
  Applied apply_submitted(VolunteerState& state, const schemas::HoursSubmitted& e);
  Applied apply_verified(VolunteerState* state, const schemas::HoursVerified& e);
  Applied apply_rejected(VolunteerState* state, const schemas::HoursRejected& e);
  Applied apply_amended(VolunteerState* state, const schemas::HoursAmended& e);
  Applied apply_revoked(VolunteerState* state, const schemas::HoursRevoked& e);

  // Moves a log between states and keeps the derived sums, daily minutes and county deltas.
  void leave_state(VolunteerState& state, const HourLog& log);
  void enter_state(VolunteerState& state, const HourLog& log);
  void count_verified(VolunteerState& state, const HourLog& log, int32_t delta);
  static int32_t minutes_on(const VolunteerState& state, int32_t service_date);
  static int32_t& daily_minutes(VolunteerState& state, int32_t service_date);
  static HourLog* find_log(VolunteerState& state, const std::string& log_id);
  // The log a correction (verify, reject, amend, revoke) names. Null with `rejection` set when
  // there is none (unknown_reference) or its state is one the correction may not leave
  // (invalid_transition): SUBMITTED only, or SUBMITTED and VERIFIED with `verified_too`.
  static HourLog* log_to_correct(VolunteerState* state, const std::string& log_id,
                                 bool verified_too, Applied& rejection);
  static schemas::StarRecord star_record(const std::string& volunteer_id,
                                         const VolunteerState& state);

  runtime::TypedStore<VolunteerState> volunteers_;
  CountyDeltaBatch deltas_;
  std::string key_;  // reused lookup key
};

}  // namespace leifeng::processors
