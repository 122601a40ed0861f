// One line of kernel `trace` text split into its columns. Plain views into the
// input buffer: no copies, valid only while the line is being handled.
#pragma once

#include <cstdint>
#include <string_view>

namespace ftlens {

struct FtraceLine {
  std::string_view comm;
  int32_t pid = -1;
  int32_t tgid = -1;           // -1: no tgid column, or "(-------)"
  int32_t cpu = -1;
  std::string_view irq_flags;  // empty when the trace has no irq-flags column
  std::string_view timestamp;
  // The tokenizer reads the common "secs.usecs" and "secs.nsecs" shapes as it
  // passes them: then timestamp_ns holds exactly what parse_timestamp would
  // give and timestamp_digits 6 or 9; otherwise timestamp_digits is -1.
  int64_t timestamp_ns = 0;
  int timestamp_digits = -1;
  std::string_view event_name;
  std::string_view payload;
  // The `verbose` latency format prints the kernel's flag bits as a number
  // instead of the irq-flags letters: those bits, else -1.
  int32_t kernel_flag_bits = -1;
  // The `raw` and `hex` trace_options print only pid, cpu and time before an
  // event's raw form ("type: 372"): the event is there, its name and fields
  // are not.
  bool uninterpreted = false;
};

}  // namespace ftlens
