// Splits one line of kernel trace text into columns (comm-pid, tgid, cpu,
// irq flags, timestamp, event name, payload). Knows nothing of payloads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/status.h"  // ErrorCode

namespace ftlens {

struct FtraceLine;

// The tokenizers' result, on the hot path: an error code (util/status.h) and
// a fixed reason, never an allocation, in 16 bytes so that it is returned in
// registers. True when the line did not tokenize.
struct [[nodiscard]] TokenizeError {
  TokenizeError() = default;  // the line tokenized
  TokenizeError(const char* why, size_t at, ErrorCode what = ErrorCode::kBadInput)
      : reason(why), column(static_cast<uint32_t>(at)), code(what) {}

  const char* reason = nullptr;  // nullptr when the line tokenized
  uint32_t column = 0;           // 0-based byte offset of the problem (lines are at most 1 MiB)
  ErrorCode code = ErrorCode::kOk;
  explicit operator bool() const { return code != ErrorCode::kOk; }
};
static_assert(sizeof(TokenizeError) <= 16);

[[nodiscard]] TokenizeError tokenize_ftrace_line(std::string_view line, FtraceLine* out);

// The latency format (trace-cmd report -l, and the kernel's ftrace_dump into
// dmesg): "comm-pid  <cpu><flags> <time>: name: payload" with no [cpu]
// brackets, the comm cut to 8 characters, and <time> either seconds.fraction
// or microseconds as "12345us" followed by a one-character delay mark.
// On success `out->timestamp` is the digits only; `*in_usecs` says its unit.
[[nodiscard]] TokenizeError tokenize_latency_line(std::string_view line, FtraceLine* out, bool* in_usecs);

// The shapes of the trace_options that replace the usual columns:
//   raw:      "17077 1 758675577602 type: 372"       (pid cpu nanoseconds)
//   hex:      "000042b5 00000001 000000b0aceb92c8 type: 372"
//   verbose latency-format:
//     "  cc1plus   16918   0 1 00000002 00000008 [2be6e2e2] 16.616ms (+0.030ms): sched_switch: ..."
//     (comm pid cpu flag-bits preempt-count index [microseconds, hex] ...)
// On success `out` holds ns in timestamp_ns (timestamp_digits 9). raw and
// hex set `out->uninterpreted`: their payload names no event.
[[nodiscard]] TokenizeError tokenize_option_line(std::string_view line, FtraceLine* out);

// "[  123.456789] rest" or "<6>[  123.456789] rest" -> "rest"; nullopt when
// the line has no printk time prefix.
// `stamp`, when given, receives the time inside the brackets ("123.456789").
bool strip_printk_prefix(std::string_view* line, std::string_view* stamp = nullptr);

}  // namespace ftlens
