#include "demo/broker.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace leifeng::app {

namespace fs = std::filesystem;

namespace {

// Quotes an argument for /bin/sh.
std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// Runs `command`, returns its standard output; throws when it exits non-zero.
std::string run_script(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(command + " failed (its message is above)");
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

}  // namespace

fs::path kafka_script() {
  if (const char* home = std::getenv("LEIFENG_HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / "scripts" / "kafka.sh";
  }
  return fs::path(LEIFENG_SOURCE_DIR) / "scripts" / "kafka.sh";
}

LocalBroker::LocalBroker(fs::path dir) : dir_(std::move(dir)) {
  const fs::path script = kafka_script();
  if (!fs::exists(script)) {
    throw std::runtime_error(script.string() +
                             " not found: set LEIFENG_HOME to the leifeng "
                             "source tree, or use --embedded");
  }
  bootstrap_servers_ =
      run_script(shell_quote(script.string()) + " start " + shell_quote(dir_.string()));
  running_ = true;
}

LocalBroker::~LocalBroker() {
  try {
    stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leifeng: could not stop the local broker: %s\n", e.what());
  }
}

void LocalBroker::stop() {
  if (!running_) return;
  running_ = false;
  run_script(shell_quote(kafka_script().string()) + " stop " + shell_quote(dir_.string()));
}

}  // namespace leifeng::app
