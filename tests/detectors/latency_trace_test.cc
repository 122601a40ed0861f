// latency-trace on latency tracer headers and the section below them.
#include <doctest/doctest.h>

#include <string>

#include "run_detectors.h"

using ftlens::Severity;
using ftlens::testing::DetectorRun;

namespace {

std::string irqsoff_trace(const char* latency_us) {
  return std::string(
             "# tracer: irqsoff\n"
             "#\n"
             "# irqsoff latency trace v1.1.5 on 6.12.0\n"
             "# --------------------------------------------------------------------\n"
             "# latency: ") +
         latency_us +
         " us, #4/4, CPU#1 | (M:preempt VP:0, KP:0, SP:0 HP:0 #P:2)\n"
         "#    -----------------\n"
         "#    | task: kworker/u4:2-1234 (uid:0 nice:0 policy:0 rt_prio:0)\n"
         "#    -----------------\n"
         "#  => started at: __lock_task_sighand+0x2c/0x80\n"
         "#  => ended at:   _raw_spin_unlock_irqrestore\n"
         "#\n"
         "kworker/-1234    1d...    0us!: trace_hardirqs_off <-__lock_task_sighand\n"
         "kworker/-1234    1d..1 12000us+: trace_hardirqs_on <-_raw_spin_unlock_irqrestore\n";
}

}  // namespace

TEST_CASE("latency-trace.an irqsoff maximum over the error threshold is an error naming the task and the section") {
  DetectorRun run("latency-trace");
  auto& found = run.run(irqsoff_trace("12000"));
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.severity == Severity::kError);
  CHECK(f.cpu == 1);
  CHECK(f.pid == 1234);
  CHECK(f.comm == "kworker/u4:2");
  CHECK(f.duration == 12'000'000);
  CHECK(f.start == 0);  // the section's first event, at 0us
  CHECK(f.details["tracer"] == "irqsoff");
  CHECK(f.details["started_at"] == "__lock_task_sighand");
  CHECK(f.details["ended_at"] == "_raw_spin_unlock_irqrestore");
  CHECK(f.details["section_events"] == 2);
  CHECK(f.message.find("interrupts were off for 12ms on CPU1") != std::string::npos);
}

TEST_CASE("latency-trace.a short maximum is info, and a tracer that measures nothing gives no finding") {
  DetectorRun short_run("latency-trace");
  auto& found = short_run.run(irqsoff_trace("259"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kInfo);

  // The latency-format option prints the same block for any tracer.
  std::string nop = irqsoff_trace("0");
  nop.replace(nop.find("# tracer: irqsoff"), 17, "# tracer: nop");
  nop.replace(nop.find("# irqsoff latency"), 17, "# nop latency");
  DetectorRun nop_run("latency-trace");
  CHECK(nop_run.run(nop).empty());
}
