// What every reader hands its events to, and how it says a line could not be
// used. Text, trace.dat and live readers share it, and the model, detectors
// and exporters implement or consume it, so it depends on nothing but Event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parser/event.h"

namespace ftlens {

struct ParseIssue {
  uint64_t line = 0;    // 1-based line number in the input
  size_t column = 0;    // 0-based byte offset in the line
  const char* reason = "";
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& event) = 0;
  virtual void on_malformed(const ParseIssue& issue) = 0;
  // A kernel log line outside any ftrace dump (dmesg input), printk prefix
  // removed, with the printk time in ns (-1 when the line has none); for
  // detectors of lockup reports.
  virtual void on_log_line(uint64_t /*line*/, TimeNs /*printk_ns*/, std::string_view /*text*/) {}
};

}  // namespace ftlens
