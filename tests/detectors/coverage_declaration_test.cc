#include <doctest/doctest.h>

#include <string_view>

#include "detectors/detector.h"
#include "parser/string_pool.h"

using namespace ftlens;

namespace {

bool needs(const Detector& d, EventType type) {
  for (EventTypeMask need : d.needed_events())
    if (need == event_types({type})) return true;
  return false;
}

}  // namespace

TEST_CASE("coverage.every need a detector declares can be met: it names at least one event type") {
  StringPool pool;
  for (const auto& d : make_all_detectors(DetectorContext{pool}))
    for (EventTypeMask need : d->needed_events()) {
      INFO(d->id());
      CHECK(need != 0);
      CHECK((need >> kEventTypeCount) == 0);  // no bit beyond the last type
    }
}

TEST_CASE("coverage.the detectors that judge from who ran need sched_switch") {
  StringPool pool;
  int checked = 0;
  for (const auto& d : make_all_detectors(DetectorContext{pool})) {
    const std::string_view id = d->id();
    INFO(id);
    if (id == "non-preempted" || id == "cpu-silent" || id == "hung-task" || id == "watchdog-gap") {
      CHECK(needs(*d, EventType::kSchedSwitch));
      ++checked;
    }
    if (id == "wq-stall") {
      CHECK(needs(*d, EventType::kWorkQueue));
      CHECK(needs(*d, EventType::kWorkStart));
    }
    if (id == "ipi-unanswered") {
      // Any way of sending one will do: one need with every sender in it.
      REQUIRE(d->needed_events().size() == 1);
      CHECK(d->needed_events()[0] ==
            event_types({EventType::kIpiSendCpu, EventType::kIpiSendCpumask, EventType::kIpiRaise, EventType::kCsdQueueCpu}));
    }
  }
  CHECK(checked == 4);
}
