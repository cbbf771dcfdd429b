// Running tallies the ledger keeps per volunteer so that an event costs O(log n) to check and
// count: minutes per service date (the daily limit) and VERIFIED logs per area and period
// (`volunteers.active`). Sorted vectors: small, contiguous, stored as vectors.
#pragma once

#include <algorithm>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <vector>

#include "leifeng/processors/county_delta.hpp"
#include "leifeng/processors/internal/stored_bytes.hpp"

namespace leifeng::processors {

// Minutes of SUBMITTED and VERIFIED logs on one service date (the daily limit).
struct DailyMinutes {
  int32_t service_date = 0;
  int32_t minutes = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(service_date, minutes);
  }
};

class MinutesByDate {
  template <class Days>  // const or not
  static auto find_date(Days& days, int32_t service_date) {
    return std::lower_bound(
        days.begin(), days.end(), service_date,
        [](const DailyMinutes& day, int32_t date) { return day.service_date < date; });
  }

 public:
  int32_t on(int32_t service_date) const {
    auto it = find_date(days_, service_date);
    return it == days_.end() || it->service_date != service_date ? 0 : it->minutes;
  }
  void add(int32_t service_date, int32_t minutes) {
    auto it = find_date(days_, service_date);
    if (it == days_.end() || it->service_date != service_date) {
      it = days_.insert(it, DailyMinutes{service_date, 0});
    }
    it->minutes += minutes;
  }
  const std::vector<DailyMinutes>& days() const { return days_; }
  // Loading a stored record: a day after the last one.
  void restore(int32_t service_date, int32_t minutes) {
    if (!days_.empty() && days_.back().service_date >= service_date)
      throw StoredFormatError("stored daily minutes: dates out of order");
    days_.push_back(DailyMinutes{service_date, minutes});
  }

  template <class Archive>
  void serialize(Archive& ar) {
    ar(days_);
  }

 private:
  std::vector<DailyMinutes> days_;  // by service date
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

class VerifiedCounts {
 public:
  // Adds `delta` to the count of (area, period). Returns +1 when the count became positive,
  // -1 when it fell to zero, else 0: the change of `volunteers.active` there.
  int add(uint32_t area, Period period, int32_t delta) {
    const VerifiedCount key{area, static_cast<uint8_t>(period.kind), period.value, 0};
    auto it = std::lower_bound(counts_.begin(), counts_.end(), key, less);
    if (it == counts_.end() || less(key, *it)) it = counts_.insert(it, key);
    const int32_t before = it->logs;
    it->logs += delta;
    const int32_t after = it->logs;
    if (after == 0) counts_.erase(it);
    return before == 0 && after > 0 ? 1 : before > 0 && after == 0 ? -1 : 0;
  }
  const std::vector<VerifiedCount>& counts() const { return counts_; }
  // Loading a stored record: a count after the last one.
  void restore(const VerifiedCount& count) {
    if (!counts_.empty() && !less(counts_.back(), count))
      throw StoredFormatError("stored verified counts: out of order");
    counts_.push_back(count);
  }

  template <class Archive>
  void serialize(Archive& ar) {
    ar(counts_);
  }

 private:
  static bool less(const VerifiedCount& c, const VerifiedCount& key) {
    if (c.area != key.area) return c.area < key.area;
    if (c.period_kind != key.period_kind) return c.period_kind < key.period_kind;
    return c.period_value < key.period_value;
  }
  std::vector<VerifiedCount> counts_;  // by area, period kind, period value
};

}  // namespace leifeng::processors
