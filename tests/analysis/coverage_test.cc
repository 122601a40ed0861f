#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "analysis/coverage.h"
#include "analysis/pipeline.h"
#include "exporters/text_summary.h"
#include "feed_text.h"

using namespace ftlens;

TEST_CASE("coverage.a need is met by an event of any of its types, and every need must be met") {
  EventsHeld held;
  held.add(EventType::kWorkQueue);
  held.add(EventType::kIpiRaise);
  CHECK(missing_events({}, held).empty());
  CHECK(missing_events({event_types({EventType::kWorkQueue})}, held).empty());
  CHECK(missing_events({event_types({EventType::kSchedSwitch})}, held) == "sched_switch");
  CHECK(missing_events({event_types({EventType::kIpiSendCpu, EventType::kIpiRaise})}, held).empty());
  CHECK(missing_events({event_types({EventType::kIpiSendCpu, EventType::kCsdQueueCpu, EventType::kSchedSwitch})}, held) ==
        "sched_switch, ipi_send_cpu or csd_queue_cpu");
  CHECK(missing_events({event_types({EventType::kWorkQueue}), event_types({EventType::kWorkStart}),
                        event_types({EventType::kWorkEnd})}, held) == "workqueue_execute_start and no workqueue_execute_end");
}

TEST_CASE("coverage.a kernel log meets the need for console events: both are what the kernel printed") {
  EventsHeld held;
  const std::vector<EventTypeMask> console = {event_types({EventType::kConsole})};
  CHECK(missing_events(console, held) == "console event or kernel log");
  held.log_records = 1;
  CHECK(missing_events(console, held).empty());
}

namespace {

// The pipeline as analyze() drives it, on trace text.
AnalysisResult analyze_text(std::string_view text) {
  StringPool pool;
  auto detectors = make_all_detectors(DetectorContext{pool});
  Pipeline pipeline(detectors, nullptr);
  REQUIRE(testing::feed_text(pool, text, [&](const Event& e) { pipeline.on_event(e); }) == 0);
  AnalysisResult r;
  pipeline.finish(r);
  return r;
}

std::string verdict_of(const AnalysisResult& r, std::string_view detector) {
  for (const DetectorCoverage& c : r.coverage)
    if (c.detector == detector) return c.verdict();
  return "(no coverage)";
}

}  // namespace

TEST_CASE("coverage.a trace with no sched_switch judges no detector that needs it, and they report nothing") {
  // One writer's ext4 events for 30 s on CPU0 and nothing else: what the
  // model repairs from the headers alone is a 30 s span without a switch.
  const AnalysisResult r = analyze_text(
      "  python3-100 [000] ..... 1.000000: ext4_sync_file_enter: dev 254,0 ino 12 parent 11 datasync 0\n"
      "  python3-100 [000] ..... 31.000000: ext4_sync_file_exit: dev 254,0 ino 12 ret 0\n"
      "  <idle>-0 [001] d.h1. 1.000000: irq_handler_entry: irq=1 name=t\n");
  CHECK(verdict_of(r, "non-preempted") == "not judged: the trace has no sched_switch");
  CHECK(verdict_of(r, "cpu-silent") == "not judged: the trace has no sched_switch");
  StringPool pool;
  CHECK(r.coverage.size() == make_all_detectors(DetectorContext{pool}).size());
  for (const Finding& f : r.findings) {
    INFO(f.detector << ": " << f.message);
    CHECK(f.detector != "non-preempted");
    CHECK(f.detector != "cpu-silent");
  }
}

TEST_CASE("coverage.with sched_switch in the trace the same span is judged and reported") {
  const AnalysisResult r = analyze_text(
      "  <idle>-0 [000] d..2. 1.000000: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=python3 next_pid=100 next_prio=120\n"
      "  python3-100 [000] ..... 31.000000: ext4_sync_file_exit: dev 254,0 ino 12 ret 0\n"
      "  <idle>-0 [001] d.h1. 1.000000: irq_handler_entry: irq=1 name=t\n");
  CHECK(verdict_of(r, "non-preempted") == "judged");
  bool reported = false;
  for (const Finding& f : r.findings) reported |= f.detector == "non-preempted" && f.severity == Severity::kError;
  CHECK(reported);
}

TEST_CASE("coverage.the summary names the detectors not judged on one line, grouped by what the trace lacked") {
  const std::vector<DetectorCoverage> coverage = {{"unterminated-work", ""},
                                                  {"non-preempted", "sched_switch"},
                                                  {"stuck-function", "function_graph call"},
                                                  {"cpu-silent", "sched_switch"}};
  CHECK(not_judged_line(coverage) ==
        "not judged: non-preempted, cpu-silent (the trace has no sched_switch); "
        "stuck-function (the trace has no function_graph call)");
  CHECK(not_judged_line({{"unterminated-work", ""}}).empty());
}

TEST_CASE("docs.docs/detectors.md lists what every detector needs, as the report names it when it is missing") {
  std::ifstream in(std::string(FTLENS_SOURCE_DIR) + "/docs/detectors.md");
  REQUIRE(in);
  std::map<std::string, std::string> listed;  // "- `id` needs: what" lines
  for (std::string line; std::getline(in, line);) {
    const size_t tick = line.find("` needs: ");
    if (line.starts_with("- `") && tick != std::string::npos) listed[line.substr(3, tick - 3)] = line.substr(tick + 9);
  }
  StringPool pool;
  for (const auto& d : make_all_detectors(DetectorContext{pool})) {
    const std::string id(d->id());
    CAPTURE(id);
    REQUIRE(listed.contains(id));
    // With nothing held every need is missing: "a and no b" is what it needs, "a and b".
    std::string needs = missing_events(d->needed_events(), EventsHeld{});
    for (size_t at; (at = needs.find(" and no ")) != std::string::npos;) needs.replace(at, 8, " and ");
    CHECK(listed[id] == needs);
  }
}
