// Unit tests of the seed-case detectors, each on a few trace lines that show
// exactly the behaviour at stake.
#include <doctest/doctest.h>

#include <map>

#include <string>

#include "run_detectors.h"

using ftlens::Severity;
using ftlens::testing::DetectorRun;

namespace {

std::string queue(const char* ts, const char* work, const char* fn, int cpu, const char* wq = "events") {
  return std::string("  a-5 [000] d.s2. ") + ts + ": workqueue_queue_work: work struct=" + work + " function=" + fn +
         " workqueue=" + wq + " req_cpu=256 cpu=" + std::to_string(cpu) + "\n";
}
std::string start(const char* worker, int cpu, const char* ts, const char* work, const char* fn) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %s [%03d] ..... %s: workqueue_execute_start: work struct %s: function %s\n", worker, cpu, ts, work, fn);
  return buf;
}

}  // namespace

TEST_CASE("wq-stall.a pool with pending work that starts nothing past the watchdog threshold is an error naming the pool and the work") {
  DetectorRun run("wq-stall");
  auto& found = run.run(queue("10.000000", "00000000000000a1", "vmstat_update", 2) +
                        queue("11.000000", "00000000000000a2", "lru_add_drain_per_cpu", 2) +
                        "  a-5 [000] d.s2. 50.000000: x: y\n");
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.severity == Severity::kError);
  CHECK(f.cpu == 2);
  CHECK(f.start == 10000000000);  // queued onto the empty worklist
  CHECK_FALSE(f.end.has_value());
  CHECK(f.duration == 40000000000);
  CHECK(f.details["pending_total"] == 2);
  CHECK(f.details["pool"]["cpu"] == 2);
  CHECK(f.message.find("pool cpus=2") != std::string::npos);
}

TEST_CASE("wq-stall.work queued for a CPU number past any machine waits in the unbound pool, not in CPU 2147483647's") {
  DetectorRun run("wq-stall");
  auto& found = run.run(queue("10.000000", "00000000000000a1", "vmstat_update", 2147483647) +
                        "  a-5 [000] d.s2. 50.000000: x: y\n");
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].cpu.has_value());
  CHECK(found[0].details["pool"]["unbound"] == true);
}

TEST_CASE("wq-stall.progress ends the stall; a short wait is nothing") {
  DetectorRun run("wq-stall");
  auto& found = run.run(queue("10.000000", "00000000000000a1", "vmstat_update", 1) +
                        start("kworker/1:1-41", 1, "22.000000", "00000000000000a1", "vmstat_update") +
                        queue("30.000000", "00000000000000a2", "f", 1) +
                        start("kworker/1:1-41", 1, "30.500000", "00000000000000a2", "f"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kWarning);
  CHECK(found[0].end == 22000000000);
  CHECK(found[0].duration == 12000000000);
}

TEST_CASE("wq-stall.work run by the highpri pool's worker is not progress of the normal pool") {
  DetectorRun run("wq-stall");
  auto& found = run.run(queue("10.000000", "00000000000000a1", "vmstat_update", 1) +
                        queue("11.000000", "00000000000000b1", "blk_mq_run_work_fn", 1, "kblockd") +
                        start("kworker/1:0H-24", 1, "12.000000", "00000000000000b1", "blk_mq_run_work_fn") +
                        "  a-5 [000] d.s2. 45.000000: x: y\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].start == 10000000000);
  CHECK(found[0].details["pool"]["highpri"] == false);
  CHECK(found[0].details["pending_total"] == 1);
}

TEST_CASE("ipi-unanswered.a cross-CPU call a silent CPU never runs is an error naming the sender still waiting") {
  DetectorRun run("ipi-unanswered");
  auto& found = run.run(
      "  oops-4 [000] d..1. 0.500000: x: the target's last event\n"
      "  spin-9 [001] d..1. 1.000000: csd_queue_cpu: cpu=0 callsite=smp_call_function_many_cond+0x1/0x2 func=do_sync_core csd=00000000000000c1\n"
      "  spin-9 [001] d..1. 1.000002: ipi_send_cpumask: cpumask=00000000,00000001 callsite=smp_call_function_many_cond+0x1/0x2 callback=generic_smp_call_function_interrupt+0x0/0x10\n"
      "  spin-9 [001] d.h1. 30.000000: irq_handler_entry: irq=1 name=timer\n");
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.severity == Severity::kError);
  CHECK(f.cpu == 0);
  CHECK(f.comm == "spin");
  CHECK(f.start == 1000000000);
  CHECK(f.details["unanswered"] == 2);
  CHECK(f.details["senders"][0]["function"] == "do_sync_core");
  CHECK(f.details["senders"][0]["still_running_at_end"] == true);
  CHECK(f.message.find("still waiting") != std::string::npos);
}

TEST_CASE("ipi-unanswered.IPIs to a CPU the trace shows nothing of are not judged, only noted") {
  // trace-cmd report --cpu 0 of a two-CPU recording: CPU1's events are left
  // out, and the reschedule IPIs sent to it look unanswered.
  DetectorRun run("ipi-unanswered");
  auto& found = run.run("  a-1 [000] d..3. 1.000000: ipi_send_cpu: cpu=1 callsite=wakeup_preempt+0x55/0xa0 callback=0x0\n"
                        "  a-1 [000] d..3. 30.000000: x: y\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kInfo);
  CHECK(found[0].cpu == 1);
  CHECK(found[0].details["target_has_no_events"] == true);
  CHECK(found[0].message.find("CPU1 has no event in this trace") != std::string::npos);
}

TEST_CASE("ipi-unanswered.one csd function run answers every csd queued before (the ttwu wake list is one call)") {
  DetectorRun run("ipi-unanswered");
  CHECK(run.run("  a-1 [000] d..3. 1.000000: csd_queue_cpu: cpu=1 callsite=ttwu_queue_wakelist+0x1 func=sched_ttwu_pending csd=00000000000000a1\n"
                "  b-2 [000] d..3. 1.000010: csd_queue_cpu: cpu=1 callsite=ttwu_queue_wakelist+0x1 func=sched_ttwu_pending csd=00000000000000b2\n"
                "  <idle>-0 [001] d.h1. 1.000100: csd_function_entry: func=sched_ttwu_pending, csd=00000000000000a1\n"
                "  a-1 [000] d..3. 20.000000: x: y\n")
            .empty());
}

TEST_CASE("ipi-unanswered.a late answer is a warning; IPIs to a CPU going offline are moot") {
  DetectorRun run("ipi-unanswered");
  auto& found = run.run("  a-1 [000] d..3. 1.000000: ipi_send_cpu: cpu=1 callsite=wakeup_preempt+0x55/0xa0 callback=0x0\n"
                        "  b-2 [001] d.h1. 1.300000: irq_handler_entry: irq=1 name=t\n"
                        "  a-1 [000] d..3. 2.000000: ipi_send_cpu: cpu=1 callsite=wakeup_preempt+0x55/0xa0 callback=0x0\n"
                        "  k-3 [000] ..... 2.100000: cpuhp_multi_enter: cpu: 0001 target: 0 step: 24 (blk_mq_hctx_notify_dead)\n"
                        "  a-1 [000] d..3. 30.000000: x: y\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kWarning);
  CHECK(found[0].end == 1300000000);
}

TEST_CASE("cpu-silent.a CPU that stops while a task runs is an error; idle or offline CPUs are not") {
  SUBCASE("busy and silent") {
    DetectorRun run("cpu-silent");
    auto& found = run.run("  spin-9 [000] d..1. 1.000000: x: y\n  b-2 [001] ..... 30.000000: x: y\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == Severity::kError);
    CHECK(found[0].cpu == 0);
    CHECK(found[0].comm == "spin");
    CHECK(found[0].details["last_event_irqs_off"] == true);
  }
  SUBCASE("a sched_switch's interrupts-off flag says nothing of the task switched to") {
    DetectorRun run("cpu-silent");
    auto& found = run.run("  <idle>-0 [001] d..2. 1.000000: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 "
                          "prev_state=R ==> next_comm=migration/1 next_pid=23 next_prio=0\n"
                          "  b-2 [000] ..... 30.000000: x: y\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].details["last_event_irqs_off"] == false);
    CHECK(found[0].message.find("last seen with interrupts disabled") == std::string::npos);
  }
  SUBCASE("idle and quiet is only info") {
    DetectorRun run("cpu-silent");
    auto& found = run.run("  <idle>-0 [000] d..1. 1.000000: x: y\n  b-2 [001] ..... 30.000000: x: y\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == Severity::kInfo);
  }
  SUBCASE("idle but not answering IPIs is an error") {
    DetectorRun run("cpu-silent");
    auto& found = run.run("  <idle>-0 [000] d..1. 1.000000: x: y\n"
                          "  b-2 [001] d..3. 2.000000: ipi_send_cpu: cpu=0 callsite=x callback=0x0\n"
                          "  b-2 [001] ..... 30.000000: x: y\n");
    REQUIRE(found.size() == 1);
    CHECK(found[0].severity == Severity::kError);
  }
  SUBCASE("an IPI or hotplug step for a CPU number no machine has (a damaged record) is ignored, not a table that size") {
    DetectorRun run("cpu-silent");
    CHECK(run.run("  <idle>-0 [000] d..1. 1.000000: x: y\n"
                  "  b-2 [001] d..3. 2.000000: ipi_send_cpu: cpu=2147483647 callsite=x callback=0x0\n"
                  "  k-1 [001] ..... 2.100000: cpuhp_enter: cpu: 2000000000 target: 0 step: 24 (x)\n"
                  "  b-2 [001] ..... 30.000000: x: y\n")
              .size() == 1);  // CPU 0 idle and quiet: info only
  }
  SUBCASE("taken offline") {
    DetectorRun run("cpu-silent");
    CHECK(run.run("  spin-9 [000] ..... 1.000000: x: y\n"
                  "  k-1 [001] ..... 1.100000: cpuhp_enter: cpu: 0000 target: 0 step: 24 (x)\n"
                  "  b-2 [001] ..... 30.000000: x: y\n")
              .empty());
  }
  SUBCASE("offline by the kernel's message") {
    DetectorRun run("cpu-silent");
    CHECK(run.run("  spin-9 [000] ..... 1.000000: x: y\n"
                  "  k-1 [001] d.... 1.100000: console: smpboot: CPU 0 is now offline\n"
                  "  b-2 [001] ..... 30.000000: x: y\n")
              .empty());
  }
}

TEST_CASE("hung-task.a task in D state never woken is reported with what it did last") {
  DetectorRun run("hung-task");
  auto& found = run.run(
      "  dd-7 [000] ..... 1.000000: block_rq_issue: 8,0 W\n"
      "  dd-7 [000] d..2. 1.000010: sched_switch: prev_comm=dd prev_pid=7 prev_prio=120 prev_state=D ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
      "  sh-8 [000] d..2. 1.500000: sched_switch: prev_comm=sh prev_pid=8 prev_prio=120 prev_state=D ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
      "  <idle>-0 [000] d.h1. 1.600000: sched_wakeup: comm=sh pid=8 prio=120 target_cpu=000\n"
      "  <idle>-0 [000] d.h1. 200.000000: x: y\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kError);
  CHECK(found[0].pid == 7);
  CHECK(found[0].details["last_event"] == "block_rq_issue");
  CHECK_FALSE(found[0].end.has_value());
}

TEST_CASE("lock-contention.a waiter that never gets the lock is reported with the others on the same lock") {
  DetectorRun run("lock-contention");
  auto& found = run.run("  a-1 [000] ...1. 1.000000: contention_begin: 0000000063352138 (flags=SPIN|MUTEX)\n"
                        "  b-2 [001] ...1. 1.100000: contention_begin: 0000000063352138 (flags=SPIN|MUTEX)\n"
                        "  c-3 [001] ...1. 1.200000: contention_begin: 0000000000000bbb (flags=SPIN)\n"
                        "  c-3 [001] ...1. 1.200100: contention_end: 0000000000000bbb (ret=0)\n"
                        "  b-2 [001] ...1. 25.000000: x: y\n");
  REQUIRE(found.size() == 2);
  CHECK(found[0].severity == Severity::kError);
  CHECK(found[0].details["lock"] == "0x63352138");
  CHECK(found[0].details["other_waiters_total"] == 1);
}

TEST_CASE("lock-contention.a task whose contention_end was lost and that waits on another lock is counted with that lock's waiters only") {
  DetectorRun run("lock-contention");
  auto& found = run.run("  a-1 [000] ...1. 1.000000: contention_begin: 00000000000000aa (flags=SPIN)\n"
                        "  b-2 [001] ...1. 1.100000: contention_begin: 00000000000000aa (flags=SPIN)\n"
                        "  c-3 [001] ...1. 1.150000: contention_begin: 00000000000000aa (flags=SPIN)\n"
                        "  b-2 [001] ...1. 1.200000: contention_begin: 00000000000000bb (flags=SPIN)\n"
                        "  d-4 [000] ...1. 1.300000: contention_begin: 00000000000000bb (flags=SPIN)\n"
                        "  a-1 [000] ...1. 3.000000: contention_end: 00000000000000aa (ret=0)\n"
                        "  c-3 [001] ...1. 3.100000: contention_end: 00000000000000aa (ret=0)\n"
                        "  d-4 [000] ...1. 4.000000: contention_end: 00000000000000bb (ret=0)\n"
                        "  b-2 [001] ...1. 5.000000: contention_end: 00000000000000bb (ret=0)\n");
  REQUIRE(found.size() == 4);
  std::map<int32_t, std::pair<std::string, int>> lock_and_others;
  for (const ftlens::Finding& f : found)
    lock_and_others[*f.pid] = {f.details["lock"].get<std::string>(), f.details["other_waiters_total"].get<int>()};
  CHECK(lock_and_others[1] == std::pair<std::string, int>{"0xaa", 1});  // c; b had moved on to 0xbb
  CHECK(lock_and_others[3] == std::pair<std::string, int>{"0xaa", 0});
  CHECK(lock_and_others[4] == std::pair<std::string, int>{"0xbb", 1});  // b
  CHECK(lock_and_others[2] == std::pair<std::string, int>{"0xbb", 0});
}

