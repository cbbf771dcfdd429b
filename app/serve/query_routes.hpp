// The domain's query routes (issue 15; README "Querying the state"): what each GET path of
// the query server reads from which store, and the JSON it answers. A pure function of the
// request and the runtime's StateReader, so the routes are tested without a socket or Kafka:
//   /v1/volunteers/{id}                the stars record (SPEC §6) and hour-log counts by state
//   /v1/volunteers/{id}/star-changes   the volunteer's latest star changes (SPEC §6), oldest
//                                      first, and how many there were in all
//   /v1/counties/{area}/{period}       one county-stats cell (SPEC §5)
//   /v1/counties/{area}?from=&to=      the day cells of a date range (one range scan)
//   /v1/needs/{id}                     the needs-status record
//   /v1/metadata                       which instance serves which partition of which store
// A key whose partition this instance does not own is answered `not_here`, with the store and
// partition, for the server to forward (query_server.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "leifeng/runtime/instance_directory.hpp"
#include "leifeng/runtime/queryable_state.hpp"

namespace leifeng::app {

struct QueryRequest {
  std::string path;                           // decoded, without the query string
  std::map<std::string, std::string> params;  // query string parameters (the last of a name)
};

struct QueryAnswer {
  int status = 200;
  std::string body;  // JSON
  // 503: seconds for Retry-After.
  int retry_after_seconds = 0;
  // status 0: another instance owns `store` partition `partition`; forward or give up.
  std::string store;
  int32_t partition = -1;
  bool not_here() const { return status == 0; }
};

struct QueryIdentity {
  std::string instance_id;
  std::string address;  // this instance's advertised host:port
};

class QueryRoutes {
 public:
  // `instances` lists the instances known from the directory (this one included or not);
  // null = a single instance.
  QueryRoutes(const runtime::StateReader& state, QueryIdentity self,
              std::function<std::vector<runtime::InstanceInfo>()> instances = {});

  // Never throws: a failure reading or decoding state is a 500 JSON error.
  QueryAnswer answer(const QueryRequest& request) const;

  // Longest date range /v1/counties/{area}?from=&to= answers (days, both ends included).
  static constexpr int kMaxRangeDays = 1000;

 private:
  QueryAnswer answer_unchecked(const QueryRequest& request) const;
  QueryAnswer volunteer(const std::string& id) const;
  QueryAnswer star_changes(const std::string& id) const;
  QueryAnswer county_cell(const std::string& area, const std::string& period) const;
  QueryAnswer county_days(const std::string& area, const QueryRequest& request) const;
  QueryAnswer need(const std::string& id) const;
  QueryAnswer metadata() const;
  // The JSON object saying what the answer is consistent with.
  std::string committed_json(const char* store, const runtime::QueryResult& result) const;

  const runtime::StateReader& state_;
  QueryIdentity self_;
  std::function<std::vector<runtime::InstanceInfo>()> instances_;
};

// JSON string literal of `text` (quotes included); bytes that are not UTF-8 become U+FFFD.
std::string json_string(std::string_view text);

}  // namespace leifeng::app
