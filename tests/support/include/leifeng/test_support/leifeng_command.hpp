// Runs the leifeng binary under test as a user would: in a working directory, with extra
// environment variables, stdout and stderr captured in files there.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace leifeng::test_support {

// The leifeng binary of this build.
std::filesystem::path leifeng_binary();

struct CommandResult {
  int code = -1;  // exit code; -1 when killed by a signal
  std::string out;
  std::string err;
};

// "replay --input events.jsonl" → {"replay", "--input", "events.jsonl"}: arguments separated
// by spaces, none containing one.
std::vector<std::string> split_arguments(const std::string& args);

class LeifengCommand {
 public:
  explicit LeifengCommand(std::filesystem::path dir, std::map<std::string, std::string> env = {});

  // Runs leifeng with `args` to completion; stdout and stderr go to cmd.out and cmd.err.
  CommandResult run(const std::vector<std::string>& args) const;
  CommandResult run(const std::string& args) const { return run(split_arguments(args)); }

  // Starts leifeng with `args` in the background, stdout and stderr to the files `out` and
  // `err` in the directory; returns its pid (leifeng itself, so signals reach it).
  pid_t start(const std::vector<std::string>& args, const std::string& out,
              const std::string& err) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace leifeng::test_support
