// What a text trace said about itself and how its lines were used: filled by
// the text parser, carried in ReadResult and the report.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ftlens {

// Why some lines were skipped: the parser's reason, and the Unicode space or
// tab the lines held, if any (a PastedBlank kind), which is often the real
// cause.
struct SkipCause {
  const char* reason = "";
  uint8_t blank = 0;
  size_t column = 0;   // 0-based: of that blank, else of the problem (first such line)
  uint64_t lines = 0;
};

struct TextTraceInfo {
  // "ftrace-text" (the kernel's trace file), "trace-cmd-report", "dmesg"
  // (ftrace_dump_on_oops in a console log), "systrace" or "systrace-html".
  std::string flavor = "ftrace-text";
  int declared_cpus = 0;        // "#P:N" or "cpus=N" header, 0 if absent
  std::string tracer;           // "# tracer: nop"
  int fraction_digits = -1;     // of the first timestamp; -1 before any event
  bool has_irq_flags = false;
  bool has_tgid = false;
  uint64_t lines = 0;
  uint64_t events = 0;
  uint64_t header_lines = 0;    // '#' comments and blank lines
  uint64_t skipped_lines = 0;   // lines that are not an event, header or marker
  uint64_t malformed_payloads = 0;  // events kept, but their typed fields could not be read
  uint64_t lost_events = 0;     // sum of "[LOST N EVENTS]"
  uint64_t lost_markers = 0;    // "[LOST N EVENTS]" lines
  // "CPU:N [LOST EVENTS]": the kernel knew events were lost there but not
  // how many (its lost count was -1). Counted in lost_markers too.
  uint64_t lost_markers_unknown = 0;
  // Events printed by the `raw` or `hex` trace_options: counted and on
  // their CPU's timeline, but with no name or fields to interpret.
  uint64_t uninterpreted_payloads = 0;
  // Latency tracer headers that reported a maximum (kLatencyMax events).
  uint64_t latency_reports = 0;
  uint64_t long_lines = 0;      // lines over kMaxLineBytes, skipped
  uint64_t log_lines = 0;       // dmesg lines outside ftrace dumps, HTML outside trace blocks
  uint64_t marker_lines = 0;    // "CPU:N [LOST M EVENTS]", "##### CPU N buffer started",
                                // function_graph's task-switch banners and irq arrows
  uint64_t stack_frame_lines = 0;  // " => frame" lines of a "<stack trace>"
  bool function_graph = false;  // the function_graph tracer's columns
  // function_graph without funcgraph-abstime prints no times: each CPU's
  // clock then starts at 0 and advances by the calls' durations.
  bool times_from_durations = false;
  int dumps = 0;                // "Dumping ftrace buffer:" blocks in a dmesg log
  uint64_t elisions = 0;        // "...", "// snip": lines were cut out here (counted in marker_lines)
  uint64_t pasted_blank_lines = 0;  // lines read only once their Unicode spaces and tabs were taken as spaces
  uint8_t pasted_blank_kinds = 0;   // PastedBlank bits of those lines
  uint64_t quoted_lines = 0;  // lines read without the quote marks ("> ", "> > ") of an email reply

  // The causes of skipped lines, the first kSkipCauses distinct ones; lines
  // of any later cause are counted in other_skip_causes.
  static constexpr size_t kSkipCauses = 8;
  std::array<SkipCause, kSkipCauses> skip_causes{};
  size_t skip_cause_count = 0;
  uint64_t other_skip_causes = 0;
  // The cause of most skipped lines (nullptr when none was skipped).
  const SkipCause* most_common_skip_cause() const {
    const SkipCause* top = nullptr;
    for (size_t i = 0; i < skip_cause_count; ++i)
      if (!top || skip_causes[i].lines > top->lines) top = &skip_causes[i];
    return top;
  }

  // Every line is exactly one of these; a line counted twice or not at all
  // would be a silent loss. Returns the lines not accounted for (0).
  // atrace's `trace_event_clock_sync: parent_ts=...` writes: how systrace
  // lines up its clocks, not an event (counted in marker_lines too).
  uint64_t clock_sync_lines = 0;
  // The lines after the first of a trace_marker write that held newlines
  // (`tracing_mark_write: a` then `b` on a line of its own): part of that
  // event's payload, not skipped.
  uint64_t print_continuation_lines = 0;
  // trace-cmd report of a file with buffer instances: the lines that named
  // their instance ("foo: <line>"), read with the top instance's, and the
  // instances' names (the first kMaxInstancesListed; more are counted).
  static constexpr size_t kMaxInstancesListed = 16;
  uint64_t instance_lines = 0;
  std::vector<std::string> instances;
  uint64_t instances_not_listed = 0;
  int64_t unaccounted_lines() const {
    return static_cast<int64_t>(lines - header_lines - skipped_lines - events - marker_lines - log_lines -
                                stack_frame_lines - print_continuation_lines);
  }
};

}  // namespace ftlens
