// Hand-made county statistics for two months of 平顶山市, shared by the report tests. The
// expected figures in the tests are worked out by hand from these records.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "leifeng/schemas/records.hpp"

namespace leifeng::report::testing {

inline schemas::CountyStatsRecord stats(std::string area, std::string period,
                                        std::map<std::string, int64_t> metrics,
                                        int64_t revision = 1) {
  return {std::move(area), std::move(period), std::move(metrics), revision,
          "2027-03-31T20:00:00+08:00"};
}

// 2027-03 against 2027-02:
//   新华区 410402  750 min (12.5 h) vs 600 min (10.0 h): +2.5 h, +25.0 %
//   宝丰县 410421  125 min (2.1 h), no February record: change —
//   卫东区 410403  nothing in March, 90 min (1.5 h) in February: -1.5 h, -100.0 %
//   平顶山市 410400 875 min (14.6 h) vs 600 min: +275 min = +4.6 h, +45.8 %
inline std::vector<schemas::CountyStatsRecord> two_months() {
  return {
      // An older revision of the same key (a topic read without compaction): ignored.
      stats("410402", "2027-03", {{"hours.minutes_verified", 1}}, 3),
      stats("410402", "2027-03",
            {{"hours.minutes_verified", 750},
             {"hours.minutes_verified.neighborhood_watch", 450},
             {"hours.minutes_verified.online_campaign", 300},
             {"volunteers.active", 4},
             {"activities.published", 3},
             {"activities.completed", 2},
             {"activities.participants", 25},
             {"needs.posted", 5},
             {"needs.fulfilled", 2},
             {"needs.fulfil_minutes", 300}},
            7),
      stats("410421", "2027-03",
            {{"hours.minutes_verified", 125},
             {"hours.minutes_verified.caring_dedication", 125},
             {"volunteers.active", 1},
             {"needs.posted", 1}}),
      stats("410400", "2027-03",
            {{"hours.minutes_verified", 875},
             {"hours.minutes_verified.neighborhood_watch", 450},
             {"hours.minutes_verified.caring_dedication", 125},
             {"hours.minutes_verified.online_campaign", 300},
             {"volunteers.active", 5},
             {"activities.published", 3},
             {"activities.completed", 2},
             {"activities.participants", 25},
             {"needs.posted", 6},
             {"needs.fulfilled", 2},
             {"needs.fulfil_minutes", 300}}),
      stats("410402", "2027-02", {{"hours.minutes_verified", 600}}),
      stats("410403", "2027-02", {{"hours.minutes_verified", 90}}),
      stats("410400", "2027-02", {{"hours.minutes_verified", 600}}),
      // Periods the report does not read.
      stats("410402", "2027-03-05", {{"hours.minutes_verified", 999}}),
      stats("410402", "2027-01", {{"hours.minutes_verified", 999}}),
      stats("410402", "total",
            {{"hours.minutes_verified", 5000},
             {"volunteers.registered", 10},
             {"volunteers.starred.1", 3},
             {"volunteers.starred.2", 1}}),
      stats("410421", "total", {{"volunteers.registered", 2}}),
      stats("410400", "total",
            {{"volunteers.registered", 12},
             {"volunteers.starred.1", 3},
             {"volunteers.starred.2", 1}}),
  };
}

}  // namespace leifeng::report::testing
