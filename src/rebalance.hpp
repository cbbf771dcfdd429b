// Partition assignment for the runtime's consumer group.
//
// Strategy: the EAGER protocol with the `range` assignor. Co-partitioned inputs must have
// partition p of every topic of a sub-topology on the same instance (one task reads them
// together); `range` gives every member the same partition numbers of each topic when the
// topics have equal partition counts, the cooperative-sticky assignor does not promise that.
// Eager means every rebalance revokes everything: the runtime commits its open transaction,
// closes all tasks (their RocksDB state stays on disk, consistent with the changelog offsets
// it records) and, on assignment, reopens them and replays only the changelog tail.
//
// Members are static (group.instance.id = the instance id), so a crashed instance that
// restarts gets its partitions back without waiting for its old session to expire; another
// instance takes them over once session.timeout.ms passes without the old one returning.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <exception>
#include <map>
#include <string>
#include <vector>

namespace leifeng::runtime {

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Before the consumer starts fetching `partitions`: open and restore the tasks, and set
  // each partition's offset to where fetching starts (assign() then uses it as given). False:
  // not yet; the consumer gets an empty assignment and the listener assigns them itself later,
  // unless a revocation comes first.
  virtual bool on_assigned(const std::vector<RdKafka::TopicPartition*>& partitions) = 0;
  // Before the partitions are taken away. `lost` = the group already gave them to another
  // member (session expired): the open transaction must abort, not commit.
  virtual void on_revoked(bool lost) = 0;
};

// librdkafka calls this from inside consume(); an exception must not cross librdkafka's C
// frames, so it is kept and rethrown by rethrow_pending() after consume() returns.
class RebalanceHandler final : public RdKafka::RebalanceCb {
 public:
  explicit RebalanceHandler(RebalanceListener& listener) : listener_(listener) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;
  void rethrow_pending();

 private:
  RebalanceListener& listener_;
  std::exception_ptr pending_;
};

// Consumer properties this strategy needs.
std::map<std::string, std::string> rebalance_properties(const std::string& instance_id);

}  // namespace leifeng::runtime
