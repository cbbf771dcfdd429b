#include "leifeng/test_support/files.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace leifeng::test_support {

namespace fs = std::filesystem;

fs::path source_dir() {
  const char* dir = std::getenv("LEIFENG_SOURCE_DIR");
  return dir != nullptr ? dir : LEIFENG_SOURCE_DIR_FALLBACK;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << "cannot read " << file;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The process id in the name: two checkouts (or CI and a developer) running the same test at
// once must not share, and remove, each other's directory.
ScratchDir::ScratchDir(const std::string& name)
    : path_(fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
  fs::remove_all(path_);
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  // Outside a test (a suite's shared directory) the current test's result says nothing.
  const bool failed =
      ::testing::Test::HasFailure() || ::testing::UnitTest::GetInstance()->failed_test_count() > 0;
  std::error_code ignored;
  if (!failed) fs::remove_all(path_, ignored);
}

}  // namespace leifeng::test_support
