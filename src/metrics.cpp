// Metrics: a map of families guarded by one mutex. Bumps happen once per record, renders once
// per scrape; a single lock keeps the series of one scrape consistent with each other.
#include "leifeng/runtime/metrics.hpp"

#include <algorithm>
#include <stdexcept>

namespace leifeng::runtime {
namespace {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!alpha(name.front()) && name.front() != '_' && name.front() != ':') return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || digit(c) || c == '_' || c == ':'; });
}

bool valid_label_name(std::string_view name) {
  return valid_metric_name(name) && name.find(':') == std::string_view::npos;
}

void require_valid(std::string_view name, const MetricLabels& labels) {
  if (!valid_metric_name(name))
    throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
  for (const auto& [label, value] : labels) {
    if (!valid_label_name(label))
      throw std::invalid_argument("invalid label name '" + label + "' on metric '" +
                                  std::string(name) + "'");
  }
}

// The same label set in another order is the same series; sort only when needed so the usual
// call (labels written in order) copies nothing.
const MetricLabels& normalized(const MetricLabels& labels, MetricLabels& scratch) {
  if (std::is_sorted(labels.begin(), labels.end())) return labels;
  scratch = labels;
  std::sort(scratch.begin(), scratch.end());
  return scratch;
}

// Exposition format: label values escape backslash, double quote and newline; help text
// escapes backslash and newline.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

void Metrics::describe(std::string_view name, std::string_view kind, std::string_view help) {
  if (kind != "counter" && kind != "gauge")
    throw std::invalid_argument("metric '" + std::string(name) + "': kind must be counter or " +
                                "gauge, not '" + std::string(kind) + "'");
  require_valid(name, {});
  std::lock_guard lock(mutex_);
  auto& family = families_[std::string(name)];
  family.kind = kind;
  family.help = help;
}

void Metrics::add(std::string_view name, const MetricLabels& labels, int64_t delta) {
  MetricLabels scratch;
  const MetricLabels& key = normalized(labels, scratch);
  std::lock_guard lock(mutex_);
  auto family = families_.find(name);
  if (family == families_.end()) {
    require_valid(name, key);
    family = families_.emplace(std::string(name), Family{"untyped", "", {}}).first;
  }
  if (family->second.kind == "counter" && delta < 0)
    throw std::invalid_argument("counter '" + std::string(name) + "' cannot decrease");
  auto series = family->second.series.find(key);
  if (series == family->second.series.end()) {
    require_valid(name, key);
    family->second.series.emplace(key, delta);
  } else {
    series->second += delta;
  }
}

void Metrics::set(std::string_view name, const MetricLabels& labels, int64_t value) {
  MetricLabels scratch;
  const MetricLabels& key = normalized(labels, scratch);
  std::lock_guard lock(mutex_);
  auto family = families_.find(name);
  if (family == families_.end()) {
    require_valid(name, key);
    family = families_.emplace(std::string(name), Family{"untyped", "", {}}).first;
  }
  auto series = family->second.series.find(key);
  if (series == family->second.series.end()) {
    require_valid(name, key);
    family->second.series.emplace(key, value);
  } else {
    series->second = value;
  }
}

int64_t Metrics::value(std::string_view name, const MetricLabels& labels) const {
  MetricLabels scratch;
  const MetricLabels& key = normalized(labels, scratch);
  std::lock_guard lock(mutex_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto series = family->second.series.find(key);
  return series == family->second.series.end() ? 0 : series->second;
}

std::string Metrics::prometheus_text() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) {
    if (!family.help.empty()) {
      out += "# HELP " + name + ' ';
      append_escaped(out, family.help, false);
      out += '\n';
    }
    out += "# TYPE " + name + ' ' + family.kind + '\n';
    for (const auto& [labels, value] : family.series) {
      out += name;
      if (!labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
          if (i > 0) out += ',';
          out += labels[i].first + "=\"";
          append_escaped(out, labels[i].second, true);
          out += '"';
        }
        out += '}';
      }
      out += ' ' + std::to_string(value) + '\n';
    }
  }
  return out;
}

}  // namespace leifeng::runtime
