// Opens a trace (path or "-" for stdin), recognises its format from its first
// bytes, and streams it through the matching parser into an EventSink.
#pragma once

#include <cstdint>
#include <string>

#include "text_trace_parser.h"

namespace ftlens {

class StringPool;

enum class InputFormat { kFtraceText, kTraceDat, kGzip, kZstd, kBinaryUnknown, kEmpty };
std::string_view input_format_name(InputFormat format);

// Recognises a format from the first bytes of the input.
InputFormat sniff_format(std::string_view head);

struct ReadResult {
  bool ok = false;
  std::string error;  // one line: "path: reason" (with a line number for text)
  InputFormat format = InputFormat::kEmpty;
  uint64_t bytes = 0;
  TextTraceInfo text;
};

// Reads the whole input in fixed-size chunks (memory does not grow with the
// file). Fatal only when the input cannot be used at all: unreadable, a
// format this build cannot read, or text without a single trace event.
ReadResult read_trace(const std::string& path, StringPool& pool, EventSink& sink);

}  // namespace ftlens
