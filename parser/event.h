// The one event representation every input format is turned into. Detectors
// and exporters only ever see this; format quirks stay in parser/.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "parser/event_types.h"  // EventType
#include "parser/str_id.h"

namespace ftlens {

// Nanoseconds of the trace clock. Counter clocks (no fraction) are kept as raw
// ticks in the same field.
using TimeNs = int64_t;

// A task as named inside a payload (sched_switch prev/next, a wakee, ...).
struct TaskRef {
  StrId comm = kNoStr;
  int32_t pid = -1;
  int32_t prio = -1;
};

// CPUs named by ipi_send_cpumask or ipi_raise, up to 512 of them.
struct CpuMask {
  std::array<uint64_t, 8> words{};
  bool test(int cpu) const {
    return cpu >= 0 && cpu < 512 &&
           (words[static_cast<size_t>(cpu) / 64] >> (static_cast<unsigned>(cpu) % 64)) & 1U;
  }
  void set(int cpu) {
    if (cpu >= 0 && cpu < 512) words[static_cast<size_t>(cpu) / 64] |= uint64_t{1} << (static_cast<unsigned>(cpu) % 64);
  }
};

// One trace event. Which typed fields are meaningful depends on `type`;
// the comments name them per event. `payload` points into the parser's buffer
// and is valid only for the duration of the callback that receives the event.
struct Event {
  TimeNs ts = 0;
  int32_t cpu = -1;
  int32_t pid = -1;   // header pid: the task current on `cpu` (or interrupted by irq)
  int32_t tgid = -1;  // -1 when the trace has no tgid column or it is unknown
  StrId comm = kNoStr;
  StrId name = kNoStr;  // event name as printed, interned
  EventType type = EventType::kOther;
  uint8_t irq_flags = 0;   // bit set of kIrqsOff, kInHardirq, kInSoftirq, kNmi; 0 if no column
  char prev_state = 0;     // sched_switch prev_state first letter: 'R','S','D','T','Z','X','I',...
  bool preempted = false;  // sched_switch prev_state "R+" (preempted while runnable)

  // sched_switch: prev/next. wakeup*/waking/migrate/exit: task. fork: task=parent, next=child.
  TaskRef task;
  TaskRef next;

  int32_t target_cpu = -1;  // wakeup target, migrate dest, queue_work cpu, ipi/csd target, cpuhp cpu
  int32_t source_cpu = -1;  // migrate orig_cpu, queue_work req_cpu
  int64_t number = 0;       // irq, softirq vec, irq ret, contention ret, cpuhp state/step, lost count
  uint64_t address = 0;     // work struct, csd, lock, hrtimer, timer
  StrId function = kNoStr;  // work/timer/csd function, irq name, ipi reason, cpuhp callback
  StrId site = kNoStr;      // workqueue name, ipi/csd callsite
  // ipi_send_cpumask and ipi_raise: their targets, else null. Like `payload`,
  // held by whoever hands the event on and valid only during the callback:
  // kept inline, 64 bytes that two event types use made every Event 176
  // bytes instead of 112, and text traces parsed on two cores hand every
  // event across (33 MB trace: 50.3 -> 44.3 ms).
  const CpuMask* cpumask = nullptr;
  std::string_view payload;  // raw text after "name: " (empty for binary sources)

  bool targets(int target) const { return cpumask && cpumask->test(target); }

  static constexpr uint8_t kIrqsOff = 1, kInHardirq = 2, kInSoftirq = 4, kNmi = 8;

  // The kernel's own flag bits of a record (trace_flag_type in
  // kernel/trace/trace.h: irqs-off 0x01, hardirq 0x08, softirq 0x10, nmi
  // 0x40), as trace.dat holds them and the `verbose` latency format prints
  // them, to irq_flags.
  static constexpr uint8_t irq_flags_from_kernel_bits(unsigned bits) {
    return static_cast<uint8_t>(((bits & 0x01) ? kIrqsOff : 0) | ((bits & 0x08) ? kInHardirq : 0) |
                                ((bits & 0x10) ? kInSoftirq : 0) | ((bits & 0x40) ? kNmi : 0));
  }
};
// Every event is copied at least once between threads; keep it this size.
static_assert(sizeof(Event) <= 112);

}  // namespace ftlens
