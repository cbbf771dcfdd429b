// The ledger (topic hours, keyed by volunteer): volunteers, their hour logs and star levels
// (SPEC §4). Emits stars, star-changes and county deltas.
#pragma once

#include <array>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/event_processor.hpp"
#include "leifeng/processors/packed_texts.hpp"
#include "leifeng/runtime/typed_store.hpp"

namespace leifeng::processors {

enum class LogState : uint8_t { submitted, verified, rejected, revoked };

// One hour log, 32 bytes, so that the log the ledger looks up is one cache line. An id of up to
// 15 bytes (the usual kind) is kept inline; a longer one in VolunteerState::long_log_ids, with
// its offset there in the first four bytes of short_id.
struct HourLog {
  static constexpr uint8_t kLongId = 0xFF;  // short_id_size of an id kept out of line
  std::array<char, 15> short_id{};
  uint8_t short_id_size = 0;
  LogState state = LogState::submitted;
  uint8_t quality = 0;  // 1..5 once verified
  uint8_t category = 0;
  int32_t minutes = 0;
  uint32_t area = 0;         // where served
  int32_t service_date = 0;  // days since 1970-01-01
};
static_assert(sizeof(HourLog) == 32);

// A log as stored (RocksDB, changelogs) since the first release: the id inline.
struct StoredHourLog {
  std::string log_id;
  uint64_t log_hash = 0;
  LogState state = LogState::submitted;
  int32_t minutes = 0;
  int32_t quality = 0;
  uint32_t area = 0;
  uint8_t category = 0;
  int32_t service_date = 0;

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
  // stable_hash of each log's id, side by side: every hours event looks its log up, and
  // scanning 8 bytes per log saves most of the cache misses. Not stored: rebuilt on load.
  std::vector<uint64_t> log_hashes;
  PackedTexts long_log_ids;  // ids longer than HourLog::short_id holds
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

  // The id of `log`, one of `logs`.
  std::string_view log_id(const HourLog& log) const {
    if (log.short_id_size != HourLog::kLongId) return {log.short_id.data(), log.short_id_size};
    uint32_t offset = 0;
    std::memcpy(&offset, log.short_id.data(), sizeof offset);
    return long_log_ids.at(offset);
  }
  // Appends a new log with its id and that id's stable_hash.
  void add_log(HourLog log, std::string_view id, uint64_t hash) {
    if (id.size() <= log.short_id.size()) {
      std::memcpy(log.short_id.data(), id.data(), id.size());
      log.short_id_size = static_cast<uint8_t>(id.size());
    } else {
      const uint32_t offset = long_log_ids.append(id);
      std::memcpy(log.short_id.data(), &offset, sizeof offset);
      log.short_id_size = HourLog::kLongId;
    }
    log_hashes.push_back(hash);
    logs.push_back(log);
  }

  // The stored format is the same as before the hash column and the inline ids existed: the
  // logs as StoredHourLog.
  template <class Archive>
  void save(Archive& ar) const {
    std::vector<StoredHourLog> stored;
    stored.reserve(logs.size());
    for (size_t i = 0; i < logs.size(); ++i) {
      const HourLog& log = logs[i];
      stored.push_back({std::string(log_id(log)), log_hashes[i], log.state, log.minutes,
                        log.quality, log.area, log.category, log.service_date});
    }
    ar(registered, party_member, skills, registered_area, first_log_area, stored, applied, daily,
       verified_counts, minutes_verified, logs_verified, quality_minutes, star_level, as_of);
  }
  template <class Archive>
  void load(Archive& ar) {
    std::vector<StoredHourLog> stored;
    ar(registered, party_member, skills, registered_area, first_log_area, stored, applied, daily,
       verified_counts, minutes_verified, logs_verified, quality_minutes, star_level, as_of);
    logs.clear();
    log_hashes.clear();
    long_log_ids = PackedTexts{};
    logs.reserve(stored.size());
    log_hashes.reserve(stored.size());
    for (const StoredHourLog& s : stored) {
      HourLog log;
      log.state = s.state;
      log.quality = static_cast<uint8_t>(s.quality);
      log.category = s.category;
      log.minutes = s.minutes;
      log.area = s.area;
      log.service_date = s.service_date;
      add_log(log, s.log_id, s.log_hash);
    }
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
  void finish(runtime::Emitter& out) override;  // the stars table, when deferred
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
  static HourLog* find_log(VolunteerState& state, std::string_view log_id, uint64_t hash);
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
