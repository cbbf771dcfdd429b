#include "product.hpp"

#include "leifeng/runtime/logging.hpp"

namespace leifeng::app {

runtime::ConfigDefaults config_defaults() {
  runtime::ConfigDefaults defaults;
  defaults.runtime.application_id = "leifeng";
  defaults.runtime.topic_prefix = "leifeng";
  defaults.runtime.state_dir = ".leifeng/state";
  defaults.runtime.metric_prefix = "leifeng_";
  defaults.environment_prefix = "LEIFENG_";
  return defaults;
}

void setup_logging(std::string_view default_level) {
  runtime::setup_logging("LEIFENG_LOG_LEVEL", default_level);
}

runtime::TopicReaderOptions topic_reader_options() {
  runtime::TopicReaderOptions options;
  options.group_id = "leifeng-topic-reader";
  options.missing_topic_hint = "run `leifeng topics create`";
  return options;
}

}  // namespace leifeng::app
