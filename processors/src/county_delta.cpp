#include "leifeng/processors/county_delta.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

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
// date (4, days since 1970-01-01), station id size (2), station id. Little-endian hosts only
// (x86-64, arm64), fields copied with memcpy at a moving pointer.
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
  // Both areas get a message even if no metric of theirs changes.
  target(station_.area, Period::total());
  target(station_.city, Period::total());
}

void CountyDeltaBatch::add(uint32_t target, Metric metric, int64_t delta) {
  Target& t = targets_[target];
  const auto m = static_cast<size_t>(metric);
  const uint64_t bit = uint64_t{1} << m;
  if ((t.metrics & bit) == 0) {
    t.metrics |= bit;
    t.sums[m] = 0;
  }
  t.sums[m] += delta;
}

uint32_t CountyDeltaBatch::target(uint32_t area, Period period) {
  // The sign bit flipped: unsigned order of the value is its signed order.
  const uint64_t period_order = uint64_t{static_cast<uint8_t>(period.kind)} << 32 |
                                (static_cast<uint32_t>(period.value) ^ 0x80000000u);
  const auto used = static_cast<uint32_t>(order_.size());
  for (uint32_t i = 0; i < used; ++i) {
    if (targets_[i].area == area && targets_[i].period_order == period_order) return i;
  }
  if (used == targets_.size()) targets_.emplace_back();
  Target& t = targets_[used];
  t.area = area;
  t.period_order = period_order;
  t.period = period;
  t.metrics = 0;
  // Insertion into the (area, period) order: a few targets per event.
  auto before = [&](uint32_t index) {
    const Target& other = targets_[index];
    return area < other.area || (area == other.area && period_order < other.period_order);
  };
  order_.insert(std::find_if(order_.begin(), order_.end(), before), used);
  return used;
}

void CountyDeltaBatch::clear() {
  order_.clear();
  dated_.valid = false;
  station_.valid = false;
}

void CountyDeltaBatch::emit(runtime::Emitter& out, std::string_view topic, std::string_view as_of) {
  size_t next = 0;
  while (next < order_.size()) {
    const uint32_t area = targets_[order_[next]].area;
    size_t end = next;
    size_t max_changes = 0;
    for (; end < order_.size() && targets_[order_[end]].area == area; ++end) {
      max_changes += static_cast<size_t>(std::popcount(targets_[order_[end]].metrics));
    }
    message_.begin(area, as_of, max_changes);
    for (; next < end; ++next) {
      const Target& t = targets_[order_[next]];
      for (uint64_t bits = t.metrics; bits != 0; bits &= bits - 1) {
        const auto m = static_cast<size_t>(std::countr_zero(bits));
        if (t.sums[m] != 0) message_.add(t.period, static_cast<Metric>(m), t.sums[m]);
      }
    }
    if (station_.valid && (area == station_.area || area == station_.city)) {
      message_.station(station_.date, station_.id);
    }
    if (message_.size() == 0 && !message_.has_station()) continue;
    // The key is the six-digit area code.
    uint32_t digits = area % 1000000;
    for (size_t d = key_.size(); d-- > 0; digits /= 10)
      key_[d] = static_cast<char>('0' + digits % 10);
    out.emit(topic, std::string_view(key_.data(), key_.size()), message_.finish());
  }
  clear();
}

}  // namespace leifeng::processors
