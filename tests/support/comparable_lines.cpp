#include "leifeng/test_support/comparable_lines.hpp"

#include <regex>

#include "leifeng/schemas/records.hpp"

namespace leifeng::test_support {

std::string without_revision(const std::string& line) {
  static const std::regex volatile_fields(R"(,"revision":[0-9]+,"as_of":"[^"]*")");
  return std::regex_replace(line, volatile_fields, "");
}

std::string without_source(const std::string& line) {
  auto letter = schemas::dead_letter_from_json(line);
  if (!letter) return "unparsable: " + line;
  letter->source = schemas::FileSource{"", 0};
  return schemas::to_json(*letter);
}

}  // namespace leifeng::test_support
