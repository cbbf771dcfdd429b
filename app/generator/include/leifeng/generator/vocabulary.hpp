// The words of the generated city: the enumerations of SPEC §3 as they appear on the wire,
// which service types and target groups each campaign programme of the notice works with,
// and Chinese titles for activities and needs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace leifeng::generator {

inline constexpr int kCategories = 6;
inline constexpr int kServiceTypes = 14;
inline constexpr int kTargetGroups = 7;

std::string_view category_name(int category);
std::string_view service_type_name(int service_type);
std::string_view target_group_name(int target_group);

// How often each programme runs activities (weights).
std::span<const uint32_t> category_weights();
// Service types and target groups of a programme, as indices into the tables above.
std::span<const uint8_t> category_service_types(int category);
std::span<const uint8_t> category_target_groups(int category);

// "新华区邻里守望：为空巢老人开展家政服务"
std::string activity_title(uint32_t area_code, int category, int service_type, int target_group);
// "微心愿：为空巢老人提供亲情陪伴" / "群众需求：..."
std::string need_title(bool micro_wish, int service_type, int target_group);

// Why an organiser rejects, amends or revokes an hour log.
std::string_view rejection_reason(uint64_t pick);
std::string_view amendment_reason(uint64_t pick);
std::string_view revocation_reason(uint64_t pick);
std::string_view cancellation_reason(uint64_t pick);

}  // namespace leifeng::generator
