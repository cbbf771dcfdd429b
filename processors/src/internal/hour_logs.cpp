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
  index_.added(hashes_);
}

void HourLogs::load_stored(const std::vector<StoredHourLog>& stored) {
  logs_.clear();
  hashes_.clear();
  index_.clear();
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

void HourLogs::write_compact(StoredBytesWriter& out) const {
  out.varint(logs_.size());
  for (const HourLog& log : logs_) {
    out.text(id(log));
    out.byte(static_cast<uint8_t>(log.state));
    out.signed_varint(log.minutes);
    out.byte(log.quality);
    out.varint(log.area);
    out.byte(log.category);
    out.signed_varint(log.service_date);
  }
}

void HourLogs::read_compact(StoredBytesReader& in) {
  logs_.clear();
  hashes_.clear();
  index_.clear();
  long_ids_ = PackedTexts{};
  const size_t count = in.count(7);  // the fewest bytes a log takes
  logs_.reserve(count);
  hashes_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string_view log_id = in.text();
    HourLog log;
    const uint8_t state = in.byte();
    if (state > static_cast<uint8_t>(LogState::revoked))
      throw StoredFormatError("stored hour log: unknown state");
    log.state = static_cast<LogState>(state);
    log.minutes = in.signed_varint_as<int32_t>();
    log.quality = in.byte();
    if (log.quality > 5) throw StoredFormatError("stored hour log: quality above 5");
    log.area = in.varint_as<uint32_t>();
    log.category = in.byte();
    if (log.category >= schemas::kCategoryCount)
      throw StoredFormatError("stored hour log: unknown category");
    log.service_date = in.signed_varint_as<int32_t>();
    add(log, log_id);
  }
}

void HourLogs::prefetch_logs() const {
  runtime::prefetch_front(logs_.data(), logs_.size() * sizeof(HourLog));
  if (!long_ids_.empty()) runtime::prefetch_front(long_ids_.data(), long_ids_.byte_size());
}

void HourLogs::prefetch_hashes() const {
  if (index_.indexed()) return;  // a long column is not scanned
  runtime::prefetch_bytes(hashes_.data(), hashes_.size() * sizeof(uint64_t));
}

void HourLogs::prefetch_log(std::string_view log_id) const {
  // The hashes are cached by now: find the log the event names.
  const bool known = index_.find(hashes_, stable_hash(log_id), [&](size_t i) {
    runtime::prefetch_bytes(&logs_[i], sizeof(HourLog));  // with its id, if short
    return true;
  });
  if (known) return;
  // A new log goes at the end.
  if (!logs_.empty()) runtime::prefetch_bytes(&logs_.back() + 1, sizeof(HourLog));
}

}  // namespace leifeng::processors
