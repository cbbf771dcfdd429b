// Drives the application's topology the way the live runtime does (decode with topic and key,
// county deltas through their repartition stream), in process, with a recording emitter.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "leifeng/processors/activities.hpp"
#include "leifeng/processors/county_stats.hpp"
#include "leifeng/processors/ledger.hpp"
#include "leifeng/processors/matching.hpp"
#include "leifeng/processors/needs.hpp"
#include "leifeng/processors/wiring.hpp"
#include "leifeng/runtime/in_memory_runner.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::processors::testing {

struct Emitted {
  std::string topic;
  std::string key;
  std::string value;
};

// The application's topology (processors::topology()) in an InMemoryRunner, as every
// in-process driver runs it, with the live options: a table record after every update, dead
// letters named by Kafka topic. `with_stores`: the state goes through MemoryStores, so a test
// can flush, restart the processors and find the state again.
class Pipeline : public runtime::Emitter {
 public:
  explicit Pipeline(DomainConfig config = {}, bool with_stores = false)
      : runner_(processors::topology(options_of(std::move(config)), "leifeng"), *this,
                with_stores ? runtime::InMemoryRunner::State::in_stores
                            : runtime::InMemoryRunner::State::in_processors) {}

  // Recreates the processors over the same stores (a restart after a flush).
  void restart() { runner_.restart(); }
  void flush() { runner_.flush(); }
  int64_t routed(std::string_view stream) const { return runner_.routed(stream); }
  const runtime::MemoryStore& store(std::string_view name) const {
    const runtime::MemoryStore* store = runner_.store(name);
    if (store == nullptr) throw std::logic_error("no store " + std::string(name));
    return *store;
  }

  void emit(std::string_view topic, std::string_view key, std::string_view value) override {
    // County deltas never come here: the runner delivers them to the county processor, which
    // dead-letters one it cannot decode, naming the stream's topic.
    if (topic == outputs::kDeadLetter && value.find(kCountyDeltasTopic) != std::string_view::npos)
      ++county_deltas_dead_lettered;
    emitted.push_back({std::string(topic), std::string(key), std::string(value)});
  }

  // Sends one message to the processor of input `topic` with message key `key` (nullopt: a
  // Kafka message without a key). Every county delta it causes must be applied: an input event
  // is its own commit interval for the county deltas its processor sums up (before_commit),
  // unless `sum_deltas` is set (then flush() sends them).
  runtime::Outcome send(std::string_view topic, std::optional<std::string_view> key,
                        const std::string& value) {
    ++offset_;
    const int64_t bad_deltas_before = county_deltas_dead_lettered;
    const runtime::Outcome outcome = runner_.process({topic, 0, offset_, key, value});
    if (!sum_deltas) {
      runtime::Processor& processor = runner_.processor_of(topic);
      if (dynamic_cast<EventProcessor*>(&processor) != nullptr)
        processor.before_commit(runner_.emitter());
    }
    ++outcomes[outcome];
    EXPECT_EQ(county_deltas_dead_lettered, bad_deltas_before) << "after " << value;
    return outcome;
  }
  // Sends one county-delta message, encoded as on the repartition topic.
  runtime::Outcome send_deltas(const CountyDelta& delta) {
    return send(inputs::kCountyDeltas, delta.area.str(), encode_county_delta(delta));
  }

  // Records emitted to `topic` since the last clear.
  std::vector<Emitted> on(std::string_view topic) const {
    std::vector<Emitted> result;
    for (const auto& e : emitted) {
      if (e.topic == topic) result.push_back(e);
    }
    return result;
  }
  // The keys of the records emitted to `topic` since the last clear, in emission order.
  std::vector<std::string> keys_on(std::string_view topic) const {
    std::vector<std::string> keys;
    for (const auto& e : on(topic)) keys.push_back(e.key);
    return keys;
  }
  std::optional<schemas::DeadLetterRecord> last_dead_letter() const {
    auto letters = on(outputs::kDeadLetter);
    if (letters.empty()) return std::nullopt;
    return schemas::dead_letter_from_json(letters.back().value);
  }
  std::optional<schemas::StarRecord> last_star(const std::string& volunteer) const {
    for (auto it = emitted.rbegin(); it != emitted.rend(); ++it) {
      if (it->topic == outputs::kStars && it->key == volunteer) {
        return schemas::star_record_from_json(it->value);
      }
    }
    return std::nullopt;
  }
  // A county metric now (0 when the cell or metric does not exist).
  int64_t metric(uint32_t area, Period period, Metric metric) {
    const CountyCell* cell = county().find(schemas::AreaCode{area}, period);
    return cell == nullptr ? 0 : cell->metrics[static_cast<size_t>(metric)];
  }

  LedgerProcessor& ledger() { return processor<LedgerProcessor>(inputs::kHours); }
  NeedsProcessor& needs() { return processor<NeedsProcessor>(inputs::kNeeds); }
  ActivitiesProcessor& activities() { return processor<ActivitiesProcessor>(inputs::kActivities); }
  CountyStatsProcessor& county() { return processor<CountyStatsProcessor>(inputs::kCountyDeltas); }
  MatchingProcessor& matching() { return processor<MatchingProcessor>(inputs::kMatchChanges); }

  static constexpr std::string_view kCountyDeltasTopic = "\"leifeng-county-deltas\"";
  std::vector<Emitted> emitted;
  std::map<runtime::Outcome, int64_t> outcomes;
  bool sum_deltas = false;
  int64_t county_deltas_dead_lettered = 0;

 private:
  static ProcessorOptions options_of(DomainConfig config) {
    ProcessorOptions options;
    options.config = std::move(config);
    options.source.topic_prefix = "leifeng";
    return options;
  }
  template <class P>
  P& processor(std::string_view input) {
    return dynamic_cast<P&>(runner_.processor_of(input));
  }

  runtime::InMemoryRunner runner_;
  int64_t offset_ = 0;
};

// Builders of input events (SPEC §3). `at` is the occurred_at.
inline std::string envelope(const std::string& id, const std::string& type, const std::string& at) {
  return "{\"event_id\":\"" + id + "\",\"type\":\"" + type +
         "\",\"schema_version\":1,\"occurred_at\":\"" + at + "\"";
}
inline std::string q(const std::string& s) {
  return "\"" + s + "\"";
}

inline std::string registered(const std::string& id, const std::string& vol,
                              const std::string& area, bool party,
                              const std::string& at = "2027-03-01T08:00:00+08:00") {
  return envelope(id, "volunteer.registered", at) + ",\"volunteer_id\":" + q(vol) +
         ",\"area_code\":" + q(area) + ",\"party_member\":" + (party ? "true" : "false") + "}";
}
inline std::string updated(const std::string& id, const std::string& vol, const std::string& fields,
                           const std::string& at = "2027-03-01T08:30:00+08:00") {
  return envelope(id, "volunteer.updated", at) + ",\"volunteer_id\":" + q(vol) + "," + fields + "}";
}
inline std::string submitted(const std::string& id, const std::string& vol, const std::string& log,
                             const std::string& area, const std::string& date, int minutes,
                             const std::string& category = "neighborhood_watch",
                             const std::string& at = "2027-04-30T20:00:00+08:00") {
  return envelope(id, "hours.submitted", at) + ",\"volunteer_id\":" + q(vol) +
         ",\"log_id\":" + q(log) + ",\"activity_id\":\"act-1\",\"area_code\":" + q(area) +
         ",\"category\":" + q(category) + ",\"service_date\":" + q(date) +
         ",\"minutes\":" + std::to_string(minutes) + "}";
}
inline std::string verified(const std::string& id, const std::string& vol, const std::string& log,
                            int quality, const std::string& at = "2027-05-01T09:00:00+08:00") {
  return envelope(id, "hours.verified", at) + ",\"volunteer_id\":" + q(vol) +
         ",\"log_id\":" + q(log) +
         ",\"verifier_id\":\"org-1\",\"quality\":" + std::to_string(quality) + "}";
}
inline std::string rejected(const std::string& id, const std::string& vol, const std::string& log,
                            const std::string& at = "2027-05-01T09:00:00+08:00") {
  return envelope(id, "hours.rejected", at) + ",\"volunteer_id\":" + q(vol) +
         ",\"log_id\":" + q(log) + ",\"verifier_id\":\"org-1\",\"reason\":\"no record\"}";
}
inline std::string amended(const std::string& id, const std::string& vol, const std::string& log,
                           int minutes, const std::string& at = "2027-05-02T09:00:00+08:00") {
  return envelope(id, "hours.amended", at) + ",\"volunteer_id\":" + q(vol) +
         ",\"log_id\":" + q(log) + ",\"minutes\":" + std::to_string(minutes) +
         ",\"verifier_id\":\"org-1\",\"reason\":\"travel time removed\"}";
}
inline std::string revoked(const std::string& id, const std::string& vol, const std::string& log,
                           const std::string& at = "2027-05-03T09:00:00+08:00") {
  return envelope(id, "hours.revoked", at) + ",\"volunteer_id\":" + q(vol) +
         ",\"log_id\":" + q(log) + ",\"reason\":\"duplicate record\"}";
}
inline std::string need_posted(const std::string& id, const std::string& need,
                               const std::string& area, const std::string& at) {
  return envelope(id, "need.posted", at) + ",\"need_id\":" + q(need) + ",\"area_code\":" + q(area) +
         ",\"kind\":\"micro_wish\",\"service_type\":\"tutoring\",\"target_group\":"
         "\"left_behind_children\",\"title\":\"maths tutoring\"}";
}
inline std::string need_claimed(const std::string& id, const std::string& need,
                                const std::string& at) {
  return envelope(id, "need.claimed", at) + ",\"need_id\":" + q(need) +
         ",\"claimant_id\":\"v-9\",\"claimant_kind\":\"volunteer\"}";
}
inline std::string need_fulfilled(const std::string& id, const std::string& need,
                                  const std::string& at) {
  return envelope(id, "need.fulfilled", at) + ",\"need_id\":" + q(need) +
         ",\"fulfilled_by\":\"v-9\"}";
}
inline std::string need_cancelled(const std::string& id, const std::string& need,
                                  const std::string& at) {
  return envelope(id, "need.cancelled", at) + ",\"need_id\":" + q(need) +
         ",\"reason\":\"resolved elsewhere\"}";
}
inline std::string need_expired(const std::string& id, const std::string& need,
                                const std::string& at) {
  return envelope(id, "need.expired", at) + ",\"need_id\":" + q(need) + "}";
}
inline std::string activity_published(const std::string& id, const std::string& activity,
                                      const std::string& area, const std::string& starts_at,
                                      const std::string& ends_at,
                                      const std::string& at = "2027-03-01T08:00:00+08:00") {
  return envelope(id, "activity.published", at) + ",\"activity_id\":" + q(activity) +
         ",\"title\":\"window guidance\",\"organizer_id\":\"org-1\",\"area_code\":" + q(area) +
         ",\"category\":\"window_service\",\"service_types\":[\"civility_guidance\"],"
         "\"target_groups\":[\"general_public\"],\"starts_at\":" +
         q(starts_at) + ",\"ends_at\":" + q(ends_at) + "}";
}
// An activity.published naming `station` (SPEC §9), starting at `starts_at`.
inline std::string activity_at_station(const std::string& id, const std::string& activity,
                                       const std::string& area, const std::string& starts_at,
                                       const std::string& station) {
  std::string json = activity_published(id, activity, area, starts_at, starts_at);
  json.pop_back();
  return json + ",\"station_id\":" + q(station) + "}";
}
inline std::string activity_completed(const std::string& id, const std::string& activity,
                                      int participants, int beneficiaries,
                                      const std::string& at = "2027-03-10T18:00:00+08:00") {
  return envelope(id, "activity.completed", at) + ",\"activity_id\":" + q(activity) +
         ",\"participants\":" + std::to_string(participants) +
         ",\"beneficiaries\":" + std::to_string(beneficiaries) + "}";
}
inline std::string activity_cancelled(const std::string& id, const std::string& activity,
                                      const std::string& at = "2027-03-10T18:00:00+08:00") {
  return envelope(id, "activity.cancelled", at) + ",\"activity_id\":" + q(activity) +
         ",\"reason\":\"rain\"}";
}

inline Period day(const char* date) {
  return Period::day(*schemas::parse_date(date));
}
inline Period month(const char* date) {
  return Period::month_of(*schemas::parse_date(date));
}

}  // namespace leifeng::processors::testing
