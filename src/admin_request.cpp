#include "admin_request.hpp"

#include <fmt/format.h>

#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::runtime {

namespace {

constexpr std::size_t kErrorSize = 512;

}  // namespace

AdminRequest::AdminRequest(rd_kafka_t* client, rd_kafka_admin_op_t op,
                           std::chrono::milliseconds timeout, std::string what,
                           bool with_operation_timeout)
    : timeout_(timeout),
      what_(std::move(what)),
      options_(rd_kafka_AdminOptions_new(client, op)),
      queue_(rd_kafka_queue_new(client)) {
  char error[kErrorSize];
  const int ms = static_cast<int>(timeout_.count());
  if (rd_kafka_AdminOptions_set_request_timeout(options_.get(), ms, error, sizeof error) ||
      (with_operation_timeout &&
       rd_kafka_AdminOptions_set_operation_timeout(options_.get(), ms, error, sizeof error)))
    throw KafkaAdminError(fmt::format("{}: {}", what_, error));
}

EventPtr AdminRequest::await() const {
  EventPtr event = await_unless_timed_out();
  if (!event) throw KafkaAdminError(fmt::format("{}: no answer from the cluster in time", what_));
  return event;
}

EventPtr AdminRequest::await_unless_timed_out() const {
  // A little beyond the request timeout, so that librdkafka's own timeout answers first.
  EventPtr event(rd_kafka_queue_poll(queue_.get(), static_cast<int>(timeout_.count()) + 5000));
  if (!event || rd_kafka_event_error(event.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT) return {};
  if (rd_kafka_event_error(event.get()))
    throw KafkaAdminError(fmt::format("{}: {}", what_, rd_kafka_event_error_string(event.get())));
  return event;
}

std::string admin_error_text(rd_kafka_resp_err_t code, const char* message) {
  return message != nullptr && *message != '\0' ? message : rd_kafka_err2str(code);
}

}  // namespace leifeng::runtime
