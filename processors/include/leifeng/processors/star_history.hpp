// A volunteer's latest star changes, kept by the ledger in its store `star-history` (key =
// volunteer id) so that the query server can answer GET /v1/volunteers/{id}/star-changes from
// committed state like every other query. The star-changes output is a stream; this is its
// queryable tail. Bounded: the latest kKept changes and the count of all of them. Written only
// when a star change is emitted, so an event that changes no level costs nothing here.
#pragma once

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "leifeng/schemas/records.hpp"

namespace leifeng::processors {

struct StarHistory {
  // Changes kept per volunteer; with five levels a volunteer rarely has more than ten.
  static constexpr size_t kKept = 100;

  // The SPEC §6 star-changes record without volunteer_id (the store's key).
  struct Change {
    int32_t from_level = 0;
    int32_t to_level = 0;
    int64_t minutes_verified = 0;
    int64_t mean_quality_x100 = 0;
    std::string cause_event_id;
    std::string occurred_at;

    template <class Archive>
    void serialize(Archive& ar) {
      ar(from_level, to_level, minutes_verified, mean_quality_x100, cause_event_id, occurred_at);
    }
  };

  int64_t total = 0;           // every change ever recorded, the dropped ones included
  std::vector<Change> latest;  // oldest first, at most kKept

  // Appends the change the ledger emitted, dropping the oldest beyond kKept.
  void add(const schemas::StarChange& change);
  // The kept changes as SPEC §6 records of `volunteer_id`, oldest first.
  std::vector<schemas::StarChange> records(const std::string& volunteer_id) const;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(total, latest);
  }
};

}  // namespace leifeng::processors
