// Output lines with the fields that may rightly differ between a live run and a replay taken
// out, so that whole lines can be compared.
#pragma once

#include <string>

namespace leifeng::test_support {

// A county-stats line without "revision" and "as_of" (how many updates, and when, depend on
// how the inputs were batched).
std::string without_revision(const std::string& line);
// A dead-letter line without its source (a file's line vs a topic, partition and offset).
std::string without_source(const std::string& line);

}  // namespace leifeng::test_support
