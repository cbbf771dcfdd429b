// The changelog restore on the real broker when the changelogs' end offsets cannot be read:
// each attempt of kEndOffsetsAttempt is followed by one through a new consumer, a stop ends the
// wait, and the restore's timeout still bounds it.
#include "changelog_restorer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kafka_test_support.hpp"

namespace leifeng::runtime::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class ChangelogRestoreWaits : public ::testing::Test {
 protected:
  void SetUp() override {
    bootstrap_ = test_bootstrap_servers();
    app_ = unique_name("restore-wait");
    root_ = std::filesystem::temp_directory_path() / app_;
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string bootstrap_;
  std::string app_;
  std::filesystem::path root_;
};

// A changelog that does not exist yet answers "unknown topic or partition", which librdkafka
// retries until the attempt times out; so does a former leader's "not leader for partition".
TEST_F(ChangelogRestoreWaits, AStopEndsTheWaitForTheEndOffsets) {
  TaskStateDb state(root_ / "counter_0", {"counts"});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             milliseconds(300));
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(1000));
    stop = true;
  });
  const auto started = Clock::now();
  const RestoreResult result =
      restorer.restore({RestoreTarget{&state, "counts", app_ + "-missing-changelog", 0}}, stop, {});
  stopper.join();
  EXPECT_TRUE(result.interrupted);
  EXPECT_EQ(result.records, 0);
  // The next attempt notices the stop: well before the five-minute timeout.
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30));
}

TEST_F(ChangelogRestoreWaits, TheTimeoutStillBoundsTheAttempts) {
  TaskStateDb state(root_ / "counter_0", {"counts"});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             milliseconds(300));
  std::atomic<bool> stop{false};
  try {
    restorer.restore({RestoreTarget{&state, "counts", app_ + "-missing-changelog", 0}}, stop, {},
                     2000);
    FAIL() << "restored a changelog that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("the internal changelog topics must exist"),
              std::string::npos)
        << e.what();
  }
}

// The changelog appears while the restorer asks (several attempts, new consumers): the
// restore then reads it through the consumer of the last attempt.
TEST_F(ChangelogRestoreWaits, AChangelogThatAppearsDuringTheAttemptsIsRestored) {
  const std::string changelog = app_ + "-counts-changelog";
  TaskStateDb state(root_ / "counter_0", {"counts"});
  ChangelogRestorer restorer({{"bootstrap.servers", bootstrap_}}, app_ + "-restore",
                             milliseconds(300));
  std::thread creator([&] {
    std::this_thread::sleep_for(milliseconds(1500));
    create_topic(bootstrap_, changelog, 1);
    produce_all(bootstrap_, changelog, {{"k1", "v1"}, {"k2", "v2"}, {"k1", "v3"}});
  });
  const std::vector<RestoreTarget> targets{RestoreTarget{&state, "counts", changelog, 0}};
  std::atomic<bool> stop{false};
  RestoreResult first;
  try {
    first = restorer.restore(targets, stop, {}, 60000);
  } catch (...) {
    creator.join();
    throw;
  }
  creator.join();
  EXPECT_FALSE(first.interrupted);
  // Created empty, then written: the first restore may have found the end before the records
  // came; a second one reads what is left.
  const RestoreResult second = restorer.restore(targets, stop, {}, 60000);
  EXPECT_EQ(first.records + second.records, 3);
  EXPECT_EQ(state.changelog_offset("counts"), 3);
  EXPECT_EQ(state.read_committed("counts", "k1").entries.at(0).second, "v3");
}

}  // namespace
}  // namespace leifeng::runtime::testing
