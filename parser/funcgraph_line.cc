// The function_graph tracer's columns, as the kernel prints them
// (kernel/trace/trace_functions_graph.c): an optional absolute time
// "%5lu.%06lu |  ", the CPU " %d) ", an optional task centred in 14 columns
// then " | ", the duration column (an overhead mark, microseconds, "|  ") and
// the call text indented two spaces per level. Comms may hold spaces and
// dashes, so a task splits at its last '-'; a comment may hold '|', so only
// the column separators before the call text are looked for.
#include "funcgraph_line.h"

#include "byte_scan.h"
#include "timestamp.h"

namespace ftlens {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool parse_small_int(std::string_view s, int32_t* out) {
  if (s.empty() || s.size() > 9) return false;
  int32_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// "bash-1977" -> comm "bash", pid 1977.
bool split_task(std::string_view task, std::string_view* comm, int32_t* pid) {
  task = trim_blanks(task);
  const size_t dash = task.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  if (!parse_small_int(task.substr(dash + 1), pid)) return false;
  *comm = task.substr(0, dash);
  return true;
}

bool is_mark(char c) {
  switch (c) {
    case '+': case '!': case '#': case '*': case '@': case '$': return true;
    default: return false;
  }
}

// "func = 0x0", "= -22", "func" (the inside of a tail or retval comment).
void split_retval(std::string_view inner, std::string_view* function, std::string_view* retval) {
  const size_t eq = inner.find('=');
  if (eq == std::string_view::npos) {
    *function = trim_blanks(inner);
    return;
  }
  *function = trim_blanks(inner.substr(0, eq));
  *retval = trim_blanks(inner.substr(eq + 1));
}

// The text of "/* text */" (without the markers); a comment cut by the end
// of the line keeps what there is.
std::string_view comment_text(std::string_view comment) {
  comment.remove_prefix(2);
  if (comment.ends_with("*/")) comment.remove_suffix(2);
  return trim_blanks(comment);
}

// After "secs.micros" and blanks, the '|' that ends the abstime column.
// Returns the position after it, or 0 when the line has no such column.
size_t after_abstime(std::string_view line, size_t i, int64_t* ns) {
  size_t j = i;
  while (j < line.size() && is_digit(line[j])) ++j;
  if (j == i || j >= line.size() || line[j] != '.') return 0;
  size_t k = j + 1;
  while (k < line.size() && is_digit(line[k])) ++k;
  if (k == j + 1) return 0;
  const size_t bar = skip_blanks(line, k);
  if (bar >= line.size() || line[bar] != '|') return 0;
  auto ts = parse_timestamp(line.substr(i, k - i));
  if (!ts) return 0;
  *ns = ts->ns;
  return bar + 1;
}

// "<digits> us" and blanks, then '|': the relative time column a latency
// tracer's display-graph prints ("%9llu us |"). Returns the position after
// the '|', or 0 when the line has no such column.
size_t after_reltime(std::string_view line, size_t i, int64_t* ns) {
  size_t j = i;
  int64_t us = 0;
  while (j < line.size() && is_digit(line[j]) && j - i < 15) us = us * 10 + (line[j++] - '0');
  if (j == i || j >= line.size() || line[j] != ' ') return 0;
  j = skip_blanks(line, j);
  if (!line.substr(j).starts_with("us")) return 0;
  const size_t bar = skip_blanks(line, j + 2);
  if (bar >= line.size() || line[bar] != '|') return 0;
  *ns = us * 1000;
  return bar + 1;
}

// The time columns before the CPU, if any: abstime or relative time.
size_t after_time_columns(std::string_view line, size_t i, FuncgraphLine* out) {
  if (size_t after = after_abstime(line, i, &out->abstime_ns)) return skip_blanks(line, after);
  if (size_t after = after_reltime(line, i, &out->reltime_ns)) return skip_blanks(line, after);
  return i;
}

// latency-format's flags column: irqs-off, need-resched, hardirq/softirq,
// preempt depth and the like, one character each (".n..1..", "dNh2."). A
// task column always holds "-pid"; flags never hold '-'.
bool is_lat_flags(std::string_view column) {
  if (column.size() < 4 || column.size() > 10) return false;
  for (char c : column)
    if (!(c == '.' || is_digit(c) || std::string_view("dDXnNpPbBhHsSzZ").find(c) != std::string_view::npos)) return false;
  return true;
}

// "<digits>)" at `i`: the CPU column. Returns the position after ')', or 0.
size_t after_cpu(std::string_view line, size_t i, int32_t* cpu) {
  size_t j = i;
  while (j < line.size() && is_digit(line[j])) ++j;
  if (j == i || j >= line.size() || line[j] != ')') return 0;
  if (!parse_small_int(line.substr(i, j - i), cpu)) return 0;
  return j + 1;
}

}  // namespace

bool parse_funcgraph_duration(std::string_view text, int64_t* ns) {
  text = trim_blanks(text);
  if (!text.ends_with("us")) return false;
  text = trim_blanks(text.substr(0, text.size() - 2));
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || frac.size() > 3 || (dot != std::string_view::npos && frac.empty()))
    return false;
  int64_t us = 0;
  for (char c : whole) {
    if (!is_digit(c)) return false;
    us = us * 10 + (c - '0');
  }
  int64_t rest = 0;
  for (size_t d = 0; d < 3; ++d) {
    const char c = d < frac.size() ? frac[d] : '0';
    if (!is_digit(c)) return false;
    rest = rest * 10 + (c - '0');
  }
  *ns = us * 1000 + rest;
  return true;
}

bool looks_like_funcgraph_line(std::string_view line) {
  FuncgraphLine times;
  const size_t i = after_time_columns(line, skip_blanks(line, 0), &times);
  int32_t cpu = 0;
  const size_t after = after_cpu(line, i, &cpu);
  return after != 0 && (after == line.size() || line[after] == ' ');
}

FuncgraphError tokenize_funcgraph_call(std::string_view text, FuncgraphLine* out) {
  const size_t bar = find_byte(text, 0, '|');
  if (bar == text.size()) return {"function_graph line without its '|' column", 0};
  const std::string_view column = text.substr(0, bar);
  // One byte scan per line rules the irq arrows out.
  if (find_byte(column, 0, '=') != column.size()) {
    if (column.find("==========>") != std::string_view::npos) {
      out->kind = FuncgraphLine::kIrqEnter;
      return {};
    }
    if (column.find("<==========") != std::string_view::npos) {
      out->kind = FuncgraphLine::kIrqExit;
      return {};
    }
  }
  std::string_view duration = trim_blanks(column);
  if (!duration.empty()) {
    if (is_mark(duration[0])) {
      out->mark = duration[0];
      duration = trim_blanks(duration.substr(1));
    }
    if (!parse_funcgraph_duration(duration, &out->duration_ns))
      return {"duration is not microseconds ('1.382 us')", static_cast<size_t>(duration.data() - text.data())};
  }

  const size_t call_at = bar + 1;
  const size_t first = skip_blanks(text, call_at);
  const size_t indent = first - call_at;
  out->depth = indent >= 2 ? static_cast<uint32_t>((indent - 2) / 2) : 0;
  const std::string_view call = trim_blanks(text.substr(call_at));
  const size_t column_at = first;
  if (call.empty()) return {"function_graph line with no call after '|'", column_at};

  if (call.starts_with("/*")) {
    out->kind = FuncgraphLine::kComment;
    out->comment = comment_text(call);
    return {};
  }
  if (call[0] == '}') {
    out->kind = FuncgraphLine::kReturn;
    const std::string_view tail = trim_blanks(call.substr(1));
    if (tail.starts_with("/*")) split_retval(comment_text(tail), &out->function, &out->retval);
    else if (!tail.empty()) return {"text after '}' is not a comment", column_at + 1};
    return {};
  }
  const size_t paren = call.find('(');
  if (paren == std::string_view::npos || paren == 0) return {"call has no 'name('", column_at};
  out->function = call.substr(0, paren);
  if (call.back() == '{') {
    out->kind = FuncgraphLine::kEntry;
    return {};
  }
  std::string_view body = call;
  if (body.ends_with("*/")) {
    const size_t open = body.rfind("/*");
    if (open == std::string_view::npos || open < paren) return {"call ends in '*/' with no '/*'", column_at};
    std::string_view ignored;
    split_retval(comment_text(body.substr(open)), &ignored, &out->retval);
    body = trim_blanks(body.substr(0, open));
  }
  if (!body.ends_with(';')) return {"call is neither 'name() {' nor 'name();'", column_at};
  out->kind = FuncgraphLine::kLeaf;
  return {};
}

FuncgraphError tokenize_funcgraph_line(std::string_view line, FuncgraphLine* out) {
  size_t i = skip_blanks(line, 0);
  if (i == line.size()) return {"empty line", 0};
  if (line.substr(i).starts_with("----------")) {
    for (size_t j = i; j < line.size(); ++j)
      if (line[j] != '-' && line[j] != ' ' && line[j] != '\r') return {"dashed rule with other text", j};
    out->kind = FuncgraphLine::kRule;
    return {};
  }
  i = after_time_columns(line, i, out);
  const size_t after = after_cpu(line, i, &out->cpu);
  if (after == 0) return {"no 'N)' CPU column", i};
  const std::string_view rest = line.substr(after);
  const auto at = [&](std::string_view part) { return static_cast<size_t>(part.data() - line.data()); };

  const size_t bar = find_byte(rest, 0, '|');
  if (bar == rest.size()) {
    const size_t arrow = rest.find("=>");
    if (arrow == std::string_view::npos) return {"function_graph line without its '|' column", after};
    out->kind = FuncgraphLine::kBanner;
    if (!split_task(rest.substr(0, arrow), &out->prev_comm, &out->prev_pid))
      return {"banner task is not comm-pid", after};
    if (!split_task(rest.substr(arrow + 2), &out->comm, &out->pid))
      return {"banner task is not comm-pid", after + arrow + 2};
    return {};
  }
  // The first column is the duration (or an irq arrow, or blank) unless it
  // is funcgraph-proc's task or latency-format's flags (in that order).
  // A duration ends in "us" and an arrow holds '='; a task is "comm-pid"
  // (whose pid ends in a digit). The call parser reads the duration itself.
  std::string_view call = rest;
  for (int column = 0; column < 2; ++column) {
    const size_t end = find_byte(call, 0, '|');
    if (end == call.size()) break;
    const std::string_view first = trim_blanks(call.substr(0, end));
    const bool is_duration = first.empty() || first.ends_with("us") || find_byte(first, 0, '=') != first.size();
    if (is_duration) break;
    if (out->lat_flags.empty() && is_lat_flags(first)) {
      out->lat_flags = first;
    } else if (column == 0) {
      if (!split_task(first, &out->comm, &out->pid)) return {"task column is not comm-pid", at(first)};
    } else {
      break;
    }
    call = call.substr(end + 1);
  }
  FuncgraphError err = tokenize_funcgraph_call(call, out);
  if (err) err.column += at(call);
  return err;
}

}  // namespace ftlens
