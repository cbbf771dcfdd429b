#include "serve/query_routes.hpp"

#include <fmt/format.h>

#include <array>
#include <exception>
#include <string_view>
#include <utility>

#include "leifeng/processors/county_stats.hpp"
#include "leifeng/processors/ledger.hpp"
#include "leifeng/processors/needs.hpp"
#include "leifeng/processors/star_history.hpp"
#include "leifeng/runtime/typed_store.hpp"
#include "leifeng/schemas/domain.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::app {
namespace {

using runtime::QueryResult;
using runtime::QueryStatus;

// The stores of processors::topology() (each named after its processor's kStoreName).
constexpr const char* kVolunteers = processors::LedgerProcessor::kStoreName;
constexpr const char* kStarHistory = processors::LedgerProcessor::kHistoryStoreName;
constexpr const char* kNeeds = processors::NeedsProcessor::kStoreName;
constexpr const char* kCountyStats = processors::CountyStatsProcessor::kStoreName;

QueryAnswer json(int status, std::string body) {
  QueryAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

QueryAnswer error(int status, std::string_view code, std::string_view detail,
                  std::string_view field = {}) {
  std::string body = fmt::format(R"({{"error":{})", json_string(code));
  if (!field.empty()) body += fmt::format(R"(,"field":{})", json_string(field));
  body += fmt::format(R"(,"detail":{}}})", json_string(detail));
  return json(status, std::move(body));
}

// What a query that did not read local state answers: 503 with Retry-After while the
// instance is not ready, the owner's partition for the server to forward to, or an error.
std::optional<QueryAnswer> unless_read(const QueryResult& result, const char* store) {
  switch (result.status) {
    case QueryStatus::ok:
      return std::nullopt;
    case QueryStatus::not_ready: {
      QueryAnswer answer =
          error(503, "not_ready",
                fmt::format("this instance is {}; its state is not served until it is ready",
                            runtime::readiness_name(result.readiness)));
      answer.retry_after_seconds = 1;
      return answer;
    }
    case QueryStatus::not_here: {
      QueryAnswer answer;
      answer.status = 0;
      answer.store = store;
      answer.partition = result.partition;
      return answer;
    }
    case QueryStatus::unknown_store:
      break;
  }
  return error(500, "internal", fmt::format("the topology has no store '{}'", store));
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

// SPEC §5 periods: YYYY-MM-DD, YYYY-MM or total.
std::optional<processors::Period> parse_period(std::string_view text) {
  if (text == "total") return processors::Period::total();
  if (text.size() == 10) {
    if (auto date = schemas::parse_date(text)) return processors::Period::day(*date);
    return std::nullopt;
  }
  if (text.size() == 7) {
    auto date = schemas::parse_date(std::string(text) + "-01");
    if (!date) return std::nullopt;
    processors::Period month = processors::Period::month_of(*date);
    if (month.str() != text) return std::nullopt;
    return month;
  }
  return std::nullopt;
}

std::optional<schemas::AreaCode> parse_area(std::string_view text) {
  auto area = schemas::parse_area_code(text);
  if (!area || area->value < 100000) return std::nullopt;
  return area;
}

const char* kAreaRule = "six digits of a county or city area code (GB/T 2260), e.g. 410402";

std::string state_name(processors::LogState state) {
  switch (state) {
    case processors::LogState::submitted:
      return "submitted";
    case processors::LogState::verified:
      return "verified";
    case processors::LogState::rejected:
      return "rejected";
    case processors::LogState::revoked:
      return "revoked";
  }
  return "submitted";
}

}  // namespace

std::string json_string(std::string_view text) {
  std::string out = "\"";
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (byte == '"' || byte == '\\') {
        out += '\\';
        out += static_cast<char>(byte);
      } else if (byte < 0x20) {
        out += fmt::format("\\u{:04x}", byte);
      } else {
        out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence is copied; anything else becomes U+FFFD.
    size_t length = 0;
    uint32_t min = 0;
    if ((byte & 0xE0) == 0xC0) {
      length = 2;
      min = 0x80;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      min = 0x800;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      min = 0x10000;
    }
    bool valid = length != 0 && i + length <= text.size();
    uint32_t code = valid ? byte & (0x7F >> length) : 0;
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    valid = valid && code >= min && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out += '"';
  return out;
}

QueryRoutes::QueryRoutes(const runtime::StateReader& state, QueryIdentity self,
                         std::function<std::vector<runtime::InstanceInfo>()> instances)
    : state_(state), self_(std::move(self)), instances_(std::move(instances)) {}

QueryAnswer QueryRoutes::answer(const QueryRequest& request) const {
  try {
    return answer_unchecked(request);
  } catch (const std::exception& e) {
    return error(500, "internal", e.what());
  }
}

QueryAnswer QueryRoutes::answer_unchecked(const QueryRequest& request) const {
  const std::vector<std::string_view> path = split_path(request.path);
  // path[0] is the empty text before the leading slash.
  if (path.size() < 3 || !path[0].empty() || path[1] != "v1")
    return error(404, "no_route", "no such path; see GET /v1/metadata and the README");
  const std::string_view kind = path[2];
  if (kind == "metadata" && path.size() == 3) return metadata();
  if (path.size() >= 4 && path[3].empty())
    return error(400, "bad_request", "the id is empty", "id");
  if (kind == "volunteers" && path.size() == 4) return volunteer(std::string(path[3]));
  if (kind == "volunteers" && path.size() == 5 && path[4] == "star-changes")
    return star_changes(std::string(path[3]));
  if (kind == "needs" && path.size() == 4) return need(std::string(path[3]));
  if (kind == "counties" && path.size() == 4) return county_days(std::string(path[3]), request);
  if (kind == "counties" && path.size() == 5)
    return county_cell(std::string(path[3]), std::string(path[4]));
  return error(404, "no_route", "no such path; see GET /v1/metadata and the README");
}

std::string QueryRoutes::committed_json(const char* store, const QueryResult& result) const {
  // A standby copy's answer says so, with how far the copy is behind its changelog.
  const std::string standby =
      result.standby ? fmt::format(R"(,"served_by":"standby","standby_lag":{})", result.standby_lag)
                     : std::string();
  return fmt::format(
      R"({{"instance_id":{},"store":{},"partition":{},"changelog_offset":{},"as_of":{}{}}})",
      json_string(self_.instance_id), json_string(store), result.partition, result.changelog_offset,
      json_string(result.as_of), standby);
}

QueryAnswer QueryRoutes::volunteer(const std::string& id) const {
  const QueryResult result =
      state_.get(kVolunteers, runtime::partition_for_key(id, state_.partitions(kVolunteers)), id);
  if (auto answer = unless_read(result, kVolunteers)) return *answer;
  if (result.entries.empty())
    return error(404, "not_found", fmt::format("no volunteer with id {}", json_string(id)));
  const auto state =
      runtime::TypedStore<processors::VolunteerState>::decode(result.entries.front().second);
  std::array<int64_t, 4> counts{};
  for (size_t i = 0; i < state.logs.size(); ++i) ++counts[static_cast<size_t>(state.logs[i].state)];
  std::string logs = "{";
  for (size_t s = 0; s < counts.size(); ++s) {
    if (s > 0) logs += ',';
    logs += fmt::format(R"("{}":{})", state_name(static_cast<processors::LogState>(s)), counts[s]);
  }
  logs += '}';
  return json(
      200, fmt::format(R"({{"stars":{},"hour_logs":{},"committed":{}}})",
                       schemas::to_json(processors::LedgerProcessor::star_record(id, state)), logs,
                       committed_json(kVolunteers, result)));
}

QueryAnswer QueryRoutes::star_changes(const std::string& id) const {
  // Both stores of the ledger's task: the same partition.
  const int32_t partition = runtime::partition_for_key(id, state_.partitions(kStarHistory));
  const QueryResult result = state_.get(kStarHistory, partition, id);
  if (auto answer = unless_read(result, kStarHistory)) return *answer;
  processors::StarHistory history;
  if (!result.entries.empty()) {
    history = runtime::TypedStore<processors::StarHistory>::decode(result.entries.front().second);
  } else {
    // No star change yet: a known volunteer has an empty history, an unknown one is 404.
    const QueryResult volunteer = state_.get(kVolunteers, partition, id);
    if (auto answer = unless_read(volunteer, kVolunteers)) return *answer;
    if (volunteer.entries.empty())
      return error(404, "not_found", fmt::format("no volunteer with id {}", json_string(id)));
  }
  std::string changes = "[";
  for (const schemas::StarChange& change : history.records(id)) {
    if (changes.size() > 1) changes += ',';
    changes += schemas::to_json(change);
  }
  changes += ']';
  return json(
      200,
      fmt::format(R"({{"volunteer_id":{},"star_changes":{},"total":{},"committed":{}}})",
                  json_string(id), changes, history.total, committed_json(kStarHistory, result)));
}

QueryAnswer QueryRoutes::need(const std::string& id) const {
  const QueryResult result =
      state_.get(kNeeds, runtime::partition_for_key(id, state_.partitions(kNeeds)), id);
  if (auto answer = unless_read(result, kNeeds)) return *answer;
  if (result.entries.empty())
    return error(404, "not_found", fmt::format("no need with id {}", json_string(id)));
  const auto state =
      runtime::TypedStore<processors::NeedState>::decode(result.entries.front().second);
  return json(200,
              fmt::format(R"({{"needs_status":{},"committed":{}}})",
                          schemas::to_json(processors::NeedsProcessor::status_record(id, state)),
                          committed_json(kNeeds, result)));
}

QueryAnswer QueryRoutes::county_cell(const std::string& area_text,
                                     const std::string& period_text) const {
  const auto area = parse_area(area_text);
  if (!area) return error(400, "bad_request", fmt::format("area must be {}", kAreaRule), "area");
  const auto period = parse_period(period_text);
  if (!period)
    return error(400, "bad_request", "period must be YYYY-MM-DD, YYYY-MM or total", "period");
  // County-stats partitions follow the county-deltas stream, keyed by the six-digit code.
  const std::string code = area->str();
  std::string key;
  processors::CountyStatsProcessor::cell_key(key, area->value, *period);
  const QueryResult result = state_.get(
      kCountyStats, runtime::partition_for_key(code, state_.partitions(kCountyStats)), key);
  if (auto answer = unless_read(result, kCountyStats)) return *answer;
  if (result.entries.empty())
    return error(404, "not_found",
                 fmt::format("no county statistics for {}/{}", code, period->str()));
  const auto cell =
      runtime::TypedStore<processors::CountyCell>::decode(result.entries.front().second);
  return json(200, fmt::format(R"({{"county_stats":{},"committed":{}}})",
                               schemas::to_json(processors::CountyStatsProcessor::record_of(cell)),
                               committed_json(kCountyStats, result)));
}

QueryAnswer QueryRoutes::county_days(const std::string& area_text,
                                     const QueryRequest& request) const {
  const auto area = parse_area(area_text);
  if (!area) return error(400, "bad_request", fmt::format("area must be {}", kAreaRule), "area");
  auto date_param = [&](const char* name) -> std::optional<schemas::LocalDate> {
    auto it = request.params.find(name);
    if (it == request.params.end()) return std::nullopt;
    return schemas::parse_date(it->second);
  };
  const auto from = date_param("from");
  if (!from)
    return error(400, "bad_request", "from must be a date YYYY-MM-DD (the first day)", "from");
  const auto to = date_param("to");
  if (!to) return error(400, "bad_request", "to must be a date YYYY-MM-DD (the last day)", "to");
  if (to->days < from->days) return error(400, "bad_request", "to must not be before from", "to");
  if (to->days - from->days >= kMaxRangeDays)
    return error(400, "bad_request",
                 fmt::format("a range has at most {} days", QueryRoutes::kMaxRangeDays), "to");
  const std::string code = area->str();
  // Day cells of one area are adjacent in the store, in date order: one scan.
  std::string first;
  std::string last;
  processors::CountyStatsProcessor::cell_key(first, area->value, processors::Period::day(*from));
  processors::CountyStatsProcessor::cell_key(last, area->value, processors::Period::day(*to));
  const QueryResult result =
      state_.range(kCountyStats, runtime::partition_for_key(code, state_.partitions(kCountyStats)),
                   first, last, static_cast<size_t>(kMaxRangeDays));
  if (auto answer = unless_read(result, kCountyStats)) return *answer;
  std::string days = "[";
  for (const auto& [key, value] : result.entries) {
    if (days.size() > 1) days += ',';
    days += schemas::to_json(processors::CountyStatsProcessor::record_of(
        runtime::TypedStore<processors::CountyCell>::decode(value)));
  }
  days += ']';
  return json(
      200, fmt::format(R"({{"area_code":"{}","from":"{}","to":"{}","days":{},"committed":{}}})",
                       code, from->str(), to->str(), days, committed_json(kCountyStats, result)));
}

QueryAnswer QueryRoutes::metadata() const {
  auto stores_json = [](const std::map<std::string, std::vector<int32_t>>& stores) {
    std::string out = "{";
    for (const auto& [store, partitions] : stores) {
      if (out.size() > 1) out += ',';
      out += json_string(store) + ":[";
      for (size_t i = 0; i < partitions.size(); ++i)
        out += (i > 0 ? "," : "") + std::to_string(partitions[i]);
      out += ']';
    }
    return out + "}";
  };
  std::string partitions = "{";
  for (const char* store : {kVolunteers, kStarHistory, kNeeds, kCountyStats}) {
    if (partitions.size() > 1) partitions += ',';
    partitions += fmt::format(R"("{}":{})", store, state_.partitions(store));
  }
  partitions += '}';
  std::string instances = "[";
  if (instances_) {
    for (const runtime::InstanceInfo& instance : instances_()) {
      if (instances.size() > 1) instances += ',';
      instances += fmt::format(R"({{"instance_id":{},"address":{},"stores":{},"updated_ms":{}}})",
                               json_string(instance.instance_id), json_string(instance.address),
                               stores_json(instance.stores), instance.updated_ms);
    }
  }
  instances += ']';
  return json(
      200,
      fmt::format(
          R"({{"instance_id":{},"address":{},"readiness":"{}","partitions":{},"stores":{},"instances":{}}})",
          json_string(self_.instance_id), json_string(self_.address),
          runtime::readiness_name(state_.readiness()), partitions, stores_json(state_.owned()),
          instances));
}

}  // namespace leifeng::app
