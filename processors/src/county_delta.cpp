#include "leifeng/processors/county_delta.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <tuple>
#include <utility>

#include "leifeng/schemas/copy_text.hpp"

namespace leifeng::processors {

namespace {

constexpr std::array<std::string_view, kMetricCount> kMetricNames = {
    "hours.logs_submitted",
    "hours.logs_verified",
    "hours.logs_rejected",
    "hours.logs_revoked",
    "hours.minutes_verified",
    "hours.minutes_verified.neighborhood_watch",
    "hours.minutes_verified.caring_dedication",
    "hours.minutes_verified.paired_assistance",
    "hours.minutes_verified.party_member_service",
    "hours.minutes_verified.window_service",
    "hours.minutes_verified.online_campaign",
    "volunteers.active",
    "activities.published",
    "activities.published.neighborhood_watch",
    "activities.published.caring_dedication",
    "activities.published.paired_assistance",
    "activities.published.party_member_service",
    "activities.published.window_service",
    "activities.published.online_campaign",
    "activities.completed",
    "activities.cancelled",
    "activities.participants",
    "activities.beneficiaries",
    "needs.posted",
    "needs.claimed",
    "needs.fulfilled",
    "needs.cancelled",
    "needs.expired",
    "needs.fulfil_minutes",
    "needs.open",
    "volunteers.registered",
    "volunteers.party_members",
    "volunteers.starred.1",
    "volunteers.starred.2",
    "volunteers.starred.3",
    "volunteers.starred.4",
    "volunteers.starred.5",
    "stations.active",
};

constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kFormatVersionWithStation = 2;  // version 1 and a station use after the changes
constexpr uint8_t kFormatVersionList = 3;         // deltas of versions 1 and 2 of one area
constexpr size_t kListHeaderBytes = 1 + 2;        // version, count

void append_digits(std::string& out, int64_t value, int width) {
  char buffer[24];
  int n = 0;
  bool negative = value < 0;
  uint64_t v = negative ? static_cast<uint64_t>(-value) : static_cast<uint64_t>(value);
  do {
    buffer[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) buffer[n++] = '0';
  if (negative) out.push_back('-');
  while (n > 0) out.push_back(buffer[--n]);
}

}  // namespace

Metric metric_for_category(Metric base, schemas::Category category) {
  return static_cast<Metric>(static_cast<int>(base) + static_cast<int>(category));
}

Metric starred_metric(int level) {
  return static_cast<Metric>(static_cast<int>(Metric::volunteers_starred) + level - 1);
}

std::string_view metric_name(Metric metric) {
  return kMetricNames.at(static_cast<size_t>(metric));
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
CivilDate civil_from_days(int32_t days) {
  int64_t z = static_cast<int64_t>(days) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return {static_cast<int32_t>(y), static_cast<int32_t>(m), static_cast<int32_t>(d)};
}

Period Period::month_of(schemas::LocalDate date) {
  const CivilDate civil = civil_from_days(date.days);
  return {Kind::month, civil.year * 12 + civil.month - 1};
}

std::string Period::str() const {
  std::string out;
  switch (kind) {
    case Kind::total:
      return "total";
    case Kind::month: {
      const int32_t year = value >= 0 ? value / 12 : (value - 11) / 12;
      append_digits(out, year, 4);
      out.push_back('-');
      append_digits(out, value - year * 12 + 1, 2);
      return out;
    }
    case Kind::day: {
      const CivilDate civil = civil_from_days(value);
      append_digits(out, civil.year, 4);
      out.push_back('-');
      append_digits(out, civil.month, 2);
      out.push_back('-');
      append_digits(out, civil.day, 2);
      return out;
    }
  }
  return out;
}

namespace {
// The wire format: version (1), area (4), as_of size (2), as_of, count (2), then per change
// period kind (1), period value (4), metric (1), delta (8); version 2 then adds a station use:
// date (4, days since 1970-01-01), station id size (2), station id. Version 3 is a list of
// these (CountyDeltaMessage). Little-endian hosts only (x86-64, arm64), fields copied with
// memcpy at a moving pointer.
constexpr size_t kHeaderBytes = 1 + 4 + 2;
constexpr size_t kChangeBytes = CountyDeltaReader::kChangeBytes;

template <class T>
char* write(char* at, T value) {
  std::memcpy(at, &value, sizeof(T));
  return at + sizeof(T);
}
template <class T>
const char* read(const char* at, T& value) {
  std::memcpy(&value, at, sizeof(T));
  return at + sizeof(T);
}
}  // namespace

void CountyDeltaWriter::begin(uint32_t area, std::string_view as_of, size_t max_changes) {
  bytes_.resize(kHeaderBytes + as_of.size() + 2 + max_changes * kChangeBytes);
  char* at = bytes_.data();
  at = write<uint8_t>(at, kFormatVersion);
  at = write<uint32_t>(at, area);
  at = write<uint16_t>(at, static_cast<uint16_t>(as_of.size()));
  std::memcpy(at, as_of.data(), as_of.size());
  count_at_ = static_cast<size_t>(at - bytes_.data()) + as_of.size();
  next_ = bytes_.data() + count_at_ + 2;
  count_ = 0;
  has_station_ = false;
}

void CountyDeltaWriter::station(schemas::LocalDate date, std::string_view station_id) {
  has_station_ = true;
  station_date_ = date;
  station_id_ = station_id;
}

void CountyDeltaWriter::add(Period period, Metric metric, int64_t delta) {
  char* at = next_;
  at = write<uint8_t>(at, static_cast<uint8_t>(period.kind));
  at = write<int32_t>(at, period.value);
  at = write<uint8_t>(at, static_cast<uint8_t>(metric));
  next_ = write<int64_t>(at, delta);
  ++count_;
}

std::string_view CountyDeltaWriter::finish() {
  write<uint16_t>(bytes_.data() + count_at_, static_cast<uint16_t>(count_));
  const auto used = static_cast<size_t>(next_ - bytes_.data());
  if (!has_station_) return {bytes_.data(), used};
  bytes_[0] = static_cast<char>(kFormatVersionWithStation);
  bytes_.resize(used + 4 + 2 + station_id_.size());
  char* at = bytes_.data() + used;
  at = write<int32_t>(at, station_date_.days);
  at = write<uint16_t>(at, static_cast<uint16_t>(station_id_.size()));
  std::memcpy(at, station_id_.data(), station_id_.size());
  next_ = bytes_.data() + bytes_.size();
  return {bytes_.data(), bytes_.size()};
}

bool CountyDeltaReader::open(std::string_view in) {
  if (in.size() < kHeaderBytes + 2) return false;
  const char* at = in.data();
  uint8_t version = 0;
  uint16_t as_of_size = 0;
  at = read(at, version);
  at = read(at, area_.value);
  at = read(at, as_of_size);
  if ((version != kFormatVersion && version != kFormatVersionWithStation) ||
      in.size() < kHeaderBytes + as_of_size + 2) {
    return false;
  }
  as_of_ = {at, as_of_size};
  at += as_of_size;
  uint16_t count = 0;
  changes_ = read(at, count);
  count_ = count;
  const size_t changes_end = kHeaderBytes + as_of_size + 2 + count_ * kChangeBytes;
  station_id_ = {};
  if (version == kFormatVersion) {
    if (in.size() != changes_end) return false;
  } else {
    if (in.size() < changes_end + 4 + 2) return false;
    const char* station = in.data() + changes_end;
    uint16_t id_size = 0;
    station = read(station, station_date_.days);
    station = read(station, id_size);
    if (id_size == 0 || in.size() != changes_end + 4 + 2 + id_size) return false;
    station_id_ = {station, id_size};
  }
  for (size_t i = 0; i < count_; ++i) {
    const char* change = changes_ + i * kChangeBytes;
    const auto kind = static_cast<uint8_t>(change[0]);
    const auto metric = static_cast<uint8_t>(change[5]);
    if (kind > static_cast<uint8_t>(Period::Kind::total) || metric >= kMetricCount) return false;
  }
  return true;
}

bool CountyDeltaMessage::open(std::string_view in) {
  if (deltas_.empty()) deltas_.resize(1);
  if (in.empty() || static_cast<uint8_t>(in[0]) != kFormatVersionList) {
    count_ = 1;
    return deltas_[0].open(in);
  }
  if (in.size() < kListHeaderBytes) return false;
  uint16_t listed = 0;
  read(in.data() + 1, listed);
  if (listed == 0) return false;
  size_t at = kListHeaderBytes;
  for (count_ = 0; count_ < listed; ++count_) {
    uint32_t size = 0;
    if (in.size() - at < sizeof size) return false;
    read(in.data() + at, size);
    at += sizeof size;
    if (in.size() - at < size) return false;
    const std::string_view delta = in.substr(at, size);
    at += size;
    // A list holds deltas, never lists; each a delta of the one area.
    if (delta.empty() || static_cast<uint8_t>(delta[0]) == kFormatVersionList) return false;
    if (count_ == deltas_.size()) deltas_.emplace_back();
    if (!deltas_[count_].open(delta)) return false;
    if (deltas_[count_].area() != deltas_[0].area()) return false;
  }
  return at == in.size();
}

void CountyDeltaListWriter::start() {
  bytes_.assign(kListHeaderBytes, '\0');
  bytes_[0] = static_cast<char>(kFormatVersionList);
  count_ = 0;
}

void CountyDeltaListWriter::add(std::string_view delta) {
  const size_t at = bytes_.size();
  bytes_.resize(at + sizeof(uint32_t) + delta.size());
  std::memcpy(write<uint32_t>(bytes_.data() + at, static_cast<uint32_t>(delta.size())),
              delta.data(), delta.size());
  ++count_;
  write<uint16_t>(bytes_.data() + 1, static_cast<uint16_t>(count_));
}

void encode_county_delta_into(const CountyDelta& delta, std::string& out) {
  CountyDeltaWriter writer;
  writer.begin(delta.area.value, delta.as_of, delta.changes.size());
  for (const MetricDelta& change : delta.changes) {
    writer.add(change.period, change.metric, change.delta);
  }
  if (delta.station) writer.station(delta.station->date, delta.station->station_id);
  out.assign(writer.finish());
}

std::string encode_county_delta(const CountyDelta& delta) {
  std::string out;
  encode_county_delta_into(delta, out);
  return out;
}

bool decode_county_delta_into(std::string_view in, CountyDelta& delta) {
  CountyDeltaReader reader;
  if (!reader.open(in)) return false;
  delta.area = reader.area();
  delta.as_of.assign(reader.as_of());
  delta.changes.resize(reader.size());
  for (size_t i = 0; i < reader.size(); ++i) delta.changes[i] = reader.change(i);
  if (reader.has_station()) {
    delta.station = StationUse{reader.station_date(), std::string(reader.station_id())};
  } else {
    delta.station.reset();
  }
  return true;
}

std::optional<CountyDelta> decode_county_delta(std::string_view bytes) {
  CountyDelta delta;
  if (!decode_county_delta_into(bytes, delta)) return std::nullopt;
  return delta;
}

bool decode_county_deltas(std::string_view bytes, std::vector<CountyDelta>& deltas) {
  CountyDeltaMessage message;
  if (!message.open(bytes)) return false;
  deltas.clear();
  for (size_t i = 0; i < message.size(); ++i) {
    const CountyDeltaReader& reader = message[i];
    CountyDelta& delta = deltas.emplace_back();
    delta.area = reader.area();
    delta.as_of.assign(reader.as_of());
    for (size_t c = 0; c < reader.size(); ++c) delta.changes.push_back(reader.change(c));
    if (reader.has_station()) {
      delta.station = StationUse{reader.station_date(), std::string(reader.station_id())};
    }
  }
  return true;
}

// The sums of the interval, by (area, period), with a hash index (thousands of targets).
struct CountyDeltaBatch::Pending {
  struct Target {
    uint32_t area = 0;
    uint64_t period_order = 0;
    Period period;
    uint64_t touched = 0;  // bit m: some event changed metric m by a nonzero sum
    uint32_t as_of = 0;    // index into as_ofs: of the last event that touched the target
    std::array<int64_t, kMetricCount> sums{};
  };
  struct Station {
    uint32_t area = 0;
    uint32_t city = 0;
    schemas::LocalDate date;
    std::string id;
    uint32_t as_of = 0;
  };
  std::vector<Target> targets;
  // (area, period_order) -> targets, open addressing: one probe of a flat table, where
  // std::unordered_map took a division and a node per event and cell (a live-path hot spot).
  struct IndexSlot {
    uint64_t key = 0;
    uint32_t target = UINT32_MAX;  // none: an empty slot
  };
  std::vector<IndexSlot> index;   // size a power of two (or 0), at most half full
  std::vector<Station> stations;  // in the order their events came
  // The as_of of each event that touched something, in one buffer (no allocation per event);
  // an event with the as_of of the one before shares its entry.
  std::string as_of_text;
  std::vector<std::pair<uint32_t, uint32_t>> as_of_spans;  // offset, size into as_of_text
  // emit(): the targets, and per station a marker in its county and one in its city (target =
  // kStation | the station's index), in message order: by area, then by as_of (the order the
  // events came).
  static constexpr uint32_t kStation = 0x80000000u;
  struct Entry {
    uint32_t area;
    uint32_t as_of;
    uint64_t period_order;  // 0 for a station's marker
    uint32_t target;
    friend bool operator<(const Entry& a, const Entry& b) {
      return std::tie(a.area, a.as_of, a.period_order, a.target) <
             std::tie(b.area, b.as_of, b.period_order, b.target);
    }
  };
  std::vector<Entry> entries;

  uint32_t as_of_id(std::string_view as_of) {
    if (is_last_as_of(as_of)) return static_cast<uint32_t>(as_of_spans.size() - 1);
    as_of_spans.emplace_back(static_cast<uint32_t>(as_of_text.size()),
                             static_cast<uint32_t>(as_of.size()));
    as_of_text.append(as_of);
    return static_cast<uint32_t>(as_of_spans.size() - 1);
  }
  // Compared from the end: consecutive events' as_of share their date and differ, if at all, in
  // the last digits (a memcmp from the front showed in the profile).
  bool is_last_as_of(std::string_view as_of) const {
    if (as_of_spans.empty() || as_of_spans.back().second != as_of.size()) return false;
    const char* last = as_of_text.data() + as_of_spans.back().first;
    for (size_t i = as_of.size(); i-- > 0;) {
      if (last[i] != as_of[i]) return false;
    }
    return true;
  }
  std::string_view as_of(uint32_t id) const {
    return std::string_view(as_of_text).substr(as_of_spans[id].first, as_of_spans[id].second);
  }
  static uint64_t key_of(uint32_t area, uint64_t period_order) {
    return uint64_t{area} << 36 | period_order;  // area < 2^20 (six digits), period_order < 2^34
  }
  size_t first_slot(uint64_t key) const {
    // Fibonacci hashing: the top bits of the product depend on every bit of the key.
    return static_cast<size_t>((key * 0x9e3779b97f4a7c15u) >> std::countl_zero(index.size() - 1));
  }
  void grow_index() {
    index.assign(std::max<size_t>(64, index.size() * 2), IndexSlot{});
    const size_t mask = index.size() - 1;
    for (uint32_t t = 0; t < targets.size(); ++t) {
      const uint64_t key = key_of(targets[t].area, targets[t].period_order);
      size_t i = first_slot(key);
      while (index[i].target != UINT32_MAX) i = (i + 1) & mask;
      index[i] = {key, t};
    }
  }
  Target& target(uint32_t area, uint64_t period_order, Period period) {
    const uint64_t key = key_of(area, period_order);
    if (2 * (targets.size() + 1) > index.size()) grow_index();
    const size_t mask = index.size() - 1;
    size_t i = first_slot(key);
    for (; index[i].target != UINT32_MAX; i = (i + 1) & mask) {
      if (index[i].key == key) return targets[index[i].target];
    }
    index[i] = {key, static_cast<uint32_t>(targets.size())};
    Target& t = targets.emplace_back();
    t.area = area;
    t.period_order = period_order;
    t.period = period;
    return t;
  }
  bool empty() const { return targets.empty() && stations.empty(); }
  void clear() {
    targets.clear();
    std::fill(index.begin(), index.end(), IndexSlot{});
    stations.clear();
    as_of_text.clear();
    as_of_spans.clear();
  }
};

CountyDeltaBatch::CountyDeltaBatch(size_t max_targets)
    : max_targets_(max_targets), pending_(std::make_unique<Pending>()) {}

CountyDeltaBatch::~CountyDeltaBatch() = default;

void CountyDeltaBatch::add_dated(schemas::AreaCode area, schemas::LocalDate date, Metric metric,
                                 int64_t delta) {
  if (!dated_.valid || dated_.area != area.value || dated_.date != date) {
    const uint32_t city = area.prefecture().value;
    size_t n = 0;
    for (const Period period : {Period::day(date), Period::month_of(date), Period::total()}) {
      dated_.targets[n++] = target(area.value, period);
      dated_.targets[n++] = target(city, period);
    }
    dated_.valid = true;
    dated_.area = area.value;
    dated_.date = date;
  }
  for (const uint32_t t : dated_.targets) add(t, metric, delta);
}

void CountyDeltaBatch::add_exact(schemas::AreaCode area, Period period, Metric metric,
                                 int64_t delta) {
  add(target(area.value, period), metric, delta);
}

void CountyDeltaBatch::add_total(schemas::AreaCode area, Metric metric, int64_t delta) {
  add(target(area.value, Period::total()), metric, delta);
  add(target(area.prefecture().value, Period::total()), metric, delta);
}

void CountyDeltaBatch::use_station(schemas::AreaCode area, schemas::LocalDate date,
                                   std::string_view station_id) {
  station_.valid = true;
  station_.area = area.value;
  station_.city = area.prefecture().value;
  station_.date = date;
  station_.id.assign(station_id);
}

void CountyDeltaBatch::add(uint32_t target, Metric metric, int64_t delta) {
  Target& t = targets_[target];
  const auto m = static_cast<size_t>(metric);
  const uint64_t bit = uint64_t{1} << m;
  if ((t.metrics & bit) == 0) {
    t.metrics |= bit;
    ++t.metric_count;
    t.sums[m] = 0;
  }
  t.sums[m] += delta;
}

namespace {
// The sign bit flipped: unsigned order of the value is its signed order.
uint64_t period_order_of(Period period) {
  return uint64_t{static_cast<uint8_t>(period.kind)} << 32 |
         (static_cast<uint32_t>(period.value) ^ 0x80000000u);
}
}  // namespace

uint32_t CountyDeltaBatch::target(uint32_t area, Period period) {
  const uint64_t period_order = period_order_of(period);
  for (uint32_t i = 0; i < used_; ++i) {
    if (targets_[i].area == area && targets_[i].period_order == period_order) return i;
  }
  if (used_ == targets_.size()) targets_.emplace_back();
  Target& t = targets_[used_];
  t.area = area;
  t.period_order = period_order;
  t.period = period;
  t.metrics = 0;
  t.metric_count = 0;
  return used_++;
}

void CountyDeltaBatch::clear() {
  used_ = 0;
  dated_.valid = false;
  station_.valid = false;
}

bool CountyDeltaBatch::empty() const {
  return used_ == 0 && !station_.valid && pending_->empty();
}

size_t CountyDeltaBatch::pending_targets() const {
  return pending_->targets.size();
}

void CountyDeltaBatch::end_event(runtime::Emitter& out, std::string_view topic,
                                 std::string_view as_of) {
  if (max_targets_ == 0) return emit_event(out, topic, as_of);
  Pending& pending = *pending_;
  bool as_of_known = false;
  uint32_t as_of_id = 0;
  auto id = [&] {
    if (!as_of_known) as_of_id = pending.as_of_id(as_of);
    as_of_known = true;
    return as_of_id;
  };
  for (uint32_t i = 0; i < used_; ++i) {
    const Target& t = targets_[i];
    uint64_t nonzero = 0;
    for (uint64_t bits = t.metrics; bits != 0; bits &= bits - 1) {
      const auto m = static_cast<size_t>(std::countr_zero(bits));
      if (t.sums[m] != 0) nonzero |= uint64_t{1} << m;
    }
    if (nonzero == 0) continue;  // no change of this cell: it is not touched
    Pending::Target& p = pending.target(t.area, t.period_order, t.period);
    for (uint64_t bits = nonzero; bits != 0; bits &= bits - 1) {
      const auto m = static_cast<size_t>(std::countr_zero(bits));
      const uint64_t bit = uint64_t{1} << m;
      if ((p.touched & bit) == 0) {
        p.touched |= bit;
        p.sums[m] = 0;
      }
      p.sums[m] += t.sums[m];
    }
    p.as_of = id();
  }
  if (station_.valid) {
    pending.stations.push_back({station_.area, station_.city, station_.date, station_.id, id()});
  }
  clear();
  if (pending.targets.size() + pending.stations.size() > max_targets_) emit(out, topic);
}

// One event's sums, one message per area with its station, at once (max_targets_ == 0).
void CountyDeltaBatch::emit_event(runtime::Emitter& out, std::string_view topic,
                                  std::string_view as_of) {
  // (area, period) order: insertion sort of the event's handful of targets.
  std::array<uint32_t, 64> small;  // written up to used_ before it is read; not zeroed
  std::vector<uint32_t> large;
  uint32_t* order = small.data();
  if (used_ > small.size()) {
    large.resize(used_);
    order = large.data();
  }
  auto before = [&](uint32_t a, uint32_t b) {
    return std::tie(targets_[a].area, targets_[a].period_order) <
           std::tie(targets_[b].area, targets_[b].period_order);
  };
  for (uint32_t i = 0; i < used_; ++i) {
    uint32_t j = i;
    for (; j > 0 && before(i, order[j - 1]); --j) order[j] = order[j - 1];
    order[j] = i;
  }
  // The station's areas get a message even if no metric of theirs changes.
  uint32_t station_areas[2] = {std::min(station_.area, station_.city),
                               std::max(station_.area, station_.city)};
  size_t next_station = station_.valid ? 0 : 2;
  size_t next = 0;
  while (next < used_ || next_station < 2) {
    uint32_t area = next < used_ ? targets_[order[next]].area : UINT32_MAX;
    if (next_station < 2 && station_areas[next_station] <= area) {
      area = station_areas[next_station];
      ++next_station;
      if (next_station < 2 && station_areas[next_station] == area) ++next_station;
    }
    size_t end = next;
    size_t max_changes = 0;
    for (; end < used_ && targets_[order[end]].area == area; ++end) {
      max_changes += targets_[order[end]].metric_count;
    }
    message_.begin(area, as_of, max_changes);
    for (; next < end; ++next) {
      const Target& t = targets_[order[next]];
      for (uint64_t bits = t.metrics; bits != 0; bits &= bits - 1) {
        const auto m = static_cast<size_t>(std::countr_zero(bits));
        if (t.sums[m] != 0) message_.add(t.period, static_cast<Metric>(m), t.sums[m]);
      }
    }
    if (station_.valid && (area == station_.area || area == station_.city)) {
      message_.station(station_.date, station_.id);
    }
    if (message_.size() == 0 && !message_.has_station()) continue;
    key_ = schemas::AreaCode{area}.digits();  // the key is the six-digit area code
    out.emit(topic, std::string_view(key_.data(), key_.size()), message_.finish());
  }
  clear();
}

void CountyDeltaBatch::emit(runtime::Emitter& out, std::string_view topic) {
  Pending& pending = *pending_;
  if (pending.empty()) return;
  std::vector<Pending::Entry>& entries = pending.entries;
  entries.clear();
  for (uint32_t i = 0; i < pending.targets.size(); ++i) {
    const Pending::Target& t = pending.targets[i];
    entries.push_back({t.area, t.as_of, t.period_order, i});
  }
  for (uint32_t i = 0; i < pending.stations.size(); ++i) {
    const Pending::Station& station = pending.stations[i];
    entries.push_back({station.area, station.as_of, 0, Pending::kStation | i});
    entries.push_back({station.city, station.as_of, 0, Pending::kStation | i});
  }
  std::sort(entries.begin(), entries.end());
  for (size_t begin = 0; begin < entries.size();) {
    size_t end = begin;
    while (end < entries.size() && entries[end].area == entries[begin].area) ++end;
    emit_area(out, topic, begin, end);
    begin = end;
  }
  pending.clear();
}

// The deltas of one area: entries [begin, end), one delta per as_of, split where a delta would
// pass kMaxChanges; the first delta of an as_of carries its first station, a delta of its own
// each further one (one station per delta). Sent as lists of at most about kMaxListBytes.
void CountyDeltaBatch::emit_area(runtime::Emitter& out, std::string_view topic, size_t begin,
                                 size_t end) {
  Pending& pending = *pending_;
  const std::vector<Pending::Entry>& entries = pending.entries;
  const uint32_t area = entries[begin].area;
  key_ = schemas::AreaCode{area}.digits();  // the key is the six-digit area code
  const std::string_view key(key_.data(), key_.size());
  list_.start();
  auto send = [&] {
    if (message_.size() == 0 && !message_.has_station()) return;
    const std::string_view delta = message_.finish();
    if (list_.size() > 0 &&
        (list_.bytes() + delta.size() > kMaxListBytes || list_.size() == UINT16_MAX)) {
      out.emit(topic, key, list_.message());
      list_.start();
    }
    list_.add(delta);
  };
  // The station of a marker, or null for a target.
  auto station_at = [&](size_t i) -> const Pending::Station* {
    const uint32_t target = entries[i].target;
    if ((target & Pending::kStation) == 0) return nullptr;
    return &pending.stations[target & ~Pending::kStation];
  };
  while (begin < end) {
    const uint32_t as_of_id = entries[begin].as_of;
    const size_t group_begin = begin;
    size_t group_end = begin;
    size_t changes = 0;
    size_t first_station = end;  // none
    for (; group_end < end && entries[group_end].as_of == as_of_id; ++group_end) {
      if (station_at(group_end) != nullptr) {
        first_station = std::min(first_station, group_end);
      } else {
        changes +=
            static_cast<size_t>(std::popcount(pending.targets[entries[group_end].target].touched));
      }
    }
    const std::string_view as_of = pending.as_of(as_of_id);
    const size_t capacity = std::min(changes, kMaxChanges + kMetricCount);
    message_.begin(area, as_of, capacity);
    if (first_station != end) {
      const Pending::Station& station = *station_at(first_station);
      message_.station(station.date, station.id);
    }
    for (; begin < group_end; ++begin) {
      if (station_at(begin) != nullptr) continue;
      const Pending::Target& t = pending.targets[entries[begin].target];
      if (message_.size() + static_cast<size_t>(std::popcount(t.touched)) > capacity) {
        send();  // a whole cell per message
        message_.begin(area, as_of, capacity);
      }
      for (uint64_t bits = t.touched; bits != 0; bits &= bits - 1) {
        const auto m = static_cast<size_t>(std::countr_zero(bits));
        message_.add(t.period, static_cast<Metric>(m), t.sums[m]);
      }
    }
    send();
    // Events with the same as_of and a station each: the further stations, one delta each.
    for (size_t i = group_begin; first_station != end && i < group_end; ++i) {
      const Pending::Station* station = station_at(i);
      if (station == nullptr || i == first_station) continue;
      message_.begin(area, as_of, 0);
      message_.station(station->date, station->id);
      send();
    }
  }
  if (list_.size() > 0) out.emit(topic, key, list_.message());
}

}  // namespace leifeng::processors
