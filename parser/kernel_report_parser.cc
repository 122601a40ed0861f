#include "parser/kernel_report_parser.h"

#include <algorithm>
#include <cstdint>
#include <bit>
#include <charconv>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of every x86-64
#endif

#include "parser/kernel_log_reader.h"
#include "parser/line_tokenizer.h"

namespace ftlens {

namespace {

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kReportBurst = 2 * kSecond;
// How much later than the previous report a continuing lockup's stall may
// seem to begin: the watchdog's timer and the printk clock drift apart.
constexpr int64_t kSuccessiveSlack = 4 * kSecond;

bool contains(std::string_view text, std::string_view key) { return text.find(key) != std::string_view::npos; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_symbol_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '.' || c == '$';
}

std::string_view ltrim(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// The number right after `key` ("CPU#35" -> 35), or -1.
int64_t number_after(std::string_view text, std::string_view key, int base = 10) {
  size_t at = text.find(key);
  if (at == std::string_view::npos) return -1;
  std::string_view rest = ltrim(text.substr(at + key.size()));
  if (base == 16 && (rest.starts_with("0x") || rest.starts_with("0X"))) rest.remove_prefix(2);
  int64_t value = -1;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value, base);
  return ec == std::errc{} ? value : -1;
}

// The seconds after `key` as ns; -1 when there are none, or more than int64
// ns hold (292 years: a damaged line).
int64_t seconds_after(std::string_view text, std::string_view key) {
  const int64_t s = number_after(text, key);
  return s >= 0 && s <= INT64_MAX / kSecond ? s * kSecond : -1;
}

// The word right after `key` (up to a blank), or "".
std::string_view word_after(std::string_view text, std::string_view key) {
  size_t at = text.find(key);
  if (at == std::string_view::npos) return {};
  std::string_view rest = text.substr(at + key.size());
  return rest.substr(0, rest.find_first_of(" \t"));
}

std::string capped(std::string_view text, size_t cap) { return std::string(text.substr(0, cap)); }

// "2" -> 2; "0-7", "2,3" -> -1: a bound pool names one CPU.
int32_t single_cpu(std::string_view cpus) {
  if (cpus.empty() || cpus.size() > 5) return -1;
  for (char c : cpus)
    if (!is_digit(c)) return -1;
  int32_t cpu = -1;
  std::from_chars(cpus.data(), cpus.data() + cpus.size(), cpu);
  return cpu;
}

// "foo+0x1c/0x38 [mod]" -> "foo+0x1c/0x38": the token up to a blank.
std::string_view symbol_token(std::string_view text) {
  text = ltrim(text);
  return text.substr(0, text.find_first_of(" \t"));
}

// ", "-separated items after "pending:" (capped).
void add_items(std::string_view list, std::vector<std::string>* items, uint32_t* dropped) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (!item.empty()) {
      if (items->size() < KernelReportParser::kMaxBusyItems) items->emplace_back(item.substr(0, 120));
      else ++*dropped;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// The CPUs of an old-style RCU stall list: "{ 3 5}" or "{ 3-... 5-...}".
void add_brace_cpus(std::string_view text, std::vector<int32_t>* cpus) {
  size_t open = text.find('{'), close = text.find('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return;
  std::string_view list = text.substr(open + 1, close - open - 1);
  size_t i = 0;
  while (i < list.size() && cpus->size() < 64) {
    while (i < list.size() && !is_digit(list[i])) ++i;
    size_t start = i;
    while (i < list.size() && is_digit(list[i])) ++i;
    if (i > start) {
      int32_t cpu = 0;
      std::from_chars(list.data() + start, list.data() + i, cpu);
      cpus->push_back(cpu);
    }
    while (i < list.size() && list[i] != ' ') ++i;  // the "-..." flags
  }
}

// A kernel CPU list ("%*pbl"): "5-6,9" -> 5, 6, 9 (at most 64).
void add_cpu_list(std::string_view text, std::vector<int32_t>* cpus) {
  text = symbol_token(text);
  while (!text.empty() && cpus->size() < 64) {
    std::string_view item = text.substr(0, text.find(','));
    int32_t first = -1, last = -1;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), first);
    if (ec != std::errc{}) return;
    last = first;
    if (p < item.data() + item.size() && *p == '-') std::from_chars(p + 1, item.data() + item.size(), last);
    for (int32_t cpu = first; cpu <= last && cpus->size() < 64; ++cpu) cpus->push_back(cpu);
    if (item.size() == text.size()) break;
    text.remove_prefix(item.size() + 1);
  }
}

// "\t3-...0: (1 GPs behind) idle=..." / "\t0-....: (5249 ticks this GP)":
// one stalled CPU of a newer RCU stall report.
int32_t rcu_stall_cpu_line(std::string_view t) {
  if (t.starts_with("rcu:")) t = ltrim(t.substr(4));
  size_t i = 0;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == 0 || i > 5 || i >= t.size() || t[i] != '-') return -1;
  size_t colon = t.find(": (", i);
  if (colon == std::string_view::npos || colon - i > 8) return -1;
  int32_t cpu = -1;
  std::from_chars(t.data(), t.data() + i, cpu);
  return cpu;
}

// Every report's first line holds one of these words. One pass over a line
// looking for them costs a fraction of searching it for each report's
// wording, and almost every line of a log holds none.
// The words start with bytes rare in other lines (mostly capitals): "BUG: "
// opens soft and workqueue lockups and x86 faults, "INFO: " RCU stalls and
// hung tasks, "[#" an oops' die() line (general protection fault too).
constexpr std::string_view kReportWords[] = {"BUG", "WARNING: ",  "LOCKUP",       "INFO: ",     "Internal e", "CSD",
                                             "Unable", "Oops",       "[#",         "Kernel panic", "RT throttl",
                                             "_kick_bit", ",check=0x"};

bool report_word_at(std::string_view t, size_t i) {
  std::string_view rest = t.substr(i);
  for (std::string_view w : kReportWords)
    if (w[0] == t[i] && rest.starts_with(w)) return true;
  return false;
}

bool may_start_report(std::string_view t) {
  size_t i = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: the capitals, '[', '_' and ',' that start a word.
  const __m128i before_a = _mm_set1_epi8('A' - 1), after_z = _mm_set1_epi8('Z' + 1);
  for (; i + 16 <= t.size(); i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + i));
    const __m128i capital = _mm_and_si128(_mm_cmpgt_epi8(bytes, before_a), _mm_cmplt_epi8(bytes, after_z));
    const __m128i other = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('[')),
                                       _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('_')),
                                                    _mm_cmpeq_epi8(bytes, _mm_set1_epi8(','))));
    for (unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(capital, other))); mask;
         mask &= mask - 1)
      if (report_word_at(t, i + static_cast<size_t>(std::countr_zero(mask)))) return true;
  }
#endif
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (((c >= 'A' && c <= 'Z') || c == '[' || c == '_' || c == ',') && report_word_at(t, i)) return true;
  }
  return false;
}

// What __warn() (kernel/panic.c) prints after "WARNING: ": since 3.10
// "CPU: 0 PID: 55 at kernel/exit.c:741 do_exit+0x89a/0xaf0" (with "()"
// after the function until 4.10, without the file when it is not known),
// before "at kernel/softirq.c:159 local_bh_enable+0x40/0x87()", and from 6.17
// "kernel/exit.c:741 at do_exit+0x89a/0xaf0, CPU#0: kworker/0:1/55".
// Other "WARNING: " lines (lockdep's "possible circular locking
// dependency detected", prose) are none.
bool parse_warning(std::string_view w, KernelReport* r) {
  std::string_view where;
  if (w.starts_with("CPU: ")) {
    r->cpu = static_cast<int32_t>(number_after(w, "CPU: "));
    r->pid = static_cast<int32_t>(number_after(w, " PID: "));
    size_t at = w.find(" at ");
    if (r->cpu < 0 || at == std::string_view::npos) return false;
    where = w.substr(at + 4);
  } else if (w.starts_with("at ")) {
    where = w.substr(3);
  } else {
    size_t at = w.find(" at ");
    std::string_view file = w.substr(0, at);
    if (at == std::string_view::npos || file.find(':') == std::string_view::npos || file.find(' ') != std::string_view::npos)
      return false;
    r->reason = capped(file, 200);
    std::string_view rest = w.substr(at + 4);
    size_t comma = rest.find(", CPU#");
    r->pc = capped(rest.substr(0, comma), 120);
    if (comma != std::string_view::npos) {
      std::string_view who = rest.substr(comma + 6);
      r->cpu = static_cast<int32_t>(number_after(who, ""));
      std::string_view task = trim(who.substr(std::min(who.size(), who.find(':') + 1)));
      size_t slash = task.rfind('/');
      if (slash != std::string_view::npos) {
        r->comm = capped(task.substr(0, slash), 64);
        std::from_chars(task.data() + slash + 1, task.data() + task.size(), r->pid);
      }
    }
    r->kind = KernelReportKind::kWarning;
    return true;
  }
  // "kernel/exit.c:741 do_exit+0x89a/0xaf0", or the function alone.
  where = trim(where);
  size_t blank = where.find(' ');
  std::string_view first = where.substr(0, blank);
  if (blank != std::string_view::npos && first.find(':') != std::string_view::npos) {
    r->reason = capped(first, 200);
    where = ltrim(where.substr(blank));
  }
  std::string_view fn = symbol_token(where);
  if (fn.ends_with("()")) fn.remove_suffix(2);
  r->pc = capped(fn, 120);
  if (r->pc.empty() && r->reason.empty()) return false;
  r->kind = KernelReportKind::kWarning;
  return true;
}

// The task name in dump_stack's "CPU: 15 UID: 1000 PID: 72081 Comm: Execution
// worke Tainted: G ..." (lib/dump_stack.c). A comm may hold blanks: it ends
// where the taint ("Tainted:", "Not tainted"), a distribution's "Kdump:"
// note or the line ends, and is at most TASK_COMM_LEN - 1 bytes.
std::string_view comm_of_cpu_line(std::string_view t) {
  size_t at = t.find(" Comm: ");
  if (at == std::string_view::npos) return {};
  std::string_view rest = t.substr(at + 7);
  size_t end = rest.size();
  for (std::string_view stop : {" Tainted:", " Not tainted", " Kdump:"}) end = std::min(end, rest.find(stop));
  rest = rest.substr(0, end);
  if (end == t.size() - at - 7 && rest.size() > 15) rest = rest.substr(0, rest.find(' '));  // some other tail
  return trim(rest);
}

// sched_show_task()'s first line, as "Task dump for CPU N:" prints it:
// "task:kubelet        state:R  running task     stack:0     pid:277695 ..."
// (5.14 on), before "kubelet         R  running task        0 277695      1 0x00080000"
// (comm in 15 columns, state, then free stack, pid, ppid, flags).
bool parse_task_dump_line(std::string_view t, int32_t* pid, std::string* comm) {
  if (t.starts_with("task:") && contains(t, " pid:")) {
    *pid = static_cast<int32_t>(number_after(t, " pid:"));
    *comm = std::string(trim(t.substr(5, t.find(" state:") - 5)).substr(0, 64));
    return *pid >= 0;
  }
  const size_t running = t.find(" running task ");
  if (t.size() < 17 || running == std::string_view::npos || running < 15) return false;
  std::string_view rest = ltrim(t.substr(running + 14));
  rest = ltrim(rest.substr(std::min(rest.size(), rest.find(' '))));  // the free stack
  int32_t value = -1;
  if (std::from_chars(rest.data(), rest.data() + rest.size(), value).ec != std::errc{}) return false;
  *pid = value;
  *comm = std::string(trim(t.substr(0, 15)));
  return true;
}

bool is_oops_kind(KernelReportKind k) { return k == KernelReportKind::kOops || k == KernelReportKind::kBug; }

}  // namespace

std::string_view kernel_report_kind_name(KernelReportKind kind) {
  switch (kind) {
    case KernelReportKind::kSoftLockup: return "soft-lockup";
    case KernelReportKind::kHardLockup: return "hard-lockup";
    case KernelReportKind::kWorkqueueLockup: return "workqueue-lockup";
    case KernelReportKind::kRcuStall: return "rcu-stall";
    case KernelReportKind::kHungTask: return "hung-task";
    case KernelReportKind::kCsdLockTimeout: return "csd-lock-timeout";
    case KernelReportKind::kOops: return "oops";
    case KernelReportKind::kBug: return "bug";
    case KernelReportKind::kPanic: return "panic";
    case KernelReportKind::kRtThrottling: return "rt-throttling";
    case KernelReportKind::kWatchdogKick: return "watchdog-kick";
    case KernelReportKind::kWarning: return "warning";
  }
  return "unknown";
}

bool parse_stack_frame(std::string_view text, StackFrame* frame) {
  std::string_view s = ltrim(text);
  // Trace32: "-003|local_bh_enable(inline)", "-000|__schedule()".
  if (s.size() > 5 && s[0] == '-' && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '|') {
    std::string_view name = s.substr(5, s.find('(') == std::string_view::npos ? std::string_view::npos : s.find('(') - 5);
    name = trim(name);
    if (name.empty()) return false;
    for (char c : name)
      if (!is_symbol_char(c)) return false;
    *frame = StackFrame{std::string(name), "", "", false};
    return true;
  }
  // "[<ffff000008123456>] func+0x1c/0x38"; arm32 "[<c01>] (func+0x1c/0x38) from [<c02>] (caller...)".
  if (s.starts_with("[<")) {
    size_t close = s.find(">]");
    if (close == std::string_view::npos || close > 20) return false;
    s = ltrim(s.substr(close + 2));
    if (s.starts_with("(")) {
      size_t end = s.find(')');
      if (end == std::string_view::npos) return false;
      s = s.substr(1, end - 1);
    }
  }
  bool unreliable = false;
  if (s.starts_with("? ")) {
    unreliable = true;
    s.remove_prefix(2);
  }
  size_t plus = s.find("+0x");
  if (plus == 0 || plus == std::string_view::npos || plus > 200) return false;
  std::string_view name = s.substr(0, plus);
  for (char c : name)
    if (!is_symbol_char(c)) return false;
  size_t end = plus + 3;
  while (end < s.size() && std::isxdigit(static_cast<unsigned char>(s[end]))) ++end;
  if (end == plus + 3 || !s.substr(end).starts_with("/0x")) return false;
  end += 3;
  const size_t size_start = end;
  while (end < s.size() && std::isxdigit(static_cast<unsigned char>(s[end]))) ++end;
  if (end == size_start || (end < s.size() && s[end] != ' ' && s[end] != '\t')) return false;
  StackFrame f{std::string(name), std::string(s.substr(plus, end - plus)), "", unreliable};
  std::string_view rest = ltrim(s.substr(end));
  if (rest.starts_with("[") && rest.find(']') != std::string_view::npos)
    f.module = std::string(rest.substr(1, std::min<size_t>(rest.find(']') - 1, 64)));
  *frame = std::move(f);
  return true;
}

KernelReport* KernelReportParser::open_report() {
  if (open_ == kScratch) return &scratch_;
  if (open_ < 0) return nullptr;
  return &reports_[static_cast<size_t>(open_)];
}

void KernelReportParser::close_open() {
  KernelReport* r = open_report();
  if (r && r != &scratch_) {
    if (r->cpu < 0 && r->nested_in >= 0 && reports_[static_cast<size_t>(r->nested_in)].cpu >= 0) {
      r->cpu = reports_[static_cast<size_t>(r->nested_in)].cpu;
      r->cpu_inferred = true;
    }
    if (r->cpu < 0 && r->reporting_cpu >= 0 && r->kind != KernelReportKind::kHungTask &&
        r->kind != KernelReportKind::kWorkqueueLockup)
      r->cpu = r->reporting_cpu;
    if (r->kind == KernelReportKind::kRcuStall && r->cpu < 0 && r->cpus.size() == 1) r->cpu = r->cpus[0];
    if (r->kind == KernelReportKind::kWatchdogKick && r->kick_mask >= 0) {
      r->cpus.clear();
      const int64_t kicked = r->kicked_mask >= 0 ? r->kicked_mask : 0;
      for (int32_t cpu = 0; cpu < 63; ++cpu)
        if (((r->kick_mask >> cpu) & 1) && !((kicked >> cpu) & 1)) r->cpus.push_back(cpu);
    }
  }
  open_ = -1;
  in_trace_ = false;
  in_gp_kthread_dump_ = false;
  in_target_dump_ = false;
}

// The latest CSD timeout of a waiting CPU (by_target: waiting for that CPU),
// or -1.
int KernelReportParser::latest_csd_report(int32_t cpu, bool by_target) const {
  if (cpu < 0) return -1;
  for (size_t i = reports_.size(); i-- > 0;) {
    const KernelReport& r = reports_[i];
    if (r.kind != KernelReportKind::kCsdLockTimeout) continue;
    if (by_target ? !r.cpus.empty() && r.cpus[0] == cpu : r.cpu == cpu) return static_cast<int>(i);
  }
  return -1;
}

// The lines csd_lock_wait_toolong() prints after its first (kernel/smp.c):
// "\tcsd: CSD lock (#1) unresponsive.", "csd: Re-sending CSD lock (#1) IPI
// from CPU#05 to CPU#03", the 5.10 debug patches' "csd: cnt(...)" history,
// and at last "csd: CSD lock (#1) got unstuck on CPU#03, CPU#55 released the
// lock." (before 5.11 "... released the lock after all. Phew!"). They are
// no frames: a waiting CPU's call trace goes on past them. True when `t` is
// one.
bool KernelReportParser::attach_csd_line(std::string_view t, TimeNs at) {
  if (t.starts_with("smp:")) t = ltrim(t.substr(4));
  if (!t.starts_with("csd: ") || contains(t, "non-responsive CSD lock")) return false;
  if (size_t unstuck = t.find("got unstuck on CPU#"); unstuck != std::string_view::npos) {
    const int32_t waiter = static_cast<int32_t>(number_after(t.substr(unstuck), "on CPU#"));
    const int32_t bug_id = static_cast<int32_t>(number_after(t, "(#"));
    for (size_t i = reports_.size(); i-- > 0;) {
      KernelReport& r = reports_[i];
      if (r.kind != KernelReportKind::kCsdLockTimeout || r.cpu != waiter || r.csd_unstuck ||
          (bug_id >= 0 && r.csd_bug_id >= 0 && bug_id != r.csd_bug_id))
        continue;
      r.csd_unstuck = true;
      r.csd_unstuck_at = at;
      break;
    }
  }
  return true;
}

// "NMI backtrace for cpu 17" or "Task dump for CPU 55:" for the CPU a CSD
// timeout waits for: what follows is that CPU's, not the waiting one's.
bool KernelReportParser::start_target_dump(std::string_view t) {
  int64_t cpu = -1;
  if (t.starts_with("NMI backtrace for cpu ")) cpu = number_after(t, "for cpu ");
  else if (t.starts_with("Task dump for CPU ")) cpu = number_after(t, "for CPU ");
  const int report = latest_csd_report(static_cast<int32_t>(cpu), true);
  if (report < 0) return false;
  close_open();
  open_ = report;
  in_target_dump_ = true;
  contiguous_ = true;
  KernelReport& r = reports_[static_cast<size_t>(report)];
  if (r.target_dump.empty()) r.target_dump = capped(t, kMaxHeaderBytes);
  return true;
}

// The soft-lockup watchdog reports a lockup again while it lasts
// (kernel/watchdog.c): the same CPU and task, stuck longer. Since 5.14 the
// duration keeps growing from the lockup's start; before, it restarted at
// each report, so a later report's stall began no later than the one before
// was printed. A log flushed after the fact may print them all at once.
bool KernelReportParser::continues(const KernelReport& e, const KernelReport& r) {
  // A CSD lock still not released: the same waiting CPU, target and lock
  // number ("Continued non-responsive CSD lock (#1) on CPU#5").
  if (r.kind == KernelReportKind::kCsdLockTimeout)
    return e.kind == r.kind && !e.csd_unstuck && e.cpu == r.cpu && e.cpus == r.cpus && e.csd_bug_id == r.csd_bug_id &&
           contains(r.header, "Continued ") && (r.at < 0 || e.at < 0 || r.at >= e.at);
  if (r.kind != KernelReportKind::kSoftLockup || e.cpu != r.cpu || e.pid != r.pid || e.comm != r.comm ||
      r.stuck_ns <= 0)
    return false;
  if (e.header == r.header && (r.at < 0 || r.at == e.at)) return false;  // a quote of it
  if (r.at < 0 || e.at < 0) return r.stuck_ns > e.stuck_ns;
  return r.at >= e.at && r.at - r.stuck_ns <= e.at + kSuccessiveSlack;
}

// One finding for the whole lockup: from its earliest start to its last report.
void KernelReportParser::merge_successive(KernelReport* e, const KernelReport& r) {
  if (e->successive == 0) {
    e->successive = 1;
    e->first_at = e->at;
  }
  ++e->successive;
  if (r.at >= 0 && e->at >= 0) {
    const TimeNs began = std::min(e->at - e->stuck_ns, r.at - r.stuck_ns);
    e->at = r.at;
    e->stuck_ns = r.at - began;
  } else {
    e->stuck_ns = std::max(e->stuck_ns, r.stuck_ns);
  }
  e->last_header = r.header;
}

// Recognises the first line of a report; false when `t` starts none (it may
// still belong to the open report).
bool KernelReportParser::start_report(const LogRecord& record, std::string_view t) {
  KernelReport r;
  if (contains(t, "soft lockup - CPU#")) {
    // "watchdog: BUG: soft lockup - CPU#35 stuck for 22s! [docker-containe:29506]"
    r.kind = KernelReportKind::kSoftLockup;
    r.cpu = static_cast<int32_t>(number_after(t, "CPU#"));
    if (const int64_t ns = seconds_after(t, "stuck for "); ns >= 0) r.stuck_ns = ns;
    size_t open = t.rfind('['), colon = t.rfind(':'), close = t.rfind(']');
    if (open != std::string_view::npos && colon != std::string_view::npos && close != std::string_view::npos &&
        open < colon && colon < close) {
      r.comm = std::string(t.substr(open + 1, colon - open - 1));
      std::from_chars(t.data() + colon + 1, t.data() + close, r.pid);
    }
  } else if (contains(t, "Kernel panic - not syncing")) {
    if (t.starts_with("---[ end")) return false;
    r.kind = KernelReportKind::kPanic;
    size_t at = t.find("not syncing");
    r.reason = capped(ltrim(t.substr(at + 11 + (t.substr(at + 11).starts_with(":") ? 1 : 0))), 200);
    if (contains(t, "hard LOCKUP")) r.cpu = static_cast<int32_t>(number_after(t, "on cpu "));
  } else if (contains(t, "hard LOCKUP") || contains(t, "Hard LOCKUP")) {
    // "NMI watchdog: Watchdog detected hard LOCKUP on cpu 3"; powerpc
    // (arch/powerpc/kernel/watchdog.c): "Watchdog CPU:59 Hard LOCKUP" (4.x),
    // "CPU 59 self-detected hard LOCKUP @ func+0x../0x..", and
    // "CPU 3 detected hard LOCKUP on other CPUs 5-6" (CPU 3 reports them).
    r.kind = KernelReportKind::kHardLockup;
    r.cpu = static_cast<int32_t>(number_after(t, "on cpu "));
    if (r.cpu < 0) r.cpu = static_cast<int32_t>(number_after(t, "Watchdog CPU:"));
    if (size_t other = t.find("on other CPUs "); other != std::string_view::npos) {
      add_cpu_list(t.substr(other + 14), &r.cpus);
      r.cpu = r.cpus.size() == 1 ? r.cpus[0] : -1;
    } else if (r.cpu < 0 && contains(t, "self-detected hard LOCKUP")) {
      r.cpu = static_cast<int32_t>(number_after(t, "CPU "));
      if (size_t at = t.find(" @ "); at != std::string_view::npos) r.pc = capped(symbol_token(t.substr(at + 3)), 120);
    }
  } else if (contains(t, "workqueue lockup - pool")) {
    // "BUG: workqueue lockup - pool cpus=2 node=0 flags=0x1 nice=0 stuck for 115s!"
    r.kind = KernelReportKind::kWorkqueueLockup;
    r.pool_cpus = std::string(word_after(t, "cpus="));
    r.cpu = single_cpu(r.pool_cpus);
    r.pool_node = static_cast<int32_t>(number_after(t, "node="));
    r.pool_flags = std::string(word_after(t, "flags="));
    if (int64_t at = static_cast<int64_t>(t.find("nice=")); at >= 0) {
      std::string_view n = t.substr(static_cast<size_t>(at) + 5);
      std::from_chars(n.data(), n.data() + n.size(), r.pool_nice);
    }
    if (const int64_t ns = seconds_after(t, "stuck for "); ns >= 0) r.stuck_ns = ns;
  } else if (contains(t, "detected stall") || contains(t, "detected expedited stall") ||
             contains(t, "self-detected stall")) {
    // "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", older with "{ 3}  (t=5250 jiffies ...)"
    r.kind = KernelReportKind::kRcuStall;
    add_brace_cpus(t, &r.cpus);
    // Before 3.x: "INFO: rcu_sched_state detected stall on CPU 0 (t=105060 jiffies)".
    if (int64_t cpu = number_after(t, "stall on CPU "); cpu >= 0 && r.cpus.empty()) r.cpus.push_back(static_cast<int32_t>(cpu));
    r.gp_age_jiffies = number_after(t, "t=");
  } else if (contains(t, "INFO: task ") && contains(t, " for more than ") &&
             (contains(t, " blocked for more than ") || contains(t, " blocked in I/O wait for more than "))) {
    // kernel/hung_task.c: "INFO: task kworker/u8:2:123 blocked for more than 120 seconds.", since 7.1
    // "INFO: task %s:%d blocked%s for more than %ld seconds." with " in I/O wait" for a task in io_schedule().
    r.kind = KernelReportKind::kHungTask;
    if (const int64_t ns = seconds_after(t, " for more than "); ns >= 0) r.stuck_ns = ns;
    r.io_wait = contains(t, " blocked in I/O wait ");
    size_t start = t.find("INFO: task ") + 11;
    size_t end = t.find(" blocked", start);
    size_t colon = t.rfind(':', end);
    if (colon != std::string_view::npos && colon > start && colon < end) {
      r.comm = std::string(t.substr(start, colon - start));
      std::from_chars(t.data() + colon + 1, t.data() + end, r.pid);
    }
  } else if (contains(t, "non-responsive CSD lock")) {
    // "csd: Detected non-responsive CSD lock (#1) on CPU#0, waiting 5000000000 ns for CPU#01 do_nothing+0x0/0x10(0x0)."
    // and, while it lasts, "csd: Continued non-responsive CSD lock (#1) ..." (since 5.11 the wait counts from
    // the start; before, from the previous report).
    r.kind = KernelReportKind::kCsdLockTimeout;
    r.cpu = static_cast<int32_t>(number_after(t, "on CPU#"));
    r.csd_bug_id = static_cast<int32_t>(number_after(t, "(#"));
    r.stuck_ns = number_after(t, "waiting ");
    size_t target = t.find("for CPU#");
    if (target != std::string_view::npos) {
      r.cpus.push_back(static_cast<int32_t>(number_after(t.substr(target), "for CPU#")));
      std::string_view fn = t.substr(target + 8);
      fn = ltrim(fn.substr(std::min(fn.size(), fn.find(' '))));
      r.csd_function = capped(fn.substr(0, fn.find_first_of("+( ")), 120);
    }
  } else if (contains(t, "Unable to handle kernel ") || contains(t, "unable to handle kernel ") ||
             contains(t, "BUG: unable to handle") || contains(t, "BUG: kernel NULL pointer dereference") ||
             contains(t, "general protection fault")) {
    r.kind = KernelReportKind::kOops;
    size_t at = t.find("handle kernel ");
    if (at != std::string_view::npos) r.reason = capped(t.substr(at + 14), 200);
    else if ((at = t.find("BUG: ")) != std::string_view::npos) r.reason = capped(t.substr(at + 5), 200);
    else r.reason = capped(t, 200);
  } else if (contains(t, "Internal error: ") || t.starts_with("Oops: ") || t.starts_with("Oops - ")) {
    // arm "Internal error: Oops: 96000044 [#1] SMP", x86 "Oops: 0002 [#1] SMP PTI": the die() line.
    const int32_t count = static_cast<int32_t>(number_after(t, "[#"));
    KernelReport* o = open_report();
    if (o && is_oops_kind(o->kind) && o->die_count == 0 && !o->ended) {
      o->die_count = count > 0 ? count : 1;
      o->last_at = record.at;
      contiguous_ = true;
      return true;
    }
    r.kind = KernelReportKind::kOops;
    r.die_count = count > 0 ? count : 1;
    r.reason = capped(t, 200);
  } else if (t.starts_with("WARNING: ") && parse_warning(t.substr(9), &r)) {
    // lib/bug.c's WARN splat, printed by __warn() in kernel/panic.c.
  } else if (contains(t, "kernel BUG at ")) {
    r.kind = KernelReportKind::kBug;
    r.reason = capped(t.substr(t.find("kernel BUG at ")), 200);
  } else if (contains(t, "RT throttling activated")) {
    r.kind = KernelReportKind::kRtThrottling;
  } else if (contains(t, "cpus_kick_bit")) {
    // MediaTek's watchdog: "cpus_kick_bit = 0xF3" (CPUs to kick), then "kick_bit = 0x0" (CPUs that did).
    r.kind = KernelReportKind::kWatchdogKick;
    r.kick_mask = number_after(t.substr(t.find("cpus_kick_bit")), "=", 16);
  } else if (contains(t, "kick=0x") && contains(t, "check=0x")) {
    // "[WDK] kick=0x00000003,check=0x000000ff"
    r.kind = KernelReportKind::kWatchdogKick;
    r.kicked_mask = number_after(t, "kick=", 16);
    r.kick_mask = number_after(t, "check=", 16);
  } else if (t.starts_with("BUG: ") || contains(t, ": BUG: ")) {
    r.kind = KernelReportKind::kBug;
    r.reason = capped(t.substr(t.find("BUG: ") + 5), 200);
  } else {
    return false;
  }
  // Source code or prose naming a report ("pr_emerg(\"BUG: workqueue lockup - pool\")") is none.
  if ((r.kind == KernelReportKind::kSoftLockup && r.cpu < 0) ||
      (r.kind == KernelReportKind::kWorkqueueLockup && r.pool_cpus.empty()) ||
      (r.kind == KernelReportKind::kHungTask && r.pid < 0) ||
      (r.kind == KernelReportKind::kCsdLockTimeout && (r.cpu < 0 || r.cpus.empty())) ||
      (r.kind == KernelReportKind::kWatchdogKick && r.kick_mask < 0) || t.find("(\"") != std::string_view::npos)
    return false;

  // The report itself is new. What was open ends here, unless this oops
  // happened inside its die(): then it never ended.
  KernelReport* previous = open_report();
  const int previous_index = open_;
  close_open();
  r.source = source_;
  r.line = record.line;
  r.at = r.last_at = record.at;
  r.wall_clock = record.clock == LogClock::kWallClock;
  r.reporting_cpu = record.cpu;
  if (record.pid >= 0 && r.pid < 0 && r.kind != KernelReportKind::kHungTask) {
    r.pid = record.pid;
    if (!record.comm.empty()) r.comm = std::string(record.comm);
  }
  r.header = capped(t, kMaxHeaderBytes);
  if (previous && previous != &scratch_ && previous_index >= 0 && is_oops_kind(r.kind) &&
      is_oops_kind(previous->kind) && previous->die_count > 0 && !previous->ended && r.die_count == 0 &&
      (previous->cpu < 0 || record.cpu < 0 || record.cpu == previous->cpu))
    r.nested_in = previous_index;

  // The same report quoted again (a blog repeats the line it discusses), or
  // the watchdog reporting a lockup that goes on.
  for (auto it = reports_.rbegin(); it != reports_.rend(); ++it) {
    KernelReport& e = *it;
    if (e.kind != r.kind) continue;
    if (continues(e, r)) {
      merge_successive(&e, r);
      scratch_ = KernelReport{};
      open_ = kScratch;
      contiguous_ = true;
      return true;
    }
    const bool same_moment = r.at >= 0 && r.at == e.at && (r.cpu < 0 || e.cpu < 0 || r.cpu == e.cpu);
    const bool quoted = r.at < 0 && (e.header == r.header || (r.cpu >= 0 && r.cpu == e.cpu && r.stuck_ns == e.stuck_ns &&
                                                              r.pid == e.pid));
    // The console and syslog both logging the report: the same line on the
    // printk clock and on a wall clock, which cannot be compared.
    const bool other_channel = r.at >= 0 && e.at >= 0 && r.wall_clock != e.wall_clock && e.header == r.header;
    if (same_moment || quoted || other_channel) {
      ++e.repeats;
      scratch_ = KernelReport{};
      open_ = kScratch;
      contiguous_ = true;
      return true;
    }
  }
  if (reports_.size() >= kMaxReports) {
    ++dropped_reports_;
    scratch_ = KernelReport{};
    open_ = kScratch;
    contiguous_ = true;
    return true;
  }
  reports_.push_back(std::move(r));
  open_ = static_cast<int>(reports_.size() - 1);
  contiguous_ = true;
  return true;
}

// A line inside an open report: who and where (CPU/PID/Comm, pc), its call
// trace, its end.
void KernelReportParser::attach(const LogRecord& record, std::string_view t) {
  KernelReport* r = open_report();
  if (!r) return;
  // A report is printed in one burst: a record seconds later is not its own.
  if (record.at >= 0 && r->last_at >= 0 && record.at - r->last_at > kReportBurst) {
    close_open();
    contiguous_ = false;
    return;
  }
  if (record.at >= 0) r->last_at = record.at;
  if (t.starts_with("---[ end trace") || t.starts_with("---[ end Kernel panic")) {
    r->ended = true;
    close_open();
    contiguous_ = false;
    return;
  }
  StackFrame frame;
  const bool trace32 = t.starts_with("-") && t.size() > 4 && t[4] == '|';
  if ((in_trace_ || (trace32 && contiguous_)) && parse_stack_frame(t, &frame)) {
    std::vector<StackFrame>& frames = in_gp_kthread_dump_ ? r->gp_kthread_frames
                                      : in_target_dump_   ? r->target_frames
                                                          : r->frames;
    if (frames.size() < kMaxFrames) frames.push_back(std::move(frame));
    else if (in_target_dump_) ++r->target_frames_dropped;
    else ++r->frames_dropped;
    contiguous_ = true;
    return;
  }
  if (in_trace_ && (t == "<IRQ>" || t == "</IRQ>" || t == "<TASK>" || t == "</TASK>" || t == "<NMI>" || t == "</NMI>" ||
                    t == "<EOI>" || t.starts_with("-->|"))) {
    return;
  }
  in_trace_ = false;
  if (t.starts_with("Call trace:") || t.starts_with("Call Trace:") || t.starts_with("Backtrace:") ||
      t == "Call trace" || t == "Call Trace") {
    in_trace_ = true;
    contiguous_ = true;
    return;
  }
  if (r->kind == KernelReportKind::kCsdLockTimeout && t.starts_with("CPU: ") && contains(t, " PID: ")) {
    // CSD timeouts of many CPUs print interleaved: each waiting CPU's
    // dump_stack() and the target's NMI backtrace name their CPU here, and
    // what follows is that CPU's (a lockup's own CPU line is never another's).
    const int32_t on = static_cast<int32_t>(number_after(t, "CPU: "));
    const bool own = in_target_dump_ ? !r->cpus.empty() && on == r->cpus[0] : on == r->cpu;
    if (!own) {
      const int other = latest_csd_report(on, false);
      in_target_dump_ = false;
      in_trace_ = false;
      if (other < 0) {
        scratch_ = KernelReport{};
        open_ = kScratch;
        contiguous_ = true;
        return;
      }
      open_ = other;
      r = open_report();
    }
    if (in_target_dump_) {
      if (r->target_pid < 0) {
        r->target_pid = static_cast<int32_t>(number_after(t, " PID: "));
        r->target_comm = capped(comm_of_cpu_line(t), 64);
      }
      contiguous_ = true;
      return;
    }
  }
  if (in_target_dump_ && r->target_pid < 0 && parse_task_dump_line(t, &r->target_pid, &r->target_comm)) {
    contiguous_ = true;
    return;
  }
  if (t.starts_with("CPU: ") && contains(t, " PID: ")) {
    // "CPU: 35 PID: 29506 Comm: docker-containe Kdump: loaded Tainted: ..."
    if (r->cpu < 0 && r->kind != KernelReportKind::kHungTask && r->kind != KernelReportKind::kWorkqueueLockup)
      r->cpu = static_cast<int32_t>(number_after(t, "CPU: "));
    const int32_t pid = static_cast<int32_t>(number_after(t, " PID: "));
    if ((r->pid < 0 || (r->pid == pid && r->comm.empty())) && r->kind != KernelReportKind::kWorkqueueLockup) {
      r->pid = pid;
      r->comm = capped(comm_of_cpu_line(t), 64);
    }
  } else if (t.starts_with("Process ") && contains(t, "(pid: ")) {
    // "Process gen_seri_oops/0 (pid: 58147, stack limit = 0x...)"
    if (r->pid < 0) {
      r->pid = static_cast<int32_t>(number_after(t, "(pid: "));
      r->comm = std::string(trim(t.substr(8, t.find(" (pid: ") - 8)).substr(0, 64));
    }
  } else if (t.starts_with("pc : ") || t.starts_with("PC is at ") || t.starts_with("RIP: ")) {
    std::string_view where = t.starts_with("RIP: ") ? t.substr(t.find(':', 5) == std::string_view::npos
                                                                   ? 5
                                                                   : t.find(':', 5) + 1)
                                                    : t.substr(t.starts_with("pc : ") ? 5 : 9);
    // Before 4.9 x86 printed the address twice first:
    // "RIP: 0010:[<ffffffffa90ef1d5>]  [<ffffffffa90ef1d5>] smp_call_function_many+0x1f5/0x250".
    for (where = ltrim(where); where.starts_with("[<");) {
      size_t close = where.find(">]");
      if (close == std::string_view::npos) break;
      where = ltrim(where.substr(close + 2));
    }
    std::string& pc = in_target_dump_ ? r->target_pc : r->pc;
    if (pc.empty()) pc = capped(symbol_token(where), 120);
  } else if (r->kind == KernelReportKind::kWatchdogKick && contains(t, "kick_bit")) {
    r->kicked_mask = number_after(t.substr(t.find("kick_bit")), "=", 16);
  } else if (r->kind == KernelReportKind::kRcuStall && contains(t, "All QSes seen")) {
    r->all_qs_seen = true;
  } else if (r->kind == KernelReportKind::kRcuStall && contains(t, " kthread starved for ")) {
    r->gp_kthread_starved_jiffies = number_after(t, " kthread starved for ");
    r->gp_kthread_cpu = static_cast<int32_t>(number_after(t, "->cpu="));
  } else if (r->kind == KernelReportKind::kRcuStall && contains(t, "kthread timer wakeup didn't happen for ")) {
    r->gp_kthread_timer_missed_jiffies = number_after(t, "kthread timer wakeup didn't happen for ");
  } else if (r->kind == KernelReportKind::kRcuStall && contains(t, "grace-period kthread stack dump")) {
    in_gp_kthread_dump_ = true;
  } else if (r->kind == KernelReportKind::kRcuStall) {
    if (int32_t cpu = rcu_stall_cpu_line(t); cpu >= 0 && r->cpus.size() < 64) r->cpus.push_back(cpu);
    else if (contains(t, "jiffies") && r->gp_age_jiffies < 0) r->gp_age_jiffies = number_after(t, "t=");
    if (contains(t, "{")) add_brace_cpus(t, &r->cpus);
  } else if (t.starts_with("Code: ")) {
    // The end of an oops' register dump; its end marker may never come.
  } else if (!record.stamped && !trace32 && contiguous_ && r->frames.empty()) {
    // Prose after an unstamped report: later pasted frames are not its own.
    contiguous_ = false;
    return;
  }
  contiguous_ = true;
}

// show_workqueue_state() output after a workqueue lockup (kernel/workqueue.c).
// One dump follows every lockup wq_watchdog_timer_fn() found in its pass;
// an entry belongs to the lockup of its pool (same CPUs, same nice: the
// highpri pool of a CPU is another pool).
bool KernelReportParser::attach_busy_line(std::string_view t) {
  KernelReport* lockup = nullptr;
  for (auto it = reports_.rbegin(); it != reports_.rend(); ++it)
    if (it->kind == KernelReportKind::kWorkqueueLockup) {
      lockup = &*it;
      break;
    }
  if ((t.starts_with("pwq ") || t.starts_with("pool ")) && lockup) {
    const std::string_view cpus = word_after(t, "cpus=");
    const int64_t nice_at = static_cast<int64_t>(t.find("nice="));
    int32_t nice = 0;
    if (nice_at >= 0) std::from_chars(t.data() + nice_at + 5, t.data() + t.size(), nice);
    for (size_t i = busy_first_; i < reports_.size(); ++i)
      if (reports_[i].kind == KernelReportKind::kWorkqueueLockup && reports_[i].pool_cpus == cpus &&
          reports_[i].pool_nice == nice) {
        lockup = &reports_[i];
        break;
      }
    busy_lockup_ = static_cast<int>(lockup - reports_.data());
  }
  if (t.starts_with("in-flight:") || t.starts_with("pending:") || t.starts_with("delayed:") || t.starts_with("inactive:"))
    lockup = busy_lockup_ >= 0 && static_cast<size_t>(busy_lockup_) < reports_.size() ? &reports_[static_cast<size_t>(busy_lockup_)] : lockup;
  if (t.starts_with("workqueue ") && contains(t, ": flags=")) {
    busy_workqueue_ = std::string(t.substr(10, std::min<size_t>(t.find(':') - 10, 64)));
    return true;
  }
  const bool pwq = t.starts_with("pwq ");
  const bool pool = t.starts_with("pool ") && contains(t, "cpus=");
  if (pwq || pool) {
    if (!lockup) return true;
    if (lockup->busy.size() >= kMaxBusyEntries) {
      ++lockup->busy_dropped;
      return true;
    }
    BusyWorkqueueEntry e;
    e.is_pool = pool;
    if (pwq) e.workqueue = busy_workqueue_;
    e.pool_id = static_cast<int32_t>(number_after(t, pwq ? "pwq " : "pool "));
    e.pool_cpus = std::string(word_after(t, "cpus="));
    e.pool_cpu = single_cpu(e.pool_cpus);
    if (int64_t at = static_cast<int64_t>(t.find("nice=")); at >= 0)
      std::from_chars(t.data() + at + 5, t.data() + t.size(), e.pool_nice);
    if (pool) {
      e.hung_seconds = number_after(t, "hung=");
      e.workers = static_cast<int32_t>(number_after(t, "workers="));
    }
    lockup->busy.push_back(std::move(e));
    return true;
  }
  for (std::string_view list : {"in-flight:", "pending:", "delayed:", "inactive:"}) {
    if (!t.starts_with(list)) continue;
    if (lockup && !lockup->busy.empty()) {
      BusyWorkqueueEntry& e = lockup->busy.back();
      std::vector<std::string>* items = list == "in-flight:" ? &e.in_flight : list == "pending:" ? &e.pending : &e.delayed;
      add_items(t.substr(list.size()), items, &lockup->busy_dropped);
    }
    return true;
  }
  return false;
}

void KernelReportParser::finish() {
  close_open();
  // A quote after the report is caught as it comes (start_report); one
  // before it only now. Folding renumbers reports: nested_in follows.
  std::vector<int> new_index(reports_.size(), -1);
  std::vector<KernelReport> kept;
  kept.reserve(reports_.size());
  for (size_t i = 0; i < reports_.size(); ++i) {
    KernelReport& q = reports_[i];
    bool quote = false;
    if (q.at < 0)
      for (size_t j = i + 1; j < reports_.size() && !quote; ++j)
        // The quote may keep a prefix the log's reader did not take ("kernel: ").
        if (reports_[j].at >= 0 && reports_[j].kind == q.kind && !reports_[j].header.empty() &&
            (q.header.ends_with(reports_[j].header) || reports_[j].header.ends_with(q.header))) {
          reports_[j].repeats += q.repeats + 1;
          quote = true;
        }
    if (quote) continue;
    new_index[i] = static_cast<int>(kept.size());
    kept.push_back(std::move(q));
  }
  if (kept.size() == reports_.size()) {
    reports_ = std::move(kept);
    return;
  }
  for (KernelReport& r : kept)
    if (r.nested_in >= 0) r.nested_in = new_index[static_cast<size_t>(r.nested_in)];
  reports_ = std::move(kept);
}

void KernelReportParser::on_record(const LogRecord& record) {
  std::string_view t = ltrim(record.text);
  if (t.empty()) return;
  if (busy_state_ == 1) {
    if (attach_busy_line(t)) return;
    busy_state_ = 0;
  }
  if (t.starts_with("Showing busy workqueues and worker pools:")) {
    busy_state_ = 1;
    busy_lockup_ = -1;
    busy_first_ = reports_.size();
    // The lockups of this watchdog pass: printed just before, no dump yet.
    TimeNs latest = -1;
    for (size_t i = reports_.size(); i-- > 0;) {
      KernelReport& r = reports_[i];
      if (r.kind != KernelReportKind::kWorkqueueLockup || r.busy_dump_seen) break;
      if (latest < 0) latest = r.at;
      if (r.at >= 0 && latest >= 0 && latest - r.at > kReportBurst) break;
      r.busy_dump_seen = true;
      busy_first_ = i;
    }
    return;
  }
  if ((t[0] == 'c' || t[0] == 's') && attach_csd_line(t, record.at)) return;
  if ((t[0] == 'N' || t[0] == 'T') && start_target_dump(t)) return;
  if (may_start_report(t) && start_report(record, t)) return;
  if (open_ != -1) attach(record, t);
}

}  // namespace ftlens
