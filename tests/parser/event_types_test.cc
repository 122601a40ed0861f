#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>

#include "parser/event_types.h"
#include "parser/tracefs_recording.h"

using namespace ftlens;

TEST_CASE("event_types.every EventType has its own row, in enum order") {
  REQUIRE(kEventTypes.size() == kEventTypeCount);
  for (size_t i = 0; i < kEventTypeCount; ++i) {
    CAPTURE(i);
    CHECK(static_cast<size_t>(kEventTypes[i].type) == i);
    CHECK(&event_type_info(static_cast<EventType>(i)) == &kEventTypes[i]);
  }
}

TEST_CASE("event_types.names are unique and each kernel event's name finds its own type") {
  std::set<std::string_view> names;
  for (const EventTypeInfo& info : kEventTypes) {
    CAPTURE(info.name);
    CHECK(!info.name.empty());
    CHECK(names.insert(info.name).second);
    if (info.is_kernel_event())
      CHECK(event_type_from_name(info.name) == info.type);
    else
      CHECK(event_type_from_name(info.name) == EventType::kOther);  // no event is named like a marker
  }
  CHECK(event_type_from_name("block_rq_issue") == EventType::kOther);
}

TEST_CASE("event_types.only kOther, the recording markers and the text-only function_graph and stack types are not kernel events") {
  for (const EventTypeInfo& info : kEventTypes) {
    CAPTURE(info.name);
    // function_graph lines and stack traces are printed by tracers, not
    // enabled as tracefs events; an input cut is a pasted fragment's.
    const bool text_only = info.type == EventType::kFuncEntry || info.type == EventType::kFuncLeaf ||
                           info.type == EventType::kFuncReturn || info.type == EventType::kStackTrace ||
                           info.type == EventType::kStackFrame;
    const bool marker = info.type == EventType::kOther || info.type == EventType::kLostEvents ||
                        info.type == EventType::kBufferStarted || info.type == EventType::kInputCut ||
                        info.type == EventType::kUninterpreted || info.type == EventType::kLatencyMax || text_only;
    CHECK(info.is_kernel_event() == !marker);
    if (marker) {
      CHECK(info.record == RecordPreset::kNever);
      CHECK(info.binary_fields[0] == nullptr);
    }
  }
}

TEST_CASE("event_types.binary fields are a gap-free list of distinct names, at least one per kernel event") {
  for (const EventTypeInfo& info : kEventTypes) {
    if (!info.is_kernel_event()) continue;
    CAPTURE(info.name);
    std::set<std::string_view> fields;
    bool ended = false;
    for (const char* field : info.binary_fields) {
      if (!field) {
        ended = true;
        continue;
      }
      CHECK_MESSAGE(!ended, "a field after an empty slot is never resolved in order");
      CHECK(*field != '\0');
      CHECK(fields.insert(field).second);
    }
    CHECK(!fields.empty());
  }
}

TEST_CASE("event_types.the record presets enable exactly the table's events, light within default") {
  const auto as_set = [](const std::vector<std::string>& v) { return std::set<std::string>(v.begin(), v.end()); };
  const std::set<std::string> defaults = as_set(recording_events("default"));
  const std::set<std::string> light = as_set(recording_events("light"));
  CHECK(as_set(recording_events("")) == defaults);
  std::set<std::string> expected_default, expected_light;
  for (const EventTypeInfo& info : kEventTypes) {
    const std::string full = std::string(info.system) + ":" + std::string(info.name);
    if (info.record != RecordPreset::kNever) expected_default.insert(full);
    if (info.record == RecordPreset::kLight) expected_light.insert(full);
  }
  CHECK(defaults == expected_default);
  CHECK(light == expected_light);
  CHECK(recording_events("default").size() == defaults.size());  // no event twice
  for (const std::string& event : defaults) {
    CAPTURE(event);
    const size_t colon = event.find(':');
    REQUIRE(colon != std::string::npos);
    const EventType type = event_type_from_name(std::string_view(event).substr(colon + 1));
    REQUIRE(type != EventType::kOther);
    CHECK(event_type_info(type).system == std::string_view(event).substr(0, colon));
  }
  for (const std::string& event : light) CHECK(defaults.count(event) == 1);
  // What the scheduling detectors cannot do without is in the lightest preset.
  CHECK(light.count("sched:sched_switch") == 1);
  CHECK(light.count("workqueue:workqueue_execute_start") == 1);
}
