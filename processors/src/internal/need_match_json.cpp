#include "leifeng/processors/internal/need_match_json.hpp"

#include <array>

#include "leifeng/processors/needs.hpp"
#include "leifeng/schemas/domain.hpp"
#include "leifeng/schemas/records.hpp"

namespace leifeng::processors {

namespace {

// A byte JSON escapes (the JSON writer escapes exactly the control bytes, '"' and '\\').
bool needs_escape(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

void quoted(std::string& out, std::string_view text) {
  out.push_back('"');
  out.append(text);
  out.push_back('"');
}

}  // namespace

std::string need_match_json(std::string_view need_id, const NeedMatchState& need) {
  // A text to escape (none in generated data) takes the general writer.
  bool escape = needs_escape(need_id) || needs_escape(need.as_of);
  for (const Candidate& c : need.candidates) escape = escape || needs_escape(c.volunteer_id);
  if (escape) {
    return schemas::to_json(MatchingProcessor::record_of(std::string(need_id), need));
  }
  const std::array<char, 6> area = schemas::AreaCode{need.area}.digits();
  std::string out;
  out.reserve(160 + need_id.size() + need.as_of.size() + 64 * need.candidates.size());
  out.append("{\"need_id\":");
  quoted(out, need_id);
  out.append(",\"area_code\":");
  quoted(out, std::string_view(area.data(), area.size()));
  out.append(",\"service_type\":");
  quoted(out, schemas::to_string(static_cast<schemas::ServiceType>(need.service_type)));
  out.append(",\"kind\":");
  quoted(out, schemas::to_string(static_cast<schemas::NeedKind>(need.kind)));
  out.append(",\"status\":");
  quoted(out, to_string(static_cast<NeedStatus>(need.status)));
  out.append(",\"candidates\":[");
  bool first = true;
  for (const Candidate& c : need.candidates) {
    if (!first) out.push_back(',');
    first = false;
    out.append("{\"volunteer_id\":");
    quoted(out, c.volunteer_id);
    out.append(",\"star_level\":");
    if (c.star_level < 10) {
      out.push_back(static_cast<char>('0' + c.star_level));
    } else {
      out.append(std::to_string(c.star_level));
    }
    out.append(c.party_member ? ",\"party_member\":true}" : ",\"party_member\":false}");
  }
  out.append("],\"as_of\":");
  quoted(out, need.as_of);
  out.push_back('}');
  return out;
}

}  // namespace leifeng::processors
