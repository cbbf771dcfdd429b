#include "leifeng/generator/vocabulary.hpp"

#include <fmt/format.h>

#include <array>

namespace leifeng::generator {
namespace {

constexpr std::array<std::string_view, kCategories> kCategoryNames = {
    "neighborhood_watch",   "caring_dedication", "paired_assistance",
    "party_member_service", "window_service",    "online_campaign"};
constexpr std::array<std::string_view, kCategories> kCategoryChinese = {
    "邻里守望", "奉献爱心", "结对帮扶", "党员志愿服务", "雷锋岗优质服务", "网上学雷锋"};
constexpr std::array<uint32_t, kCategories> kCategoryWeights = {25, 22, 12, 16, 15, 10};

constexpr std::array<std::string_view, kServiceTypes> kServiceTypeNames = {
    "housekeeping",     "culture_sports", "counseling",        "medical_care",
    "legal_aid",        "tutoring",       "companionship",     "city_experience",
    "safety_education", "donation",       "civility_guidance", "business_guidance",
    "publicity",        "other"};
constexpr std::array<std::string_view, kServiceTypes> kServiceTypeChinese = {
    "家政服务", "文体活动", "心理疏导", "医疗保健", "法律服务", "学业辅导", "亲情陪伴",
    "感受城市", "自护教育", "爱心捐赠", "文明引导", "业务讲解", "榜样宣传", "志愿服务"};

constexpr std::array<std::string_view, kTargetGroups> kTargetGroupNames = {
    "empty_nest_elderly",
    "left_behind_children",
    "disabled_people",
    "migrant_worker_children",
    "families_in_need",
    "general_public",
    "other"};
constexpr std::array<std::string_view, kTargetGroups> kTargetGroupChinese = {
    "空巢老人", "留守儿童", "残疾人", "农民工子女", "困难家庭", "办事群众", "社区居民"};

// Indices into the tables above, per programme (SPEC §1 and the notice's six activities).
constexpr uint8_t kWatchServices[] = {0, 1, 2, 3, 4};
constexpr uint8_t kWatchTargets[] = {0, 1, 2};
constexpr uint8_t kCaringServices[] = {5, 6, 7, 8, 9};
constexpr uint8_t kCaringTargets[] = {0, 2, 3};
constexpr uint8_t kPairedServices[] = {0, 3, 4, 9, 13};
constexpr uint8_t kPairedTargets[] = {4, 2};
constexpr uint8_t kPartyServices[] = {3, 1, 4, 2, 13};
constexpr uint8_t kPartyTargets[] = {5, 0, 4, 6};
constexpr uint8_t kWindowServices[] = {10, 11};
constexpr uint8_t kWindowTargets[] = {5};
constexpr uint8_t kOnlineServices[] = {12, 13};
constexpr uint8_t kOnlineTargets[] = {5, 4, 6};

struct Programme {
  std::span<const uint8_t> services;
  std::span<const uint8_t> targets;
};
constexpr std::array<Programme, kCategories> kProgrammes = {{
    {kWatchServices, kWatchTargets},
    {kCaringServices, kCaringTargets},
    {kPairedServices, kPairedTargets},
    {kPartyServices, kPartyTargets},
    {kWindowServices, kWindowTargets},
    {kOnlineServices, kOnlineTargets},
}};

std::string_view area_name(uint32_t area_code) {
  switch (area_code) {
    case 410402:
      return "新华区";
    case 410403:
      return "卫东区";
    case 410404:
      return "石龙区";
    case 410411:
      return "湛河区";
    case 410421:
      return "宝丰县";
    case 410422:
      return "叶县";
    case 410423:
      return "鲁山县";
    case 410425:
      return "郏县";
    case 410481:
      return "舞钢市";
    case 410482:
      return "汝州市";
    default:
      return "";
  }
}

constexpr std::string_view kRejections[] = {"签到记录中无此人", "服务时长与活动安排不符",
                                            "重复提交", "包含往返路途时间"};
constexpr std::string_view kAmendments[] = {"按签到签退时间核减", "补录遗漏的服务时间",
                                            "扣除往返路途时间"};
constexpr std::string_view kRevocations[] = {"活动记录核查不实", "志愿者申请撤销",
                                             "组织方撤回记录"};
constexpr std::string_view kCancellations[] = {"天气原因取消", "需求已由社区解决", "居民撤回需求",
                                               "场地临时不可用"};

template <size_t N>
std::string_view pick_from(const std::string_view (&table)[N], uint64_t pick) {
  return table[pick % N];
}

}  // namespace

std::string_view category_name(int category) {
  return kCategoryNames.at(category);
}
std::string_view service_type_name(int service_type) {
  return kServiceTypeNames.at(service_type);
}
std::string_view target_group_name(int target_group) {
  return kTargetGroupNames.at(target_group);
}
std::span<const uint32_t> category_weights() {
  return kCategoryWeights;
}
std::span<const uint8_t> category_service_types(int category) {
  return kProgrammes.at(category).services;
}
std::span<const uint8_t> category_target_groups(int category) {
  return kProgrammes.at(category).targets;
}

std::string activity_title(uint32_t area_code, int category, int service_type, int target_group) {
  return fmt::format("{}{}：为{}开展{}", area_name(area_code), kCategoryChinese.at(category),
                     kTargetGroupChinese.at(target_group), kServiceTypeChinese.at(service_type));
}

std::string need_title(bool micro_wish, int service_type, int target_group) {
  return fmt::format("{}：为{}提供{}", micro_wish ? "微心愿" : "群众需求",
                     kTargetGroupChinese.at(target_group), kServiceTypeChinese.at(service_type));
}

std::string_view rejection_reason(uint64_t pick) {
  return pick_from(kRejections, pick);
}
std::string_view amendment_reason(uint64_t pick) {
  return pick_from(kAmendments, pick);
}
std::string_view revocation_reason(uint64_t pick) {
  return pick_from(kRevocations, pick);
}
std::string_view cancellation_reason(uint64_t pick) {
  return pick_from(kCancellations, pick);
}

}  // namespace leifeng::generator
