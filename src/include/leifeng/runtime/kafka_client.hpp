// Making librdkafka clients and configurations from configuration properties: every property
// is set in turn and the first one librdkafka refuses is named in the error.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

struct rd_kafka_s;
struct rd_kafka_conf_s;
namespace RdKafka {
class Conf;
class Event;
}  // namespace RdKafka

namespace leifeng::runtime {

enum class KafkaClientKind { producer, consumer };

// queued.min.messages for leifeng's consumers (a [kafka] setting still wins). librdkafka 2.0.2
// stops fetching while a consumer's local queue holds that many messages (100,000 by default)
// and looks again only when its fetcher thread wakes, up to a second later: a consumer that
// applies more than 100,000 records a second idled for the rest of each second
// (docs/performance-history.md, "librdkafka's one-second fetch pause").
// The readers of whole topics and changelogs (TopicReader, ChangelogConsumer): prefetch bounded
// by queued.max.messages.kbytes (64 MiB by default) instead.
inline constexpr const char* kReaderQueuedMinMessages = "1000000";
// The stream threads: enough for more than a second of a thread's catch-up (about 130,000
// records a second here), while each queued record costs about 800 bytes of memory; 1,000,000
// took the peak RSS of a million volunteers' catch-up over 1 GiB.
inline constexpr const char* kStreamQueuedMinMessages = "200000";

// Either a client (owned by the caller: rd_kafka_destroy) or why there is none.
struct NewKafkaClient {
  rd_kafka_s* handle = nullptr;
  std::string error;  // "kafka property NAME=VALUE: why" or "cannot create DESCRIPTION: why"
};

// One of librdkafka's own log lines (syslog `level` 0-7) through the project's logger, in its
// format: msg="<message>" source=librdkafka client=<name> facility=<facility>, at the matching
// spdlog level (3 error, 4 warn, 5-6 info, 7 debug), instead of raw "%3|..." lines on stderr.
void log_from_librdkafka(int level, std::string_view client, std::string_view facility,
                         std::string_view message);
// Sets log_from_librdkafka as the configuration's log_cb. new_kafka_client and new_kafka_conf
// do it for every client they make.
void route_librdkafka_logs(rd_kafka_conf_s* conf);

// A connection failure librdkafka retries by itself (__TRANSPORT, __ALL_BROKERS_DOWN,
// __RESOLVE): logged at debug per attempt; KafkaConnectionState tells the operator once.
bool is_connection_error(int error);
// A C++ client's event (event_cb: EVENT_LOG and EVENT_ERROR) through log_from_librdkafka, the
// connection failures among them at debug, other errors at warn (error when fatal).
void log_librdkafka_event(const RdKafka::Event& event, std::string_view client);

// rd_kafka_new of `kind` with `properties`. `description` names the client in errors
// ("Kafka consumer"); `prepare` may set callbacks on the configuration before the client is
// made.
NewKafkaClient new_kafka_client(KafkaClientKind kind,
                                const std::map<std::string, std::string>& properties,
                                const std::string& description,
                                const std::function<void(rd_kafka_conf_s*)>& prepare = {});

// A global C++ API configuration with `properties` set. Throws std::invalid_argument
// ("kafka property NAME: why") for the first property librdkafka refuses.
std::unique_ptr<RdKafka::Conf> new_kafka_conf(const std::map<std::string, std::string>& properties);

}  // namespace leifeng::runtime
