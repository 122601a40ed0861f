#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "run_detectors.h"

using ftlens::Severity;
using ftlens::testing::DetectorRun;

namespace {

// CPU0 kicks every 4 s; CPU1 runs `spin` from 2 s on and never kicks again.
std::string stuck_cpu1_trace() {
  std::string t =
      "  migration/1-21 [001] d..2. 1.000000: sched_switch: prev_comm=migration/1 prev_pid=21 prev_prio=0 prev_state=S ==> next_comm=spin next_pid=99 next_prio=120\n";
  for (int s = 4; s <= 28; s += 4) {
    t += "  migration/0-18 [000] d..2. " + std::to_string(s) +
         ".000000: sched_switch: prev_comm=migration/0 prev_pid=18 prev_prio=0 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n";
    t += "  spin-99 [001] d.h1. " + std::to_string(s) + ".500000: hrtimer_expire_entry: hrtimer=00000000000000aa function=watchdog_timer_fn now=1\n";
    t += "  spin-99 [001] d.h1. " + std::to_string(s) + ".500001: sched_wakeup: comm=migration/1 pid=21 prio=0 target_cpu=001\n";
    t += "  spin-99 [001] d.h1. " + std::to_string(s) + ".500002: hrtimer_expire_exit: hrtimer=00000000000000aa\n";
  }
  return t;
}

}  // namespace

TEST_CASE("watchdog-gap.a busy CPU that stops kicking is an error open at the trace end, with the kick bits") {
  DetectorRun run("watchdog-gap");
  auto& found = run.run(stuck_cpu1_trace());
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.severity == Severity::kError);
  CHECK(f.cpu == 1);
  CHECK(f.comm == "spin");
  CHECK(f.start == 1000000000);  // migration/1's last run
  CHECK_FALSE(f.end.has_value());
  CHECK(f.duration == 28500002000 - 1000000000);
  const auto& periods = f.details["kick_bits_per_period"];
  REQUIRE(periods.size() >= 2);
  CHECK(periods[1]["expected_kick_bits"] == "0x3");
  CHECK(periods[1]["kick_bits"] == "0x1");  // only CPU0 kicked
}

TEST_CASE("watchdog-gap.idle time between kicks does not count") {
  DetectorRun run("watchdog-gap");
  auto& found = run.run(
      "  migration/0-18 [000] d..2. 1.0: sched_switch: prev_comm=migration/0 prev_pid=18 prev_prio=0 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
      "  <idle>-0 [000] d.h1. 60.0: irq_handler_entry: irq=1 name=t\n"
      "  <idle>-0 [000] d..2. 61.0: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=migration/0 next_pid=18 next_prio=0\n");
  CHECK(found.empty());
}

TEST_CASE("watchdog-gap.kick patterns are configurable (MediaTek wdtk)") {
  DetectorRun run("watchdog-gap");
  run.set("kicks", "comm:wdtk-*");
  auto& found = run.run(
      "  wdtk-0-50 [000] d..2. 1.0: sched_switch: prev_comm=wdtk-0 prev_pid=50 prev_prio=0 prev_state=S ==> next_comm=busy next_pid=7 next_prio=120\n"
      "  busy-7 [000] d.h1. 12.0: irq_handler_entry: irq=1 name=t\n"
      "  busy-7 [000] d..2. 13.0: sched_switch: prev_comm=busy prev_pid=7 prev_prio=120 prev_state=R ==> next_comm=wdtk-0 next_pid=50 next_prio=0\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kWarning);
  CHECK(found[0].end == 13000000000);
  CHECK(found[0].details["busy_ns"] == 12000000000);
}

TEST_CASE("watchdog-gap.a trace with no recognisable kick says so instead of flagging every CPU") {
  DetectorRun run("watchdog-gap");
  auto& found = run.run("  busy-7 [000] d.h1. 1.0: x: y\n  busy-7 [000] d.h1. 30.0: x: y\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kInfo);
  CHECK_FALSE(found[0].cpu.has_value());
}

TEST_CASE("watchdog-gap.kicks in more watchdog periods than the kick-bit view keeps are counted, a jump of days among them") {
  DetectorRun run("watchdog-gap");
  run.set("period", "1us");
  std::string t;
  char line[160];
  for (int i = 0; i < 70000; ++i) {
    std::snprintf(line, sizeof line, "  migration/0-18 [000] d..2. 1.%06d: x: y\n", i);
    t += line;
  }
  // Days later: one more period (kept as one entry, not millions of empty ones).
  t += "  migration/0-18 [000] d..2. 400000.000000: x: y\n";
  run.run(t);
  CHECK(run.detector->stats().get(ftlens::ModelStat::watchdog_periods_dropped) == 70001 - 65536);
}
