#include "kafka_failure.hpp"

#include <librdkafka/rdkafka.h>

namespace leifeng::runtime {

bool is_configuration_error(int code) {
  switch (static_cast<rd_kafka_resp_err_t>(code)) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_TRANSACTION_TIMEOUT:
    case RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT:
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
    case RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
      return true;
    default:
      return false;
  }
}

FailureAction classify(const KafkaFailure& failure) {
  if (is_configuration_error(failure.code)) return FailureAction::stop;
  // A fatal error leaves the client unusable whatever the code: PRODUCER_FENCED (a transaction
  // the broker timed out bumped the epoch), INVALID_TXN_STATE (a coordinator that moved and
  // lost track), FENCED_INSTANCE_ID (the static member's session expired while the group
  // coordinator moved, and its rejoin fenced its own older member id).
  if (failure.fatal) return FailureAction::rebuild_clients;
  if (failure.call == KafkaCall::abort || failure.call == KafkaCall::init_transactions) {
    // Nothing left to abort: retry what is transient, else start over with a new producer.
    return failure.retriable ? FailureAction::retry : FailureAction::rebuild_clients;
  }
  if (failure.call == KafkaCall::consume) {
    // A consumer's non-fatal errors are reported and retried by librdkafka itself.
    return FailureAction::retry;
  }
  if (failure.txn_requires_abort) return FailureAction::abort_transaction;
  if (failure.retriable) return FailureAction::retry;
  // Anything else the transaction cannot survive; aborting it is always allowed.
  return FailureAction::abort_transaction;
}

bool RebuildBudget::take(Clock::time_point now) {
  while (!taken_.empty() && now - taken_.front() >= window_) taken_.pop_front();
  if (static_cast<int>(taken_.size()) >= rebuilds_) return false;
  taken_.push_back(now);
  return true;
}

std::string_view describe(FailureAction action) {
  switch (action) {
    case FailureAction::retry:
      return "retrying the call";
    case FailureAction::abort_transaction:
      return "aborting the transaction and processing its inputs again";
    case FailureAction::rebuild_clients:
      return "closing the producer and consumer, building new ones and rejoining the group";
    case FailureAction::stop:
      return "stopping: a new client would fail the same way";
  }
  return "";
}

std::string_view describe(KafkaCall call) {
  switch (call) {
    case KafkaCall::init_transactions:
      return "init_transactions";
    case KafkaCall::begin:
      return "begin_transaction";
    case KafkaCall::produce:
      return "produce";
    case KafkaCall::send_offsets:
      return "send_offsets_to_transaction";
    case KafkaCall::commit:
      return "commit_transaction";
    case KafkaCall::abort:
      return "abort_transaction";
    case KafkaCall::consume:
      return "consume";
  }
  return "";
}

}  // namespace leifeng::runtime
