// Signed changes to county statistics (SPEC §5), the internal stream between the processors
// keyed by volunteer, activity or need and the county-stats processor keyed by area. One
// delta per (target area, as_of) and commit interval: a compact binary list of (period, metric,
// delta), summed over the interval's events, plus the occurred_at of the last event that
// changed those cells. Key = the six-digit area code; value = one delta (format versions 1 and
// 2) or, live, a list of an area's deltas of one commit interval (version 3).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leifeng/runtime/processor.hpp"
#include "leifeng/schemas/domain.hpp"

namespace leifeng::processors {

// The metrics of SPEC §5. The per-category and per-star metrics are consecutive so that an
// enum value plus an offset names them.
enum class Metric : uint8_t {
  logs_submitted,
  logs_verified,
  logs_rejected,
  logs_revoked,
  minutes_verified,
  minutes_verified_by_category,  // + Category (6)
  volunteers_active = minutes_verified_by_category + schemas::kCategoryCount,
  activities_published,
  activities_published_by_category,  // + Category (6)
  activities_completed = activities_published_by_category + schemas::kCategoryCount,
  activities_cancelled,
  activities_participants,
  activities_beneficiaries,
  needs_posted,
  needs_claimed,
  needs_fulfilled,
  needs_cancelled,
  needs_expired,
  needs_fulfil_minutes,
  needs_open,                                // total only
  volunteers_registered,                     // total only
  volunteers_party_members,                  // total only
  volunteers_starred,                        // + level - 1 (5), total only
  stations_active = volunteers_starred + 5,  // county-stats counts it from station uses
  count_,
};
inline constexpr int kMetricCount = static_cast<int>(Metric::count_);

Metric metric_for_category(Metric base, schemas::Category category);
Metric starred_metric(int level);  // level 1..5
std::string_view metric_name(Metric);

// A statistics period: a local day, a month or all time.
struct Period {
  enum class Kind : uint8_t { day, month, total };
  Kind kind = Kind::total;
  int32_t value = 0;  // day: days since 1970-01-01; month: year * 12 + month - 1
  friend auto operator<=>(const Period&, const Period&) = default;
  static Period day(schemas::LocalDate date) { return {Kind::day, date.days}; }
  static Period month_of(schemas::LocalDate date);
  static Period total() { return {Kind::total, 0}; }
  std::string str() const;  // YYYY-MM-DD, YYYY-MM or total
};

struct MetricDelta {
  Period period;
  Metric metric{};
  int64_t delta = 0;
  friend bool operator==(const MetricDelta&, const MetricDelta&) = default;
};

// An activity naming a station (SPEC §9): the county-stats processor, keyed by area, knows
// which stations an area has seen and so counts `stations.active` itself.
struct StationUse {
  schemas::LocalDate date;  // local date of the activity's starts_at
  std::string station_id;
  friend bool operator==(const StationUse&, const StationUse&) = default;
};

struct CountyDelta {
  schemas::AreaCode area;
  std::string as_of;  // occurred_at of the last event that changed these cells
  std::vector<MetricDelta> changes;
  std::optional<StationUse> station{};  // {}: aggregate initialisers may leave it out
  friend bool operator==(const CountyDelta&, const CountyDelta&) = default;
};

// The binary message of the county-deltas stream, written in place into a reused buffer.
class CountyDeltaWriter {
 public:
  // Starts a message for `area` with room for up to `max_changes` changes.
  void begin(uint32_t area, std::string_view as_of, size_t max_changes);
  void add(Period period, Metric metric, int64_t delta);
  // Adds a station use (format version 2); `station_id` must live until finish().
  void station(schemas::LocalDate date, std::string_view station_id);
  size_t size() const { return count_; }
  bool has_station() const { return has_station_; }
  // The message; valid until the next begin().
  std::string_view finish();

 private:
  std::string bytes_;
  bool has_station_ = false;
  schemas::LocalDate station_date_;
  std::string_view station_id_;
  char* next_ = nullptr;
  size_t count_ = 0;
  size_t count_at_ = 0;  // offset of the change count
};

// One message read in place (no copies): open() checks it whole, then change(i) reads it.
class CountyDeltaReader {
 public:
  // False when `bytes` is not a message of this format (version, sizes, periods, metrics).
  bool open(std::string_view bytes);
  schemas::AreaCode area() const { return area_; }
  // A station use (version 2 messages only): its date and a non-empty station id.
  bool has_station() const { return !station_id_.empty(); }
  schemas::LocalDate station_date() const { return station_date_; }
  std::string_view station_id() const { return station_id_; }
  std::string_view as_of() const { return as_of_; }
  size_t size() const { return count_; }
  MetricDelta change(size_t i) const {
    const char* at = changes_ + i * kChangeBytes;
    MetricDelta change;
    change.period.kind = static_cast<Period::Kind>(at[0]);
    std::memcpy(&change.period.value, at + 1, sizeof change.period.value);
    change.metric = static_cast<Metric>(at[5]);
    std::memcpy(&change.delta, at + 6, sizeof change.delta);
    return change;
  }
  // Bytes per change: period kind (1), period value (4), metric (1), delta (8).
  static constexpr size_t kChangeBytes = 14;

 private:
  schemas::AreaCode area_;
  std::string_view as_of_;
  const char* changes_ = nullptr;
  size_t count_ = 0;
  schemas::LocalDate station_date_;
  std::string_view station_id_;
};

// A message of the stream: one delta (version 1 or 2) or a list of them (version 3: version byte
// 3, the number of deltas (u16, at least 1), then per delta its size (u32) and its bytes; every
// delta of one area). open() checks every delta before any is read.
class CountyDeltaMessage {
 public:
  // False when `bytes` is not a message of these formats.
  bool open(std::string_view bytes);
  size_t size() const { return count_; }
  const CountyDeltaReader& operator[](size_t i) const { return deltas_[i]; }

 private:
  std::vector<CountyDeltaReader> deltas_;  // reused; grows with the deltas actually read
  size_t count_ = 0;
};

// Builds a version-3 list: start(), add() each delta's bytes, then the message.
class CountyDeltaListWriter {
 public:
  void start();
  void add(std::string_view delta);
  size_t size() const { return count_; }
  size_t bytes() const { return bytes_.size(); }
  std::string_view message() const { return bytes_; }

 private:
  std::string bytes_;
  size_t count_ = 0;
};

std::string encode_county_delta(const CountyDelta&);
// The same into `out`, reusing its buffer.
void encode_county_delta_into(const CountyDelta& delta, std::string& out);
std::optional<CountyDelta> decode_county_delta(std::string_view bytes);
// The deltas of a message of any version (tests); false when it is not one.
bool decode_county_deltas(std::string_view bytes, std::vector<CountyDelta>& deltas);
// The same into `delta`, reusing its buffers; false (and `delta` unspecified) when `bytes` is
// not a delta of this format.
bool decode_county_delta_into(std::string_view bytes, CountyDelta& delta);

// Collects the deltas of the events of a commit interval and emits their sums (issue 17: a
// message per event and area was most of what the live path wrote). Every county metric also
// goes to the prefecture city. Per event: add_*() and use_station(), then end_event() or, for
// a rejected event, clear(). At the commit: emit().
//
// What the county-stats processor makes of the sums is what it made of one message per event
// (SPEC §5), but for `revision`:
// - a cell (area, period) exists when an event changed one of its metrics by a nonzero sum:
//   such a metric is "touched" and is sent even when the interval's sum nets to 0;
// - a cell's `as_of` is that of the last event that touched it: per area one message per
//   distinct as_of, each cell in the message of its last event;
// - a station use (SPEC §9) may open the day, month and total cells of its area and city: it
//   goes in both areas in the delta of its event's as_of, among the others in the order the
//   events came, as one message per event would have it (a delta carries at most one station:
//   a further station with the same as_of gets a delta of its own).
class CountyDeltaBatch {
 public:
  // Past this many (area, period) targets and stations pending, end_event() emits: bounded
  // memory when a commit is far away. 0: end_event() sends the event's sums at once, one message
  // per area, with the event's as_of (as before issue 17; the in-process replays).
  static constexpr size_t kDefaultMaxTargets = 4096;
  // At most this many changes per delta (a message must fit a Kafka record; the format counts
  // changes in 16 bits): a larger group is split between cells.
  static constexpr size_t kMaxChanges = 4096;
  // An area's deltas of one emit() go as one list message (format version 3) of at most about
  // this many bytes, far below a topic's default max.message.bytes (1 MB).
  static constexpr size_t kMaxListBytes = 256 * 1024;

  explicit CountyDeltaBatch(size_t max_targets = kDefaultMaxTargets);
  ~CountyDeltaBatch();

  // Day, month and total of `date` in `area` and its city.
  void add_dated(schemas::AreaCode area, schemas::LocalDate date, Metric metric, int64_t delta);
  // One period in one area only (distinct counts: the caller knows each area's transitions).
  void add_exact(schemas::AreaCode area, Period period, Metric metric, int64_t delta);
  // The `total` period in `area` and its city (the "total only" metrics).
  void add_total(schemas::AreaCode area, Metric metric, int64_t delta);
  // An activity in `area` starting on `date` names `station_id`: told to the area and its city,
  // which count `stations.active` (one station per event).
  void use_station(schemas::AreaCode area, schemas::LocalDate date, std::string_view station_id);
  // Drops the current event's deltas (the pending sums stay).
  void clear();
  // The current event was applied at `as_of`: its nonzero sums join the pending ones. Emits to
  // output `topic` when the bound is passed.
  void end_event(runtime::Emitter& out, std::string_view topic, std::string_view as_of);
  // Emits the pending sums to output `topic` and forgets them: per area, in area order, a list
  // (format version 3) of its deltas, one per as_of in the order the as_ofs came (and one per
  // further station of an as_of); the changes of a delta in (period, metric) order.
  void emit(runtime::Emitter& out, std::string_view topic);
  // No pending sums and no deltas of a current event.
  bool empty() const;
  size_t pending_targets() const;

 private:
  static_assert(kMetricCount <= 64, "Target::metrics is a 64-bit set");
  // The sums of one (area, period) in the current event: it touches a handful of these (day,
  // month and total of one or two dates, in a county and its city), found by a short scan.
  struct Target {
    uint32_t area = 0;
    uint64_t period_order = 0;  // (kind, value) as one unsigned number in Period order
    Period period;
    uint64_t metrics = 0;       // bit m set: sums[m] is in use
    uint32_t metric_count = 0;  // bits set in metrics, kept rather than counted (std::popcount
                                // is a libgcc call on the x86-64 baseline)
    std::array<int64_t, kMetricCount> sums{};
  };
  // The six targets of the last add_dated: a processor adds several metrics of one log or
  // activity in a row, and then skips the search.
  struct DatedTargets {
    bool valid = false;
    uint32_t area = 0;
    schemas::LocalDate date;
    std::array<uint32_t, 6> targets{};
  };
  void add(uint32_t target, Metric metric, int64_t delta);
  uint32_t target(uint32_t area, Period period);  // index into targets_, created if new
  void emit_area(runtime::Emitter& out, std::string_view topic, size_t begin, size_t end);

  std::vector<Target> targets_;  // slots reused across events: only metrics and its count reset
  uint32_t used_ = 0;            // targets_ in use by the current event
  DatedTargets dated_;
  struct Station {
    bool valid = false;
    uint32_t area = 0;  // the county; its city gets it too
    uint32_t city = 0;
    schemas::LocalDate date;
    std::string id;
  };
  Station station_;  // of the current event
  size_t max_targets_;
  void emit_event(runtime::Emitter& out, std::string_view topic, std::string_view as_of);
  struct Pending;  // the interval's sums, in county_delta.cpp
  std::unique_ptr<Pending> pending_;
  std::array<char, 6> key_{};
  CountyDeltaWriter message_;   // reused: no allocation per message once warm
  CountyDeltaListWriter list_;  // emit_area's list, reused
};

// The bound of a processor's CountyDeltaBatch: summing over the commit interval, or 0: one
// message per event and area, sent by end_event().
inline size_t county_delta_bound(bool sum) {
  return sum ? CountyDeltaBatch::kDefaultMaxTargets : 0;
}

// Civil calendar helpers shared by the processors.
struct CivilDate {
  int32_t year;
  int32_t month;  // 1..12
  int32_t day;    // 1..31
};
CivilDate civil_from_days(int32_t days);

}  // namespace leifeng::processors
