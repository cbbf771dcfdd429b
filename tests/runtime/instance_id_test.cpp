// Instance identity: a generated id is kept in the state directory and reused on restart, two
// state directories never share one, a configured id wins, and a damaged file is an error.
// Also through StreamRuntime, whose transactional.id and group.instance.id it names.
#include "leifeng/runtime/instance_id.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "counting_processor.hpp"
#include "leifeng/runtime/stream_runtime.hpp"

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class InstanceId : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("leifeng-instance-id-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A state directory that does not exist yet, as on an instance's first start.
  fs::path state_dir(const std::string& name) const { return dir_ / name / "state"; }

  static std::string file_text(const fs::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::string error_of(const std::string& configured, const fs::path& state_dir) {
    try {
      resolve_instance_id(configured, state_dir);
    } catch (const InstanceIdError& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

TEST_F(InstanceId, GeneratedOnceKeptInTheStateDirAndReusedOnRestart) {
  const fs::path state = state_dir("a");
  const std::string id = resolve_instance_id("", state);
  EXPECT_EQ(instance_id_problem(id), "");
  // Readable: the host name, then 64 random bits.
  EXPECT_THAT(id, MatchesRegex("[A-Za-z0-9._-]+-[0-9a-f]{16}"));
  EXPECT_EQ(file_text(state / "instance-id"), id + "\n");
  // A restart (a new process reads the same directory) keeps it.
  EXPECT_EQ(resolve_instance_id("", state), id);
  EXPECT_EQ(resolve_instance_id("", state), id);
}

TEST_F(InstanceId, FreshStateDirsOnOneHostNeverShareAnId) {
  // The old id hashed the state directory's path before it existed, so every first run got
  // the same id; here every directory gets its own.
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.insert(resolve_instance_id("", state_dir(std::to_string(i))));
  EXPECT_EQ(ids.size(), 200u);
  // The same relative path in two working directories is two instances too.
  EXPECT_NE(resolve_instance_id("", dir_ / "cwd1" / ".leifeng/state"),
            resolve_instance_id("", dir_ / "cwd2" / ".leifeng/state"));
}

TEST_F(InstanceId, ConcurrentFirstStartsAgreeOnOneId) {
  const fs::path state = state_dir("shared");
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (auto& id : ids) threads.emplace_back([&id, &state] { id = resolve_instance_id("", state); });
  for (auto& thread : threads) thread.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids.front());
  EXPECT_EQ(file_text(state / "instance-id"), ids.front() + "\n");
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(state), fs::directory_iterator()), 1);
}

TEST_F(InstanceId, ConfiguredIdWinsAndTouchesNoFile) {
  const fs::path state = state_dir("configured");
  EXPECT_EQ(resolve_instance_id("worker-7", state), "worker-7");
  EXPECT_FALSE(fs::exists(state / "instance-id"));
  // Also over a generated one already kept there.
  const std::string generated = resolve_instance_id("", state);
  EXPECT_EQ(resolve_instance_id("worker-7", state), "worker-7");
  EXPECT_EQ(resolve_instance_id("", state), generated);
  EXPECT_THAT(error_of("worker 7", state), HasSubstr("[app] instance_id"));
}

TEST_F(InstanceId, EmptyOrCorruptFileIsAnErrorThatSaysHowToRepairIt) {
  const fs::path state = state_dir("damaged");
  fs::create_directories(state);
  const fs::path file = state / "instance-id";
  std::ofstream(file) << "";
  std::string error = error_of("", state);
  EXPECT_THAT(error, HasSubstr(file.string() + " is empty"));
  EXPECT_THAT(error, HasSubstr("delete " + file.string() + " to generate a new instance id"));
  EXPECT_THAT(error, HasSubstr("[app] instance_id"));
  EXPECT_EQ(file_text(file), "");  // left as it was

  std::ofstream(file) << "worker\x01\x02 7\n";
  error = error_of("", state);
  EXPECT_THAT(error, HasSubstr(file.string() + " holds no valid instance id"));
  EXPECT_THAT(error, HasSubstr("delete " + file.string()));

  // A trailing line break or blank from an editor is fine.
  std::ofstream(file) << "edited-by-hand \r\n";
  EXPECT_EQ(resolve_instance_id("", state), "edited-by-hand");
  // Deleting it generates a new one.
  fs::remove(file);
  EXPECT_THAT(resolve_instance_id("", state), MatchesRegex(".+-[0-9a-f]{16}"));
}

TEST(InstanceIdProblem, AcceptsWhatKafkaAcceptsForGroupInstanceId) {
  EXPECT_EQ(instance_id_problem("host-1.example_a-0123456789abcdef"), "");
  EXPECT_EQ(instance_id_problem(std::string(249, 'x')), "");
  EXPECT_THAT(instance_id_problem(""), HasSubstr("empty"));
  EXPECT_THAT(instance_id_problem("."), HasSubstr("not allowed"));
  EXPECT_THAT(instance_id_problem(".."), HasSubstr("not allowed"));
  EXPECT_THAT(instance_id_problem(std::string(250, 'x')), HasSubstr("more than 249"));
  EXPECT_THAT(instance_id_problem("a/b"), HasSubstr("characters other than"));
  EXPECT_THAT(instance_id_problem("a:b"), HasSubstr("characters other than"));
}

Topology counting_topology() {
  Topology topology("identity-app");
  topology.input("events", "identity-app.events")
      .output("counts", "identity-app.counts")
      .processor("counter", {"events"}, {"counts"}, [](TaskContext& context) {
        return std::make_unique<testing::CountingProcessor>(context, false);
      });
  return topology;
}

// The runtime resolves its id when it is built (no broker needed for that).
TEST_F(InstanceId, NamesTheRuntimesTransactionalId) {
  RuntimeOptions options;
  options.application_id = "identity-app";
  options.bootstrap_servers = "127.0.0.1:1";
  options.state_dir = state_dir("runtime-a").string();
  std::string first;
  {
    StreamRuntime runtime(counting_topology(), options);
    first = runtime.instance_id();
    EXPECT_EQ(first, file_text(state_dir("runtime-a") / "instance-id").substr(0, first.size()));
    EXPECT_EQ(runtime.transactional_id(), "identity-app-" + first);
  }
  EXPECT_EQ(StreamRuntime(counting_topology(), options).instance_id(), first);  // restart

  RuntimeOptions other = options;
  other.state_dir = state_dir("runtime-b").string();
  StreamRuntime second(counting_topology(), other);
  EXPECT_NE(second.instance_id(), first);
  EXPECT_NE(second.transactional_id(), "identity-app-" + first);

  RuntimeOptions configured = options;
  configured.instance_id = "worker-7";
  EXPECT_EQ(StreamRuntime(counting_topology(), configured).transactional_id(),
            "identity-app-worker-7");
}

}  // namespace
}  // namespace leifeng::runtime
