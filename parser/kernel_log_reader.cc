#include "parser/kernel_log_reader.h"

#include <cstring>  // memchr

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64
#endif

#include "parser/ftrace_line.h"
#include "parser/line_tokenizer.h"
#include "parser/pasted_text.h"
#include "parser/text_trace_parser.h"

namespace ftlens {

namespace {

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

constexpr TimeNs kSecond = 1'000'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Reads 1..max_digits digits at `*at` into `*value`.
bool read_uint(std::string_view s, size_t* at, int64_t* value, size_t max_digits = 18) {
  size_t i = *at;
  int64_t v = 0;
  while (i < s.size() && is_digit(s[i]) && i - *at < max_digits) v = v * 10 + (s[i++] - '0');
  if (i == *at || (i < s.size() && is_digit(s[i]))) return false;
  *at = i;
  *value = v;
  return true;
}

size_t skip_spaces(std::string_view s, size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

// "254.202183" at `*at`: seconds and 3..9 fraction digits, as ns.
bool read_seconds(std::string_view s, size_t* at, TimeNs* ns) {
  size_t i = *at;
  int64_t secs = 0, frac = 0;
  if (!read_uint(s, &i, &secs, 12) || i >= s.size() || s[i] != '.') return false;
  size_t f = ++i;
  if (!read_uint(s, &i, &frac, 9) || i - f < 3) return false;
  for (size_t d = i - f; d < 9; ++d) frac *= 10;
  *ns = secs * kSecond + frac;
  *at = i;
  return true;
}

int month_of(std::string_view s, size_t at) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (at + 3 > s.size()) return -1;
  for (int m = 0; m < 12; ++m)
    if (s.substr(at, 3) == kMonths[m]) return m;
  return -1;
}

// ns since January 1st of a non-leap year: only differences matter.
TimeNs wall_clock_ns(int month, int64_t day, int64_t h, int64_t m, int64_t s, TimeNs frac_ns) {
  static constexpr int kDaysBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const int64_t days = kDaysBefore[month] + day - 1;
  return (((days * 24 + h) * 60 + m) * 60 + s) * kSecond + frac_ns;
}

// "13:26:44" or "13:26:44.379" at `*at`.
// `*digits` is how many fraction digits it had.
bool read_clock(std::string_view s, size_t* at, int64_t* h, int64_t* m, int64_t* sec, TimeNs* frac_ns,
                int* digits) {
  size_t i = *at;
  *digits = 0;
  if (!read_uint(s, &i, h, 2) || i >= s.size() || s[i++] != ':' || !read_uint(s, &i, m, 2) || i >= s.size() ||
      s[i++] != ':' || !read_uint(s, &i, sec, 2))
    return false;
  *frac_ns = 0;
  if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    size_t f = ++i;
    int64_t frac = 0;
    if (!read_uint(s, &i, &frac, 9)) return false;
    for (size_t d = i - f; d < 9; ++d) frac *= 10;
    *frac_ns = frac;
    *digits = static_cast<int>(i - f);
  }
  *at = i;
  return true;
}

// "host kernel: " (syslog, journalctl): a host word, then "kernel:" and a
// space. rsyslog writes no host word when the sender gave none ("kernel: ").
bool skip_host_kernel(std::string_view s, size_t* at) {
  size_t i = *at;
  if (s.substr(i).starts_with("kernel:")) {
    *at = skip_spaces(s, i + 7);
    return true;
  }
  size_t host_end = s.find(' ', i);
  if (host_end == std::string_view::npos || host_end == i || host_end - i > 64) return false;
  std::string_view rest = s.substr(host_end + 1);
  if (!rest.starts_with("kernel:")) return false;
  *at = skip_spaces(s, host_end + 1 + 7);
  return true;
}

// A /dev/kmsg record, "PRIORITY,SEQ,TIMESTAMP_US,FLAGS[,caller=..];message"
// (Documentation/ABI/testing/dev-kmsg), at `i`: `at` is its monotonic time.
// Fields after the flags are the kernel's to add, so they are skipped to ';'.
bool parse_kmsg_record(std::string_view s, size_t i, LogPrefix* p) {
  size_t k = i;
  int64_t priority = 0, seq = 0, usecs = 0;
  if (!read_uint(s, &k, &priority, 4) || k >= s.size() || s[k++] != ',') return false;
  if (!read_uint(s, &k, &seq, 18) || k >= s.size() || s[k++] != ',') return false;
  if (!read_uint(s, &k, &usecs, 15) || k >= s.size() || s[k++] != ',') return false;
  // The flags: '-' for a whole record, 'c'/'+' for the old continuation marks.
  if (k >= s.size() || (s[k] != '-' && s[k] != 'c' && s[k] != '+')) return false;
  const size_t semicolon = s.find(';', k);
  if (semicolon == std::string_view::npos || semicolon - k > 64) return false;
  p->at = usecs * 1000;
  p->length = semicolon + 1;
  return true;
}

// The printk stamp and what vendors add right after it, from a '[' at `i`.
bool parse_printk_stamp(std::string_view s, size_t i, LogPrefix* p) {
  if (i >= s.size() || s[i] != '[') return false;
  size_t j = skip_spaces(s, i + 1);
  if (j + 1 < s.size() && s[j] == '+' && is_digit(s[j + 1])) {
    // dmesg -H (--human): "[  +0.000005]", the time since the record before.
    ++j;
    if (!read_seconds(s, &j, &p->at) || j >= s.size() || s[j] != ']') return false;
    p->relative = true;
    ++j;
  } else if (int hmonth = month_of(s, j); hmonth >= 0 && j + 4 < s.size() && s[j + 3] == ' ') {
    // dmesg -H: "[Mar 8 17:07]" (the minute, when it changes) or with
    // seconds, "[Mar 8 17:07:12]"; -H prints no year and no weekday.
    size_t k = skip_spaces(s, j + 4);
    int64_t day = 0, h = 0, m = 0, sec = 0;
    if (!read_uint(s, &k, &day, 2) || day < 1 || day > 31) return false;
    k = skip_spaces(s, k);
    if (!read_uint(s, &k, &h, 2) || k >= s.size() || s[k++] != ':' || !read_uint(s, &k, &m, 2)) return false;
    if (k < s.size() && s[k] == ':' && (++k, !read_uint(s, &k, &sec, 2))) return false;
    if (k >= s.size() || s[k] != ']' || h > 23 || m > 59 || sec > 60) return false;
    p->at = wall_clock_ns(hmonth, day, h, m, sec, 0);
    p->clock = LogClock::kWallClock;
    j = k + 1;
  } else if (j < s.size() && is_digit(s[j])) {
    if (!read_seconds(s, &j, &p->at)) return false;
    // Qualcomm: "[73669.590105 / 12-01 13:26:44.379][0]".
    if (j + 2 < s.size() && s[j] == ' ' && s[j + 1] == '/') {
      size_t close = s.find(']', j);
      if (close == std::string_view::npos || close - j > 40) return false;
      j = close;
    }
    if (j >= s.size() || s[j] != ']') return false;
    ++j;
    if (j + 2 < s.size() && s[j] == '[' && is_digit(s[j + 1])) {
      size_t k = j + 1;
      int64_t cpu = 0;
      if (read_uint(s, &k, &cpu, 4) && k < s.size() && s[k] == ']') {
        p->cpu = static_cast<int32_t>(cpu);
        j = k + 1;
      }
    }
  } else if (j < s.size() && is_alpha(s[j])) {
    // dmesg -T: "[Tue Dec  1 13:26:44 2026]".
    if (j + 4 >= s.size() || s[j + 3] != ' ') return false;
    int month = month_of(s, j + 4);
    size_t k = skip_spaces(s, j + 7);
    int64_t day = 0, h = 0, m = 0, sec = 0, year = 0;
    TimeNs frac = 0;
    int digits = 0;
    if (month < 0 || !read_uint(s, &k, &day, 2) || day < 1 || day > 31) return false;
    k = skip_spaces(s, k);
    if (!read_clock(s, &k, &h, &m, &sec, &frac, &digits)) return false;
    k = skip_spaces(s, k);
    if (!read_uint(s, &k, &year, 4) || k >= s.size() || s[k] != ']') return false;
    p->at = wall_clock_ns(month, day, h, m, sec, frac);
    p->clock = LogClock::kWallClock;
    p->fraction_digits = static_cast<int8_t>(digits);
    j = k + 1;
  } else {
    return false;
  }
  if (j < s.size() && s[j] == ' ') ++j;
  // MediaTek: "(4)[10711:kworker/4:3]".
  if (j + 4 < s.size() && s[j] == '(' && is_digit(s[j + 1])) {
    size_t k = j + 1;
    int64_t cpu = 0, pid = 0;
    if (read_uint(s, &k, &cpu, 4) && k + 1 < s.size() && s[k] == ')' && s[k + 1] == '[') {
      size_t m = k + 2;
      size_t close = s.find(']', m);
      if (read_uint(s, &m, &pid, 9) && m < s.size() && s[m] == ':' && close != std::string_view::npos && close - m < 40) {
        p->cpu = static_cast<int32_t>(cpu);
        p->pid = static_cast<int32_t>(pid);
        p->comm = s.substr(m + 1, close - m - 1);
        j = close + 1;
        if (j < s.size() && s[j] == ' ') ++j;
      }
    }
  }
  // Caller id: "[    T1] " (task) or "[  C3] " (CPU, in interrupt context).
  if (j + 3 < s.size() && s[j] == '[') {
    size_t k = skip_spaces(s, j + 1);
    if (k < s.size() && (s[k] == 'T' || s[k] == 'C')) {
      const char kind = s[k++];
      int64_t id = 0;
      if (read_uint(s, &k, &id, 9) && k < s.size() && s[k] == ']') {
        if (kind == 'C') p->cpu = static_cast<int32_t>(id);
        else p->pid = static_cast<int32_t>(id);
        j = k + 1;
        if (j < s.size() && s[j] == ' ') ++j;
      }
    }
  }
  // journalctl -o short-monotonic: "[  254.202183] host kernel: ".
  skip_host_kernel(s, &j);
  p->length = j;
  return true;
}

// What follows a syslog time ("Dec 01 13:26:44 ", "2026-12-01T13:26:44Z "),
// from `k`: "host kernel: " and maybe a printk stamp, whose time is then the
// record's; or "host " and a /dev/kmsg record (syslog-ng and rsyslog's imuxsock
// pass on what reads /dev/kmsg raw). `wall` is the syslog time.
bool parse_after_syslog_time(std::string_view s, size_t k, TimeNs wall, int digits, LogPrefix* p) {
  LogPrefix inner;
  if (skip_host_kernel(s, &k)) {
    if (parse_printk_stamp(s, k, &inner)) {
      *p = inner;
      return true;
    }
    p->at = wall;
    p->clock = LogClock::kWallClock;
    p->fraction_digits = static_cast<int8_t>(digits);
    p->length = k;
    return true;
  }
  const size_t host_end = s.find(' ', k);
  if (host_end == std::string_view::npos || host_end == k || host_end - k > 64) return false;
  if (!parse_kmsg_record(s, host_end + 1, &inner)) return false;
  *p = inner;
  return true;
}

// A prefix from `i` on, no blog line number.
bool parse_prefix_at(std::string_view s, size_t i, LogPrefix* p) {
  if (i >= s.size()) return false;
  // syslogd's console broadcast of an emergency record: "Message from
  // syslogd@host at Jun 17 13:06:42 ..." on a line of its own, then
  // " kernel:[405108.698255] watchdog: BUG: ...".
  if (s.substr(i).starts_with("kernel:")) {
    if (!parse_printk_stamp(s, skip_spaces(s, i + 7), p)) return false;
    return true;
  }
  if (s[i] == '<') {  // syslog level: "<4>[  254.202183]"
    size_t k = i + 1;
    int64_t level = 0;
    if (!read_uint(s, &k, &level, 3) || k >= s.size() || s[k] != '>') return false;
    return parse_printk_stamp(s, k + 1, p);
  }
  if (s[i] == '[') return parse_printk_stamp(s, i, p);
  if (is_digit(s[i])) {
    // cat /dev/kmsg: "6,16628,40311381019,-,caller=C0;Showing busy workqueues".
    if (parse_kmsg_record(s, i, p)) return true;
    // A paste that lost the '[': "360.462046] watchdog: ...".
    size_t k = i;
    TimeNs at = 0;
    if (read_seconds(s, &k, &at) && k < s.size() && s[k] == ']') {
      p->at = at;
      size_t j = k + 1;
      if (j < s.size() && s[j] == ' ') ++j;
      p->length = j;
      return true;
    }
    // logcat: "12-01 13:26:44.379     0     0 E kernel  : ".
    int64_t month = 0, day = 0, h = 0, m = 0, sec = 0, pid = 0, tid = 0;
    TimeNs frac = 0;
    int digits = 0;
    k = i;
    if (read_uint(s, &k, &month, 2) && k < s.size() && s[k] == '-' && (++k, read_uint(s, &k, &day, 2)) &&
        k < s.size() && s[k] == ' ' && month >= 1 && month <= 12 && day >= 1 && day <= 31) {
      k = skip_spaces(s, k);
      if (!read_clock(s, &k, &h, &m, &sec, &frac, &digits)) return false;
      k = skip_spaces(s, k);
      if (!read_uint(s, &k, &pid, 9)) return false;
      k = skip_spaces(s, k);
      if (!read_uint(s, &k, &tid, 9)) return false;
      k = skip_spaces(s, k);
      if (k + 2 >= s.size() || !is_alpha(s[k]) || s[k + 1] != ' ') return false;
      size_t colon = s.find(':', k + 2);
      if (colon == std::string_view::npos || colon - k > 40) return false;
      std::string_view tag = trim(s.substr(k + 2, colon - k - 2));
      // Vendors' logcat tags the kernel's records "kernel" or "Kernel".
      if (tag != "kernel" && tag != "Kernel" && !tag.empty()) return false;
      p->at = wall_clock_ns(static_cast<int>(month - 1), day, h, m, sec, frac);
      p->clock = LogClock::kWallClock;
      p->fraction_digits = static_cast<int8_t>(digits);
      size_t j = skip_spaces(s, colon + 1);
      LogPrefix inner;
      if (parse_printk_stamp(s, j, &inner)) {
        inner.at = inner.at >= 0 ? inner.at : p->at;
        *p = inner;
        return true;
      }
      p->length = j;
      return true;
    }
    // syslog with an ISO time: "2026-12-01T13:26:44.123456+00:00 host kernel: ".
    int64_t year = 0;
    k = i;
    if (read_uint(s, &k, &year, 4) && k + 6 < s.size() && s[k] == '-' && (++k, read_uint(s, &k, &month, 2)) &&
        k < s.size() && s[k] == '-' && (++k, read_uint(s, &k, &day, 2)) && k < s.size() && s[k] == 'T' &&
        month >= 1 && month <= 12 && day >= 1 && day <= 31) {
      ++k;
      if (!read_clock(s, &k, &h, &m, &sec, &frac, &digits)) return false;
      while (k < s.size() && s[k] != ' ') ++k;  // the zone
      k = skip_spaces(s, k);
      return parse_after_syslog_time(s, k, wall_clock_ns(static_cast<int>(month - 1), day, h, m, sec, frac), digits, p);
    }
    return false;
  }
  // syslog / journalctl -k: "Dec 01 13:26:44 host kernel: " (maybe "[ secs]" after).
  if (int month = month_of(s, i); month >= 0 && i + 4 < s.size() && s[i + 3] == ' ') {
    size_t k = skip_spaces(s, i + 4);
    int64_t day = 0, h = 0, m = 0, sec = 0;
    TimeNs frac = 0;
    int digits = 0;
    if (!read_uint(s, &k, &day, 2) || day < 1 || day > 31) return false;
    k = skip_spaces(s, k);
    if (!read_clock(s, &k, &h, &m, &sec, &frac, &digits)) return false;
    k = skip_spaces(s, k);
    return parse_after_syslog_time(s, k, wall_clock_ns(month, day, h, m, sec, frac), digits, p);
  }
  return false;
}

}  // namespace

bool parse_log_prefix(std::string_view text, LogPrefix* prefix) {
  size_t i = 0;
  // A paste indented as a code block (4 spaces) or aligned under a heading
  // (18 and more); ftrace lines with blanks before them read on as no prefix.
  while (i < text.size() && i < 64 && (text[i] == ' ' || text[i] == '\t')) ++i;
  // A serial console capture may start a line with terminal colour codes ("\x1b[0m").
  while (i + 2 < text.size() && text[i] == '\x1b' && text[i + 1] == '[') {
    size_t k = i + 2;
    while (k < text.size() && k - i < 12 && !is_alpha(text[k])) ++k;
    if (k >= text.size() || !is_alpha(text[k])) break;
    i = k + 1;
  }
  LogPrefix p;
  // A blog's line number: "12 [73669.590105 / ...".
  if (i < text.size() && is_digit(text[i])) {
    size_t k = i;
    int64_t number = 0;
    if (read_uint(text, &k, &number, 6) && k < text.size() && (text[k] == ' ' || text[k] == '\t')) {
      while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) ++k;
      if (k < text.size() && (text[k] == '[' || text[k] == '<') && parse_prefix_at(text, k, &p)) {
        *prefix = p;
        return true;
      }
      p = LogPrefix{};
    }
  }
  if (!parse_prefix_at(text, i, &p)) return false;
  *prefix = p;
  return true;
}

size_t find_next_record(std::string_view text, size_t from) {
  while (from < text.size()) {
    const void* hit = std::memchr(text.data() + from, '[', text.size() - from);
    if (!hit) return std::string_view::npos;
    size_t at = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    size_t j = skip_spaces(text, at + 1);
    TimeNs ns = 0;
    if (j < text.size() && is_digit(text[j]) && read_seconds(text, &j, &ns) && j - at >= 8 && j < text.size() &&
        (text[j] == ']' || (text[j] == ' ' && j + 1 < text.size() && text[j + 1] == '/'))) {
      // "<4>[" belongs to the record.
      if (at >= 3 && text[at - 1] == '>' && is_digit(text[at - 2]) && text[at - 3] == '<') return at - 3;
      return at;
    }
    from = at + 1;
  }
  return std::string_view::npos;
}

namespace {

// Where a line quoted in an email reply ("> [  12.3] ...") starts without
// its quote marks; 0 when it has none.
size_t unquoted_start(std::string_view line) {
  // "| " in the first column quotes a log in some mail and patch notes. Not
  // after blanks (a function_graph line without its CPU column starts
  // "   |  func() {"), and not on a table row, which ends in '|' too.
  if (line.starts_with("| ")) {
    const size_t last = line.find_last_not_of(" \t");  // the '|' at least
    if (last != 0 && line[last] != '|') return line.find_first_not_of(" \t", 1);  // text follows: never npos
  }
  if (line == "|") return 1;
  const size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] != '>') return 0;
  const size_t after = after_quote_marks(line, first);
  return after == first ? 0 : after;
}

// Lines only a kernel report prints: a log pasted without its prefixes (a
// console that prints no time, an excerpt cut out of a web page) is still a
// kernel log when it holds one of these.
bool is_report_line(std::string_view line) {
  static constexpr std::string_view kMarks[] = {
      "BUG: soft lockup",        "Watchdog detected hard LOCKUP", "Watchdog detected hard lockup",
      "BUG: workqueue lockup",   "non-responsive CSD lock",       "self-detected stall on CPU",
      "detected stalls on CPU",  "kernel BUG at ",                "BUG: unable to handle",
      "Kernel panic - not syncing", "Internal error: Oops",       "Unable to handle kernel ",
  };
  for (std::string_view mark : kMarks)
    if (line.find(mark) != std::string_view::npos) return true;
  const std::string_view t = trim(line);
  if (t.starts_with("Call Trace:") || t.starts_with("Call trace:") || t.starts_with("Oops: ")) return true;
  // "INFO: task kworker/u8:0:5 blocked for more than 120 seconds."
  const size_t task = line.find("INFO: task ");
  return task != std::string_view::npos && line.find(" blocked for more than ", task) != std::string_view::npos;
}

}  // namespace

bool looks_like_kernel_log(std::string_view head) {
  if (head.starts_with("cpus=") || head.starts_with("version = ") || head.starts_with("<!DOCTYPE") ||
      head.starts_with("<html") || head.starts_with("# tracer:"))
    return false;
  int stamped = 0, reports = 0, ftrace = 0;
  size_t start = 0;
  while (start < head.size()) {
    size_t end = head.find('\n', start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    start = end + 1;
    line.remove_prefix(unquoted_start(line));
    if (line.starts_with("# tracer:")) return false;
    LogPrefix p;
    if (parse_log_prefix(line, &p)) {
      ++stamped;
      continue;
    }
    FtraceLine cols;
    bool usecs = false;
    if (!line.empty() && line[0] != '#' && (!tokenize_ftrace_line(line, &cols) || !tokenize_latency_line(line, &cols, &usecs)))
      ++ftrace;
    else if (is_report_line(line))
      ++reports;
  }
  // Report lines without prefixes count only where no line reads as ftrace:
  // a trace's own text may quote a panic.
  if (stamped == 0) return reports > 0 && ftrace == 0;
  return stamped > ftrace;
}

namespace {

// Issues of the dump parser carry its own line numbers; the log's are wanted.
class DumpLineSink final : public EventSink {
 public:
  DumpLineSink(EventSink& next, const KernelLogInfo& log, const std::unique_ptr<FtraceTextParser>& dump)
      : next_(next), log_(log), dump_(dump) {}
  void on_event(const Event& e) override { next_.on_event(e); }
  void on_malformed(const ParseIssue& issue) override {
    ParseIssue moved = issue;
    moved.line = issue.line + log_.lines - dump_->info().lines;
    next_.on_malformed(moved);
  }
  void on_log_line(uint64_t, TimeNs, std::string_view) override {}

 private:
  EventSink& next_;
  const KernelLogInfo& log_;
  const std::unique_ptr<FtraceTextParser>& dump_;
};

// A line of ftrace_dump's: the latency format ("rcu_tort-75  0dNh3.
// 10612062717us : sched_wakeup: ..."), or a loss marker ("CPU:0 [LOST 41556131
// EVENTS]"). No other kernel message has that shape.
bool looks_like_dump_line(std::string_view text) {
  const size_t first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return false;
  text.remove_prefix(first);
  if (text.starts_with("CPU:") && text.find("[LOST ") != std::string_view::npos) return true;
  FtraceLine cols;
  bool in_usecs = false;
  return !tokenize_latency_line(text, &cols, &in_usecs);
}

}  // namespace

KernelLogReader::KernelLogReader(StringPool& pool, EventSink& events, LogRecordSink& records)
    : pool_(pool), events_(events), records_(records) {}

KernelLogReader::~KernelLogReader() = default;

void KernelLogReader::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
    const size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - chunk.data()) : chunk.size();
    std::string_view piece = chunk.substr(0, len);
    chunk.remove_prefix(nl ? len + 1 : len);
    if (in_long_line_) {
      if (nl) in_long_line_ = false;
      continue;
    }
    if (carry_.size() + piece.size() > kMaxLineBytes) {
      // Counted once, none of it kept.
      ++info_.lines;
      ++info_.long_lines;
      carry_.clear();
      in_long_line_ = nl == nullptr;
      continue;
    }
    if (!nl) {
      carry_.append(piece);
      return;
    }
    if (!carry_.empty()) {
      carry_.append(piece);
      handle_line(carry_);
      carry_.clear();
    } else {
      handle_line(piece);
    }
  }
}

void KernelLogReader::finish() {
  if (!carry_.empty()) {
    handle_line(carry_);
    carry_.clear();
  }
  in_long_line_ = false;
  if (dump_) dump_->finish();
}

void KernelLogReader::handle_line(std::string_view line) {
  ++info_.lines;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Mostly control bytes: a zero-filled or damaged stretch of a capture.
  size_t control = 0, multibyte = 0, i = 0;
#if defined(__SSE2__)
  // Control bytes are counted in byte lanes (a match subtracts -1), summed
  // every 255 blocks before a lane can overflow: no popcount instruction needed.
  const __m128i space = _mm_set1_epi8(0x20), tab = _mm_set1_epi8('\t'), zero = _mm_setzero_si128();
  __m128i lanes = zero, high = zero;
  auto flush = [&] {
    const __m128i sums = _mm_sad_epu8(lanes, zero);
    control += static_cast<size_t>(_mm_cvtsi128_si32(sums)) + static_cast<size_t>(_mm_extract_epi16(sums, 4));
    lanes = zero;
  };
  for (unsigned blocks = 0; i + 16 <= line.size(); i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + i));
    // Signed: bytes of 0x80 and up are "below a space" too; cmpgt(0, b) takes them out.
    const __m128i is_high = _mm_cmplt_epi8(bytes, zero);
    const __m128i is_control =
        _mm_andnot_si128(_mm_or_si128(is_high, _mm_cmpeq_epi8(bytes, tab)), _mm_cmplt_epi8(bytes, space));
    lanes = _mm_sub_epi8(lanes, is_control);
    high = _mm_or_si128(high, is_high);
    if (++blocks == 255) {
      flush();
      blocks = 0;
    }
  }
  flush();
  multibyte = static_cast<size_t>(_mm_movemask_epi8(high));
#endif
  const auto* bytes = reinterpret_cast<const unsigned char*>(line.data());
  for (; i < line.size(); ++i) {
    control += (bytes[i] < 0x20) & (bytes[i] != '\t');
    multibyte |= bytes[i] >= 0x80;
  }
  if (control > 0 && control * 10 >= line.size()) {
    ++info_.binary_lines;
    return;
  }
  if (multibyte) line = normalize_spaces(line);
  if (const size_t after = unquoted_start(line)) {
    ++info_.quoted_lines;
    line.remove_prefix(after);
  }
  LogPrefix prefix;
  if (!parse_log_prefix(line, &prefix)) {
    if (trim(line).empty()) {
      ++info_.blank_lines;
      return;
    }
    // Text before a record on the same line ("linux-fATqUY login: [ 254.2] ...").
    size_t next = find_next_record(line);
    if (next != std::string_view::npos && parse_log_prefix(line.substr(next), &prefix)) {
      std::string_view before = trim(line.substr(0, next));
      LogRecord record{info_.lines, -1, -1, -1, {}, before, false};
      if (!before.empty()) records_.on_log_record(record);
      ++info_.joined_records;
      line.remove_prefix(next);
    } else {
      ++info_.unstamped_lines;
      if (dump_state_ == 2 && handle_dump_line(line, line)) return;
      records_.on_log_record(LogRecord{info_.lines, -1, -1, -1, {}, trim(line), false});
      return;
    }
  }
  // One line may hold several records: split at each next prefix.
  bool first = true;
  while (true) {
    std::string_view text = line.substr(prefix.length);
    // From 0: a prefix right after a prefix is a record with no message.
    size_t next = find_next_record(text, 0);
    LogPrefix following;
    while (next != std::string_view::npos && !parse_log_prefix(text.substr(next), &following)) {
      size_t again = find_next_record(text.substr(next));
      next = again == std::string_view::npos ? again : next + again;
    }
    std::string_view message = next == std::string_view::npos ? text : text.substr(0, next);
    if (!first) ++info_.joined_records;
    first = false;
    const std::string_view whole = line.substr(0, prefix.length + message.size());
    if (dump_state_ == 0 && looks_like_dump_line(message)) {
      // A dump's lines without its "Dumping ftrace buffer:" head: a part of
      // one pasted into a mail or a bug. It lasts while its lines do.
      dump_state_ = 2;
      headless_dump_ = true;
      ++info_.dumps;
    }
    if (!(dump_state_ > 0 && handle_dump_line(whole, message))) handle_record(message, prefix);
    if (next == std::string_view::npos) return;
    line = text.substr(next);
    prefix = following;
  }
}

// A log pasted from a web page has U+00A0 (and U+2007, U+202F, U+3000) where
// the kernel printed spaces: they are spaces again, one byte each.
std::string_view KernelLogReader::normalize_spaces(std::string_view line) {
  auto space_at = [&](size_t i) -> size_t {  // bytes of a Unicode space at i, 0 if none
    const auto b = [&](size_t k) { return k < line.size() ? static_cast<unsigned char>(line[k]) : 0; };
    if (b(i) == 0xC2 && b(i + 1) == 0xA0) return 2;
    if (b(i) == 0xE2 && b(i + 1) == 0x80 && (b(i + 2) == 0x87 || b(i + 2) == 0xAF)) return 3;
    if (b(i) == 0xE3 && b(i + 1) == 0x80 && b(i + 2) == 0x80) return 3;
    return 0;
  };
  size_t first = 0;
  while (first < line.size() && space_at(first) == 0) ++first;
  if (first == line.size()) return line;
  ++info_.unicode_space_lines;
  normalized_.assign(line.substr(0, first));
  for (size_t i = first; i < line.size();) {
    if (size_t n = space_at(i)) {
      normalized_.push_back(' ');
      i += n;
    } else {
      normalized_.push_back(line[i++]);
    }
  }
  return normalized_;
}

void KernelLogReader::handle_record(std::string_view text, const LogPrefix& given) {
  ++info_.records;
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  LogPrefix prefix = given;
  if (prefix.relative) {
    prefix.at += relative_base_;
    prefix.clock = info_.clock;
  }
  if (prefix.at >= 0) {
    if (info_.first_at < 0) {
      info_.first_at = prefix.at;
      info_.clock = prefix.clock;
      if (prefix.clock == LogClock::kWallClock) info_.fraction_digits = prefix.fraction_digits;
    }
    info_.last_at = prefix.at;
    relative_base_ = prefix.at;
  }
  std::string_view trimmed = text.substr(std::min(text.size(), text.find_first_not_of(' ')));
  if (trimmed.starts_with("Dumping ftrace buffer:")) {
    dump_state_ = 1;
    ++info_.dumps;
    ++info_.dump_lines;
    return;
  }
  if (trimmed.empty()) {
    ++info_.empty_records;
    return;
  }
  records_.on_log_record(LogRecord{info_.lines, prefix.at, prefix.cpu, prefix.pid, prefix.comm, text, true, prefix.clock});
}

// Inside a dump: its two dashed rules and the trace lines between them go to
// the ftrace parser (in its dmesg mode, prefix and all).
bool KernelLogReader::handle_dump_line(std::string_view line, std::string_view text) {
  std::string_view trimmed = text.substr(std::min(text.size(), text.find_first_not_of(' ')));
  if (trimmed.starts_with("-----")) {
    dump_state_ = dump_state_ == 1 ? 2 : 0;
    ++info_.dump_lines;
    return true;
  }
  if (dump_state_ != 2) return false;
  if (headless_dump_ && !looks_like_dump_line(text)) {
    dump_state_ = 0;  // the log goes on after the part of the dump
    headless_dump_ = false;
    return false;
  }
  if (!dump_) {
    dump_sink_ = std::make_unique<DumpLineSink>(events_, info_, dump_);
    dump_ = std::make_unique<FtraceTextParser>(pool_, *dump_sink_);
    // The first line decides the parser's mode: a console log's.
    dump_->feed("[    0.000000] Dumping ftrace buffer:\n[    0.000000] ---------------------------------\n");
  }
  ++info_.dump_lines;
  dump_line_.assign(line);  // the dump parser wants whole lines
  dump_line_.push_back('\n');
  dump_->feed(dump_line_);
  return true;
}

}  // namespace ftlens
