// Evidence before verdict: what the trace held, per event type, and which
// detectors that lets judge. A detector whose needed events
// (Detector::needed_events) the trace does not hold is not judged: its
// findings are dropped and the report says which events were missing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "detectors/detector.h"
#include "exporters/analysis_result.h"
#include "parser/event_types.h"

namespace ftlens {

struct EventsHeld {
  std::array<uint64_t, kEventTypeCount> by_type{};  // events the model used, per type
  // Kernel log records (the input, or --dmesg): printk output, the same
  // thing a console event carries, so they meet a need for kConsole.
  uint64_t log_records = 0;

  void add(EventType type) { ++by_type[static_cast<size_t>(type)]; }
  bool holds(EventType type) const {
    return by_type[static_cast<size_t>(type)] > 0 || (type == EventType::kConsole && log_records > 0);
  }
};

// What of `needed` the trace lacks, as the report says it after "the trace
// has no ": "" when every need is met, else each unmet need's types joined
// by " or ", the needs by " and no " ("workqueue_queue_work and no
// workqueue_execute_start").
std::string missing_events(const std::vector<EventTypeMask>& needed, const EventsHeld& held);

// Each detector's coverage, in the detectors' order.
std::vector<DetectorCoverage> judge_coverage(const std::vector<std::unique_ptr<Detector>>& detectors,
                                             const EventsHeld& held);

}  // namespace ftlens
