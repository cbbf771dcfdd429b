#include "leifeng/processors/match_change_batch.hpp"

#include <array>

#include "leifeng/schemas/domain.hpp"

namespace leifeng::processors {

namespace {
// Areas whose buffers emit() keeps for the next interval: a city has a few dozen counties.
constexpr size_t kKeptAreas = 64;
}  // namespace

MatchChangeBatch::Area& MatchChangeBatch::area(uint32_t code) {
  if (last_ < areas_.size() && areas_[last_].area == code) return areas_[last_];
  for (last_ = 0; last_ < areas_.size(); ++last_) {
    if (areas_[last_].area == code) return areas_[last_];
  }
  areas_.push_back({code, {}});
  return areas_.back();
}

void MatchChangeBatch::add(runtime::Emitter& out, std::string_view stream,
                           const MatchChange& change) {
  if (!pack_) {
    emit_match_change(out, stream, change);
    return;
  }
  Area& pending = area(change.area);
  if (!pending.list.empty() && (pending.list.size() >= kMaxMessageBytes ||
                                match_change_list_count(pending.list) == 0xFFFF)) {
    send(out, stream, pending);
  }
  if (pending.list.empty()) start_match_change_list(pending.list);
  const size_t bytes = append_match_change(pending.list, change);
  if (bytes == 0) {
    // Too long for a list entry: the area's earlier changes go first, then this one alone.
    if (match_change_list_count(pending.list) > 0) {
      send(out, stream, pending);
    } else {
      pending.list.clear();
    }
    emit_match_change(out, stream, change);
    return;
  }
  pending_bytes_ += bytes;
  if (pending_bytes_ >= kMaxPendingBytes) emit(out, stream);
}

void MatchChangeBatch::emit(runtime::Emitter& out, std::string_view stream) {
  for (Area& pending : areas_) {
    if (!pending.list.empty()) send(out, stream, pending);
  }
  pending_bytes_ = 0;
  if (areas_.size() > kKeptAreas) {
    areas_.clear();
    areas_.shrink_to_fit();
  }
}

void MatchChangeBatch::send(runtime::Emitter& out, std::string_view stream, Area& pending) {
  const std::array<char, 6> key = schemas::AreaCode{pending.area}.digits();
  out.emit(stream, std::string_view(key.data(), key.size()), pending.list);
  pending_bytes_ -= pending.list.size() - kMatchChangeListHeaderBytes;
  pending.list.clear();
}

}  // namespace leifeng::processors
