// The containers Android and Chrome tools put ftrace text in, undone while
// the input streams by, so that the text parser gets the text they carry:
//   atrace-zlib           `atrace -z` output: status lines, a "TRACE:" line,
//                         then the text as a zlib stream (RFC 1950)
//   systrace-legacy-html  older systrace pages: the text is a JavaScript
//                         string, `var linuxPerfData = "\`, each line ending
//                         in `\n\`, closed by `";`
//   trace-json            Chrome trace JSON: the text is the JSON string
//                         "systemTraceEvents", before or after "traceEvents"
// Each decoder keeps a few bytes of state (an escape, a key of at most 32
// bytes, a line head of at most 96), so its memory does not grow with the
// input and the input may break anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "parser/byte_source.h"

namespace ftlens {

enum class Container {
  kNone,
  kAtraceZlib,
  // Any HTML page the text parser reads as one: a legacy page's string is
  // decoded into a trace-data block, a newer page passes through unchanged.
  kSystraceHtml,
  kTraceJson,
};

// Recognises a container from the first bytes of the (decompressed) input.
// atrace-zlib: text lines up to "TRACE:" within the first 4 KiB, then a zlib
// header; trace-json: a JSON object naming "traceEvents" or
// "systemTraceEvents" in `head`.
Container sniff_container(std::string_view head);

class ContainerSource : public ByteSource {
 public:
  // What the input turned out to hold, for input.container: "atrace-zlib",
  // "systrace-legacy-html", "trace-json", or "" (a newer systrace page).
  virtual std::string_view container() const = 0;
  // Damage read past and counted, one sentence; "" when there was none.
  virtual std::string damage() const { return {}; }
};

// `inner` starts at the first byte of the container.
std::unique_ptr<ContainerSource> open_container_source(Container container, std::unique_ptr<ByteSource> inner);

// The first line of the trace-data block a legacy page's string becomes.
inline constexpr std::string_view kLegacyTraceBlockOpen = "<script class=\"trace-data\" type=\"application/text\">";

}  // namespace ftlens
