#include "rebalance.hpp"

#include <spdlog/spdlog.h>

namespace leifeng::runtime {

void RebalanceHandler::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                                    std::vector<RdKafka::TopicPartition*>& partitions) {
  try {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      spdlog::info("assigned {} partitions", partitions.size());
      if (listener_.on_assigned(partitions)) {
        consumer->assign(partitions);
      } else {
        consumer->assign({});  // completes the rebalance with nothing fetched
      }
    } else {
      const bool lost = consumer->assignment_lost();
      spdlog::info("revoking {} partitions{}", partitions.size(), lost ? " (lost)" : "");
      listener_.on_revoked(lost);
      consumer->unassign();
    }
  } catch (...) {
    // Without an assignment the consumer fetches nothing; the runtime stops on rethrow.
    consumer->unassign();
    if (!pending_) pending_ = std::current_exception();
  }
}

void RebalanceHandler::rethrow_pending() {
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
}

std::map<std::string, std::string> rebalance_properties(const std::string& instance_id) {
  return {
      {"partition.assignment.strategy", "range"},
      {"group.instance.id", instance_id},
  };
}

}  // namespace leifeng::runtime
