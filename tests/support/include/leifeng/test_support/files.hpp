// Files of a test: the source tree, scratch directories and result files read back.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace leifeng::test_support {

// The project's source tree: LEIFENG_SOURCE_DIR (set by ctest), else where it was configured.
std::filesystem::path source_dir();

// The whole file as bytes; "" when it cannot be read.
std::string read_file(const std::filesystem::path& file);
// The file's lines without their '\n'; records a test failure when it cannot be read.
std::vector<std::string> read_lines(const std::filesystem::path& file);

// A fresh, empty directory under the system's temporary directory. It is removed again when
// every test so far passed, and kept for a look otherwise.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace leifeng::test_support
