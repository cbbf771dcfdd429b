#include "demo/broker.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace leifeng::app {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// The process group of the broker this process started and has not stopped yet (0: none).
// Whoever stops it holds the mutex until it is gone.
std::mutex group_mutex;
pid_t broker_group = 0;

// SIGINT and SIGTERM, from any thread, become one byte on this pipe; a watcher thread reads it.
std::array<int, 2> signal_pipe{-1, -1};
// The first termination signal received (0: none): whichever thread stops the broker after it
// ends the process with 128 + signal, so a command that failed because the broker went away
// does not exit with its own error code first.
std::atomic<int> received_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "read and written in a signal handler");

extern "C" void on_termination_signal(int signal) {
  const int saved_errno = errno;
  int none = 0;
  received_signal.compare_exchange_strong(none, signal);
  const auto byte = static_cast<unsigned char>(signal);
  if (::write(signal_pipe[1], &byte, 1) < 0) {
    // Nothing to do in a signal handler.
  }
  errno = saved_errno;
}

// Sends `signal` to the group, then reaps its members (adopted as this process is a child
// subreaper) until none is left; after `patience` it sends SIGKILL.
void stop_group(pid_t group, std::chrono::seconds patience) {
  ::kill(-group, SIGTERM);
  const auto kill_at = Clock::now() + patience;
  const auto give_up_at = kill_at + std::chrono::seconds(10);
  bool killed = false;
  while (Clock::now() < give_up_at) {
    int status = 0;
    const pid_t reaped = ::waitpid(-group, &status, WNOHANG);
    if (reaped > 0) continue;
    if (reaped < 0 && errno == EINTR) continue;
    // No child of the group left to reap: done unless a member is not this process's child
    // (no subreaper), which is only polled.
    if (reaped < 0 && ::kill(-group, 0) != 0) return;
    if (!killed && Clock::now() >= kill_at) {
      ::kill(-group, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void stop_current_group() {
  {
    const std::lock_guard<std::mutex> lock(group_mutex);
    if (broker_group != 0) {
      stop_group(broker_group, std::chrono::seconds(20));
      broker_group = 0;
    }
  }
  if (const int signal = received_signal.load(); signal != 0) ::_exit(128 + signal);
}

// Waits for a termination signal, stops the broker's group and ends the process.
void watch_termination_signals() {
  unsigned char signal = 0;
  for (;;) {
    const ssize_t n = ::read(signal_pipe[0], &signal, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    return;
  }
  {
    const std::lock_guard<std::mutex> lock(group_mutex);
    if (broker_group != 0) {
      std::fprintf(stderr, "\nleifeng: %s: stopping the local broker\n", ::strsignal(signal));
      std::fflush(stderr);
      stop_group(broker_group, std::chrono::seconds(20));
      broker_group = 0;
      std::fprintf(stderr, "leifeng: stopped the local broker\n");
      std::fflush(stderr);
    }
  }
  ::_exit(128 + signal);
}

// Once per process: adopt orphaned descendants (the broker outlives the script that started
// it) and stop the broker on SIGINT/SIGTERM.
void install_signal_watcher() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (::pipe2(signal_pipe.data(), O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    std::thread(watch_termination_signals).detach();
    struct sigaction action {};
    action.sa_handler = on_termination_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
  });
}

// Starts `argv` with stdout to a pipe, in a process group of its own when `own_group`
// (`on_start` gets its pid, which is then the group's id, before anything is read); returns
// its exit status (-1 when it was not its own to reap) and its standard output.
std::pair<int, std::string> run_program(const std::vector<std::string>& argv, bool own_group,
                                        const std::function<void(pid_t)>& on_start = {}) {
  std::array<int, 2> out{-1, -1};
  if (::pipe2(out.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  std::vector<char*> pointers;
  std::vector<std::string> args = argv;
  for (std::string& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  const pid_t child = ::fork();
  if (child < 0) throw std::runtime_error("cannot fork to run " + argv.front());
  if (child == 0) {
    if (own_group) ::setpgid(0, 0);
    ::dup2(out[1], STDOUT_FILENO);
    ::execv(pointers[0], pointers.data());
    std::fprintf(stderr, "cannot run %s: %s\n", pointers[0], std::strerror(errno));
    ::_exit(127);
  }
  if (own_group) ::setpgid(child, child);  // either call wins; the other fails harmlessly
  if (on_start) on_start(child);
  ::close(out[1]);
  std::string output;
  std::array<char, 512> buffer{};
  for (;;) {
    const ssize_t n = ::read(out[0], buffer.data(), buffer.size());
    if (n > 0) {
      output.append(buffer.data(), static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return {-1, output};
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return {status, output};
}

bool succeeded(int status) {
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

pid_t read_pid(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
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
  install_signal_watcher();
  running_ = true;
  const auto [status, output] =
      run_program({script.string(), "start", dir_.string()}, /*own_group=*/true, [](pid_t group) {
        const std::lock_guard<std::mutex> lock(group_mutex);
        broker_group = group;
      });
  pid_ = read_pid(dir_ / "pid");
  if (!succeeded(status) || pid_ == 0) {
    // Whatever the script left running goes too (or the signal watcher is stopping it).
    stop();
    throw std::runtime_error(script.string() + " start failed (its message is above)");
  }
  bootstrap_servers_ = output;
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
  stop_current_group();
  std::error_code ignored;
  fs::remove(dir_ / "pid", ignored);
}

void LocalBroker::release() {
  if (!running_) return;
  running_ = false;
  const std::lock_guard<std::mutex> lock(group_mutex);
  broker_group = 0;
}

pid_t stop_leftover_broker(const fs::path& dir) {
  const pid_t pid = read_pid(dir / "pid");
  if (pid == 0 || ::kill(pid, 0) != 0) return 0;
  const auto [status, output] =
      run_program({kafka_script().string(), "stop", dir.string()}, /*own_group=*/false);
  if (!succeeded(status)) {
    throw std::runtime_error("cannot stop the broker (pid " + std::to_string(pid) +
                             ") an earlier demo left running under " + dir.string());
  }
  return pid;
}

}  // namespace leifeng::app
