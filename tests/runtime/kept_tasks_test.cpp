// The tasks stream threads keep open across a rebalance (src/kept_tasks.hpp): any thread takes
// the ones it is given, and the rest close only once every thread that kept some has had its
// assignment.
#include "kept_tasks.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;

class NoSink : public RecordSink {
 public:
  void send(const std::string&, int32_t, std::string_view, std::optional<std::string_view>,
            int64_t*) override {}
};

class Counting : public Processor {
 public:
  Outcome process(const InputRecord&, Emitter&) override { return Outcome::applied; }
};

class Kept : public ::testing::Test {
 protected:
  Kept() : dir_(fs::temp_directory_path() / ("leifeng-kept-test-" + std::to_string(getpid()))) {
    topology_.input("events", "in.v1").processor("p", {"events"}, {"s"}, [](TaskContext&) {
      return std::make_unique<Counting>();
    });
  }
  ~Kept() override { fs::remove_all(dir_); }
  KeptTasks::Tasks tasks(std::initializer_list<int32_t> partitions) {
    KeptTasks::Tasks made;
    for (const int32_t p : partitions)
      made.emplace(TaskId{0, p},
                   std::make_unique<StreamTask>(TaskId{0, p}, topology_, dir_, sink_));
    return made;
  }

  fs::path dir_;
  Topology topology_{"app"};
  NoSink sink_;
};

TEST_F(Kept, AnyThreadTakesATaskAnotherThreadKept) {
  KeptTasks kept;
  kept.keep(0, tasks({0, 1}));
  kept.keep(1, tasks({2}));
  std::unique_ptr<StreamTask> task = kept.take(TaskId{0, 0});
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->id(), (TaskId{0, 0}));
  EXPECT_EQ(kept.take(TaskId{0, 0}), nullptr);  // given once
  EXPECT_EQ(kept.take(TaskId{0, 3}), nullptr);  // never kept
  EXPECT_NE(kept.take(TaskId{0, 2}), nullptr);
}

TEST_F(Kept, WhatNobodyTookStaysOpenUntilEveryKeeperHasHadItsAssignment) {
  KeptTasks kept;
  kept.keep(0, tasks({0, 1}));
  kept.keep(1, tasks({2, 3}));
  ASSERT_NE(kept.take(TaskId{0, 0}), nullptr);
  kept.done(0);
  // Thread 1 has not had its assignment: it may yet be given thread 0's task 1.
  EXPECT_NE(kept.take(TaskId{0, 1}), nullptr);
  kept.done(1);
  EXPECT_EQ(kept.take(TaskId{0, 2}), nullptr);
  EXPECT_EQ(kept.take(TaskId{0, 3}), nullptr);
  kept.close_all();
  // Closed: their databases open again at once (a kept one would hold RocksDB's lock).
  const auto started = std::chrono::steady_clock::now();
  KeptTasks::Tasks again = tasks({2, 3});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(Kept, CloseAllClosesWhatIsStillKept) {
  KeptTasks kept;
  kept.keep(0, tasks({0}));
  kept.close_all();
  EXPECT_EQ(kept.take(TaskId{0, 0}), nullptr);
  KeptTasks::Tasks again = tasks({0});  // the lock is free
  EXPECT_EQ(again.size(), 1u);
}

}  // namespace
}  // namespace leifeng::runtime
