// Kernel `trace` lines, all shapes the kernel prints:
//
//           <idle>-0       [001] d.h1.  2167.127287: irq_handler_entry: irq=36 name=virtio1-req.0
//   kworker/4:3-10711 [004]  1573.162047: workqueue_execute_start: work struct 0xd8c3cb7c: function addrconf_dad_work
//             bash-1977    (   1977) [000] ...1  1573.162047: sched_waking: comm=... (tgid column)
//             bash-1977    (-------) [000] ...1  1573.162047: ...
//
// Comms may hold spaces, dashes and slashes, so the comm-pid split is made at
// the last '-' before the tgid/cpu columns, and the cpu column is the first
// " [digits]" in the line.
#include "line_tokenizer.h"

#include <charconv>
#include <cstdint>  // from_chars
#include <cstring>   // memcpy

#include "byte_scan.h"
#include "ftrace_line.h"

namespace ftlens {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Pids and CPU numbers, twice per line: a plain digit loop is several times
// cheaper than from_chars here.
bool parse_int(std::string_view s, int32_t* out) {
  const bool negative = !s.empty() && s[0] == '-';
  const size_t first = negative ? 1 : 0;
  if (s.size() == first || s.size() - first > 10) return false;
  uint64_t value = 0;
  for (size_t i = first; i < s.size(); ++i) {
    const auto digit = static_cast<unsigned>(s[i]) - '0';
    if (digit > 9) return false;
    value = value * 10 + digit;
  }
  if (value > (negative ? uint64_t{1} << 31 : uint64_t{INT32_MAX})) return false;
  *out = negative ? static_cast<int32_t>(0 - value) : static_cast<int32_t>(value);
  return true;
}

// Position of '[' of the first " [digits]" group, or npos; `*close` gets
// the position of its ']'.
size_t find_cpu_column(std::string_view line, size_t from, size_t* close) {
  while (from < line.size()) {
    const size_t at = find_byte(line, from, '[');
    if (at == line.size()) return std::string_view::npos;
    size_t i = at + 1;
    while (i < line.size() && is_digit(line[i])) ++i;
    if (at > 0 && line[at - 1] == ' ' && i > at + 1 && i < line.size() && line[i] == ']') {
      *close = i;
      return at;
    }
    from = at + 1;
  }
  return std::string_view::npos;
}

size_t token_end(std::string_view line, size_t i) { return find_byte(line, i, ' '); }

// "comm-pid" (trimmed `head`, a view into `line`): split at the last '-',
// since comms may hold dashes.
TokenizeError split_comm_pid(std::string_view line, std::string_view head, const char* missing, FtraceLine* out) {
  const size_t dash = head.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == head.size()) return {missing, 0};
  const auto at = static_cast<size_t>(head.data() - line.data());
  if (!parse_int(head.substr(dash + 1), &out->pid)) return {"pid after the last '-' is not a number", at + dash + 1};
  out->comm = head.substr(0, dash);
  return {};
}

// "name: payload" from `pos` on. The function tracer prints "func <-parent"
// with no event name; that is kept as event "function" with the whole rest as
// payload.
TokenizeError split_event(std::string_view line, size_t pos, FtraceLine* out) {
  pos = skip_spaces(line, pos);
  // trace-cmd report --ts-diff: the time since the CPU's last event, as
  // "(+76)", between the timestamp and the event name.
  if (pos + 1 < line.size() && line[pos] == '(' && line[pos + 1] == '+') {
    const size_t close = line.find(')', pos);
    if (close != std::string_view::npos) pos = skip_spaces(line, close + 1);
  }
  const size_t name_end = find_either(line, pos, ':', ' ');
  if (name_end < line.size() && line[name_end] == ':') {
    if (name_end == pos) return {"empty event name", pos};
    out->event_name = line.substr(pos, name_end - pos);
    pos = name_end + 1;
  } else {
    out->event_name = "function";
  }
  // The payload starts after one space; trailing blanks are rare.
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  size_t end = line.size();
  while (end > pos && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) --end;
  out->payload = line.substr(pos, end - pos);
  return {};
}

// "comm-pid [cpu]" and "comm-pid (tgid) [cpu]" in any widths.
TokenizeError split_general_head(std::string_view line, size_t first, FtraceLine* out, size_t* close) {
  const size_t bracket = find_cpu_column(line, first, close);
  if (bracket == std::string_view::npos) return {"no [cpu] column", 0, ErrorCode::kNoCpuColumn};
  size_t head_end = bracket;
  while (head_end > first && (line[head_end - 1] == ' ' || line[head_end - 1] == '\t')) --head_end;
  std::string_view head = line.substr(first, head_end - first);
  out->tgid = -1;
  if (!head.empty() && head.back() == ')') {
    size_t open = head.rfind('(');
    if (open == std::string_view::npos) return {"unbalanced ')' in tgid column", first + head.size() - 1};
    std::string_view tgid = trim_blanks(head.substr(open + 1, head.size() - open - 2));
    if (!tgid.empty() && tgid.front() != '-' && !parse_int(tgid, &out->tgid))
      return {"tgid column is not a number", first + open + 1};
    head = trim_blanks(head.substr(0, open));
  }
  if (TokenizeError err = split_comm_pid(line, head, "expected comm-pid before [cpu]", out)) return err;
  if (!parse_int(line.substr(bracket + 1, *close - bracket - 1), &out->cpu)) return {"cpu is not a number", bracket + 1};

  return {};
}

// The kernel prints the head of a line as "%16s-%-7d [%03d]": with a comm of
// up to 15 bytes (TASK_COMM_LEN), a pid under 10^7 and no tgid column, the
// '-' is at 16, the pid in 17-23 and the cpu in 26-28. Checking that shape
// costs a few compares instead of split_general_head's searches for the cpu
// column and the last '-'. Returns false for any other shape, which
// split_general_head then reads; the two agree on every line this accepts.
bool split_kernel_head(std::string_view line, size_t first, FtraceLine* out, size_t* close) {
  using namespace byte_scan_detail;
  if (line.size() < 32 || first >= 16 || line[16] != '-' || line[24] != ' ' || line[25] != '[' || line[29] != ']')
    return false;
  const char* p = line.data();
  // A " [digits]" inside the comm would be the general scan's cpu column.
  // Bytes before `first` are blanks, so both words are searched whole; with
  // no '[' in a word match_bits is 0 (its false bits only follow a true one).
  if (match_bits(load8(p), '[') | match_bits(load8(p + 8), '[')) return false;
  // The pid: 1-7 digits from column 17, then spaces up to the ' ' at 24,
  // read as one word (byte 7 is that space).
  const uint64_t word = load8(p + 17);
  const size_t digits = leading_digits(word);
  if (digits == 0 || !all_spaces_from(word, digits)) return false;
  const auto pid = static_cast<int32_t>(leading_digits_value(word, digits));
  const unsigned c0 = static_cast<unsigned>(line[26]) - '0', c1 = static_cast<unsigned>(line[27]) - '0',
                 c2 = static_cast<unsigned>(line[28]) - '0';
  if (c0 > 9 || c1 > 9 || c2 > 9) return false;
  out->comm = line.substr(first, 16 - first);
  out->pid = pid;
  out->tgid = -1;
  out->cpu = static_cast<int32_t>(c0 * 100 + c1 * 10 + c2);
  *close = 29;
  return true;
}

// "294.604371: " and "2162.317831123: " (1-9 digits of seconds) read while
// they are found: one pass instead of a search for the token's end and a
// second pass by parse_timestamp. `*end` gets what token_end would give (the
// position after ':'), and the value is what parse_timestamp gives for the
// token; any other shape returns false and the general path reads it.
bool read_common_timestamp(std::string_view line, size_t pos, size_t* end, FtraceLine* out) {
  using namespace byte_scan_detail;
  const size_t n = line.size();
  int64_t secs = 0;
  size_t i = pos;
  size_t secs_digits = 8;  // 8: not read as a word
  if (pos + 8 <= n) {       // up to 7 digits of seconds (115 days) in one word
    const uint64_t secs_word = load8(line.data() + pos);
    secs_digits = leading_digits(secs_word);
    if (secs_digits > 0 && secs_digits < 8)
      secs = leading_digits_value(secs_word, secs_digits);
    if (secs_digits < 8) i = pos + secs_digits;
  }
  if (secs_digits == 8)
    for (; i < n && i - pos < 9 && is_digit(line[i]); ++i) secs = secs * 10 + (line[i] - '0');
  if (i == pos || i >= n || line[i] != '.') return false;  // also a tenth digit of seconds
  const size_t frac = i + 1;
  if (frac + 8 > n) return false;
  uint64_t word;
  std::memcpy(&word, line.data() + frac, 8);
  if ((word >> 48) == (uint64_t{' '} << 8 | ':')) {  // 6 digits, then ": "
    const uint64_t digits = word << 16 | 0x3030;        // "00" before them
    if (!is_eight_digits(digits)) return false;
    out->timestamp_ns = secs * 1'000'000'000 + int64_t{eight_digits_value(digits)} * 1000;
    out->timestamp_digits = 6;
    *end = frac + 7;
    return true;
  }
  if (frac + 11 > n || line[frac + 9] != ':' || line[frac + 10] != ' ' || !is_digit(line[frac])) return false;
  std::memcpy(&word, line.data() + frac + 1, 8);  // 9 digits, then ": "
  if (!is_eight_digits(word)) return false;
  out->timestamp_ns = secs * 1'000'000'000 + (line[frac] - '0') * int64_t{100'000'000} + eight_digits_value(word);
  out->timestamp_digits = 9;
  *end = frac + 10;
  return true;
}

}  // namespace

TokenizeError tokenize_ftrace_line(std::string_view line, FtraceLine* out) {
  // One forward pass: this runs once per line of every text trace.
  const size_t first = skip_blanks(line, 0);
  size_t close = 0;
  if (!split_kernel_head(line, first, out, &close))
    if (TokenizeError err = split_general_head(line, first, out, &close)) return err;

  // After "[cpu]": an optional irq-flags token, then "secs.frac:".
  size_t pos = skip_spaces(line, close + 1);
  out->irq_flags = {};
  if (pos == line.size() || !is_digit(line[pos])) {
    // irqs-off is never a digit ('d', 'D', 'X', '.'), so a leading digit means no flags column.
    const size_t flags_end = token_end(line, pos);
    out->irq_flags = line.substr(pos, flags_end - pos);
    pos = skip_spaces(line, flags_end);
  }
  size_t end = 0;
  if (!read_common_timestamp(line, pos, &end, out)) {
    out->timestamp_digits = -1;
    end = token_end(line, pos);
    if (end - pos < 2 || line[end - 1] != ':') return {"expected timestamp followed by ':'", pos};
  }
  out->timestamp = line.substr(pos, end - pos - 1);

  return split_event(line, end, out);
}

// Latency format, as the kernel prints it ("%8.8s-%-7d %3d" + flags, then
// " %4lldus%c: ") and as trace-cmd report -l does (seconds instead of us):
//
//   <idle>-0         0d.h2 116787926us : hrtimer_expire_entry: hrtimer=...
//   record_r-4116    1d..2.  2180.317390: sched_wakeup_new: record_real.sh:4121 [120] CPU:001
//
// The timestamp is found first (a ':' preceded by digits, optionally "us" and
// a mark, themselves preceded by a space), because the comm may hold ':'.
TokenizeError tokenize_latency_line(std::string_view line, FtraceLine* out, bool* in_usecs) {
  size_t from = 0;
  while (from < line.size()) {
    size_t colon = line.find(':', from);
    if (colon == std::string_view::npos) break;
    from = colon + 1;
    size_t ts_end = colon;
    bool usecs = false;
    if (colon >= 3 && line.substr(colon - 3, 2) == "us" && std::string_view(" +!#*@$").find(line[colon - 1]) != std::string_view::npos) {
      ts_end = colon - 3;
      usecs = true;
    }
    size_t ts_start = ts_end;
    while (ts_start > 0 && (is_digit(line[ts_start - 1]) || (!usecs && line[ts_start - 1] == '.'))) --ts_start;
    if (ts_start == ts_end || ts_start == 0 || line[ts_start - 1] != ' ' || !is_digit(line[ts_start])) continue;

    // Before the time: "<cpu><flags>", then "comm-pid".
    size_t tok_end = ts_start;
    while (tok_end > 0 && line[tok_end - 1] == ' ') --tok_end;
    size_t tok_start = tok_end;
    while (tok_start > 0 && line[tok_start - 1] != ' ') --tok_start;
    std::string_view cpu_flags = line.substr(tok_start, tok_end - tok_start);
    size_t digits = 0;
    while (digits < cpu_flags.size() && is_digit(cpu_flags[digits])) ++digits;
    if (digits == 0) return {"expected cpu number before the irq flags", tok_start};
    if (!parse_int(cpu_flags.substr(0, digits), &out->cpu)) return {"cpu is not a number", tok_start};
    out->irq_flags = cpu_flags.substr(digits);

    std::string_view head = trim_blanks(line.substr(0, tok_start));
    if (TokenizeError err = split_comm_pid(line, head, "expected comm-pid before the cpu", out)) return err;
    out->tgid = -1;
    out->timestamp = line.substr(ts_start, ts_end - ts_start);
    out->timestamp_digits = -1;
    *in_usecs = usecs;
    return split_event(line, colon + 1, out);
  }
  return {"no timestamp followed by ':'", 0};
}

namespace {

bool all_hex(std::string_view s) {
  for (char c : s)
    if (!is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) return false;
  return !s.empty();
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c)) return false;
  return !s.empty();
}

// Whole-token integers in base 10 or 16 that fit `*out`.
template <typename Int>
bool parse_base(std::string_view s, int base, Int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc{} && p == s.data() + s.size();
}

// The next blank-separated token from `*pos` on; `*pos` moves past it.
std::string_view next_token(std::string_view line, size_t* pos) {
  const size_t start = skip_blanks(line, *pos);
  size_t end = start;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
  *pos = end;
  return line.substr(start, end - start);
}

// raw and hex: "pid cpu time rest".
TokenizeError tokenize_raw_or_hex(std::string_view line, FtraceLine* out) {
  size_t pos = 0;
  const std::string_view pid = next_token(line, &pos), cpu = next_token(line, &pos), ts = next_token(line, &pos);
  const bool hex = pid.size() == 8 && cpu.size() == 8 && ts.size() == 16 && all_hex(pid) && all_hex(cpu) && all_hex(ts);
  int64_t ns = 0;
  uint32_t pid_bits = 0, cpu_bits = 0;
  if (hex) {
    uint64_t ts_bits = 0;
    if (!parse_base(pid, 16, &pid_bits) || !parse_base(cpu, 16, &cpu_bits) || !parse_base(ts, 16, &ts_bits) ||
        ts_bits > static_cast<uint64_t>(INT64_MAX))
      return {"raw columns out of range", 0};
    ns = static_cast<int64_t>(ts_bits);
    out->pid = static_cast<int32_t>(pid_bits);
    out->cpu = static_cast<int32_t>(cpu_bits);
  } else if (all_digits(pid) && all_digits(cpu) && all_digits(ts)) {
    if (!parse_int(pid, &out->pid) || !parse_int(cpu, &out->cpu) || !parse_base(ts, 10, &ns))
      return {"raw columns out of range", 0};
  } else {
    return {"not pid, cpu and time", 0};
  }
  if (out->pid < 0 || out->cpu < 0) return {"raw columns out of range", 0};
  const size_t rest = skip_blanks(line, pos);
  if (rest == line.size()) return {"no event after pid, cpu and time", rest};
  out->comm = {};
  out->tgid = -1;
  out->irq_flags = {};
  out->timestamp = ts;
  out->timestamp_ns = ns;
  out->timestamp_digits = 9;
  out->event_name = "uninterpreted";
  out->payload = trim_blanks(line.substr(rest));
  out->uninterpreted = true;
  return {};
}

// verbose latency-format, read from its "[hex-usecs] " column outwards:
// the comm before it may hold blanks.
TokenizeError tokenize_verbose_latency(std::string_view line, FtraceLine* out) {
  // The column comes after "%16s %7d %3d %d %08x %08lx ": within the first
  // 96 bytes. Looked for there only, so that a long line of " [" costs no
  // more than a short one.
  const std::string_view head = line.substr(0, 96), near = line.substr(0, 96 + 20);
  size_t open = 0, close = 0;
  for (size_t from = 0;; from = open + 1) {
    open = head.find(" [", from);
    if (open == std::string_view::npos) return {"no [time] column", 0};
    close = near.find("] ", open + 2);  // 8 to 16 hex digits
    if (close != std::string_view::npos && close - open >= 10 && close - open <= 18 &&
        all_hex(line.substr(open + 2, close - open - 2)))
      break;
  }
  uint64_t usecs = 0;
  if (!parse_base(line.substr(open + 2, close - open - 2), 16, &usecs) || usecs > static_cast<uint64_t>(INT64_MAX / 1000))
    return {"[time] column out of range", open + 2};
  const size_t stamp_end = line.find("ms): ", close);
  if (stamp_end == std::string_view::npos) return {"expected \"ms): \" after the [time] column", close + 2};
  // Back from the bracket: index, preempt count, flag bits, cpu, pid.
  std::string_view cols[5];
  size_t end = open;
  for (int i = 4; i >= 0; --i) {
    while (end > 0 && line[end - 1] == ' ') --end;
    size_t start = end;
    while (start > 0 && line[start - 1] != ' ') --start;
    cols[i] = line.substr(start, end - start);
    end = start;
  }
  unsigned flag_bits = 0;
  if (!parse_int(cols[0], &out->pid) || !parse_int(cols[1], &out->cpu) || !parse_base(cols[2], 10, &flag_bits) ||
      !all_hex(cols[3]) || !all_hex(cols[4]) || out->pid < 0 || out->cpu < 0)
    return {"expected pid, cpu, flags, preempt count and index before the [time] column", 0};
  out->comm = trim_blanks(line.substr(0, end));
  out->tgid = -1;
  out->irq_flags = {};
  out->kernel_flag_bits = static_cast<int32_t>(flag_bits & 0xff);
  out->timestamp = line.substr(open + 2, close - open - 2);
  out->timestamp_ns = static_cast<int64_t>(usecs) * 1000;
  out->timestamp_digits = 6;
  return split_event(line, stamp_end + 5, out);
}

}  // namespace

TokenizeError tokenize_option_line(std::string_view line, FtraceLine* out) {
  if (!tokenize_raw_or_hex(line, out)) return {};
  return tokenize_verbose_latency(line, out);
}

bool strip_printk_prefix(std::string_view* line, std::string_view* stamp_out) {
  std::string_view s = *line;
  if (s.size() > 3 && s[0] == '<') {  // syslog level "<6>"
    size_t close = s.find('>');
    if (close == std::string_view::npos || close > 4) return false;
    s.remove_prefix(close + 1);
  }
  if (s.empty() || s[0] != '[') return false;
  size_t close = s.find(']');
  if (close == std::string_view::npos || close > 24) return false;
  std::string_view stamp = trim_blanks(s.substr(1, close - 1));
  if (stamp.empty() || !is_digit(stamp[0]) || stamp.find('.') == std::string_view::npos) return false;
  if (stamp_out) *stamp_out = stamp;
  s.remove_prefix(close + 1);
  if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  // Newer kernels add a caller id: "[    T1] " or "[  C3] ".
  if (s.size() > 2 && s[0] == '[' && (s.find(']') < 10)) {
    std::string_view id = trim_blanks(s.substr(1, s.find(']') - 1));
    if (!id.empty() && (id[0] == 'T' || id[0] == 'C')) {
      s.remove_prefix(s.find(']') + 1);
      if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    }
  }
  *line = s;
  return true;
}

}  // namespace ftlens
