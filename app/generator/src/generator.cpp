#include "leifeng/generator/generator.hpp"

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "leifeng/generator/city_plan.hpp"
#include "leifeng/generator/event_render.hpp"
#include "leifeng/generator/upstream_state.hpp"

namespace leifeng::generator {
namespace {

constexpr uint64_t kInjectionStream = 5;
constexpr size_t kFlushBytes = 1 << 20;
// How far (in valid events) a duplicate trails its original.
constexpr int64_t kMaxDuplicateLag = 40;

// Buffers lines and writes them in large blocks.
class LineSink {
 public:
  LineSink(std::ostream& out, const ProgressCallback& progress, int64_t expected)
      : out_(out), progress_(progress), expected_(expected) {}
  void write(const std::string& line) {
    buffer_ += line;
    buffer_ += '\n';
    ++lines_;
    if (buffer_.size() >= kFlushBytes) flush();
    if (progress_ && lines_ % kProgressEvery == 0) progress_(lines_, expected_);
  }
  void flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    if (!out_) throw std::runtime_error("writing the generated events failed");
    buffer_.clear();
  }
  int64_t lines() const { return lines_; }

 private:
  std::ostream& out_;
  const ProgressCallback& progress_;
  int64_t expected_;
  std::string buffer_;
  int64_t lines_ = 0;
};

// Per-valid-event chance (ppm) that makes `share` the expected share of all lines.
uint32_t per_event_ppm(double share, const GeneratorOptions& options) {
  const double valid_share = 1.0 - options.bad_share - options.duplicate_share;
  return static_cast<uint32_t>(std::llround(share / valid_share * 1e6));
}

}  // namespace

GenerationReport generate(const GeneratorOptions& options, std::ostream& out,
                          const ProgressCallback& progress) {
  validate(options);
  const CitySize size = resolve_size(options);
  const CityPlan plan = plan_city(options, size);
  const int64_t valid = static_cast<int64_t>(plan.events.size());
  const uint32_t bad_ppm = per_event_ppm(options.bad_share, options);
  const uint32_t duplicate_ppm = per_event_ppm(options.duplicate_share, options);
  const int64_t expected = valid + valid * (int64_t{bad_ppm} + duplicate_ppm) / 1'000'000;

  UpstreamState state(plan);
  EventIds ids;
  Random rng = Random::stream(options.seed, kInjectionStream);
  BadInputFactory bad(plan, state, rng, ids);
  LineSink sink(out, progress, expected);
  GenerationReport report;
  // Re-sends waiting for their turn, by the index of the valid event they follow; a multimap
  // keeps equal keys in insertion order, so the output stays deterministic.
  std::multimap<int64_t, std::string> resends;
  // Reasons are produced in turn so that even a small file has every one; a reason whose
  // preconditions do not exist yet (no rejected log to verify) keeps its turn.
  int next_reason = 0;

  for (int64_t i = 0; i < valid; ++i) {
    const PlannedEvent& event = plan.events[static_cast<size_t>(i)];
    std::string text = render_event(plan, event, ids.next(topic_of(event.kind))).to_json();
    sink.write(text);
    state.apply(event);
    ++report.valid;

    if (rng.chance_ppm(duplicate_ppm)) {
      resends.emplace(i + rng.between(1, kMaxDuplicateLag), std::move(text));
    }
    while (!resends.empty() && resends.begin()->first <= i) {
      sink.write(resends.begin()->second);
      resends.erase(resends.begin());
      ++report.duplicates;
    }
    if (rng.chance_ppm(bad_ppm)) {
      for (int attempt = 0; attempt < schemas::kReasonCount; ++attempt) {
        const int reason = (next_reason + attempt) % schemas::kReasonCount;
        const auto line = bad.make(static_cast<Reason>(reason), event.at);
        if (!line) continue;
        sink.write(*line);
        ++report.bad;
        ++report.bad_by_reason[static_cast<size_t>(reason)];
        if (attempt == 0) next_reason = (next_reason + 1) % schemas::kReasonCount;
        break;
      }
    }
  }
  for (const auto& [after, text] : resends) {
    sink.write(text);
    ++report.duplicates;
  }
  sink.flush();
  out.flush();
  report.lines = sink.lines();
  return report;
}

}  // namespace leifeng::generator
