// StreamTask's outputs without a broker: stream records go out as they are emitted, table
// records (Topology::table_output) wait for the commit, one per key with its last value.
#include "task.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace leifeng::runtime {
namespace {

namespace fs = std::filesystem;

struct Sent {
  std::string topic;
  std::string key;
  std::string value;
  friend bool operator==(const Sent&, const Sent&) = default;
};

class RecordingSink : public RecordSink {
 public:
  void send(const std::string& topic, int32_t, std::string_view key,
            std::optional<std::string_view> value, int64_t*) override {
    sent.push_back({topic, std::string(key), std::string(value.value_or("<tombstone>"))});
  }
  std::vector<Sent> sent;
};

// Each input "key=value" becomes a row of the table and an entry of the stream.
class TableAndStream : public Processor {
 public:
  Outcome process(const InputRecord& record, Emitter& out) override {
    out.emit("table", *record.key, record.value);
    out.emit("stream", *record.key, record.value);
    return Outcome::applied;
  }
};

class TaskOutputs : public ::testing::Test {
 protected:
  TaskOutputs()
      : dir_(fs::temp_directory_path() / ("leifeng-task-test-" + std::to_string(getpid()))) {
    topology_.input("events", "in.v1")
        .table_output("table", "table.v1")
        .output("stream", "stream.v1")
        .processor("p", {"events"}, {},
                   [](TaskContext&) { return std::make_unique<TableAndStream>(); });
    task_ = std::make_unique<StreamTask>(TaskId{0, 0}, topology_, dir_, sink_);
    task_->start();
  }
  ~TaskOutputs() override {
    task_.reset();
    fs::remove_all(dir_);
  }
  void process(int64_t offset, std::string_view key, std::string_view value) {
    task_->process("in.v1", InputRecord{"events", 0, offset, key, value});
  }
  std::vector<Sent> sent_to(const std::string& topic) const {
    std::vector<Sent> sent;
    for (const Sent& s : sink_.sent) {
      if (s.topic == topic) sent.push_back(s);
    }
    return sent;
  }

  fs::path dir_;
  Topology topology_{"app"};
  RecordingSink sink_;
  std::unique_ptr<StreamTask> task_;
};

TEST_F(TaskOutputs, TableRecordsWaitForTheCommitOnePerKeyWithItsLastValue) {
  EXPECT_TRUE(topology_.is_table_output("table"));
  EXPECT_FALSE(topology_.is_table_output("stream"));
  process(0, "a", "a1");
  process(1, "b", "b1");
  process(2, "a", "a2");
  EXPECT_EQ(sent_to("stream.v1"),
            (std::vector<Sent>{
                {"stream.v1", "a", "a1"}, {"stream.v1", "b", "b1"}, {"stream.v1", "a", "a2"}}));
  EXPECT_TRUE(sent_to("table.v1").empty());
  task_->prepare_commit();
  EXPECT_EQ(sent_to("table.v1"),
            (std::vector<Sent>{{"table.v1", "a", "a2"}, {"table.v1", "b", "b1"}}));
  task_->committed();
  // The next transaction starts empty.
  process(3, "b", "b2");
  task_->prepare_commit();
  ASSERT_EQ(sent_to("table.v1").size(), 3u);
  EXPECT_EQ(sent_to("table.v1").back(), (Sent{"table.v1", "b", "b2"}));
}

TEST_F(TaskOutputs, AnAbortedTransactionsTableRecordsAreNeverSent) {
  process(0, "a", "a1");
  task_->aborted();
  task_->prepare_commit();
  EXPECT_TRUE(sent_to("table.v1").empty());
  process(0, "a", "a1-again");
  task_->prepare_commit();
  EXPECT_EQ(sent_to("table.v1"), (std::vector<Sent>{{"table.v1", "a", "a1-again"}}));
}

}  // namespace
}  // namespace leifeng::runtime
