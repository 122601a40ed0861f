// The header block the latency tracers (irqsoff, preemptoff,
// preemptirqsoff, wakeup, wakeup_rt, wakeup_dl) print above their trace,
// as kernel/trace/trace.c's print_trace_header() writes it:
//
//   # irqsoff latency trace v1.1.5 on 6.12.0
//   # latency: 259 us, #4/4, CPU#2 | (M:preempt VP:0, KP:0, SP:0 HP:0 #P:4)
//   #    | task: ps-6143 (uid:0 nice:0 policy:0 rt_prio:0)
//   #  => started at: __lock_task_sighand
//   #  => ended at:   _raw_spin_unlock_irqrestore
//
// The tracer's maximum latency: how long, on which CPU, in which task, and
// (irqsoff and preemptoff) where the critical section began and ended. Any
// tracer prints the block when the latency-format option is on; only the
// latency tracers measure something in it.
#pragma once

#include <cstdint>
#include <string_view>

namespace ftlens {

struct LatencyHeaderLine {
  enum Kind { kNone, kTitle, kLatency, kTask, kStartedAt, kEndedAt } kind = kNone;
  std::string_view text;  // kTitle: the tracer; kTask: the comm; kStartedAt/kEndedAt: the function
  int64_t value = -1;     // kLatency: microseconds; kTask: the pid
  int32_t cpu = -1;       // kLatency
};

// One '#' line of a trace header; kind kNone when it is none of the block's.
LatencyHeaderLine read_latency_header_line(std::string_view line);

// The same line without its '#' (trimmed): kernels before 2.6.27 printed
// the block above the column legend with no '#' ("irqsoff latency trace
// v1.1.5 on 2.6.26-rc8", " latency: 50 us, #101/101, CPU#0 | ...").
LatencyHeaderLine read_latency_header_text(std::string_view body);

// Whether `tracer` measures a latency the header's "latency:" line reports.
bool is_latency_tracer(std::string_view tracer);

}  // namespace ftlens
