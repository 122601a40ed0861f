#include "parser/event_types.h"

#include <unordered_map>

namespace ftlens {

EventType event_type_from_name(std::string_view name) {
  static const auto* by_name = [] {
    auto* map = new std::unordered_map<std::string_view, EventType>;
    for (const EventTypeInfo& info : kEventTypes)
      if (info.is_kernel_event()) map->emplace(info.name, info.type);
    return map;
  }();
  auto it = by_name->find(name);
  return it == by_name->end() ? EventType::kOther : it->second;
}

}  // namespace ftlens
