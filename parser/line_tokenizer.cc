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

#include <charconv>  // from_chars
#include <cstring>   // memchr

#include "ftrace_line.h"

namespace ftlens {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int32_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc{} && p == s.data() + s.size();
}

// Position of '[' of the first " [digits]" group, or npos.
size_t find_cpu_column(std::string_view line) {
  size_t from = 0;
  while (from < line.size()) {
    const void* hit = std::memchr(line.data() + from, '[', line.size() - from);
    if (!hit) return std::string_view::npos;
    size_t at = static_cast<size_t>(static_cast<const char*>(hit) - line.data());
    size_t i = at + 1;
    while (i < line.size() && is_digit(line[i])) ++i;
    if (at > 0 && line[at - 1] == ' ' && i > at + 1 && i < line.size() && line[i] == ']') return at;
    from = at + 1;
  }
  return std::string_view::npos;
}

}  // namespace

TokenizeError tokenize_ftrace_line(std::string_view line, FtraceLine* out) {
  const size_t bracket = find_cpu_column(line);
  if (bracket == std::string_view::npos) return {"no [cpu] column", 0};

  std::string_view head = trim(line.substr(0, bracket));
  out->tgid = -1;
  if (!head.empty() && head.back() == ')') {
    size_t open = head.rfind('(');
    if (open == std::string_view::npos) return {"unbalanced ')' in tgid column", head.size() - 1};
    std::string_view tgid = trim(head.substr(open + 1, head.size() - open - 2));
    if (!tgid.empty() && tgid.front() != '-' && !parse_int(tgid, &out->tgid))
      return {"tgid column is not a number", open + 1};
    head = trim(head.substr(0, open));
  }
  const size_t dash = head.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == head.size()) return {"expected comm-pid before [cpu]", 0};
  if (!parse_int(head.substr(dash + 1), &out->pid)) return {"pid after the last '-' is not a number", dash + 1};
  out->comm = head.substr(0, dash);

  size_t close = line.find(']', bracket);
  if (!parse_int(line.substr(bracket + 1, close - bracket - 1), &out->cpu)) return {"cpu is not a number", bracket + 1};

  // After "[cpu]": optional irq-flags token, then "secs.frac:".
  size_t pos = close + 1;
  auto skip_spaces = [&] {
    while (pos < line.size() && line[pos] == ' ') ++pos;
  };
  auto token_end = [&](size_t from) {
    size_t e = line.find(' ', from);
    return e == std::string_view::npos ? line.size() : e;
  };
  skip_spaces();
  size_t end = token_end(pos);
  std::string_view token = line.substr(pos, end - pos);
  out->irq_flags = {};
  if (token.empty() || !is_digit(token.front())) {
    // irqs-off is never a digit ('d', 'D', 'X', '.'), so a leading digit means no flags column.
    out->irq_flags = token;
    pos = end;
    skip_spaces();
    end = token_end(pos);
    token = line.substr(pos, end - pos);
  }
  if (token.size() < 2 || token.back() != ':') return {"expected timestamp followed by ':'", pos};
  out->timestamp = token.substr(0, token.size() - 1);

  pos = end;
  skip_spaces();
  // "name: payload". The function tracer prints "func <-parent" with no
  // event name; keep it as event "function" with the whole rest as payload.
  size_t name_end = pos;
  while (name_end < line.size() && line[name_end] != ':' && line[name_end] != ' ') ++name_end;
  if (name_end < line.size() && line[name_end] == ':') {
    if (name_end == pos) return {"empty event name", pos};
    out->event_name = line.substr(pos, name_end - pos);
    pos = name_end + 1;
    if (pos < line.size() && line[pos] == ' ') ++pos;
  } else {
    out->event_name = "function";
  }
  out->payload = trim(line.substr(pos));
  return {};
}

}  // namespace ftlens
