// The six campaign programmes (SPEC §1) as the report labels them.
#pragma once

#include <array>
#include <string_view>

namespace leifeng::report {

struct Programme {
  std::string_view category;  // as in the metric hours.minutes_verified.<category>
  std::string_view label;     // the notice's Chinese name
};

inline constexpr std::array<Programme, 6> kProgrammes{{
    {"neighborhood_watch", "邻里守望"},
    {"caring_dedication", "奉献爱心"},
    {"paired_assistance", "结对帮扶"},
    {"party_member_service", "党员志愿者"},
    {"window_service", "优质服务"},
    {"online_campaign", "网上学雷锋"},
}};

}  // namespace leifeng::report
