// Helpers of the runtime's broker tests: the broker address from the ctest fixture, topic
// creation, producing keyed records, reading a topic read_committed, and child processes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace RdKafka {
class Producer;
}

namespace leifeng::runtime::testing {

// Reads the file named by LEIFENG_TEST_BOOTSTRAP_FILE; throws when unset or unreadable.
std::string test_bootstrap_servers();
// A name unique to this process and call, e.g. "eos-basic-1234-1".
std::string unique_name(const std::string& stem);
void create_topic(const std::string& bootstrap, const std::string& topic, int32_t partitions);
// The configs set on the topic itself (DescribeConfigs, source DYNAMIC_TOPIC_CONFIG), not the
// broker's defaults it inherits; throws when the broker does not answer.
std::map<std::string, std::string> topic_overrides(const std::string& bootstrap,
                                                   const std::string& topic);

struct KeyedRecord {
  std::optional<std::string> key;
  std::string value;
};
// Produces (idempotent, partitioned by key) and waits for every delivery. `properties` are
// added to the producer's configuration.
void produce_all(const std::string& bootstrap, const std::string& topic,
                 const std::vector<KeyedRecord>& records,
                 const std::map<std::string, std::string>& properties = {});
// Deletes the records of `topic`[0] before `offset` (the log start moves there).
void delete_records_before(const std::string& bootstrap, const std::string& topic, int64_t offset);

// A transaction left open on `topic` (one record, partition 0): the last stable offset stays
// at that record, as after a commit whose markers are not written yet, until commit().
class OpenTransaction {
 public:
  OpenTransaction(const std::string& bootstrap, const std::string& topic, const std::string& id);
  ~OpenTransaction();
  OpenTransaction(const OpenTransaction&) = delete;
  OpenTransaction& operator=(const OpenTransaction&) = delete;
  void commit();
  void abort();

 private:
  std::unique_ptr<RdKafka::Producer> producer_;
};

struct ReadRecord {
  std::string key;
  std::string value;
  int32_t partition = 0;
  int64_t offset = 0;
};
// Every committed record of `topic`, in partition and offset order.
std::vector<ReadRecord> read_committed(const std::string& bootstrap, const std::string& topic);

// Records the consumer group has not committed yet on `topics` (topic -> partition count): the
// high watermark as a read_uncommitted reader sees it (every record written, an open
// transaction's too) minus the committed offset. So 0 means the group has processed and
// committed everything written, which it cannot before an open transaction on its inputs ends.
// -1 when the cluster does not answer.
int64_t group_lag(const std::string& bootstrap, const std::string& group,
                  const std::map<std::string, int>& topics);
// The partitions of `topics` whose last stable offset is behind their high watermark: an open
// transaction there holds back read_committed readers. -1 when the cluster does not answer.
int open_transactions(const std::string& bootstrap, const std::map<std::string, int>& topics);

// Checks that each key's records hold the values "1", "2", ... "n" in offset order with n the
// expected count (an output written twice would repeat a number). Returns "" when they do,
// else the first differences.
std::string count_sequence_errors(const std::vector<ReadRecord>& records,
                                  const std::map<std::string, int64_t>& expected);

// Starts `program` with `args`; returns the child's pid.
pid_t spawn(const std::string& program, const std::vector<std::string>& args);
// Waits for the child; returns its exit code, or 128 + signal.
int wait_for(pid_t pid);
void kill_and_wait(pid_t pid, int signal);

// A loopback port nobody listens on now (the kernel's choice for port 0).
int free_port();

// "key=value" lines of a stats file written by the counting worker.
std::map<std::string, int64_t> read_stats(const std::string& path);

}  // namespace leifeng::runtime::testing
