// One librdkafka Admin API request and its answer, internal to leifeng_runtime: the options
// with their timeouts, the queue the answer arrives on, and the wait for it.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>

#include "rdkafka_ptr.hpp"

namespace leifeng::runtime {

using AdminOptionsPtr =
    std::unique_ptr<rd_kafka_AdminOptions_t, RdKafkaDeleter<rd_kafka_AdminOptions_destroy>>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter<rd_kafka_queue_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, RdKafkaDeleter<rd_kafka_event_destroy>>;

class AdminRequest {
 public:
  // `what` names the request in errors ("describe group leifeng"). The request timeout is
  // `timeout`; `with_operation_timeout` also makes the broker wait that long for the
  // controller (topic creation and deletion only: other requests reject the option).
  AdminRequest(rd_kafka_t* client, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout,
               std::string what, bool with_operation_timeout = false);

  rd_kafka_AdminOptions_t* options() const { return options_.get(); }
  rd_kafka_queue_t* queue() const { return queue_.get(); }
  // The answer to the request sent with options() and queue(). Throws KafkaAdminError naming
  // the request when none came in time or the request as a whole failed.
  EventPtr await() const;
  // The same, but an empty pointer when the request timed out, for callers that ask again.
  EventPtr await_unless_timed_out() const;

 private:
  std::chrono::milliseconds timeout_;
  std::string what_;
  AdminOptionsPtr options_;
  QueuePtr queue_;
};

// The message of a per-item error (a topic's, a group's): its string, else librdkafka's text.
std::string admin_error_text(rd_kafka_resp_err_t code, const char* message);

}  // namespace leifeng::runtime
