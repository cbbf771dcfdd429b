// Bar charts as inline SVG for the HTML report: no script, no external resource, so the page
// renders offline. Every bar is a <rect> with data-value (the value it shows) and its height
// proportional to it; a chart of zeros draws empty bars, never NaN.
#pragma once

#include <string>
#include <vector>

namespace leifeng::report {

struct ChartSeries {
  std::string name;   // legend entry
  std::string color;  // CSS colour, e.g. "#c0392b"
};

// One column per label, stacked from the bottom by series; values[label][series] >= 0. With a
// single series there is no legend. `unit` follows the value labels above the columns.
struct StackedBarChart {
  std::string title;
  std::string unit;
  std::vector<std::string> labels;
  std::vector<ChartSeries> series;
  std::vector<std::vector<double>> values;
  int decimals = 1;  // of the numbers written when no text is given below
  // Optional, parallel to labels / values: how the figures are written (so a chart shows the
  // same rounding as the tables); empty = the number with `decimals`.
  std::vector<std::string> total_texts;
  std::vector<std::vector<std::string>> value_texts;
};

std::string render_svg(const StackedBarChart&);

// Text for SVG and HTML: & < > " escaped.
std::string escape_xml(const std::string&);

}  // namespace leifeng::report
