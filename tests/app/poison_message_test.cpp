// One oversized input must not stop the pipeline (issue 14, point 2): a message the broker
// accepts but whose dead letter would be over the producer's 1,000,000-byte message.max.bytes
// is dead-lettered with a cut payload, and `run` moves on to the next input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../runtime/kafka_test_support.hpp"
#include "leifeng/schemas/records.hpp"
#include "leifeng/test_support/leifeng_on_broker.hpp"

namespace {

namespace support = leifeng::runtime::testing;
using Leifeng = leifeng::test_support::LeifengOnBroker;

TEST(PoisonMessage, OversizedEventsAreDeadLetteredCutAndRunMovesOn) {
  Leifeng cli("poison");
  ASSERT_EQ(cli.run("topics create").code, 0);

  // Straight to the topic, past publish's line checks, as an upstream app could.
  std::string big = R"({"event_id":"e-big","type":"hours.submitted","note":")";
  big.append(999'952 - big.size() - 2, 'x').append("\"}");
  std::string controls = R"({"event_id":"e-ctl","type":"hours.submitted","note":")";
  controls.append(300'000, '\x07').append("\"}");
  const std::string good = R"({"event_id":"e-1","type":"volunteer.registered","schema_version":1,)"
                           R"("occurred_at":"2027-03-01T08:00:00+08:00","volunteer_id":"v-1",)"
                           R"("area_code":"410402","party_member":true})";
  // One key, so one partition, in this order: offsets 0, 1 and 2.
  support::produce_all(cli.bootstrap(), cli.topic("hours"),
                       {{"v-1", big}, {"v-1", controls}, {"v-1", good}});

  const auto result = cli.run("run --until-caught-up");
  ASSERT_EQ(result.code, 0) << result.err;

  const auto letters = support::read_committed(cli.bootstrap(), cli.topic("dead-letter"));
  ASSERT_EQ(letters.size(), 2u);
  const std::vector<const std::string*> originals = {&big, &controls};
  for (size_t i = 0; i < letters.size(); ++i) {
    EXPECT_LT(letters[i].key.size() + letters[i].value.size(), 1'000'000u);
    const auto letter = leifeng::schemas::dead_letter_from_json(letters[i].value);
    ASSERT_TRUE(letter.has_value()) << letters[i].value.substr(0, 300);
    ASSERT_TRUE(letter->cut.has_value());
    EXPECT_EQ(letter->cut->original_bytes, static_cast<int64_t>(originals[i]->size()));
    EXPECT_EQ(originals[i]->compare(0, letter->payload.size(), letter->payload), 0);
    const auto* source = std::get_if<leifeng::schemas::KafkaSource>(&letter->source);
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(source->topic, cli.topic("hours"));
    EXPECT_EQ(source->offset, static_cast<int64_t>(i));
  }
  // The input after them was applied: the volunteer is in the stars table.
  const auto stars = support::read_committed(cli.bootstrap(), cli.topic("stars"));
  ASSERT_EQ(stars.size(), 1u);
  EXPECT_EQ(stars[0].key, "v-1");
}

}  // namespace
