#include <doctest/doctest.h>

#include "run_detectors.h"

using ftlens::Severity;
using ftlens::testing::DetectorRun;

TEST_CASE("non-preempted.a task spinning 22 s with a starved wakee is an error naming the wakee and the work") {
  DetectorRun run("non-preempted");
  auto& found = run.run(
      "kworker/4:3-10711 [004]  1573.162047: workqueue_execute_start: work struct 0xd8c3cb7c: function addrconf_dad_work\n"
      "kworker/4:3-10711 [004]  1573.162140: sched_wakeup: comm=netd pid=1145 prio=120 success=1 target_cpu=004 state=W\n"
      "kworker/4:3-10711 [004]  1573.164771: irq_handler_entry: irq=30 name=arch_timer\n"
      "kworker/4:3-10711 [004]  1573.164795: irq_handler_exit: irq=30 ret=handled\n"
      "kworker/4:3-10711 [004]  1595.600000: irq_handler_entry: irq=30 name=arch_timer\n"
      "kworker/4:3-10711 [004]  1595.600010: irq_handler_exit: irq=30 ret=handled\n"
      "migration/1-11    [001]  1595.644768: irq_handler_entry: irq=30 name=arch_timer\n");
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.severity == Severity::kError);
  CHECK(f.cpu == 4);
  CHECK(f.comm == "kworker/4:3");
  CHECK_FALSE(f.end.has_value());
  CHECK(f.details["started_before_trace"] == true);
  CHECK(f.details["waiting_tasks"][0]["comm"] == "netd");
  CHECK(f.details["waiting_tasks"][0]["waited_ns"] == 1595644768000 - 1573162140000);
  CHECK(f.details["work"]["function"] == "addrconf_dad_work");
  CHECK(f.details["only_irqs_after_ns"] == 1573162140000);
  CHECK(f.message.find("netd-1145 was woken onto CPU4") != std::string::npos);
  CHECK(f.message.find("only interrupts ran") != std::string::npos);
}

TEST_CASE("non-preempted.a long span with nobody waiting is not a finding below the error threshold") {
  DetectorRun run("non-preempted");
  CHECK(run.run("  cc1-9 [000] d..2. 1.000000: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=cc1 next_pid=9 next_prio=120\n"
                "  cc1-9 [000] d..2. 6.000000: sched_switch: prev_comm=cc1 prev_pid=9 prev_prio=120 prev_state=R ==> next_comm=a next_pid=1 next_prio=120\n")
            .empty());
}

TEST_CASE("non-preempted.a second-long span that starved a wakee is a warning that ends at the switch") {
  DetectorRun run("non-preempted");
  auto& found = run.run(
      "  rthog-9 [001] d..2. 1.000000: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=rthog next_pid=9 next_prio=49\n"
      "  rthog-9 [001] dNh2. 1.100000: sched_wakeup: comm=kworker/1:1 pid=41 prio=120 target_cpu=001\n"
      "  rthog-9 [001] d..2. 2.500000: sched_switch: prev_comm=rthog prev_pid=9 prev_prio=49 prev_state=R+ ==> next_comm=kworker/1:1 next_pid=41 next_prio=120\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kWarning);
  CHECK(found[0].start == 1000000000);
  CHECK(found[0].end == 2500000000);
  CHECK(found[0].details["ended_by"] == "sched_switch");
  CHECK(found[0].details["waiting_tasks"][0]["waited_ns"] == 1400000000);
}

TEST_CASE("non-preempted.the idle task running for seconds is not a finding") {
  DetectorRun run("non-preempted");
  CHECK(run.run("  <idle>-0 [000] d.h1. 1.0: sched_wakeup: comm=x pid=5 prio=120 target_cpu=000\n"
                "  <idle>-0 [000] d.h1. 40.0: irq_handler_entry: irq=1 name=t\n")
            .empty());
}

TEST_CASE("non-preempted.events lost inside the span lower the confidence") {
  DetectorRun run("non-preempted");
  auto& found = run.run(
      "  spin-9 [000] d..2. 1.0: sched_wakeup: comm=x pid=5 prio=120 target_cpu=000\n"
      "CPU:0 [LOST 1000 EVENTS]\n"
      "  spin-9 [000] d.h1. 30.0: irq_handler_entry: irq=1 name=t\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].details["lost_events"] == 1000);
  CHECK(found[0].details.contains("confidence"));
}

TEST_CASE("non-preempted.a task that only took interrupts since it was switched in says so from the switch, not from time 0") {
  DetectorRun run("non-preempted");
  auto& found = run.run(
      "  <idle>-0 [003] d..2. 100.000000: sched_switch: prev_comm=swapper/3 prev_pid=0 prev_prio=120 prev_state=R ==> "
      "next_comm=hog next_pid=9 next_prio=120\n"
      "  hog-9 [003] dNh5. 100.500000: sched_wakeup: comm=migration/3 pid=33 prio=0 target_cpu=003\n"
      "  hog-9 [003] d.h2. 130.000000: irq_handler_entry: irq=30 name=arch_timer\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].details["only_irqs_after_ns"] == 100'000'000'000);
  CHECK(found[0].message.find("only interrupts ran for the last 30s") != std::string::npos);
}
