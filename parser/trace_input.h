// What reading a trace found out about the input itself, besides its events.
// ReadResult (what a reader returns) and AnalysisResult (what the exporters
// print) both hold it, so one assignment carries all of it from the one to
// the other and a field added here reaches the report's code at once.
#pragma once

#include <cstdint>
#include <string>

#include "parser/text_trace_info.h"
#include "parser/timestamp.h"

namespace ftlens {

struct TraceInput {
  std::string warning;      // the input ended badly but what came before was used
  std::string format;       // "ftrace-text", "trace-cmd-report", "dmesg", "kernel-log", "systrace", "systrace-html", "trace-dat"
  std::string compression;  // "", "gzip" or "zstd"
  std::string container;    // "", "atrace-zlib", "systrace-legacy-html" or "trace-json" (container_source.h)
  uint64_t bytes = 0;       // bytes of the file as given (compressed size when compressed)
  uint64_t events = 0;
  uint64_t lost_events = 0;
  int declared_cpus = 0;
  int fraction_digits = 6;  // how timestamps are best printed back to the user
  bool wall_clock = false;  // a kernel log's wall clock: times print as "Oct 11 06:07:26" (TimeStyle)
  TimeStyle time_style() const { return {fraction_digits < 0 ? 6 : fraction_digits, wall_clock}; }
  std::string instances;    // trace.dat: other buffer instances in the file, comma-separated
  TextTraceInfo text;       // text inputs only: line accounting
};

}  // namespace ftlens
