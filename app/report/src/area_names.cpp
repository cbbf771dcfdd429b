#include "leifeng/report/area_names.hpp"

#include <fstream>
#include <stdexcept>
#include <string_view>

namespace leifeng::report {
namespace {

bool is_area_code(std::string_view s) {
  if (s.size() != 6) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

AreaNames builtin_area_names() {
  return {
      {"410400", "平顶山市"}, {"410402", "新华区"}, {"410403", "卫东区"}, {"410404", "石龙区"},
      {"410411", "湛河区"},   {"410421", "宝丰县"}, {"410422", "叶县"},   {"410423", "鲁山县"},
      {"410425", "郏县"},     {"410481", "舞钢市"}, {"410482", "汝州市"},
  };
}

AreaNames load_area_names(const std::filesystem::path& csv) {
  std::ifstream in(csv);
  if (!in) throw std::runtime_error("cannot open areas file " + csv.string());
  AreaNames names;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view text = trim(line);
    if (line_no == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
    if (text.empty()) continue;
    const auto comma = text.find(',');
    const std::string_view code =
        comma == std::string_view::npos ? text : trim(text.substr(0, comma));
    if (line_no == 1 && code == "area_code") continue;
    const std::string_view name =
        comma == std::string_view::npos ? "" : trim(text.substr(comma + 1));
    if (!is_area_code(code) || name.empty()) {
      throw std::runtime_error(csv.string() + ":" + std::to_string(line_no) +
                               ": expected \"area_code,name\" with a six-digit code, got \"" +
                               std::string(text) + "\"");
    }
    names[std::string(code)] = std::string(name);
  }
  const AreaNames builtin = builtin_area_names();
  AreaNames cities;
  for (const auto& [code, name] : names) {
    const std::string city = code.substr(0, 4) + "00";
    if (!names.contains(city) && builtin.contains(city)) cities[city] = builtin.at(city);
  }
  names.merge(cities);
  return names;
}

std::string area_name(const AreaNames& names, const std::string& code) {
  const auto it = names.find(code);
  return it == names.end() ? code : it->second;
}

}  // namespace leifeng::report
