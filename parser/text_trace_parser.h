// Streaming parser for kernel `trace` text: feed() it chunks of any size, it
// calls the sink for every event and every line it could not use, in order.
// Only a partial last line is carried between chunks.
#pragma once

#include <array>
#include <cstdint>
#include <functional>  // less
#include <string>
#include <string_view>
#include <vector>

#include "parser/event.h"
#include "parser/event_sink.h"
#include "parser/latency_header.h"
#include "parser/text_trace_info.h"

namespace ftlens {

class StringPool;
struct FtraceLine;

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
  // The strings a parsing thread's own pool names before it leaves every
  // further line to the counting parser (parse_lone_line).
  static constexpr size_t kMaxLoneParseStrings = 1 << 16;

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
  // False when the line is no graph line but an ordinary event line (a
  // latency tracer's display-graph ends with one, its "<stack trace>"),
  // left to the caller.
  bool handle_funcgraph_line(std::string_view line);
  // " => frame": one frame of the stack the CPU's last event printed.
  void handle_stack_frame(std::string_view frame);
  // Sets the event's type and fields from a function_graph payload
  // (trace-cmd report's funcgraph_entry/exit); false if it does not read.
  bool read_funcgraph_payload(Event* event);
  // Counts a skipped line (`line` as read) and reports it.
  void skip_line(std::string_view line, size_t column, const char* reason);
  // A line the plain parse refused, or read with columns that look pasted
  // from a web page: read again with its Unicode spaces and tabs as spaces.
  // True when `verdict` and `*event` were replaced by that reading.
  bool reread_plain(std::string_view line, LineVerdict* verdict, Event* event, FtraceLine* cols, int* fraction_digits);
  // A cut in a pasted fragment: every CPU has a hole here.
  void take_elision();
  // Whether `line` is (part of) plain_, which is not to be made plain again.
  bool in_plain(std::string_view line) const {
    return !std::less<const char*>()(line.data(), plain_.data()) &&
           !std::less<const char*>()(plain_.data() + plain_.size(), line.data());
  }
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

  // Where " => frame" lines go: the CPU, time and task of the last
  // "<stack trace>", while no other event came after it.
  struct StackHead {
    TimeNs ts = 0;
    int32_t cpu = -1, pid = -1;
    StrId comm = kNoStr, name = kNoStr;
  };
  void note_stack_head(const Event& event) {
    stack_open_ = event.type == EventType::kStackTrace;
    if (stack_open_) {
      stack_head_ = {event.ts, event.cpu, event.pid, event.comm, event.name};
      stack_frames_ = 0;
    }
  }
  StackHead stack_head_;
  bool stack_open_ = false;
  uint32_t stack_frames_ = 0;

  // The lines since the last `# tracer:` header (or a headerless first
  // line) are function_graph's.
  bool funcgraph_lines_ = false;
  // function_graph: what each CPU's lines do not repeat.
  struct FuncgraphCpu {
    int32_t pid = -1;
    StrId comm = kNoStr;
    TimeNs clock = 0;  // times_from_durations: the CPU's time so far
    std::vector<TimeNs> entries;  // open calls' entry times, capped at kMaxOpenCalls
    size_t open = 0;              // open calls (may exceed entries.size())
  };
  static constexpr size_t kMaxOpenCalls = 256;
  static constexpr int32_t kMaxFuncgraphCpus = 4096;
  std::vector<FuncgraphCpu> funcgraph_cpus_;
  StrId funcgraph_entry_name_ = kNoStr, funcgraph_exit_name_ = kNoStr, print_name_ = kNoStr;
  // A latency tracer's header block, read line by line (its strings named
  // as the lines come, in order) and handed on as one kLatencyMax before the
  // first line after it.
  void read_latency_header(std::string_view line);
  void take_latency_header(const LatencyHeaderLine& h);
  void hand_on_latency_max();
  Event latency_max_;
  bool latency_pending_ = false;
  // Whether the last event was text a program wrote (trace_marker): lines
  // after it that read as nothing are the rest of that text, up to a cap.
  void note_text_write(const Event& event);
  // A line of trace-cmd report that named its buffer instance.
  void note_instance(std::string_view name);
  static constexpr uint32_t kMaxTextWriteLines = 64;
  bool text_write_open_ = false;
  uint32_t text_write_lines_ = 0;
  StrId text_write_checked_name_ = kNoStr;  // the last event name checked, and its answer
  bool text_write_name_ = false;
  uint8_t leading_blanks_ = 0;  // PastedBlank kinds made plain in the line being read
  std::string plain_;  // a pasted line with its Unicode spaces and tabs made ASCII spaces
};

}  // namespace ftlens
