// The event types ftlens interprets, generated from the one list in
// event_types.def: the EventType enum and, per type, its tracefs system and
// name, the binary field names and whether `ftlens record` enables it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ftlens {

enum class EventType : uint8_t {
#define FTLENS_EVENT(id, ...) id,
#define FTLENS_MARKER(id, label) id,
#include "parser/event_types.def"
#undef FTLENS_EVENT
#undef FTLENS_MARKER
  kCount_
};

inline constexpr size_t kEventTypeCount = static_cast<size_t>(EventType::kCount_);

// Which `ftlens record --events` presets enable an event type.
enum class RecordPreset : uint8_t {
  kNever,    // read when present, never enabled by a preset
  kDefault,  // "default" only
  kLight,    // "light" and "default"
};

// The most binary fields any event type reads.
inline constexpr size_t kMaxBinaryFields = 7;

struct EventTypeInfo {
  EventType type;
  std::string_view system;  // tracefs system ("sched"); empty for markers
  std::string_view name;    // event name ("sched_switch"), or a marker's label
  RecordPreset record;
  // libtraceevent field names, in the order the binary decoder reads them;
  // unused slots are null.
  std::array<const char*, kMaxBinaryFields> binary_fields;

  bool is_kernel_event() const { return !system.empty(); }
};

inline constexpr std::array<EventTypeInfo, kEventTypeCount> kEventTypes = {{
#define FTLENS_EVENT(id, system, name, grammar, record, ...) \
  {EventType::id, system, name, RecordPreset::record, {__VA_ARGS__}},
#define FTLENS_MARKER(id, label) {EventType::id, {}, label, RecordPreset::kNever, {}},
#include "parser/event_types.def"
#undef FTLENS_EVENT
#undef FTLENS_MARKER
}};

// The table is indexed by EventType: row i describes type i.
constexpr bool event_types_indexed_by_type() {
  for (size_t i = 0; i < kEventTypes.size(); ++i)
    if (static_cast<size_t>(kEventTypes[i].type) != i) return false;
  return true;
}
static_assert(event_types_indexed_by_type());

inline const EventTypeInfo& event_type_info(EventType type) { return kEventTypes[static_cast<size_t>(type)]; }

// "sched_switch" for kSchedSwitch; a marker's label for markers.
inline std::string_view event_type_name(EventType type) { return event_type_info(type).name; }

// Maps an event name ("sched_switch") to the type the model interprets, or
// kOther. Markers' labels map to kOther too.
EventType event_type_from_name(std::string_view name);

}  // namespace ftlens
