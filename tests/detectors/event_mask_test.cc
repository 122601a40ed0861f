#include <doctest/doctest.h>

#include <string>

#include "detectors/detector.h"
#include "parser/string_pool.h"

using namespace ftlens;

TEST_CASE("event type masks hold exactly the listed types") {
  const EventTypeMask mask = event_types({EventType::kContentionBegin, EventType::kContentionEnd});
  for (size_t t = 0; t < static_cast<size_t>(EventType::kCount_); ++t) {
    const auto type = static_cast<EventType>(t);
    CHECK(((mask >> t) & 1U) == (type == EventType::kContentionBegin || type == EventType::kContentionEnd));
  }
}

TEST_CASE("detectors that read events want them; span-only detectors want none") {
  StringPool pool;
  for (auto& d : make_all_detectors(DetectorContext{pool})) {
    const std::string id(d->id());
    CAPTURE(id);
    if (id == "long-work" || id == "non-preempted" || id == "unterminated-work" || id == "kernel-report" ||
        id == "stuck-function") {
      // kernel-report reads the parser's reports of console events and logs.
      CHECK(d->wanted_events() == 0);
    } else if (id == "lock-contention") {
      CHECK(d->wants(EventType::kContentionBegin));
      CHECK_FALSE(d->wants(EventType::kSchedSwitch));
    } else {
      // cpu-silent, watchdog-gap, ipi-unanswered, hung-task, wq-stall look at every event's CPU and time.
      CHECK(d->wanted_events() == kAllEventTypes);
    }
  }
}

TEST_CASE("detectors declare the span callbacks they override, and only those") {
  StringPool pool;
  for (auto& d : make_all_detectors(DetectorContext{pool})) {
    const std::string id(d->id());
    CAPTURE(id);
    if (id == "long-work") CHECK(d->wanted_spans() == kWorkDone);
    else if (id == "non-preempted") CHECK(d->wanted_spans() == kTaskSpans);
    else if (id == "stuck-function") CHECK(d->wanted_spans() == kFunctionCalls);
    else CHECK(d->wanted_spans() == 0);  // they read events, not spans
  }
}
