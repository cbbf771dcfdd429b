#include "leifeng/runtime/instance_directory.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <sstream>

#include "leifeng/runtime/kafka_client.hpp"
#include "leifeng/runtime/topic_admin.hpp"

namespace leifeng::runtime {
namespace {

constexpr std::string_view kMagic = "leifeng-instance 1";
// A record is published at least this often, so an instance that joins late learns of every
// other even if compaction were to drop something.
constexpr auto kRefresh = std::chrono::seconds(10);
constexpr int kPollMs = 100;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string encode_instance(const InstanceInfo& info) {
  std::string text(kMagic);
  text += "\naddress " + info.address + "\nupdated_ms " + std::to_string(info.updated_ms) + "\n";
  for (const auto& [store, partitions] : info.stores) {
    text += "store " + store;
    for (const int32_t p : partitions) text += " " + std::to_string(p);
    text += "\n";
  }
  return text;
}

std::optional<InstanceInfo> decode_instance(const std::string& instance_id, std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line) || line != kMagic) return std::nullopt;
  InstanceInfo info;
  info.instance_id = instance_id;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    if (word == "address") {
      fields >> info.address;
    } else if (word == "updated_ms") {
      if (!(fields >> info.updated_ms)) return std::nullopt;
    } else if (word == "store") {
      std::string store;
      if (!(fields >> store)) return std::nullopt;
      auto& partitions = info.stores[store];
      int32_t p = 0;
      while (fields >> p) partitions.push_back(p);
      if (!fields.eof()) return std::nullopt;
    } else if (!word.empty()) {
      return std::nullopt;
    }
  }
  if (info.address.empty()) return std::nullopt;
  return info;
}

std::optional<InstanceInfo> owner_of(const std::vector<InstanceInfo>& instances,
                                     const std::string& store, int32_t partition) {
  std::optional<InstanceInfo> owner;
  for (const InstanceInfo& instance : instances) {
    auto it = instance.stores.find(store);
    if (it == instance.stores.end()) continue;
    bool claims = false;
    for (const int32_t p : it->second) claims = claims || p == partition;
    if (claims && (!owner || instance.updated_ms > owner->updated_ms)) owner = instance;
  }
  return owner;
}

InstanceDirectory::InstanceDirectory(std::map<std::string, std::string> kafka,
                                     std::string application_id, std::string instance_id,
                                     std::string address, const StateReader& local,
                                     int16_t replication)
    : kafka_(std::move(kafka)),
      application_id_(std::move(application_id)),
      topic_(topic_name(application_id_)),
      instance_id_(std::move(instance_id)),
      address_(std::move(address)),
      local_(local),
      replication_(replication) {}

InstanceDirectory::~InstanceDirectory() {
  stop();
}

std::string InstanceDirectory::topic_name(const std::string& application_id) {
  return application_id + "-instances";
}

void InstanceDirectory::start() {
  try {
    TopicAdmin admin(kafka_);
    admin.create_topics({TopicSpec{topic_, 1, replication_, {{"cleanup.policy", "compact"}}}});
  } catch (const KafkaAdminError& e) {
    // E.g. the embedded cluster has no Admin API: its producer creates the topic.
    spdlog::warn("cannot create the instance directory topic {} ({})", topic_, e.what());
  }
  std::string error;
  auto producer_properties = kafka_;
  producer_properties["enable.idempotence"] = "true";
  producer_properties["linger.ms"] = "0";
  producer_properties["client.id"] = application_id_ + "-directory-" + instance_id_;
  auto producer_conf = new_kafka_conf(producer_properties);
  producer_.reset(RdKafka::Producer::create(producer_conf.get(), error));
  if (!producer_) throw std::runtime_error("cannot create the directory's producer: " + error);

  auto consumer_properties = kafka_;
  // Only a name: the partition is assigned and no offset is ever committed.
  consumer_properties["group.id"] = application_id_ + "-directory-" + instance_id_;
  consumer_properties["enable.auto.commit"] = "false";
  consumer_properties["enable.auto.offset.store"] = "false";
  consumer_properties["client.id"] = application_id_ + "-directory-" + instance_id_;
  consumer_properties["fetch.wait.max.ms"] = "100";
  auto consumer_conf = new_kafka_conf(consumer_properties);
  consumer_.reset(RdKafka::KafkaConsumer::create(consumer_conf.get(), error));
  if (!consumer_) throw std::runtime_error("cannot create the directory's consumer: " + error);
  std::unique_ptr<RdKafka::TopicPartition> tp(
      RdKafka::TopicPartition::create(topic_, 0, RdKafka::Topic::OFFSET_BEGINNING));
  std::vector<RdKafka::TopicPartition*> partitions{tp.get()};
  if (auto err = consumer_->assign(partitions); err != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("cannot read " + topic_ + ": " + RdKafka::err2str(err));
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void InstanceDirectory::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
  publish(std::nullopt);  // gone: the others stop forwarding here
  producer_->flush(5000);
  consumer_->close();
  consumer_.reset();
  producer_.reset();
}

InstanceInfo InstanceDirectory::local_info() const {
  InstanceInfo info;
  info.instance_id = instance_id_;
  info.address = address_;
  info.stores = local_.owned();
  // Stores with no partition here are left out.
  std::erase_if(info.stores, [](const auto& entry) { return entry.second.empty(); });
  info.updated_ms = now_ms();
  return info;
}

void InstanceDirectory::publish(const std::optional<InstanceInfo>& info) {
  const std::string value = info ? encode_instance(*info) : std::string();
  const RdKafka::ErrorCode err = producer_->produce(
      topic_, 0, RdKafka::Producer::RK_MSG_COPY, info ? const_cast<char*>(value.data()) : nullptr,
      info ? value.size() : 0, instance_id_.data(), instance_id_.size(), 0, nullptr);
  if (err != RdKafka::ERR_NO_ERROR)
    spdlog::warn("cannot publish this instance to {}: {}", topic_, RdKafka::err2str(err));
  producer_->poll(0);
}

void InstanceDirectory::read_available() {
  for (;;) {
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(kPollMs));
    if (message->err() == RdKafka::ERR__TIMED_OUT || message->err() == RdKafka::ERR__PARTITION_EOF)
      return;
    if (message->err() != RdKafka::ERR_NO_ERROR) {
      spdlog::debug("instance directory: {}", message->errstr());
      return;
    }
    const std::string id = message->key() != nullptr ? *message->key() : std::string();
    if (id.empty() || id == instance_id_) continue;
    std::lock_guard lock(mutex_);
    if (message->payload() == nullptr) {
      others_.erase(id);
      continue;
    }
    auto info = decode_instance(
        id, std::string_view(static_cast<const char*>(message->payload()), message->len()));
    if (info) {
      others_[id] = std::move(*info);
    } else {
      spdlog::warn("instance directory: ignoring a record of {} that does not decode", id);
    }
  }
}

void InstanceDirectory::loop() {
  auto next_refresh = std::chrono::steady_clock::now();
  while (!stopping_) {
    const auto owned = local_info().stores;
    const auto now = std::chrono::steady_clock::now();
    bool changed = false;
    {
      std::lock_guard lock(mutex_);
      changed = owned != published_;
    }
    if (changed || now >= next_refresh) {
      publish(local_info());
      std::lock_guard lock(mutex_);
      published_ = owned;
      next_refresh = now + kRefresh;
    }
    read_available();
    producer_->poll(0);
  }
}

std::vector<InstanceInfo> InstanceDirectory::instances() const {
  std::vector<InstanceInfo> all{local_info()};
  std::lock_guard lock(mutex_);
  for (const auto& [id, info] : others_) all.push_back(info);
  return all;
}

std::optional<InstanceInfo> InstanceDirectory::owner(const std::string& store,
                                                     int32_t partition) const {
  return owner_of(instances(), store, partition);
}

}  // namespace leifeng::runtime
