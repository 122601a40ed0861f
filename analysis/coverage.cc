#include "analysis/coverage.h"

namespace ftlens {

namespace {

// How a missing event is named to the user: its tracefs name, and for the
// types that are no kernel event what the user would enable to get them.
std::string_view need_name(EventType type) {
  switch (type) {
    case EventType::kConsole: return "console event or kernel log";
    case EventType::kFuncEntry: return "function_graph call";
    case EventType::kLatencyMax: return "latency tracer header";
    default: return event_type_name(type);
  }
}

}  // namespace

std::string missing_events(const std::vector<EventTypeMask>& needed, const EventsHeld& held) {
  std::string missing;
  for (EventTypeMask need : needed) {
    std::vector<EventType> types;
    bool met = false;
    for (size_t t = 0; t < kEventTypeCount && !met; ++t) {
      if (!((need >> t) & 1U)) continue;
      types.push_back(static_cast<EventType>(t));
      met = held.holds(types.back());
    }
    if (met || types.empty()) continue;
    if (!missing.empty()) missing += " and no ";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i > 0) missing += i + 1 == types.size() ? " or " : ", ";
      missing += need_name(types[i]);
    }
  }
  return missing;
}

std::vector<DetectorCoverage> judge_coverage(const std::vector<std::unique_ptr<Detector>>& detectors,
                                             const EventsHeld& held) {
  std::vector<DetectorCoverage> coverage;
  coverage.reserve(detectors.size());
  for (const auto& d : detectors) coverage.push_back({std::string(d->id()), missing_events(d->needed_events(), held)});
  return coverage;
}

}  // namespace ftlens
