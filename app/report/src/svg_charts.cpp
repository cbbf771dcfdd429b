#include "leifeng/report/svg_charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace leifeng::report {
namespace {

// Geometry in SVG user units (CSS pixels at 100%).
constexpr double kLeft = 64;
constexpr double kRight = 16;
constexpr double kTop = 44;
constexpr double kPlotHeight = 240;
constexpr double kSlot = 76;
constexpr double kBarWidth = 44;
constexpr double kLabelBand = 40;
constexpr double kLegendRow = 24;
constexpr double kSwatch = 12;
constexpr double kLegendGap = 18;
constexpr double kMinWidth = 420;
constexpr int kTicks = 5;

// Bars below zero or not finite would draw nonsense; they show as empty.
double drawable(double value) {
  return std::isfinite(value) && value > 0 ? value : 0;
}

// The smallest round number at or above `value` whose fifths are round too (axis ticks).
double nice_ceiling(double value) {
  if (value <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (step * power >= value * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

// Rough width of legend text at 12px: CJK and other wide characters take a full em. SVG
// cannot measure text without a script, so the legend is laid out from this estimate.
double legend_text_width(const std::string& text) {
  double width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      width += 7;
    } else if (byte >= 0xE0) {
      width += 12.5;  // lead byte of a three- or four-byte character
    }
  }
  return width;
}

std::string number(double value, int decimals) {
  return fmt::format("{:.{}f}", value, decimals);
}

}  // namespace

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_svg(const StackedBarChart& chart) {
  const std::size_t columns = chart.labels.size();
  std::vector<double> totals(columns, 0);
  for (std::size_t c = 0; c < columns && c < chart.values.size(); ++c) {
    for (double value : chart.values[c]) totals[c] += drawable(value);
  }
  const double axis_max =
      nice_ceiling(totals.empty() ? 0 : *std::max_element(totals.begin(), totals.end()));
  const double scale = kPlotHeight / axis_max;  // axis_max >= 1, so never a division by zero

  const double width = std::max(kMinWidth, kLeft + kSlot * static_cast<double>(columns) + kRight);
  const double plot_bottom = kTop + kPlotHeight;
  const bool legend = chart.series.size() > 1;
  // Legend entries flow left to right and wrap at the chart's width.
  std::vector<std::pair<double, double>> legend_at;  // x, row
  if (legend) {
    double x = kLeft;
    double row = 0;
    for (const ChartSeries& series : chart.series) {
      const double item = kSwatch + 6 + legend_text_width(series.name) + kLegendGap;
      if (x > kLeft && x + item > width - kRight) {
        x = kLeft;
        ++row;
      }
      legend_at.emplace_back(x, row);
      x += item;
    }
  }
  const double legend_rows = legend_at.empty() ? 0 : legend_at.back().second + 1;
  const double height = plot_bottom + kLabelBand + kLegendRow * legend_rows + 8;

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"{2}\">\n",
      number(width, 0), number(height, 0), escape_xml(chart.title));
  svg += fmt::format("<title>{}</title>\n", escape_xml(chart.title));
  svg += fmt::format("<text x=\"{}\" y=\"24\" class=\"chart-title\">{}</text>\n", number(kLeft, 0),
                     escape_xml(chart.title));

  // Five gridlines: with a 1-2-5 axis maximum every tick is a round number.
  const double step = axis_max / kTicks;
  const int tick_decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  for (int tick = 0; tick <= kTicks; ++tick) {
    const double value = step * tick;
    const double y = plot_bottom - value * scale;
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" class=\"{3}\"/>"
        "<text x=\"{4}\" y=\"{5}\" class=\"tick\">{6}</text>\n",
        number(kLeft, 0), number(y, 2), number(width - kRight, 0), tick == 0 ? "axis" : "grid",
        number(kLeft - 6, 0), number(y + 4, 2), number(value, tick_decimals));
  }

  for (std::size_t c = 0; c < columns; ++c) {
    const double x = kLeft + kSlot * static_cast<double>(c) + (kSlot - kBarWidth) / 2;
    double stacked = 0;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      const double value =
          c < chart.values.size() && s < chart.values[c].size() ? drawable(chart.values[c][s]) : 0;
      const double bar_height = value * scale;
      const double y = plot_bottom - (stacked + value) * scale;
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" data-value=\"{}\">"
          "<title>{}: {} {}</title></rect>\n",
          number(x, 2), number(y, 2), number(kBarWidth, 0), number(bar_height, 2),
          escape_xml(chart.series[s].color), number(value, 4),
          escape_xml(chart.labels[c] + (legend ? " · " + chart.series[s].name : "")),
          escape_xml(c < chart.value_texts.size() && s < chart.value_texts[c].size()
                         ? chart.value_texts[c][s]
                         : number(value, chart.decimals)),
          escape_xml(chart.unit));
      stacked += value;
    }
    const double center = x + kBarWidth / 2;
    svg +=
        fmt::format("<text x=\"{}\" y=\"{}\" class=\"value\">{}</text>\n", number(center, 2),
                    number(plot_bottom - stacked * scale - 5, 2),
                    escape_xml(c < chart.total_texts.size() ? chart.total_texts[c]
                                                            : number(totals[c], chart.decimals)));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\n", number(center, 2),
                       number(plot_bottom + 20, 0), escape_xml(chart.labels[c]));
  }

  for (std::size_t s = 0; s < legend_at.size(); ++s) {
    const double x = legend_at[s].first;
    const double y = plot_bottom + kLabelBand + kLegendRow * legend_at[s].second;
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" class=\"swatch\"/>"
        "<text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>\n",
        number(x, 0), number(y, 0), number(kSwatch, 0), number(kSwatch, 0),
        escape_xml(chart.series[s].color), number(x + kSwatch + 6, 0), number(y + 11, 0),
        escape_xml(chart.series[s].name));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace leifeng::report
