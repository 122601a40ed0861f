// Streaming parser for kernel `trace` text: feed() it chunks of any size, it
// calls the sink for every event and every line it could not use, in order.
// Only a partial last line is carried between chunks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event.h"

namespace ftlens {

class StringPool;
struct FtraceLine;

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

// What the text said about itself, and how much of it was used.
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
  uint64_t long_lines = 0;      // lines over kMaxLineBytes, skipped
  uint64_t log_lines = 0;       // dmesg lines outside ftrace dumps, HTML outside trace blocks
  uint64_t marker_lines = 0;    // "CPU:N [LOST M EVENTS]", "##### CPU N buffer started"
  int dumps = 0;                // "Dumping ftrace buffer:" blocks in a dmesg log

  // Every line is exactly one of these; a line counted twice or not at all
  // would be a silent loss. Returns the lines not accounted for (0).
  int64_t unaccounted_lines() const {
    return static_cast<int64_t>(lines - header_lines - skipped_lines - events - marker_lines - log_lines);
  }
};

// What parse_lone_line made of a line.
struct LoneLine {
  enum Kind : uint8_t {
    kEvent,       // an ordinary event line
    kBadPayload,  // an event whose payload did not match its format: kept, header only
    kDefer,       // anything else: only the counting parser, in order, may read it
  };
  Kind kind = kDefer;
  uint32_t column = 0;  // kBadPayload: where the payload starts
};

class FtraceTextParser {
 public:
  static constexpr size_t kMaxLineBytes = 1 << 20;

  FtraceTextParser(StringPool& pool, EventSink& sink);

  void feed(std::string_view chunk);
  void finish();
  const TextTraceInfo& info() const { return info_; }

  // Parsing the event lines of one trace on several threads
  // (text_chunk_pipeline.h): one parser counts and feeds the sink, others
  // with their own pools parse lines apart from each other.
  //
  // True once what follows can be parsed a line at a time with no state:
  // the text is kernel trace or trace-cmd report text, the first event
  // (which decides the columns) was seen, and no long line is being skipped.
  bool lines_independent() const;
  // The unterminated last line fed so far; this parser forgets it.
  std::string take_partial_line();
  // Makes a parser of another thread read lines as this one does.
  void read_lines_like(const FtraceTextParser& other) { mode_ = other.mode_; }
  // Parses one line (no newline) into `event`, touching no count and not the
  // sink; only strings go into this parser's pool.
  LoneLine parse_lone_line(std::string_view line, Event* event);
  // The counting parser's side, in input order: a line another parser read
  // as an event (its strings already in this parser's pool), counted and
  // sent to the sink as if it had been parsed here...
  void take_lone_event(const Event& event, LoneLine how);
  // ...and a line it deferred.
  void take_deferred_line(std::string_view line) { handle_line(line); }

 private:
  enum class Mode { kUnknown, kKernel, kReport, kDmesg, kHtml };

  void handle_line(std::string_view line);
  void detect_mode(std::string_view line);
  void handle_dmesg_line(std::string_view line);
  void handle_html_line(std::string_view line);
  void handle_trace_line(std::string_view line);
  // `first`: the position of the line's first non-blank byte (npos if none).
  void handle_trace_line(std::string_view line, size_t first);
  bool handle_marker(std::string_view line);
  // A trace line after the header checks: tokenized (kernel, then latency
  // format), its timestamp and payload read into `event`.
  struct LineVerdict {
    enum Kind { kEvent, kBadPayload, kSkipped } kind;
    size_t column;  // kBadPayload, kSkipped: where the problem is
    const char* reason;
  };
  LineVerdict parse_event_line(std::string_view line, Event* event, FtraceLine* cols, int* fraction_digits);
  void report(size_t column, const char* reason);
  // Counts and reports a line over kMaxLineBytes; none of it is kept.
  void skip_long_line();
  StrId intern_event_name(std::string_view name, EventType* type);

  StringPool& pool_;
  EventSink& sink_;
  TextTraceInfo info_;
  std::string carry_;
  bool in_long_line_ = false;
  Mode mode_ = Mode::kUnknown;
  int dump_state_ = 0;         // dmesg: 0 outside, 1 after "Dumping ftrace buffer:", 2 inside
  bool in_script_ = false;     // HTML: inside <script class="trace-data">
  int script_is_trace_ = -1;   // HTML: -1 undecided, 0 not ftrace text (JSON), 1 ftrace text

  // The type of each event name seen, by its id: a trace has a few dozen.
  struct NameSlot { StrId id = kNoStr; EventType type = EventType::kOther; };
  std::array<NameSlot, 1024> name_cache_{};
  CpuMask targets_;  // of the event being handed on (Event::cpumask)
};

}  // namespace ftlens
