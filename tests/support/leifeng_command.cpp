#include "leifeng/test_support/leifeng_command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "leifeng/test_support/files.hpp"

namespace leifeng::test_support {

namespace fs = std::filesystem;

fs::path leifeng_binary() {
  return LEIFENG_BINARY;
}

std::vector<std::string> split_arguments(const std::string& args) {
  std::vector<std::string> words;
  std::istringstream in(args);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

LeifengCommand::LeifengCommand(fs::path dir, std::map<std::string, std::string> env)
    : dir_(std::move(dir)), env_(std::move(env)) {}

pid_t LeifengCommand::start(const std::vector<std::string>& args, const std::string& out,
                            const std::string& err) const {
  std::vector<std::string> argv{leifeng_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot fork to run leifeng");
  if (pid == 0) {
    // The child only redirects, sets the environment and execs.
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    if (std::freopen(out.c_str(), "w", stdout) == nullptr) ::_exit(126);
    if (std::freopen(err.c_str(), "w", stderr) == nullptr) ::_exit(126);
    for (const auto& [name, value] : env_) ::setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> pointers;
    for (std::string& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  return pid;
}

CommandResult LeifengCommand::run(const std::vector<std::string>& args) const {
  const pid_t pid = start(args, "cmd.out", "cmd.err");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(dir_ / "cmd.out");
  result.err = read_file(dir_ / "cmd.err");
  return result;
}

}  // namespace leifeng::test_support
