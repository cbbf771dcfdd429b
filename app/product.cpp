#include "product.hpp"

namespace leifeng::app {

runtime::TopicReaderOptions topic_reader_options() {
  runtime::TopicReaderOptions options;
  options.group_id = "leifeng-topic-reader";
  options.missing_topic_hint = "run `leifeng topics create`";
  return options;
}

}  // namespace leifeng::app
