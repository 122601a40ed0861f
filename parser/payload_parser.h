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

}  // namespace ftlens
