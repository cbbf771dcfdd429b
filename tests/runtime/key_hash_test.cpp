// key_hash indexes the in-memory tables by its low bits: keys that differ in any byte, or only
// in length, hash apart, and the ids the generator and upstream apps use spread over the slots.
#include "leifeng/runtime/key_hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace leifeng::runtime {
namespace {

TEST(KeyHash, EveryByteAndTheLengthCount) {
  for (size_t size = 0; size <= 40; ++size) {
    const std::string key(size, 'k');
    std::set<uint64_t> hashes = {key_hash(key), key_hash(key + '\0')};
    for (size_t at = 0; at < size; ++at) {
      for (const char c : {'\0', 'j', '\xff'}) {
        std::string changed = key;
        changed[at] = c;
        hashes.insert(key_hash(changed));
      }
    }
    EXPECT_EQ(hashes.size(), 2 + 3 * size) << "keys of " << size << " bytes";
    EXPECT_EQ(key_hash(key), key_hash(std::string(key)));  // the bytes, not the address
  }
}

TEST(KeyHash, SequentialIdsSpreadOverTheLowBits) {
  constexpr size_t kSlots = size_t{1} << 17;
  for (const char* prefix : {"vol-", "need-", "activity-", "log-00"}) {
    std::vector<int> load(kSlots, 0);
    constexpr int kKeys = 100000;
    for (int i = 0; i < kKeys; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "%s%06d", prefix, i);
      ++load[key_hash(id) & (kSlots - 1)];
    }
    // Uniform hashing leaves e^(-keys/slots) of the slots empty: 46.6 %.
    const auto empty = static_cast<double>(std::count(load.begin(), load.end(), 0)) / kSlots;
    EXPECT_NEAR(empty, std::exp(-static_cast<double>(kKeys) / kSlots), 0.01) << prefix;
    EXPECT_LE(*std::max_element(load.begin(), load.end()), 9) << prefix;
  }
}

}  // namespace
}  // namespace leifeng::runtime
