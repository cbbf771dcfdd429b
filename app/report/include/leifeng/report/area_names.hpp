// Display names of areas for the monthly report, by six-digit GB/T 2260 code.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace leifeng::report {

// code ("410402") -> name ("新华区"); county-level units and prefecture cities alike.
using AreaNames = std::map<std::string, std::string>;

// 平顶山市 (410400) and its ten county-level units (SPEC §1): used when no areas file is found.
AreaNames builtin_area_names();

// Reads an "area_code,name" CSV (header line optional, blank lines skipped). The list names
// county-level units only, so a prefecture city missing from it gets its built-in name when
// there is one. Throws std::runtime_error naming the file and line on a malformed line.
AreaNames load_area_names(const std::filesystem::path& csv);

// The name of `code`, or the code itself when it has none.
std::string area_name(const AreaNames& names, const std::string& code);

}  // namespace leifeng::report
