// What the stream runtime does when a Kafka call fails. librdkafka tells by flags how bad an
// error is (rd_kafka_error_is_fatal, _txn_requires_abort, _is_retriable); the runtime adds what
// it knows about the call and about errors no new client repairs. A pure function, so the
// policy is testable without a broker (docs/architecture.md, "When Kafka fails").
#pragma once

#include <chrono>
#include <deque>
#include <string_view>

namespace leifeng::runtime {

enum class FailureAction {
  // Transient (a timeout, a coordinator moving): call again.
  retry,
  // The open transaction cannot commit: abort it, drop its buffered state, rewind the inputs
  // to the last committed offsets and process them again.
  abort_transaction,
  // This producer or consumer can do nothing more (fenced, a fatal idempotence or transaction
  // state error, a static member fenced): close both, build new ones, rejoin the group and
  // resume from the committed offsets and the changelogs.
  rebuild_clients,
  // No new client would fare better (authentication, authorisation, configuration): exit.
  stop,
};

// The transactional call that failed; an abort that fails cannot be repaired by aborting.
enum class KafkaCall { init_transactions, begin, produce, send_offsets, commit, abort, consume };

struct KafkaFailure {
  KafkaCall call = KafkaCall::commit;
  int code = 0;  // rd_kafka_resp_err_t; for a fatal error the underlying code, not _FATAL
  bool fatal = false;
  bool retriable = false;
  bool txn_requires_abort = false;
};

FailureAction classify(const KafkaFailure& failure);

// Errors that another client with the same configuration would meet again: wrong credentials,
// missing ACLs, settings the broker refuses, a protocol it does not speak.
bool is_configuration_error(int code);

// "retry", "abort the transaction and process its inputs again", ... for log lines.
std::string_view describe(FailureAction action);
std::string_view describe(KafkaCall call);

// How many rebuilds a window allows. A cluster failing over now and then stays well within it;
// two processes sharing one instance id, fencing each other in turn, exhaust it, and the one
// that does stops with the reason instead of fencing the other for ever.
class RebuildBudget {
 public:
  using Clock = std::chrono::steady_clock;
  RebuildBudget(int rebuilds, Clock::duration window) : rebuilds_(rebuilds), window_(window) {}
  // Takes one rebuild at `now`; false when the window already holds the maximum.
  bool take(Clock::time_point now);

 private:
  int rebuilds_;
  Clock::duration window_;
  std::deque<Clock::time_point> taken_;
};

}  // namespace leifeng::runtime
