#include "text_trace_parser.h"

#include <charconv>  // from_chars
#include <cstring>   // memchr
#include <limits>

#include "byte_scan.h"
#include "event_types.h"  // event_type_from_name
#include "ftrace_line.h"
#include "funcgraph_line.h"
#include "line_tokenizer.h"
#include "latency_header.h"
#include "pasted_text.h"
#include "payload_parser.h"
#include "string_pool.h"
#include "timestamp.h"

namespace ftlens {

namespace {

uint8_t decode_irq_flags(std::string_view flags) {
  // Columns: irqs-off, need-resched, hardirq/softirq, preempt-depth[, migrate-disable]
  uint8_t out = 0;
  if (flags.empty()) return out;
  if (flags[0] == 'd' || flags[0] == 'D') out |= Event::kIrqsOff;
  if (flags.size() > 2) {
    switch (flags[2]) {
      case 'h': out |= Event::kInHardirq; break;
      case 's': out |= Event::kInSoftirq; break;
      case 'H': out |= Event::kInHardirq | Event::kInSoftirq; break;
      case 'z': case 'Z': out |= Event::kNmi; break;
      default: break;
    }
  }
  return out;
}

constexpr const char* kBadPayload = "payload does not match the event's format";

// The events whose payload is text a program wrote (trace_marker, and the
// kernel's trace_printk): it may hold newlines, and atrace's clock sync.
bool is_written_text(std::string_view name) {
  return name == "tracing_mark_write" || name == "print" || name == "bputs" || name == "bprint";
}

// Whatever the event is called: the legacy systrace writer ends its text
// with `dummy-0000 [000] 0.0: 0: trace_event_clock_sync: parent_ts=0.0`.
bool is_clock_sync(const FtraceLine& cols) {
  return !cols.payload.empty() && cols.payload[0] == 't' && cols.payload.starts_with("trace_event_clock_sync:");
}

// trace-cmd report's own lines between events: "cpus=2", "version = 7",
// "CPU 1 is empty".
bool is_report_header(std::string_view line) {
  // `trace-cmd report -w` ends with its wakeup latency summary.
  static constexpr std::string_view kWakeupSummary[] = {"Average wakeup latency:", "Maximum Latency:", "Minimum Latency:",
                                                        "RT task timings:"};
  for (std::string_view summary : kWakeupSummary)
    if (line.starts_with(summary)) return true;
  return line.starts_with("cpus=") || line.starts_with("version = ") || line.starts_with("CPU ") ||
         line.find("is empty") != std::string_view::npos;
}

// trace-cmd report of a file with buffer instances puts the instance's name
// before each of its lines, right-aligned, then ": " (blanks for the top
// instance): "       foo: <idle>-0 [000] ...". The name, and the line after
// it; false when the line has no such prefix. A comm or event never starts
// a line with a word and ": ".
bool split_report_instance(std::string_view line, std::string_view* name, std::string_view* rest) {
  size_t first = 0;
  while (first < line.size() && line[first] == ' ') ++first;
  size_t end = first;
  while (end < line.size() && line[end] != ' ' && line[end] != ':' && line[end] != '[') ++end;
  if (end == first || end + 1 >= line.size() || line[end] != ':' || line[end + 1] != ' ') return false;
  *name = line.substr(first, end - first);
  *rest = line.substr(end + 2);
  return true;
}

// The first byte that is not a space or tab (npos if none).
size_t first_non_blank(std::string_view line) {
  const size_t first = skip_blanks(line, 0);
  return first == line.size() ? std::string_view::npos : first;
}

bool is_high(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// Columns the tokenizer took although a pasted line's Unicode space or tab
// sat in them: a comm that starts with one (a blank before it), an irq-flags
// column made of one (`[004]\u00a0 1573.162047:`), a payload that starts or
// ends with one. Three byte tests on the fields just read, so that plain
// lines are not scanned again; a UTF-8 comm or payload costs a second look
// that changes nothing.
bool looks_pasted(const FtraceLine& cols) {
  const std::string_view flags = cols.irq_flags, payload = cols.payload;
  return (!cols.comm.empty() && is_high(cols.comm.front())) ||
         (!flags.empty() && (is_high(flags.front()) || is_high(flags.back()) || flags.front() == '\t')) ||
         (!payload.empty() && (is_high(payload.front()) || is_high(payload.back())));
}

template <typename Int>
bool parse_whole(std::string_view s, Int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

FtraceTextParser::FtraceTextParser(StringPool& pool, EventSink& sink) : pool_(pool), sink_(sink) {}

void FtraceTextParser::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
    if (!nl) {
      if (in_long_line_) return;
      if (carry_.size() + chunk.size() > kMaxLineBytes) {
        in_long_line_ = true;
        carry_.clear();
        return;
      }
      carry_.append(chunk);
      return;
    }
    size_t len = static_cast<size_t>(static_cast<const char*>(nl) - chunk.data());
    std::string_view line = chunk.substr(0, len);
    chunk.remove_prefix(len + 1);
    if (in_long_line_) {
      skip_long_line();
      continue;
    }
    if (!carry_.empty()) {
      if (carry_.size() + line.size() > kMaxLineBytes) {
        skip_long_line();
        continue;
      }
      carry_.append(line);
      handle_line(carry_);
      carry_.clear();
    } else if (line.size() > kMaxLineBytes) {  // the same verdict however the input was cut
      skip_long_line();
    } else {
      handle_line(line);
    }
  }
}

void FtraceTextParser::skip_long_line() {
  ++info_.lines;
  ++info_.long_lines;
  skip_line({}, 0, "line longer than 1 MiB");
  in_long_line_ = false;
  carry_.clear();
}

void FtraceTextParser::skip_line(std::string_view line, size_t column, const char* reason) {
  ++info_.skipped_lines;
  report(column, reason);
  PastedBlankAt blank = find_pasted_blank(line);
  if (!blank.kind && leading_blanks_) blank = {leading_blanks_, 0};  // made plain before the parse
  for (size_t i = 0; i < info_.skip_cause_count; ++i) {
    SkipCause& cause = info_.skip_causes[i];
    if (cause.blank == blank.kind && std::strcmp(cause.reason, reason) == 0) {
      ++cause.lines;
      return;
    }
  }
  if (info_.skip_cause_count == info_.skip_causes.size()) {
    ++info_.other_skip_causes;
    return;
  }
  info_.skip_causes[info_.skip_cause_count++] = SkipCause{reason, blank.kind, blank.kind ? blank.column : column, 1};
}

void FtraceTextParser::take_elision() {
  ++info_.marker_lines;
  ++info_.elisions;
  Event cut;
  cut.type = EventType::kInputCut;
  sink_.on_event(cut);
}

void FtraceTextParser::finish() {
  if (in_long_line_) {
    skip_long_line();
  } else if (!carry_.empty()) {
    handle_line(carry_);
    carry_.clear();
  }
  if (latency_pending_) hand_on_latency_max();  // a header with no trace after it
}

void FtraceTextParser::report(size_t column, const char* reason) {
  sink_.on_malformed(ParseIssue{info_.lines, column, reason});
}

namespace {

EventType type_of_event_name(std::string_view name) {
  // trace-cmd report prints function_graph records as these two events;
  // which of entry and leaf it is, the payload says.
  if (name == "funcgraph_entry") return EventType::kFuncEntry;
  if (name == "funcgraph_exit") return EventType::kFuncReturn;
  return event_type_from_name(name);
}

}  // namespace

StrId FtraceTextParser::intern_event_name(std::string_view name, EventType* type) {
  const StrId id = pool_.intern(name);
  // Names beyond the pool's cap share one id: their type is their own.
  if (pool_.is_not_kept(id)) {
    *type = type_of_event_name(name);
    return id;
  }
  NameSlot& slot = name_cache_[id % name_cache_.size()];
  if (slot.id != id) slot = NameSlot{id, type_of_event_name(name)};
  *type = slot.type;
  return id;
}

// "CPU:1 [LOST 123 EVENTS]" and "##### CPU 1 buffer started ####" are facts
// about the recording, not events; they become marker events so that the
// model knows where its view of a CPU has a hole.
bool FtraceTextParser::handle_marker(std::string_view line) {
  Event marker;
  if (line.starts_with("CPU:")) {
    size_t lost = line.find(" [LOST ");
    if (lost == std::string_view::npos) return false;
    std::string_view cpu = line.substr(4, lost - 4);
    std::string_view count = line.substr(lost + 7);
    if (!parse_whole(cpu, &marker.cpu)) return false;
    if (trim_blanks(count) == "EVENTS]") {
      // The kernel prints this when its lost count is unknown: a hole of
      // unknown size, as number 0 (the model opens a gap all the same).
      marker.number = 0;
      ++info_.lost_markers_unknown;
    } else {
      count = count.substr(0, count.find(' '));
      if (!parse_whole(count, &marker.number) || marker.number < 0) return false;
    }
    marker.type = EventType::kLostEvents;
    info_.lost_events += static_cast<uint64_t>(marker.number);
    ++info_.lost_markers;
  } else if (line.starts_with("##### CPU ")) {
    std::string_view cpu = line.substr(10);
    cpu = cpu.substr(0, cpu.find(' '));
    if (!parse_whole(cpu, &marker.cpu)) return false;
    marker.type = EventType::kBufferStarted;
  } else {
    return false;
  }
  ++info_.marker_lines;
  sink_.on_event(marker);
  return true;
}

void FtraceTextParser::detect_mode(std::string_view line) {
  std::string_view probe = line;
  if (line.starts_with("<!DOCTYPE") || line.starts_with("<!doctype") || line.starts_with("<html")) {
    mode_ = Mode::kHtml;
    info_.flavor = "systrace-html";
  } else if (strip_printk_prefix(&probe)) {
    mode_ = Mode::kDmesg;
    info_.flavor = "dmesg";
  } else if (line.starts_with("cpus=") || line.starts_with("version = ")) {
    mode_ = Mode::kReport;
    info_.flavor = "trace-cmd-report";
  } else {
    mode_ = Mode::kKernel;
    if (line.starts_with("TRACE:")) info_.flavor = "systrace";
  }
}

void FtraceTextParser::handle_line(std::string_view line) {
  ++info_.lines;
  leading_blanks_ = 0;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t first = first_non_blank(line);
  // A line pasted from a web page may start with no-break spaces, or be
  // made of them: read as the blanks they stand for, in every mode.
  if (first != std::string_view::npos && is_high(line[first]) && !in_plain(line)) {
    if (const uint8_t kinds = plain_spaces(line, &plain_)) {
      line = plain_;
      first = first_non_blank(line);
      leading_blanks_ = kinds;
    }
  }
  // A trace quoted in an email reply: read without its quote marks.
  if (first != std::string_view::npos && line[first] == '>') {
    if (const size_t after = after_quote_marks(line, first); after != first) {
      ++info_.quoted_lines;
      line.remove_prefix(after);
      first = first_non_blank(line);
    }
  }
  if (first == std::string_view::npos) {
    ++info_.header_lines;
    return;
  }
  if (mode_ == Mode::kUnknown) detect_mode(line.substr(first));
  switch (mode_) {
    case Mode::kDmesg: return handle_dmesg_line(line);
    case Mode::kHtml: return handle_html_line(line);
    case Mode::kReport:
      if (line.starts_with("cpus=")) {
        std::string_view n = line.substr(5);
        parse_whole(n.substr(0, n.find_first_not_of("0123456789")), &info_.declared_cpus);
        ++info_.header_lines;
        return;
      }
      if (is_report_header(line)) {
        ++info_.header_lines;  // "version = 7", "CPU 1 is empty"
        return;
      }
      if (std::string_view name, rest; split_report_instance(line, &name, &rest)) {
        // An instance's events are read with the top instance's: the same
        // CPUs and clock, their own events (an exact duplicate is dropped
        // by the model and counted).
        note_instance(name);
        line = rest;
        first = first_non_blank(line);
        if (first == std::string_view::npos) {
          ++info_.header_lines;
          return;
        }
      }
      break;
    default:
      if (line.starts_with("TRACE:")) {
        ++info_.header_lines;
        return;
      }
      break;
  }
  handle_trace_line(line, first);
}

// A console log. Only lines between "Dumping ftrace buffer:" and the second
// dashed rule are trace lines; the rest is the kernel log, handed on as such.
void FtraceTextParser::handle_dmesg_line(std::string_view line) {
  std::string_view text = line, stamp;
  if (!strip_printk_prefix(&text, &stamp)) {
    ++info_.log_lines;
    sink_.on_log_line(info_.lines, -1, line);
    return;
  }
  std::string_view trimmed = text.substr(std::min(text.size(), text.find_first_not_of(' ')));
  if (trimmed.starts_with("Dumping ftrace buffer:")) {
    dump_state_ = 1;
    ++info_.dumps;
    ++info_.header_lines;
    return;
  }
  if (dump_state_ > 0 && trimmed.starts_with("-----")) {
    dump_state_ = dump_state_ == 1 ? 2 : 0;
    ++info_.header_lines;
    return;
  }
  if (dump_state_ != 2) {
    ++info_.log_lines;
    auto printk = parse_timestamp(stamp);
    sink_.on_log_line(info_.lines, printk ? printk->ns : -1, text);
    return;
  }
  handle_trace_line(text);
}

// Systrace HTML: the ftrace text sits in <script class="trace-data"> blocks;
// other blocks of that class hold JSON and are not ours.
void FtraceTextParser::handle_html_line(std::string_view line) {
  if (!in_script_) {
    size_t tag = line.find("<script class=\"trace-data\"");
    if (tag == std::string_view::npos) {
      ++info_.log_lines;
      return;
    }
    in_script_ = true;
    script_is_trace_ = -1;
    size_t close = line.find('>', tag);
    line = close == std::string_view::npos ? std::string_view{} : line.substr(close + 1);
  }
  size_t end = line.find("</script>");
  std::string_view content = line.substr(0, end);
  if (end != std::string_view::npos) in_script_ = false;
  size_t first = first_non_blank(content);
  if (first == std::string_view::npos) {
    ++info_.header_lines;  // the tags themselves
    return;
  }
  if (script_is_trace_ < 0) script_is_trace_ = content.substr(first).starts_with("# tracer") ? 1 : 0;
  if (script_is_trace_ == 0) {
    ++info_.log_lines;
    return;
  }
  handle_trace_line(content);
}

void FtraceTextParser::handle_trace_line(std::string_view line) { handle_trace_line(line, first_non_blank(line)); }

void FtraceTextParser::handle_trace_line(std::string_view line, size_t first) {
  if (first == std::string_view::npos) {
    ++info_.header_lines;
    return;
  }
  if (line[first] == '#' && !line.substr(first).starts_with("##### CPU ")) {
    ++info_.header_lines;
    if (size_t p = line.find("#P:"); p != std::string_view::npos) {
      std::string_view n = line.substr(p + 3);
      n = n.substr(0, n.find_first_not_of("0123456789"));
      parse_whole(n, &info_.declared_cpus);
    }
    if (line.starts_with("# tracer: ")) {
      info_.tracer = std::string(trim_blanks(line.substr(10)));
      // Several recordings in one file (`cat`): the lines read as the last
      // header's tracer prints them.
      funcgraph_lines_ = info_.tracer == "function_graph";
      if (funcgraph_lines_) info_.function_graph = true;
      latency_max_ = Event{};  // a new recording's header
      latency_pending_ = false;
    }
    read_latency_header(line.substr(first));
    return;
  }
  // Before the first event: the latency block as 2.6.26 printed it, no '#'
  // before its lines, between rules of dashes.
  if (info_.events == 0 && is_latency_tracer(info_.tracer)) {
    const std::string_view body = trim_blanks(line.substr(first));
    if (const LatencyHeaderLine h = read_latency_header_text(body); h.kind != LatencyHeaderLine::kNone) {
      ++info_.header_lines;
      take_latency_header(h);
      return;
    }
    if (body.find_first_not_of('-') == std::string_view::npos) {
      ++info_.header_lines;
      return;
    }
  }
  if (latency_pending_) hand_on_latency_max();
  if ((line[first] == 'C' || line[first] == '#') && handle_marker(line.substr(first))) return;
  if (line[first] == '=' && first + 1 < line.size() && line[first + 1] == '>') return handle_stack_frame(line.substr(first + 2));
  if (funcgraph_lines_ && handle_funcgraph_line(line)) return;

  Event event;
  FtraceLine cols;
  int fraction_digits = 0;
  LineVerdict verdict = parse_event_line(line, &event, &cols, &fraction_digits);
  if ((verdict.kind != LineVerdict::kEvent || looks_pasted(cols)) && !in_plain(line) &&
      reread_plain(line, &verdict, &event, &cols, &fraction_digits))
    line = plain_;
  if (verdict.kind == LineVerdict::kSkipped) {
    // Only lines no parse could read: no cost on the hot path.
    if (text_write_open_ && text_write_lines_ < kMaxTextWriteLines) {
      ++text_write_lines_;
      ++info_.print_continuation_lines;
      return;
    }
    if (is_elision_line(line)) return take_elision();
    if (is_slash_comment_line(line)) {
      ++info_.header_lines;
      return;
    }
    // A function_graph trace without its header (cut, or in a dump) shows
    // itself by its first line.
    if (info_.events == 0 && looks_like_funcgraph_line(line)) {
      info_.function_graph = funcgraph_lines_ = true;
      (void)handle_funcgraph_line(line);  // it tokenizes as one: never left
      return;
    }
    skip_line(line, verdict.column, verdict.reason);
    return;
  }
  if (info_.fraction_digits < 0) {  // the first event says what the columns are
    info_.fraction_digits = fraction_digits;
    info_.has_irq_flags = !cols.irq_flags.empty();
    info_.has_tgid = cols.tgid >= 0 || line.find(") [") != std::string_view::npos;
  } else if (cols.tgid >= 0) {
    info_.has_tgid = true;
  }
  if (verdict.kind == LineVerdict::kBadPayload) {
    ++info_.malformed_payloads;
    report(verdict.column, verdict.reason);
  }
  if (leading_blanks_) {
    ++info_.pasted_blank_lines;
    info_.pasted_blank_kinds |= leading_blanks_;
  }
  if (is_clock_sync(cols)) {
    ++info_.marker_lines;
    ++info_.clock_sync_lines;
    text_write_open_ = false;
    return;
  }
  note_text_write(event);
  ++info_.events;
  if (event.type == EventType::kUninterpreted) ++info_.uninterpreted_payloads;
  note_stack_head(event);
  sink_.on_event(event);
}

void FtraceTextParser::note_instance(std::string_view name) {
  ++info_.instance_lines;
  for (const std::string& known : info_.instances)
    if (known == name) return;
  if (info_.instances.size() < TextTraceInfo::kMaxInstancesListed) info_.instances.emplace_back(name);
  else ++info_.instances_not_listed;
}

void FtraceTextParser::note_text_write(const Event& event) {
  // Written text is an event ftlens has no type for: a typed event ends it
  // at the cost of one compare.
  if (event.type != EventType::kOther) {
    text_write_open_ = false;
    return;
  }
  if (event.name != text_write_checked_name_) {
    text_write_checked_name_ = event.name;
    text_write_name_ = is_written_text(pool_.view(event.name));
  }
  text_write_open_ = text_write_name_;
  text_write_lines_ = 0;
}

void FtraceTextParser::read_latency_header(std::string_view line) { take_latency_header(read_latency_header_line(line)); }

void FtraceTextParser::take_latency_header(const LatencyHeaderLine& h) {
  switch (h.kind) {
    case LatencyHeaderLine::kNone: return;
    case LatencyHeaderLine::kTitle:
      latency_max_ = Event{};
      latency_max_.type = EventType::kLatencyMax;
      latency_max_.name = pool_.intern(h.text);
      latency_pending_ = false;
      return;
    case LatencyHeaderLine::kLatency:
      // Only a latency tracer measured something; any tracer prints the
      // block under the latency-format option.
      if (latency_max_.type != EventType::kLatencyMax || !is_latency_tracer(pool_.view(latency_max_.name))) return;
      latency_max_.number = h.value * 1000;
      latency_max_.cpu = h.cpu;
      latency_pending_ = true;
      return;
    case LatencyHeaderLine::kTask:
      if (!latency_pending_) return;
      latency_max_.comm = pool_.intern(h.text);
      latency_max_.pid = static_cast<int32_t>(h.value);
      return;
    case LatencyHeaderLine::kStartedAt:
      if (latency_pending_) latency_max_.function = pool_.intern(h.text);
      return;
    case LatencyHeaderLine::kEndedAt:
      if (latency_pending_) latency_max_.site = pool_.intern(h.text);
      return;
  }
}

void FtraceTextParser::hand_on_latency_max() {
  latency_pending_ = false;
  ++info_.latency_reports;
  sink_.on_event(latency_max_);
}

void FtraceTextParser::handle_stack_frame(std::string_view frame) {
  ++info_.stack_frame_lines;
  if (!stack_open_) return;  // the model counts frames with no stack line; nothing to attach to here
  frame = trim_blanks(frame);
  // trace-cmd report adds the address: "=> do_exit (ffffffff8108a5b4)".
  if (size_t paren = frame.find(" ("); paren != std::string_view::npos && !frame.starts_with("<")) frame = frame.substr(0, paren);
  Event e;
  e.type = EventType::kStackFrame;
  e.ts = stack_head_.ts;
  e.cpu = stack_head_.cpu;
  e.pid = stack_head_.pid;
  e.comm = stack_head_.comm;
  e.name = stack_head_.name;
  e.function = pool_.intern(frame);
  e.number = stack_frames_++;
  sink_.on_event(e);
}

bool FtraceTextParser::handle_funcgraph_line(std::string_view line) {
  FuncgraphLine fg;
  if (FuncgraphError err = tokenize_funcgraph_line(line, &fg)) {
    if (is_elision_line(line)) {  // a pasted graph cut with "..."
      take_elision();
      return true;
    }
    // An ordinary event line on the graph's clock: only where the graph
    // prints times (a duration-timed graph's clock starts at 0, not theirs).
    Event probe;
    FtraceLine cols;
    int digits = 0;
    if (!info_.times_from_durations && parse_event_line(line, &probe, &cols, &digits).kind == LineVerdict::kEvent)
      return false;
    skip_line(line, err.column, err.reason);
    return true;
  }
  if (fg.kind == FuncgraphLine::kRule) {
    ++info_.header_lines;  // the rule around a banner
    return true;
  }
  if (fg.cpu < 0 || fg.cpu >= kMaxFuncgraphCpus) {
    skip_line(line, 0, "CPU beyond the supported maximum");
    return true;
  }
  if (static_cast<size_t>(fg.cpu) >= funcgraph_cpus_.size()) funcgraph_cpus_.resize(static_cast<size_t>(fg.cpu) + 1);
  FuncgraphCpu& cpu = funcgraph_cpus_[static_cast<size_t>(fg.cpu)];
  if (fg.kind == FuncgraphLine::kBanner || fg.kind == FuncgraphLine::kIrqEnter || fg.kind == FuncgraphLine::kIrqExit) {
    if (fg.kind == FuncgraphLine::kBanner) {
      cpu.pid = fg.pid;
      cpu.comm = pool_.intern(fg.comm);
    }
    ++info_.marker_lines;
    return true;
  }
  if (!fg.comm.empty()) {
    cpu.pid = fg.pid;
    cpu.comm = pool_.intern(fg.comm);
  }
  // A latency tracer's display-graph prints microseconds since the trace
  // began: a clock as good as abstime's, at a coarser grain.
  const TimeNs printed = fg.abstime_ns >= 0 ? fg.abstime_ns : fg.reltime_ns;
  if (printed < 0) info_.times_from_durations = true;
  const TimeNs now = printed >= 0 ? printed : cpu.clock;

  Event e;
  e.cpu = fg.cpu;
  e.pid = cpu.pid;
  e.comm = cpu.comm;
  e.ts = now;
  e.number = fg.duration_ns;
  e.irq_flags = decode_irq_flags(fg.lat_flags);
  if (funcgraph_entry_name_ == kNoStr) {
    funcgraph_entry_name_ = pool_.intern("funcgraph_entry");
    funcgraph_exit_name_ = pool_.intern("funcgraph_exit");
    print_name_ = pool_.intern("print");
  }
  const TimeNs duration = std::max<TimeNs>(fg.duration_ns, 0);
  switch (fg.kind) {
    case FuncgraphLine::kEntry:
      e.type = EventType::kFuncEntry;
      e.name = funcgraph_entry_name_;
      e.function = pool_.intern(fg.function);
      if (cpu.open < kMaxOpenCalls) {
        cpu.entries.resize(cpu.open + 1);
        cpu.entries[cpu.open] = now;
      }
      ++cpu.open;
      break;
    case FuncgraphLine::kLeaf:
      e.type = EventType::kFuncLeaf;
      e.name = funcgraph_entry_name_;
      e.function = pool_.intern(fg.function);
      cpu.clock = std::max(cpu.clock, now + duration);
      break;
    case FuncgraphLine::kReturn: {
      e.type = EventType::kFuncReturn;
      e.name = funcgraph_exit_name_;
      if (!fg.function.empty()) e.function = pool_.intern(fg.function);
      if (cpu.open > 0) {
        --cpu.open;
        // Without printed times a return is at its entry plus its duration.
        if (printed < 0 && cpu.open < cpu.entries.size()) e.ts = std::max(now, cpu.entries[cpu.open] + duration);
      }
      cpu.clock = std::max(cpu.clock, e.ts);
      break;
    }
    default: {  // kComment: "sched_switch: prev_comm=..." or a trace_printk text
      std::string_view name = fg.comment, payload = fg.comment;
      const size_t colon = fg.comment.find(": ");
      const bool named = colon != std::string_view::npos && colon > 0 &&
                         fg.comment.substr(0, colon).find_first_of(" (=") == std::string_view::npos;
      if (named) {
        name = fg.comment.substr(0, colon);
        payload = trim_blanks(fg.comment.substr(colon + 2));
        e.name = intern_event_name(name, &e.type);
      } else {
        e.name = print_name_;
      }
      e.number = 0;
      e.payload = payload;
      if (e.type != EventType::kOther && !parse_payload(payload, pool_, &e, &targets_)) {
        const Event header = e;
        e = Event{};
        e.ts = header.ts, e.cpu = header.cpu, e.pid = header.pid, e.comm = header.comm, e.name = header.name;
        e.payload = header.payload;
        ++info_.malformed_payloads;
        report(static_cast<size_t>(payload.data() - line.data()), kBadPayload);
      }
      if (e.type == EventType::kSchedSwitch) {  // the next lines are the next task's
        cpu.pid = e.next.pid;
        cpu.comm = e.next.comm;
      }
      break;
    }
  }
  if (info_.fraction_digits < 0) info_.fraction_digits = 6;
  ++info_.events;
  stack_open_ = false;
  sink_.on_event(e);
  return true;
}

bool FtraceTextParser::read_funcgraph_payload(Event* event) {
  FuncgraphLine fg;
  if (tokenize_funcgraph_call(event->payload, &fg)) return false;
  switch (fg.kind) {
    case FuncgraphLine::kEntry: event->type = EventType::kFuncEntry; break;
    case FuncgraphLine::kLeaf: event->type = EventType::kFuncLeaf; break;
    case FuncgraphLine::kReturn: event->type = EventType::kFuncReturn; break;
    default: return false;
  }
  if (!fg.function.empty()) event->function = pool_.intern(fg.function);
  event->number = fg.duration_ns;
  return true;
}

bool FtraceTextParser::reread_plain(std::string_view line, LineVerdict* verdict, Event* event, FtraceLine* cols,
                                    int* fraction_digits) {
  const uint8_t kinds = plain_spaces(line, &plain_);
  if (!kinds) return false;
  Event plain_event;
  FtraceLine plain_cols;
  int plain_digits = 0;
  const LineVerdict plain = parse_event_line(plain_, &plain_event, &plain_cols, &plain_digits);
  // Kinds are ordered from best to worst; a tie goes to the plain reading,
  // whose columns are not made of blanks, unless neither could be read: the
  // line is then reported as it was.
  if (plain.kind > verdict->kind || plain.kind == LineVerdict::kSkipped) {
    // The plain parse reused targets_: read the line as it was again.
    if (event->cpumask) *verdict = parse_event_line(line, event, cols, fraction_digits);
    return false;
  }
  *verdict = plain;
  *event = plain_event;
  *cols = plain_cols;
  *fraction_digits = plain_digits;
  leading_blanks_ |= kinds;
  return true;
}

FtraceTextParser::LineVerdict FtraceTextParser::parse_event_line(std::string_view line, Event* event, FtraceLine* cols,
                                                                 int* fraction_digits) {
  bool in_usecs = false;
  if (TokenizeError err = tokenize_ftrace_line(line, cols)) {
    // No "[cpu]": the latency format of trace-cmd report -l and dmesg dumps.
    // Its payloads may hold what reads as one (the sched plugin's
    // `bash:26735 [120]`), so any failure is tried as that format; the
    // kernel format's reason stands when no format reads the line. Then the
    // columns of the raw, hex and verbose trace_options.
    if (tokenize_latency_line(line, cols, &in_usecs) && tokenize_option_line(line, cols))
      return {LineVerdict::kSkipped, err.column, err.reason};
  }
  auto ts = cols->timestamp_digits >= 0 && !in_usecs
                ? std::optional<ParsedTimestamp>(ParsedTimestamp{cols->timestamp_ns, cols->timestamp_digits})
                : parse_timestamp(cols->timestamp);
  if (ts && in_usecs) {
    // "12345us": microseconds since the buffer started. A stamp too large to
    // be nanoseconds in int64 is damage (found by fuzz_dmesg_dump: signed
    // overflow, regressions/dmesg_dump/usecs_stamp_overflows_ns).
    if (ts->ns > std::numeric_limits<int64_t>::max() / 1000) {
      ts.reset();
    } else {
      ts->ns *= 1000;
      ts->fraction_digits = 6;
    }
  }
  if (!ts)
    return {LineVerdict::kSkipped, static_cast<size_t>(cols->timestamp.data() - line.data()),
            "timestamp is not seconds[.fraction]"};
  *fraction_digits = ts->fraction_digits;

  event->ts = ts->ns;
  event->cpu = cols->cpu;
  event->pid = cols->pid;
  event->tgid = cols->tgid;
  event->comm = pool_.intern(cols->comm);
  event->irq_flags = cols->kernel_flag_bits >= 0 ? Event::irq_flags_from_kernel_bits(static_cast<unsigned>(cols->kernel_flag_bits))
                                                  : decode_irq_flags(cols->irq_flags);
  event->payload = cols->payload;
  if (cols->uninterpreted) {
    event->type = EventType::kUninterpreted;
    return {LineVerdict::kEvent, 0, ""};
  }
  event->name = intern_event_name(cols->event_name, &event->type);
  if (event->type == EventType::kOther) {
    // The stack tracer's head line ("<stack trace>", "<user stack trace>")
    // has no event name; the frames follow on their own lines.
    if (!cols->payload.empty() && cols->payload[0] == '<' && cols->payload.ends_with("stack trace>")) {
      event->type = EventType::kStackTrace;
      event->number = cols->payload.starts_with("<user") ? 1 : 0;
    }
    // The wakeup tracers' own switch and wakeup entries, "0:120:R ==> ...":
    // the tokenizer took the pid before the first ':' for an event name.
    const std::string_view name = cols->event_name;
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos && !cols->payload.empty()) {
      const std::string_view entry(name.data(),
                                   static_cast<size_t>(cols->payload.data() + cols->payload.size() - name.data()));
      if (parse_ctx_wake_entry(entry, pool_, event))
        event->name = pool_.intern(event->type == EventType::kSchedSwitch ? "sched_switch" : "sched_wakeup");
    }
    return {LineVerdict::kEvent, 0, ""};
  }
  const bool read = event->type == EventType::kFuncEntry || event->type == EventType::kFuncReturn
                        ? read_funcgraph_payload(event)
                        : parse_payload(cols->payload, pool_, event, &targets_);
  if (!read) {
    // Keep the header; typed fields of a half-parsed payload would mislead.
    Event header_only;
    header_only.ts = event->ts;
    header_only.cpu = event->cpu;
    header_only.pid = event->pid;
    header_only.tgid = event->tgid;
    header_only.comm = event->comm;
    header_only.name = event->name;
    header_only.irq_flags = event->irq_flags;
    header_only.payload = event->payload;
    *event = header_only;
    return {LineVerdict::kBadPayload, static_cast<size_t>(cols->payload.data() - line.data()), kBadPayload};
  }
  return {LineVerdict::kEvent, 0, ""};
}

bool FtraceTextParser::lines_independent() const {
  // function_graph lines lean on the lines before them (the task, the
  // times of open calls): one parser reads them in order.
  return (mode_ == Mode::kKernel || mode_ == Mode::kReport) && info_.fraction_digits >= 0 && !in_long_line_ &&
         !funcgraph_lines_;
}

std::string FtraceTextParser::take_partial_line() {
  std::string line = std::move(carry_);
  carry_.clear();
  return line;
}

LoneLine FtraceTextParser::parse_lone_line(std::string_view line, Event* event) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t first = first_non_blank(line);
  // Blank, header and marker lines, the headers of trace-cmd report text,
  // and stack frames (` => func`, which belong to the event before them and
  // may hold what reads as an event line when a dump ran lines together)
  // change the counts or the recording's facts: the counting parser reads
  // them in order, as handle_line() does.
  if (first == std::string_view::npos || line[first] == '#' || line[first] == '>' || line.substr(first).starts_with("CPU:") ||
      line.substr(first).starts_with("=>") ||
      (mode_ == Mode::kReport ? is_report_header(line) : line.starts_with("TRACE:")))
    return {LoneLine::kDefer, 0};
  // An instance's line is counted as such: in order, by the counting parser.
  if (std::string_view name, rest; mode_ == Mode::kReport && split_report_instance(line, &name, &rest))
    return {LoneLine::kDefer, 0};
  // A line holding a byte >= 0x80 or a tab may be read again in its plain
  // copy by handle_line() (Unicode blanks and tabs taken as spaces), which
  // names other strings than this parse would: such lines are left to the
  // counting parser before they are parsed here. fuzz_kernel_text and
  // fuzz_report_text found two such divergences (a tab in a bad payload,
  // high bytes in a latency flags column); real traces are ASCII, so this
  // costs a byte test per byte and defers nothing on them.
  if (has_high_or_tab(line)) return {LoneLine::kDefer, 0};
  // This parser's pool only maps names to the trace's: past this many, the
  // counting parser names them itself, so that a trace of millions of
  // distinct names costs one pool, not one per thread.
  if (pool_.size() >= kMaxLoneParseStrings) return {LoneLine::kDefer, 0};
  FtraceLine cols;
  int fraction_digits = 0;
  const LineVerdict verdict = parse_event_line(line, event, &cols, &fraction_digits);
  // A line pasted from a web page is read again in the counting parser:
  // its plain copy lives in that parser, valid while the sink has it.
  switch (verdict.kind) {
    case LineVerdict::kEvent:
      if (looks_pasted(cols) || is_clock_sync(cols)) break;  // the clock sync is counted in order
      return {LoneLine::kEvent, 0};
    case LineVerdict::kBadPayload:
      if (find_pasted_blank(line).kind || is_clock_sync(cols)) break;
      return {LoneLine::kBadPayload, static_cast<uint32_t>(verdict.column)};
    case LineVerdict::kSkipped: break;
  }
  return {LoneLine::kDefer, 0};
}

void FtraceTextParser::take_lone_event(const Event& event, LoneLine how) {
  if (latency_pending_) hand_on_latency_max();
  ++info_.lines;
  if (event.tgid >= 0) info_.has_tgid = true;
  if (how.kind == LoneLine::kBadPayload) {
    ++info_.malformed_payloads;
    report(how.column, kBadPayload);
  }
  // A written-text event deferred before this one (a print holding a tab)
  // is ended by this event, as in handle_trace_line().
  note_text_write(event);
  ++info_.events;
  if (event.type == EventType::kUninterpreted) ++info_.uninterpreted_payloads;
  note_stack_head(event);
  sink_.on_event(event);
}

}  // namespace ftlens
