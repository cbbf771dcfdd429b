#include "leifeng/processors/internal/hour_logs.hpp"

#include "leifeng/runtime/prefetch.hpp"

namespace leifeng::processors {

void HourLogs::add(HourLog log, std::string_view log_id, uint64_t hash) {
  if (log_id.size() <= log.short_id.size()) {
    std::memcpy(log.short_id.data(), log_id.data(), log_id.size());
    log.short_id_size = static_cast<uint8_t>(log_id.size());
  } else {
    const uint32_t offset = long_ids_.append(log_id);
    std::memcpy(log.short_id.data(), &offset, sizeof offset);
    log.short_id_size = HourLog::kLongId;
  }
  hashes_.push_back(hash);
  logs_.push_back(log);
}

void HourLogs::load_stored(const std::vector<StoredHourLog>& stored) {
  logs_.clear();
  hashes_.clear();
  long_ids_ = PackedTexts{};
  logs_.reserve(stored.size());
  hashes_.reserve(stored.size());
  for (const StoredHourLog& s : stored) {
    HourLog log;
    log.state = s.state;
    log.quality = static_cast<uint8_t>(s.quality);
    log.category = s.category;
    log.minutes = s.minutes;
    log.area = s.area;
    log.service_date = s.service_date;
    add(log, s.log_id, s.log_hash);
  }
}

void HourLogs::prefetch_hashes() const {
  runtime::prefetch_bytes(hashes_.data(), hashes_.size() * sizeof(uint64_t));
}

void HourLogs::prefetch_log(std::string_view log_id) const {
  // The hashes are cached by now: find the log the event names.
  const uint64_t hash = stable_hash(log_id);
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] == hash) {
      runtime::prefetch_bytes(&logs_[i], sizeof(HourLog));  // with its id, if short
      return;
    }
  }
  // A new log goes at the end.
  if (!logs_.empty()) runtime::prefetch_bytes(&logs_.back() + 1, sizeof(HourLog));
}

}  // namespace leifeng::processors
