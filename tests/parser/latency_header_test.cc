#include "parser/latency_header.h"

#include <doctest/doctest.h>

using namespace ftlens;

TEST_CASE("latency header.each line of the block gives its fact, and other header lines none") {
  auto title = read_latency_header_line("# wakeup_rt latency trace v1.1.5 on 6.18.44-fc-v1147");
  CHECK(title.kind == LatencyHeaderLine::kTitle);
  CHECK(title.text == "wakeup_rt");

  auto latency = read_latency_header_line("# latency: 259 us, #8/8, CPU#3 | (M:PREEMPT(none) VP:0, KP:0, SP:0 HP:0 #P:4)");
  CHECK(latency.kind == LatencyHeaderLine::kLatency);
  CHECK(latency.value == 259);
  CHECK(latency.cpu == 3);

  auto task = read_latency_header_line("#    | task: kworker/0:1-H-27 (uid:0 nice:-20 policy:0 rt_prio:0)");
  CHECK(task.kind == LatencyHeaderLine::kTask);
  CHECK(task.text == "kworker/0:1-H");  // the comm keeps its own '-'
  CHECK(task.value == 27);

  auto started = read_latency_header_line("#  => started at: __lock_task_sighand+0x2c/0x80");
  CHECK(started.kind == LatencyHeaderLine::kStartedAt);
  CHECK(started.text == "__lock_task_sighand");
  CHECK(read_latency_header_line("#  => ended at:   _raw_spin_unlock_irqrestore").text == "_raw_spin_unlock_irqrestore");

  for (const char* other : {"# tracer: irqsoff", "#                  _------=> CPU#", "# latency: x us, CPU#1",
                            "# latency: 5 us, no cpu",
                            "# latency: 9223372036854776 us, #1/1, CPU#0 | (M:preempt)", "#    | task: no-pid (uid:0)", "#  cmd     pid"})
    CHECK(read_latency_header_line(other).kind == LatencyHeaderLine::kNone);
}

TEST_CASE("latency header.only the latency tracers measure what the block reports") {
  for (const char* tracer : {"irqsoff", "preemptoff", "preemptirqsoff", "wakeup", "wakeup_rt", "wakeup_dl"})
    CHECK(is_latency_tracer(tracer));
  for (const char* tracer : {"nop", "function", "function_graph", "blk"}) CHECK_FALSE(is_latency_tracer(tracer));
}
