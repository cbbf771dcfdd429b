// The buffer of a task's table records until the commit: the latest value of each
// (topic, key), in the order keys first came, through growth, clearing and reuse.
#include "table_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace leifeng::runtime {
namespace {

using Rows = std::vector<std::string>;  // "topic key value"

Rows rows(const TableBuffer& buffer) {
  Rows out;
  buffer.for_each(
      [&](const TableBuffer::Record& r) { out.push_back(*r.topic + " " + r.key + " " + r.value); });
  return out;
}

TEST(TableBuffer, KeepsTheLatestValuePerTopicAndKeyInFirstPutOrder) {
  const std::string stars = "stars";
  const std::string stars_copy = "stars";  // another topic object: told apart by address
  const std::string needs = "needs";
  TableBuffer buffer;
  buffer.put(&stars, "v1", "a");
  buffer.put(&needs, "v1", "b");
  buffer.put(&stars, "v2", "c");
  buffer.put(&stars, "v1", "d");
  buffer.put(&stars_copy, "v1", "e");
  buffer.put(&needs, "v1", "");
  EXPECT_EQ(rows(buffer), (Rows{"stars v1 d", "needs v1 ", "stars v2 c", "stars v1 e"}));
  EXPECT_EQ(buffer.size(), 4u);

  buffer.clear();
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(rows(buffer), Rows{});
  buffer.put(&stars, "v2", "f");  // nothing of the last commit is found again
  buffer.put(&stars, "v1", std::string(300, 'x'));
  EXPECT_EQ(rows(buffer), (Rows{"stars v2 f", "stars v1 " + std::string(300, 'x')}));
}

TEST(TableBuffer, GrowsAndClearsBeyondTheRetainedRecords) {
  const std::string topic = "t";
  TableBuffer buffer;
  for (int round = 0; round < 3; ++round) {
    const int keys = round == 1 ? 3 * static_cast<int>(TableBuffer::kRetainedRecords) : 1000;
    for (int pass = 0; pass < 2; ++pass) {
      for (int k = 0; k < keys; ++k) {
        buffer.put(&topic, "key-" + std::to_string(k), std::to_string(round * 10 + pass));
      }
    }
    ASSERT_EQ(buffer.size(), static_cast<size_t>(keys));
    size_t i = 0;
    bool in_order = true;
    buffer.for_each([&](const TableBuffer::Record& r) {
      in_order = in_order && r.key == "key-" + std::to_string(i++) &&
                 r.value == std::to_string(round * 10 + 1);
    });
    EXPECT_TRUE(in_order) << "round " << round;
    buffer.clear();
  }
}

}  // namespace
}  // namespace leifeng::runtime
