// `leifeng demo` interrupted: SIGINT or SIGTERM stops the Kafka broker the demo started (the
// JVM and the script starting it), and the demo exits 128 + the signal. Runs the binary with
// no broker configured, so that it starts its own with scripts/kafka.sh (labelled kafka: it
// needs the broker scripts/setup.sh installs).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "leifeng/test_support/files.hpp"
#include "leifeng/test_support/leifeng_command.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using leifeng::test_support::LeifengCommand;
using leifeng::test_support::read_file;
using leifeng::test_support::ScratchDir;

pid_t read_pid(const fs::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// Polls `ready` until it holds (true), the child `demo` exits or `limit` passes (false).
bool wait_for(pid_t demo, const std::function<bool()>& ready, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (ready()) return true;
    int status = 0;
    if (::waitpid(demo, &status, WNOHANG) == demo) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// Waits for the child to exit; its exit code, -1 when killed by a signal or still running
// after `limit` (then it is killed).
int wait_exit(pid_t child, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0 && errno != EINTR) return -1;
    if (Clock::now() >= deadline) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool process_exists(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// The JVM that the broker of `workdir` ran in; killed if a test left it behind.
struct BrokerPid {
  pid_t pid = 0;
  ~BrokerPid() {
    if (pid > 0 && process_exists(pid)) ::kill(pid, SIGKILL);
  }
};

TEST(DemoSignal, SigintOnceTheBrokerIsUpStopsIt) {
  ScratchDir dir("leifeng-demo-sigint");
  const LeifengCommand leifeng(dir.path());
  const fs::path workdir = dir.path() / "demo";
  const pid_t demo = leifeng.start({"demo", "--workdir", workdir.string()}, "demo.out", "demo.err");
  BrokerPid broker;
  const bool up = wait_for(
      demo,
      [&] {
        return read_file(dir.path() / "demo.out").find("started a local Apache Kafka broker") !=
               std::string::npos;
      },
      std::chrono::seconds(180));
  if (!up) ::kill(demo, SIGKILL);
  broker.pid = read_pid(workdir / "kafka" / "pid");
  ASSERT_TRUE(up) << read_file(dir.path() / "demo.err");
  ASSERT_GT(broker.pid, 0);
  ASSERT_EQ(::kill(broker.pid, 0), 0) << "the broker is not running";

  ASSERT_EQ(::kill(demo, SIGINT), 0);
  EXPECT_EQ(wait_exit(demo, std::chrono::seconds(90)), 130) << read_file(dir.path() / "demo.err");
  errno = 0;
  EXPECT_EQ(::kill(broker.pid, 0), -1) << "broker pid " << broker.pid << " is still there";
  EXPECT_EQ(errno, ESRCH);
  EXPECT_NE(read_file(dir.path() / "demo.err").find("stopped the local broker"), std::string::npos);
}

// While scripts/kafka.sh is still starting the broker: the script and the JVM go.
TEST(DemoSignal, SigtermDuringBrokerStartUpStopsIt) {
  ScratchDir dir("leifeng-demo-sigterm");
  const LeifengCommand leifeng(dir.path());
  const fs::path workdir = dir.path() / "demo";
  const pid_t demo = leifeng.start({"demo", "--workdir", workdir.string()}, "demo.out", "demo.err");
  BrokerPid broker;
  // kafka.sh writes the pid file as soon as it launched the JVM, before the broker is ready.
  const bool launched = wait_for(
      demo, [&] { return read_pid(workdir / "kafka" / "pid") > 0; }, std::chrono::seconds(180));
  if (!launched) ::kill(demo, SIGKILL);
  broker.pid = read_pid(workdir / "kafka" / "pid");
  ASSERT_TRUE(launched) << read_file(dir.path() / "demo.err");

  ASSERT_EQ(::kill(demo, SIGTERM), 0);
  EXPECT_EQ(wait_exit(demo, std::chrono::seconds(90)), 143) << read_file(dir.path() / "demo.err");
  errno = 0;
  EXPECT_EQ(::kill(broker.pid, 0), -1) << "broker pid " << broker.pid << " is still there";
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
