// The runtime's policy for failed Kafka calls (src/kafka_failure.hpp), without a broker: the
// errors a broker failure produces (issue 14) must never stop `run`, the ones no new client
// repairs must.
#include "kafka_failure.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>

namespace {

using leifeng::runtime::classify;
using leifeng::runtime::FailureAction;
using leifeng::runtime::is_configuration_error;
using leifeng::runtime::KafkaCall;
using leifeng::runtime::KafkaFailure;
using leifeng::runtime::RebuildBudget;

KafkaFailure failure(KafkaCall call, rd_kafka_resp_err_t code, bool fatal = false,
                     bool retriable = false, bool abort = false) {
  return KafkaFailure{call, code, fatal, retriable, abort};
}

TEST(KafkaFailurePolicy, FencedOrFatalTransactionStateRebuildsTheClients) {
  // The three messages of issue 14: each one made `run` exit 2.
  EXPECT_EQ(classify(failure(KafkaCall::abort, RD_KAFKA_RESP_ERR_INVALID_TXN_STATE, true)),
            FailureAction::rebuild_clients);
  EXPECT_EQ(classify(failure(KafkaCall::send_offsets, RD_KAFKA_RESP_ERR__FENCED, true)),
            FailureAction::rebuild_clients);
  EXPECT_EQ(classify(failure(KafkaCall::consume, RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID, true)),
            FailureAction::rebuild_clients);
  EXPECT_EQ(classify(failure(KafkaCall::commit, RD_KAFKA_RESP_ERR_PRODUCER_FENCED, true)),
            FailureAction::rebuild_clients);
  EXPECT_EQ(
      classify(failure(KafkaCall::produce, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, true)),
      FailureAction::rebuild_clients);
}

TEST(KafkaFailurePolicy, AbortableErrorsAbortTheTransaction) {
  EXPECT_EQ(classify(failure(KafkaCall::commit, RD_KAFKA_RESP_ERR__TIMED_OUT, false, false, true)),
            FailureAction::abort_transaction);
  EXPECT_EQ(classify(failure(KafkaCall::send_offsets, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID, false,
                             false, true)),
            FailureAction::abort_transaction);
  // Neither retriable nor abortable by its flags, in a transaction: aborting is always allowed.
  EXPECT_EQ(classify(failure(KafkaCall::begin, RD_KAFKA_RESP_ERR__STATE)),
            FailureAction::abort_transaction);
}

TEST(KafkaFailurePolicy, RetriableErrorsRepeatTheCall) {
  EXPECT_EQ(classify(failure(KafkaCall::commit, RD_KAFKA_RESP_ERR__TIMED_OUT, false, true)),
            FailureAction::retry);
  EXPECT_EQ(classify(failure(KafkaCall::send_offsets, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                             false, true)),
            FailureAction::retry);
  EXPECT_EQ(
      classify(failure(KafkaCall::init_transactions, RD_KAFKA_RESP_ERR__TIMED_OUT, false, true)),
      FailureAction::retry);
  // The consumer retries its own non-fatal errors.
  EXPECT_EQ(classify(failure(KafkaCall::consume, RD_KAFKA_RESP_ERR__TRANSPORT)),
            FailureAction::retry);
}

TEST(KafkaFailurePolicy, AFailedAbortOrInitIsNeverAbortedAgain) {
  // abort_transaction that failed with a "requires abort" error cannot be repaired by an abort.
  EXPECT_EQ(classify(failure(KafkaCall::abort, RD_KAFKA_RESP_ERR__STATE, false, false, true)),
            FailureAction::rebuild_clients);
  EXPECT_EQ(classify(failure(KafkaCall::init_transactions, RD_KAFKA_RESP_ERR__STATE)),
            FailureAction::rebuild_clients);
  EXPECT_EQ(classify(failure(KafkaCall::abort, RD_KAFKA_RESP_ERR__TIMED_OUT, false, true)),
            FailureAction::retry);
}

TEST(KafkaFailurePolicy, ConfigurationAndAuthorisationErrorsStopWhateverTheFlags) {
  for (const auto code :
       {RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
        RD_KAFKA_RESP_ERR_INVALID_TRANSACTION_TIMEOUT, RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION}) {
    EXPECT_TRUE(is_configuration_error(code)) << rd_kafka_err2name(code);
    EXPECT_EQ(classify(failure(KafkaCall::commit, code, true)), FailureAction::stop)
        << rd_kafka_err2name(code);
    EXPECT_EQ(classify(failure(KafkaCall::consume, code, true)), FailureAction::stop)
        << rd_kafka_err2name(code);
    EXPECT_EQ(classify(failure(KafkaCall::send_offsets, code, false, true, true)),
              FailureAction::stop)
        << rd_kafka_err2name(code);
  }
  for (const auto code : {RD_KAFKA_RESP_ERR_PRODUCER_FENCED, RD_KAFKA_RESP_ERR_INVALID_TXN_STATE,
                          RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID, RD_KAFKA_RESP_ERR__TIMED_OUT,
                          RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR__TRANSPORT}) {
    EXPECT_FALSE(is_configuration_error(code)) << rd_kafka_err2name(code);
  }
}

TEST(KafkaFailurePolicy, RebuildBudgetRefusesTheEleventhWithinTheWindowAndRefills) {
  using Clock = RebuildBudget::Clock;
  RebuildBudget budget(10, std::chrono::minutes(10));
  const auto start = Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(budget.take(start + std::chrono::seconds(i))) << i;
  EXPECT_FALSE(budget.take(start + std::chrono::minutes(5)));
  // The first one leaves the window ten minutes after it was taken.
  EXPECT_TRUE(budget.take(start + std::chrono::minutes(10)));
  EXPECT_FALSE(budget.take(start + std::chrono::minutes(10)));
}

}  // namespace
