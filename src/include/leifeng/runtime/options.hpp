// Options of the streaming runtime as plain structs, documented field by field. Filled from
// the configuration file, the environment and flags by the config loader (config.hpp), over
// defaults its caller gives; the defaults below name no application.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace leifeng::runtime {

// How the runtime commits the input offsets it consumed.
enum class ProcessingGuarantee {
  // Inside each Kafka transaction, with the outputs (send_offsets_to_transaction).
  exactly_once,
  // With a plain consumer commit right after each transaction commits. Only for clusters that
  // accept TxnOffsetCommit but never store its offsets (the embedded cluster): a crash
  // between the two commits replays that transaction's inputs.
  at_least_once,
};

struct RuntimeOptions {
  // Consumer group id, transactional id prefix and prefix of internal topics.
  std::string application_id = "streams";
  // Prefix of the caller's topic names (the caller composes them, e.g. <topic_prefix>.<name>).
  std::string topic_prefix = "streams";
  // Parent directory of every task's RocksDB state.
  std::string state_dir = ".streams/state";
  // This instance's group.instance.id and transactional.id suffix (instance_id.hpp); unique
  // per live instance, the same across its restarts. Empty = generated once and kept in
  // <state_dir>/instance-id.
  std::string instance_id;
  // Partitions and replication factor of every topic the application creates (internal
  // topics too); replication -1 = the broker's default.replication.factor.
  int32_t partitions = 6;
  int16_t replication_factor = -1;
  // min.insync.replicas of every topic the application creates; -1 = the broker's default
  // (the topic gets no such config of its own).
  int16_t min_insync_replicas = -1;
  // retention.ms of the dead-letter topic, which copies rejected input as it came (personal
  // data in it included), so it must not be kept forever like the inputs. 30 days.
  int64_t dead_letter_retention_ms = int64_t{30} * 24 * 60 * 60 * 1000;
  // Length of one Kafka transaction under load: its first record waits at most this long for
  // the commit that makes its outputs visible.
  int32_t commit_interval_ms = 100;
  // Under light load a transaction commits as soon as no fetched input waits to be processed,
  // once it is at least this old; >= commit_interval_ms turns early commits off.
  int32_t min_commit_interval_ms = 10;
  // Under load each transaction may last twice the previous one, up to this; once the input
  // drains, commit_interval_ms again (commit_pacer.hpp). <= commit_interval_ms: no growth.
  int32_t max_commit_interval_ms = 1000;
  // Standby replicas (standby_replicas.hpp): 0 = none; 1 = this instance keeps a warm copy of
  // every store partition it does not own, tailing its changelog, so that taking one over
  // restores only the tail (with k instances every partition has k-1 copies).
  int32_t standby_replicas = 0;
  // Stream threads of this instance (stream_runtime.hpp): each its own consumer, transactional
  // producer and share of the tasks. 0 = the number of cores, or 1 with standby_replicas.
  int32_t threads = 0;
  // Prometheus endpoint (and probes) port; 0 = off.
  int32_t metrics_port = 0;
  // IP address the endpoint listens on: this host only by default; 0.0.0.0 lets another
  // host scrape it.
  std::string metrics_address = "127.0.0.1";
  // Interactive queries over HTTP ([serve]): the port (0 = off), the address to listen on,
  // and the address other instances and forwarded clients reach this one at ("host:port";
  // empty = serve_bind:port).
  int32_t serve_port = 0;
  std::string serve_bind = "127.0.0.1";
  std::string serve_advertised;
  // How long a client may take to reach the bootstrap servers before the command gives up
  // naming them (check_kafka_reachable).
  int32_t connect_timeout_ms = 5000;
  // Bootstrap servers; empty = none configured (the caller decides what that means).
  std::string bootstrap_servers;
  // Set by the composition root for the embedded cluster, not by configuration.
  ProcessingGuarantee guarantee = ProcessingGuarantee::exactly_once;
  // compression.type of the transactional producer unless the [kafka] table sets it: none, as
  // Kafka's producers default to (on a broker beside the processors lz4 cost more CPU than the
  // bytes it saved). The composition root sets lz4 for the embedded cluster, which keeps only
  // about 5 MiB per partition.
  std::string producer_compression = "none";
  // Starts the name of every metric the runtime reports, e.g. streams_records_consumed_total.
  // Set by the composition root, not by configuration.
  std::string metric_prefix = "streams_";
  // Passed to librdkafka unchanged (the [kafka] table).
  std::map<std::string, std::string> kafka;

  bool operator==(const RuntimeOptions&) const = default;
};

}  // namespace leifeng::runtime
