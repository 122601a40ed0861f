// Fills an Event's typed fields from the text payload the kernel printed for
// it. One function per event format, dispatched through a table indexed by
// EventType, so adding an event never touches a string comparison chain.
#pragma once

#include <string_view>

#include "event.h"

namespace ftlens {

class StringPool;

// Parses `payload` for `event->type` into `event`. Returns false when the
// payload does not have the expected shape; the event then keeps only its
// header fields and should be reported as malformed by the caller. The
// targets of ipi_send_cpumask and ipi_raise go to `*targets`, which
// event->cpumask then points to.
[[nodiscard]] bool parse_payload(std::string_view payload, StringPool& pool, Event* event, CpuMask* targets);

// The context-switch and wakeup entries the wakeup latency tracers record
// themselves (and the old sched_switch tracer printed), with no event name
// before them: "prev_pid:prev_prio:S ==> [cpu] next_pid:next_prio:T comm" and
// the same with "+" for a wakeup ("0:120:R   + [003]  2389: 94:R sleep";
// kernels before 2.6.30 print no "[cpu]" and no comm). Sets the type to
// kSchedSwitch or kSchedWakeup and fills the fields; false, the event left
// as it was, when `payload` is not one. The switch's previous task is the
// line's own (its comm is the header's).
[[nodiscard]] bool parse_ctx_wake_entry(std::string_view payload, StringPool& pool, Event* event);

}  // namespace ftlens
