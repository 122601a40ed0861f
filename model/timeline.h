// What the model knows about each CPU at the current point of the trace, and
// the closed intervals it hands to listeners (detectors and exporters).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "parser/event.h"

namespace ftlens {

inline constexpr int32_t kIdlePid = 0;

// A stretch of time one task ran on one CPU with no context switch.
struct TaskSpan {
  int32_t cpu = -1;
  int32_t pid = -1;
  int32_t tgid = -1;  // from the trace's tgid column; -1 when unknown
  StrId comm = kNoStr;
  TimeNs start = 0;
  TimeNs end = 0;
  bool start_seen = false;   // began inside the trace (not at the CPU's first event)
  bool end_seen = false;     // ended by a switch inside the trace (not cut by the trace end)
  bool repaired = false;     // ended because a later event's header named another task
  uint64_t lost_events = 0;  // ring-buffer losses reported on this CPU during the span
  uint64_t task_events = 0;  // events the task itself caused (outside irq/softirq context)
  TimeNs last_task_event = 0;  // time of the last of those; the span's start before the first
  uint64_t irq_events = 0;     // events in hardirq or softirq context

  bool idle() const { return pid == kIdlePid; }
  TimeNs duration() const { return end - start; }
};

// A work item a worker started (workqueue_execute_start) and has not ended.
struct WorkItem {
  uint64_t work = 0;
  StrId function = kNoStr;
  int32_t worker_pid = -1;
  StrId worker_comm = kNoStr;
  int32_t cpu = -1;
  TimeNs start = 0;
};

// A task woken (sched_wakeup/_new) onto a CPU that has not run since.
struct WaitingTask {
  int32_t pid = -1;
  StrId comm = kNoStr;
  int32_t cpu = -1;
  TimeNs woken = 0;
  int32_t waker_cpu = -1;  // where the wakeup event was recorded
  bool waker_in_irq = false;
};

// An interrupt-context handler that ran on a CPU: a hard irq, an IPI, a
// cross-CPU function call, an hrtimer callback, a softirq or a timer callback.
struct HandlerSpan {
  enum class Kind : uint8_t { kIrq, kIpi, kCsd, kHrtimer, kSoftirq, kTimer };
  int32_t cpu = -1;
  Kind kind = Kind::kIrq;
  StrId name = kNoStr;   // irq name, IPI reason, function, softirq action
  int64_t number = -1;   // irq number or softirq vector
  TimeNs start = 0;
  TimeNs end = 0;
  bool end_seen = true;  // false: still open at the trace end
  bool hard() const { return kind == Kind::kIrq || kind == Kind::kIpi || kind == Kind::kCsd || kind == Kind::kHrtimer; }
};

// A stretch of one CPU's time where the trace is known to be incomplete:
// the ring buffer dropped events between the two events around it, or the
// input itself leaves lines out there (an elision in a pasted fragment).
struct DataGap {
  int32_t cpu = -1;
  TimeNs from = 0;        // the CPU's last event before the loss
  TimeNs to = 0;          // its first event after it (the trace end if none)
  uint64_t lost = 0;      // events the recorder said it dropped (0: unknown)
  bool cut = false;       // lines were left out of the input here ("...", "// snip")
};

// Open handlers of one context on one CPU, innermost last. Nesting is shallow;
// deeper than kDepth is counted, not stored.
struct HandlerStack {
  static constexpr size_t kDepth = 16;
  std::array<HandlerSpan, kDepth> open{};
  size_t size = 0;     // may exceed kDepth
};

// One call the function_graph tracer recorded on one CPU.
struct FunctionCall {
  int32_t cpu = -1;
  int32_t pid = -1;       // the task running when it was entered (-1: unknown)
  StrId comm = kNoStr;
  StrId function = kNoStr;
  TimeNs start = 0;
  TimeNs end = 0;         // the trace end while still open
  uint32_t depth = 0;     // calls open around it on its CPU when it was entered
  bool end_seen = false;  // false: still open at the trace end
  bool leaf = false;      // "func();": called nothing traced
  TimeNs duration() const { return end - start; }
};

// Calls open on one CPU, outermost first. Deeper than kDepth is counted, not
// stored (the kernel's own limit is 50 frames per task).
struct FunctionStack {
  static constexpr size_t kDepth = 64;
  std::array<FunctionCall, kDepth> open{};
  size_t size = 0;  // may exceed kDepth
  size_t stored() const { return size < kDepth ? size : kDepth; }
};

// A kernel or user stack the trace printed ("<stack trace>" and its
// " => frame" lines) right after an event of this CPU.
struct StackTrace {
  static constexpr size_t kMaxFrames = 32;
  int32_t cpu = -1;
  int32_t pid = -1;
  StrId comm = kNoStr;
  TimeNs ts = 0;
  bool user = false;
  uint32_t frames_total = 0;  // frames printed; beyond kMaxFrames not kept
  std::array<StrId, kMaxFrames> frames{};  // innermost first, as printed
  size_t stored() const { return frames_total < kMaxFrames ? frames_total : kMaxFrames; }
};

struct CpuTimeline {
  int32_t cpu = -1;
  bool seen = false;
  TaskSpan current;        // the running task's span so far (end = last event time)
  HandlerStack hardirq;    // irq, IPI, cross-CPU call and hrtimer handlers open
  HandlerStack softirq;    // softirq and timer callbacks open
  FunctionStack functions; // function_graph calls open (kept after finish())
  uint64_t open_stack = 0;  // SystemModel::stacks() number + 1 of the stack its frames go to; 0 none
  uint32_t waiting = 0;    // tasks woken onto this CPU that have not run yet
  TimeNs first_event = 0;
  TimeNs last_event = 0;
  uint64_t events = 0;
  uint64_t lost_events = 0;
  // Busy (a known non-idle task running) time from the CPU's first event to
  // `busy_mark`; see busy_until(). While no event has said who runs (pid -1:
  // before the first that names a task, after the task was seen on another
  // CPU) the CPU is not counted busy.
  TimeNs busy_total = 0;
  TimeNs busy_mark = 0;
  // Losses reported since the last event, not yet closed into a DataGap.
  uint64_t pending_lost = 0;
  bool gap_open = false;
  bool gap_cut = false;  // the open gap is (also) a cut in the input
  TimeNs gap_from = 0;
  // The previous event, to recognise an exact duplicate of it (a dump
  // concatenated twice, a line repeated by a flaky serial console).
  StrId last_name = kNoStr;
  int32_t last_pid = -1;
  std::unique_ptr<char[]> last_payload;
  size_t last_payload_size = 0;
  size_t last_payload_capacity = 0;

  // Busy time from the CPU's first event up to `t` (t >= last_event).
  TimeNs busy_until(TimeNs t) const {
    return busy_total + (seen && current.pid > kIdlePid && t > busy_mark ? t - busy_mark : 0);
  }
  bool in_irq() const { return hardirq.size > 0 || softirq.size > 0; }
};

}  // namespace ftlens
