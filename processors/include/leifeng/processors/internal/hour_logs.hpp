// A volunteer's hour logs, laid out for speed: every hours event looks its log up by id, so
// the logs are 32 bytes each with short ids inline, and a column of id hashes beside them is
// what a lookup scans. Stored as the first release stored them (StoredHourLog).
#pragma once

#include <array>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "leifeng/processors/internal/applied_events.hpp"
#include "leifeng/processors/internal/hash_positions.hpp"
#include "leifeng/processors/internal/packed_texts.hpp"
#include "leifeng/processors/internal/stored_bytes.hpp"
#include "leifeng/schemas/events.hpp"

namespace leifeng::processors {

enum class LogState : uint8_t { submitted, verified, rejected, revoked };

// One hour log, 32 bytes, so that the log the ledger looks up is one cache line. An id of up to
// 15 bytes (the usual kind) is kept inline; a longer one in HourLogs' long ids, with its offset
// there in the first four bytes of short_id.
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

  schemas::AreaCode area_code() const { return schemas::AreaCode{area}; }
  schemas::LocalDate date() const { return schemas::LocalDate{service_date}; }
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

// The logs of one volunteer in the order submitted, found by id.
class HourLogs {
 public:
  HourLog* find(std::string_view log_id) {
    HourLog* found = nullptr;
    index_.find(hashes_, stable_hash(log_id), [&](size_t i) {
      if (id(logs_[i]) != log_id) return false;
      found = &logs_[i];
      return true;
    });
    return found;
  }
  // Appends a new log with its id.
  void add(HourLog log, std::string_view log_id) { add(log, log_id, stable_hash(log_id)); }
  std::string_view id(const HourLog& log) const {
    if (log.short_id_size != HourLog::kLongId) return {log.short_id.data(), log.short_id_size};
    uint32_t offset = 0;
    std::memcpy(&offset, log.short_id.data(), sizeof offset);
    return long_ids_.at(offset);
  }

  size_t size() const { return logs_.size(); }
  const HourLog& operator[](size_t i) const { return logs_[i]; }
  const HourLog& front() const { return logs_.front(); }
  std::vector<HourLog>::const_iterator begin() const { return logs_.begin(); }
  std::vector<HourLog>::const_iterator end() const { return logs_.end(); }
  const std::vector<uint64_t>& hashes() const { return hashes_; }  // stable_hash of each id
  bool indexed() const { return index_.indexed(); }  // looked up by hash, not by a scan

  // Lookahead (file replay): the hash column, then the log `log_id` names or where a new one
  // goes.
  void prefetch_hashes() const;
  void prefetch_log(std::string_view log_id) const;
  void prefetch_logs() const;  // what write_compact reads

  // The compact stored format (VolunteerState::encode_stored): a count, then per log its id,
  // state, minutes, quality, area, category and service date; the hashes are rebuilt.
  void write_compact(StoredBytesWriter& out) const;
  void read_compact(StoredBytesReader& in);

  // The cereal format of the first release, which state written before the compact format
  // still holds.
  template <class Archive>
  void save(Archive& ar) const {
    std::vector<StoredHourLog> stored;
    stored.reserve(logs_.size());
    for (size_t i = 0; i < logs_.size(); ++i) {
      const HourLog& log = logs_[i];
      stored.push_back({std::string(id(log)), hashes_[i], log.state, log.minutes, log.quality,
                        log.area, log.category, log.service_date});
    }
    ar(stored);
  }
  template <class Archive>
  void load(Archive& ar) {
    std::vector<StoredHourLog> stored;
    ar(stored);
    load_stored(stored);
  }

 private:
  void add(HourLog log, std::string_view log_id, uint64_t hash);
  void load_stored(const std::vector<StoredHourLog>& stored);

  std::vector<HourLog> logs_;
  // stable_hash of each log's id, side by side: every hours event looks its log up, and
  // scanning 8 bytes per log saves most of the cache misses. Not stored: rebuilt on load.
  std::vector<uint64_t> hashes_;
  HashPositions index_;   // of hashes_, once there are many logs
  PackedTexts long_ids_;  // ids longer than HourLog::short_id holds
};

}  // namespace leifeng::processors
