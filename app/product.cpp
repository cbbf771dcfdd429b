#include "product.hpp"

#include "leifeng/runtime/logging.hpp"

namespace leifeng::app {

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
