#include "payload_parser.h"

#include <array>
#include <cstdint>

#include "byte_scan.h"
#include "cursor.h"
#include "string_pool.h"

namespace ftlens {

namespace {

// The last argument is where ipi_send_cpumask and ipi_raise put their
// targets (Event::cpumask then points there).
using PayloadFn = bool (*)(Cursor&, StringPool&, Event*, CpuMask*);

std::optional<int32_t> as_i32(std::optional<int64_t> v) {
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*v);
}

// "key=value" where the value ends at the next space; `key` includes '='.
// Keys are literals (templates) so that Cursor compares them at a known length.
template <size_t N>
bool int_field(Cursor& c, const char (&key)[N], int32_t* out) {
  if (!c.skip_past(key)) return false;
  auto v = as_i32(c.read_int());
  if (!v) return false;
  *out = *v;
  return true;
}

// A comm value may hold spaces, so it ends where the next known key starts.
template <size_t N, size_t M>
bool comm_field(Cursor& c, const char (&key)[N], const char (&next_key)[M], StringPool& pool, StrId* out) {
  if (!c.skip_past(key)) return false;
  auto comm = c.read_until(next_key);
  if (!comm) return false;
  *out = pool.intern(*comm);
  return true;
}

template <size_t N>
bool symbol_field(Cursor& c, const char (&key)[N], StringPool& pool, StrId* out) {
  if (!c.skip_past(key)) return false;
  *out = pool.intern(c.read_token());
  return true;
}

// "ttwu_queue_wakelist+0x11d/0x150" -> "ttwu_queue_wakelist". Not
// find_first_of("+/"): that calls memchr on the two-byte set once per byte.
std::string_view symbol_name(std::string_view token) { return token.substr(0, find_either(token, 0, '+', '/')); }

// A kernel function as %ps/%pS or trace-cmd print it ("ttwu_queue_wakelist",
// "ttwu_queue_wakelist+0x11d/0x150", "tick_nohz_handler/0x0"): the name only,
// so that every input format gives the same symbol.
template <size_t N>
bool function_field(Cursor& c, const char (&key)[N], StringPool& pool, StrId* out) {
  if (!c.skip_past(key)) return false;
  std::string_view token = c.read_token();
  *out = pool.intern(symbol_name(token));
  return true;
}

// trace-cmd report's "comm:pid [prio]" (sched plugin); comm may hold ':'.
bool report_task(std::string_view text, StringPool& pool, TaskRef* task) {
  size_t bracket = text.rfind(" [");
  if (bracket == std::string_view::npos) return false;
  std::string_view comm_pid = text.substr(0, bracket);
  size_t colon = comm_pid.rfind(':');
  if (colon == std::string_view::npos) return false;
  Cursor pid(comm_pid.substr(colon + 1)), prio(text.substr(bracket + 2));
  auto p = as_i32(pid.read_int());
  auto q = as_i32(prio.read_int());
  if (!p || !pid.empty() || !q) return false;
  *task = TaskRef{pool.intern(comm_pid.substr(0, colon)), *p, *q};
  return true;
}

// comm=%s pid=%d prio=%d [success=%d] target_cpu=%03d [state=W]
bool parse_wakeup(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!c.rest().starts_with("comm=")) {
    // trace-cmd report: "bash:3794 [120] [success=1] CPU:001"
    std::string_view text = c.rest();
    size_t cpu = text.rfind("CPU:");
    if (cpu == std::string_view::npos) return false;
    std::string_view task = text.substr(0, cpu);
    size_t close = task.rfind(']');
    if (close == std::string_view::npos || !report_task(task.substr(0, close + 1), pool, &e->task)) return false;
    Cursor target(text.substr(cpu + 4));
    auto t = as_i32(target.read_int());
    if (!t) return false;
    e->target_cpu = *t;
    return true;
  }
  if (!comm_field(c, "comm=", " pid=", pool, &e->task.comm)) return false;
  if (!int_field(c, " pid=", &e->task.pid) || !int_field(c, " prio=", &e->task.prio)) return false;
  // Keys are found fastest right at the cursor: the separator is consumed
  // first (it is never part of a match, so what is found is the same).
  c.expect(" ");
  return int_field(c, "target_cpu=", &e->target_cpu);
}

// prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> next_comm=%s next_pid=%d next_prio=%d
bool parse_switch(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!c.rest().starts_with("prev_comm=")) {
    // trace-cmd report: "a:1 [120] S ==> b:2 [120]"
    std::string_view text = c.rest();
    size_t arrow = text.find(" ==> ");
    if (arrow == std::string_view::npos) return false;
    std::string_view prev = text.substr(0, arrow);
    size_t close = prev.rfind(']');
    if (close == std::string_view::npos || !report_task(prev.substr(0, close + 1), pool, &e->task)) return false;
    std::string_view state = prev.substr(close + 1);
    while (!state.empty() && state.front() == ' ') state.remove_prefix(1);
    e->prev_state = state.empty() ? '?' : state.front();
    e->preempted = state.find('+') != std::string_view::npos;
    return report_task(text.substr(arrow + 5), pool, &e->next);
  }
  if (!comm_field(c, "prev_comm=", " prev_pid=", pool, &e->task.comm)) return false;
  if (!int_field(c, " prev_pid=", &e->task.pid) || !int_field(c, " prev_prio=", &e->task.prio)) return false;
  if (!c.skip_past(" prev_state=")) return false;
  std::string_view state = c.read_token();
  e->prev_state = state.empty() ? '?' : state.front();
  e->preempted = state.find('+') != std::string_view::npos;
  if (!comm_field(c, " next_comm=", " next_pid=", pool, &e->next.comm)) return false;
  return int_field(c, " next_pid=", &e->next.pid) && int_field(c, " next_prio=", &e->next.prio);
}

// comm=%s pid=%d prio=%d orig_cpu=%d dest_cpu=%d
bool parse_migrate(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!comm_field(c, "comm=", " pid=", pool, &e->task.comm)) return false;
  if (!int_field(c, " pid=", &e->task.pid)) return false;
  return int_field(c, "orig_cpu=", &e->source_cpu) && int_field(c, "dest_cpu=", &e->target_cpu);
}

// comm=%s pid=%d child_comm=%s child_pid=%d
bool parse_fork(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!comm_field(c, "comm=", " pid=", pool, &e->task.comm) || !int_field(c, " pid=", &e->task.pid)) return false;
  if (!comm_field(c, " child_comm=", " child_pid=", pool, &e->next.comm)) return false;
  return int_field(c, " child_pid=", &e->next.pid);
}

// comm=%s pid=%d prio=%d [group_dead=%s]
bool parse_exit(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!comm_field(c, "comm=", " pid=", pool, &e->task.comm)) return false;
  return int_field(c, " pid=", &e->task.pid);
}

bool work_pointer(Cursor& c, Event* e) {
  c.skip_spaces();
  auto work = c.read_hex();
  if (!work) return false;
  e->address = *work;
  return true;
}

// The work pointer's key: "work struct" as the event's print format says
// it, or the field's own name "work" where the payload is printed raw
// (trace-cmd report -R: `work=0xffff888627c27de8 function=0xffffffff81624310`;
// the function then stays an address, kept as its text).
bool skip_work_key(Cursor& c, bool with_equals) {
  if (c.skip_past("work struct")) return !with_equals || c.skip_past("=");
  return c.skip_past("work=");
}

// work struct=%p function=%ps workqueue=%s req_cpu=%d cpu=%d
bool parse_queue_work(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!skip_work_key(c, true) || !work_pointer(c, e)) return false;
  if (!function_field(c, " function=", pool, &e->function)) return false;
  if (!symbol_field(c, " workqueue=", pool, &e->site)) return false;
  return int_field(c, " req_cpu=", &e->source_cpu) && int_field(c, " cpu=", &e->target_cpu);
}

// work struct %p [function=%ps]
bool parse_activate_work(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!skip_work_key(c, false) || !work_pointer(c, e)) return false;
  if (c.rest().find("function=") != std::string_view::npos) function_field(c, "function=", pool, &e->function);
  return true;
}

// work struct %p: function %ps   (execute_end on older kernels: work struct %p)
bool parse_execute_work(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!skip_work_key(c, false) || !work_pointer(c, e)) return false;
  if (c.rest().find("function ") != std::string_view::npos) function_field(c, "function ", pool, &e->function);
  else if (c.rest().find("function=") != std::string_view::npos) function_field(c, "function=", pool, &e->function);
  return true;
}

// irq=%d name=%s
bool parse_irq_entry(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  int32_t irq = 0;
  if (!int_field(c, "irq=", &irq)) return false;
  e->number = irq;
  return symbol_field(c, " name=", pool, &e->function);
}

// irq=%d ret=%s
bool parse_irq_exit(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  int32_t irq = 0;
  if (!int_field(c, "irq=", &irq)) return false;
  e->number = irq;
  return symbol_field(c, " ret=", pool, &e->function);
}

// vec=%u [action=%s]
bool parse_softirq(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  int32_t vec = 0;
  if (!int_field(c, "vec=", &vec)) return false;
  e->number = vec;
  c.expect(" [");
  if (c.skip_past("action=")) {
    auto action = c.read_until("]");
    if (action) e->function = pool.intern(*action);
  }
  return true;
}

// hrtimer=%p function=%ps now=%llu | timer=%p function=%ps now=%lu baseclk=%lu
bool parse_timer_entry(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!c.skip_past("timer=")) return false;
  auto addr = c.read_hex();
  if (!addr) return false;
  e->address = *addr;
  return function_field(c, " function=", pool, &e->function);
}

// hrtimer=%p | timer=%p
bool parse_timer_exit(Cursor& c, StringPool&, Event* e, CpuMask*) {
  if (!c.skip_past("timer=")) return false;
  auto addr = c.read_hex();
  if (!addr) return false;
  e->address = *addr;
  return true;
}

// cpu=%u callsite=%pS callback=%pS
bool parse_ipi_send_cpu(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!int_field(c, "cpu=", &e->target_cpu)) return false;
  if (!function_field(c, " callsite=", pool, &e->site)) return false;
  return function_field(c, " callback=", pool, &e->function);
}

// A cpumask as the kernel's %*pb prints it: comma-separated 32-bit hex words,
// most significant first ("00000000,00000003").
bool parse_hex_cpumask(std::string_view text, CpuMask* mask) {
  int bit = 0;
  for (size_t i = text.size(); i-- > 0;) {
    char ch = text[i];
    if (ch == ',') continue;
    int nibble = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
    if (nibble < 0) return false;
    for (int b = 0; b < 4; ++b)
      if (nibble >> b & 1) mask->set(bit + b);
    bit += 4;
  }
  return bit > 0;
}

// The mask token at the cursor into `*targets`, which the event then points to.
bool targets_field(Cursor& c, CpuMask* targets, Event* e) {
  *targets = {};
  if (!parse_hex_cpumask(c.read_token(), targets)) return false;
  e->cpumask = targets;
  return true;
}

// cpumask=%s callsite=%pS callback=%pS
bool parse_ipi_send_cpumask(Cursor& c, StringPool& pool, Event* e, CpuMask* targets) {
  if (!c.skip_past("cpumask=") || !targets_field(c, targets, e)) return false;
  if (!function_field(c, " callsite=", pool, &e->site)) return false;
  return function_field(c, " callback=", pool, &e->function);
}

// target_mask=%s (%s)
bool parse_ipi_raise(Cursor& c, StringPool& pool, Event* e, CpuMask* targets) {
  if (!c.skip_past("target_mask=") || !targets_field(c, targets, e)) return false;
  if (c.skip_past("(")) {
    auto reason = c.read_until(")");
    if (reason) e->function = pool.intern(*reason);
  }
  return true;
}

// (%s)
bool parse_ipi_handler(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (c.skip_past("(")) {
    auto reason = c.read_until(")");
    if (reason) e->function = pool.intern(*reason);
  }
  return true;
}

// cpu=%u callsite=%pS func=%ps csd=%p
bool parse_csd_queue(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!int_field(c, "cpu=", &e->target_cpu)) return false;
  if (!function_field(c, " callsite=", pool, &e->site) || !function_field(c, " func=", pool, &e->function)) return false;
  if (!c.skip_past(" csd=")) return false;
  auto csd = c.read_hex();
  if (!csd) return false;
  e->address = *csd;
  return true;
}

// func=%ps, csd=%p
bool parse_csd_function(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  if (!c.skip_past("func=")) return false;
  auto func = c.read_until(",");
  if (!func) return false;
  e->function = pool.intern(symbol_name(*func));
  c.expect(", ");
  if (!c.skip_past("csd=")) return false;
  auto csd = c.read_hex();
  if (!csd) return false;
  e->address = *csd;
  return true;
}

// %p (flags=%s) | %p (ret=%d)
bool parse_contention(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  auto lock = c.read_hex();
  if (!lock) return false;
  e->address = *lock;
  if (c.skip_past("(flags=")) {
    auto flags = c.read_until(")");
    if (flags) e->site = pool.intern(*flags);
  } else if (c.skip_past("(ret=")) {
    auto ret = c.read_int();
    if (ret) e->number = *ret;
  }
  return true;
}

// cpu: %04u target: %3d step: %3d (%ps)
bool parse_cpuhp_enter(Cursor& c, StringPool& pool, Event* e, CpuMask*) {
  int32_t target = 0;
  if (!c.skip_past("cpu:")) return false;
  c.skip_spaces();
  auto cpu = as_i32(c.read_int());
  if (!cpu || !c.skip_past("target:")) return false;
  e->target_cpu = *cpu;
  c.skip_spaces();
  auto t = as_i32(c.read_int());
  if (!t) return false;
  target = *t;
  e->number = target;
  if (c.skip_past("(")) {
    auto fn = c.read_until(")");
    if (fn) e->function = pool.intern(*fn);
  }
  return true;
}

// cpu: %04u  state: %3d step: %3d ret: %d
bool parse_cpuhp_exit(Cursor& c, StringPool&, Event* e, CpuMask*) {
  if (!c.skip_past("cpu:")) return false;
  c.skip_spaces();
  auto cpu = as_i32(c.read_int());
  if (!cpu || !c.skip_past("state:")) return false;
  e->target_cpu = *cpu;
  c.skip_spaces();
  auto state = c.read_int();
  if (!state) return false;
  e->number = *state;
  return true;
}

bool parse_nothing(Cursor&, StringPool&, Event*, CpuMask*) { return true; }

// The text grammar of each event type, indexed by EventType.
constexpr std::array<PayloadFn, kEventTypeCount> kGrammar = {{
#define FTLENS_EVENT(id, system, name, grammar, ...) grammar,
#define FTLENS_MARKER(id, label) parse_nothing,
#include "parser/event_types.def"
#undef FTLENS_EVENT
#undef FTLENS_MARKER
}};

}  // namespace

bool parse_ctx_wake_entry(std::string_view payload, StringPool& pool, Event* event) {
  Cursor c(payload);
  c.skip_spaces();
  // "pid:prio:S", the prio padded with blanks after the colon.
  auto task = [&c](int32_t* pid, int32_t* prio, char* state) {
    const auto p = c.read_int();
    if (!p || *p < 0 || *p > INT32_MAX || !c.expect(":")) return false;
    c.skip_spaces();
    const auto q = c.read_int();
    if (!q || *q < -1000 || *q > 1000 || !c.expect(":") || c.empty()) return false;
    *state = c.rest().front();
    if (*state == ' ') return false;
    c = Cursor(c.rest().substr(1));
    *pid = static_cast<int32_t>(*p);
    *prio = static_cast<int32_t>(*q);
    return true;
  };
  int32_t prev_pid = 0, prev_prio = 0, next_pid = 0, next_prio = 0, cpu = -1;
  char prev_state = 0, next_state = 0;
  if (!task(&prev_pid, &prev_prio, &prev_state)) return false;
  c.skip_spaces();
  bool is_switch = false;
  if (c.expect("==>")) is_switch = true;
  else if (!c.expect("+")) return false;
  c.skip_spaces();
  if (c.expect("[")) {
    const auto n = c.read_int();
    if (!n || *n < 0 || *n > INT32_MAX || !c.expect("]")) return false;
    cpu = static_cast<int32_t>(*n);
    c.skip_spaces();
  }
  if (!task(&next_pid, &next_prio, &next_state)) return false;
  c.skip_spaces();
  const std::string_view comm = c.rest();
  const StrId next_comm = comm.empty() || comm == "<...>" ? kNoStr : pool.intern(comm);
  if (is_switch) {
    event->type = EventType::kSchedSwitch;
    event->task.pid = prev_pid;
    event->task.prio = prev_prio;
    event->task.comm = event->comm;
    event->prev_state = prev_state;
    event->next.pid = next_pid;
    event->next.prio = next_prio;
    event->next.comm = next_comm;
  } else {
    event->type = EventType::kSchedWakeup;
    event->task.pid = next_pid;
    event->task.prio = next_prio;
    event->task.comm = next_comm;
    event->target_cpu = cpu >= 0 ? cpu : event->cpu;
  }
  return true;
}

bool parse_payload(std::string_view payload, StringPool& pool, Event* event, CpuMask* targets) {
  Cursor cursor(payload);
  return kGrammar[static_cast<size_t>(event->type)](cursor, pool, event, targets);
}

}  // namespace ftlens
