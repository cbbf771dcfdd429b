#include "demo/county_table.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "leifeng/report/figures.hpp"

namespace leifeng::app {

namespace {

// Terminal columns of UTF-8 text: East Asian wide characters (3-byte sequences from U+1100
// on, which covers the CJK names of areas) take two.
size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      width += 1;
      i += 1;
    } else if (byte >= 0xF0) {
      width += 2;
      i += 4;
    } else if (byte >= 0xE0) {
      width += 2;
      i += 3;
    } else {
      width += 1;
      i += 2;
    }
  }
  return width;
}

std::string pad_right(const std::string& text, size_t width) {
  const size_t used = display_width(text);
  return used >= width ? text : text + std::string(width - used, ' ');
}

// What the columns count (spec §5), and why the counties' `active` can add up to more than
// the city's: a reader comparing the rows would otherwise suspect a bug.
constexpr const char* kLegend =
    "\n"
    "verified_h  hours of the hour logs now verified, by the service date in the month\n"
    "active      distinct volunteers with at least one hour log now verified in the area and\n"
    "            month (volunteers.active)\n"
    "activities  activities published in the area, by the month their start date falls in\n"
    "            (activities.published)\n"
    "needs_ok    needs fulfilled in the month\n"
    "1star-5star volunteers at that star level now, by home area (all time)\n"
    "A volunteer who served in several counties is active in each of them but counts once in\n"
    "the city's row, so the counties' active figures can add up to more than the city's.\n";

}  // namespace

std::string render_county_table(const report::MonthlySummary& summary) {
  std::string out =
      fmt::format("{:<8} {} {:>12} {:>8} {:>10} {:>8}  {:>6} {:>6} {:>6} {:>6} {:>6}\n", "area",
                  pad_right("name", 10), "verified_h", "active", "activities", "needs_ok", "1star",
                  "2star", "3star", "4star", "5star");
  for (const auto& area : summary.areas) {
    if (area.is_city) out += std::string(95, '-') + '\n';
    out += fmt::format("{:<8} {} {:>12} {:>8} {:>10} {:>8}  {:>6} {:>6} {:>6} {:>6} {:>6}\n",
                       area.area_code, pad_right(area.area_name, 10),
                       report::hours_text(area.minutes_verified), area.volunteers_active,
                       area.activities_published, area.needs_fulfilled, area.volunteers_starred[0],
                       area.volunteers_starred[1], area.volunteers_starred[2],
                       area.volunteers_starred[3], area.volunteers_starred[4]);
  }
  return out + kLegend;
}

}  // namespace leifeng::app
