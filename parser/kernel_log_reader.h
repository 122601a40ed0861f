// Kernel logs as users hold them: dmesg (plain, -T), serial console captures,
// journalctl -k, pstore console-ramoops, Android last_kmsg and logcat -b
// kernel, syslog kern.log, and the same pasted into a blog post (line numbers
// in front, several records run together on one line, prose in between).
//
// The reader streams the text once: it splits it into lines (each capped),
// removes the printk/syslog/vendor prefix of each record, splits a line that
// holds several records at their prefixes, and hands every record on with
// its time, and the CPU and task when the prefix names them. Lines that are
// no log record (prose, a shell prompt) are handed on too, unstamped: a call
// trace pasted without its prefixes is still a call trace.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "parser/event.h"

namespace ftlens {

class EventSink;
class FtraceTextParser;
class StringPool;

// One record of the log, its prefix removed. Views into the reader's buffer,
// valid during the call only.
enum class LogClock : uint8_t;

struct LogRecord {
  uint64_t line = 0;        // 1-based line of the input
  TimeNs at = -1;           // printk time (or wall clock, see LogPrefix), -1 if none
  int32_t cpu = -1;         // from a Qualcomm "[cpu]", MediaTek "(cpu)" or "[C3]" prefix
  int32_t pid = -1;         // from a MediaTek "[pid:comm]" or "[T123]" prefix
  std::string_view comm;    // from a MediaTek "[pid:comm]" prefix
  std::string_view text;    // the message
  bool stamped = false;     // the record had a recognised prefix
  LogClock clock{};         // which clock `at` is on (LogClock::kSeconds, the zero value, unless stamped otherwise)
};

// Which clock a record's time is on: printk's (seconds since boot), or a
// wall clock (dmesg -T, syslog, logcat, RFC3339) read as the time since
// January 1st of a non-leap year, since the year is not always printed.
enum class LogClock : uint8_t { kSeconds, kWallClock };

// What a prefix at the start of a line said. Wall-clock prefixes (dmesg -T,
// syslog, logcat) give `at` as the time since the start of their year (the
// year is not always printed): only differences between records matter.
struct LogPrefix {
  TimeNs at = -1;
  LogClock clock = LogClock::kSeconds;
  int8_t fraction_digits = 6;  // of a wall-clock prefix's seconds (syslog: 0, logcat: 3)
  bool relative = false;  // dmesg -H "[  +0.000005]": `at` is the time since the record before
  int32_t cpu = -1;
  int32_t pid = -1;
  std::string_view comm;
  size_t length = 0;  // bytes of the line the prefix took, with the space after it
};

// Recognises a record prefix at the very start of `text` (leading blanks
// allowed): "[  254.202183] ", "<4>[  254.202183] ", "254.202183] " (a paste
// that lost its '['), "[73669.590105 / 12-01 13:26:44.379][0] ",
// "[ 1573.162047] (4)[10711:kworker/4:3]", "[Tue Dec  1 13:26:44 2026] ",
// "Dec 01 13:26:44 host kernel: ", "12-01 13:26:44.379     0     0 E kernel  : ",
// a blog's line number in front of any of these ("12 [73669.590105 ..."), and
// the caller id newer kernels add ("[    T1] ", "[  C3] ").
bool parse_log_prefix(std::string_view text, LogPrefix* prefix);

// Where in `text` the next record starts ("... #1[ 360.595535] pstate: ..."),
// or npos: a "[ secs.usecs]" stamp (optionally "<N>" before it) at `from`
// or after.
size_t find_next_record(std::string_view text, size_t from = 1);

// True when `head` (the first bytes of an input) reads as a kernel log: at
// least one stamped record line, and more of them than ftrace event lines.
bool looks_like_kernel_log(std::string_view head);

class LogRecordSink {
 public:
  virtual ~LogRecordSink() = default;
  virtual void on_log_record(const LogRecord& record) = 0;
};

struct KernelLogInfo {
  uint64_t lines = 0;
  uint64_t records = 0;          // stamped records (a line can hold several)
  uint64_t joined_records = 0;   // records found inside a line after the first one
  uint64_t unstamped_lines = 0;  // lines with text and no prefix (prose, a pasted trace)
  uint64_t blank_lines = 0;
  uint64_t empty_records = 0;    // a prefix with no message after it
  uint64_t binary_lines = 0;     // lines of mostly control bytes (a damaged capture), skipped
  uint64_t long_lines = 0;       // lines over kMaxLineBytes, skipped
  uint64_t unicode_space_lines = 0;  // lines with U+00A0 and the like where spaces were (a web page)
  uint64_t quoted_lines = 0;     // lines read without an email reply's quote marks ("> ")
  uint64_t dump_lines = 0;       // lines of an ftrace_dump_on_oops dump, given to the ftrace parser
  int dumps = 0;                 // "Dumping ftrace buffer:" blocks
  TimeNs first_at = -1, last_at = -1;
  // The clock of the first timed record, and for a wall clock the fraction
  // digits it printed: how the log's times are printed back.
  LogClock clock = LogClock::kSeconds;
  int fraction_digits = 6;
};

class KernelLogReader {
 public:
  static constexpr size_t kMaxLineBytes = 1 << 20;

  // Records go to `records`. An ftrace_dump_on_oops dump inside the log is
  // parsed as ftrace text: its events go to `events` (strings into `pool`).
  KernelLogReader(StringPool& pool, EventSink& events, LogRecordSink& records);
  ~KernelLogReader();
  KernelLogReader(const KernelLogReader&) = delete;
  KernelLogReader& operator=(const KernelLogReader&) = delete;

  void feed(std::string_view chunk);
  void finish();
  const KernelLogInfo& info() const { return info_; }
  // The ftrace dump parser's counts (events, skipped lines...), when a dump
  // was seen; nullptr otherwise.
  const FtraceTextParser* dump_parser() const { return dump_.get(); }

 private:
  void handle_line(std::string_view line);
  void handle_record(std::string_view text, const LogPrefix& prefix);
  bool handle_dump_line(std::string_view line, std::string_view text);
  std::string_view normalize_spaces(std::string_view line);

  StringPool& pool_;
  EventSink& events_;
  LogRecordSink& records_;
  KernelLogInfo info_;
  std::string carry_;
  std::string dump_line_;
  std::string normalized_;
  bool in_long_line_ = false;
  TimeNs relative_base_ = 0;  // dmesg -H: the time a "[  +0.000005]" is after
  int dump_state_ = 0;  // 0 outside, 1 after "Dumping ftrace buffer:", 2 inside
  bool headless_dump_ = false;  // inside lines of a dump that came without its head
  std::unique_ptr<EventSink> dump_sink_;
  std::unique_ptr<FtraceTextParser> dump_;
};

}  // namespace ftlens
