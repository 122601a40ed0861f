#include "model/system_model.h"

#include <algorithm>  // max
#include <cstring>    // memcmp, memcpy
#include <memory>

namespace ftlens {

namespace {

bool is_irq_boundary(EventType t) {
  switch (t) {
    case EventType::kIrqEntry: case EventType::kIrqExit:
    case EventType::kSoftirqEntry: case EventType::kSoftirqExit:
    case EventType::kHrtimerEntry: case EventType::kHrtimerExit:
    case EventType::kIpiEntry: case EventType::kIpiExit:
    case EventType::kCsdFunctionEntry: case EventType::kCsdFunctionExit:
    case EventType::kTimerEntry: case EventType::kTimerExit:
      return true;
    default:
      return false;
  }
}

}  // namespace

CpuTimeline& SystemModel::grow_to(size_t index) {
  const size_t old = cpus_.size();
  cpus_.resize(index + 1);
  for (size_t i = old; i < cpus_.size(); ++i) cpus_[i].cpu = static_cast<int32_t>(i);
  running_pid_.resize(cpus_.size(), -1);
  return cpus_[index];
}

void SystemModel::close_span(CpuTimeline& cpu, TimeNs at, bool seen_end, bool repaired) {
  TaskSpan& span = cpu.current;
  span.end = at;
  span.end_seen = seen_end;
  span.repaired = repaired;
  span.lost_events = cpu.lost_events - span.lost_events;  // was the count at the span's start
  if (listener_) listener_->on_task_span(span, *this);
}

// A task runs on one CPU at a time. One that comes to run here while the
// model still has it on another left that one without a traced switch (the
// switch was lost, or the trace has no sched_switch at all): its span there
// ends at its last event there, and who ran there after it is unknown until
// an event says.
void SystemModel::leave_other_cpu(int32_t pid, int32_t here) {
  if (pid <= kIdlePid) return;  // every CPU has an idle task of pid 0
  for (size_t i = 0; i < running_pid_.size(); ++i) {
    if (running_pid_[i] != pid || static_cast<int32_t>(i) == here) continue;
    CpuTimeline& other = cpus_[i];
    stats_.add(ModelStat::repaired_switches);
    other.busy_total = other.busy_until(other.current.end);
    other.busy_mark = other.current.end;
    close_span(other, other.current.end, false, true);
    other.current = TaskSpan{};
    other.current.cpu = other.cpu;
    running_pid_[i] = -1;
    return;  // it was current on one other CPU at most
  }
}

void SystemModel::switch_to(CpuTimeline& cpu, int32_t pid, StrId comm, TimeNs at, bool seen_switch) {
  leave_other_cpu(pid, cpu.cpu);
  cpu.busy_total = cpu.busy_until(at);
  cpu.busy_mark = at;
  // A repaired span ends at the old task's last event: the lost switch
  // happened somewhere after it, and claiming more would overstate the span.
  if (cpu.current.pid >= 0) close_span(cpu, seen_switch ? at : cpu.current.end, seen_switch, !seen_switch);
  cpu.current = TaskSpan{};
  cpu.current.cpu = cpu.cpu;
  cpu.current.pid = pid;
  running_pid_[static_cast<size_t>(cpu.cpu)] = pid;
  cpu.current.comm = comm;
  cpu.current.start = at;
  cpu.current.end = at;
  // Only interrupts since the switch: they ran since `at`, not since time 0.
  cpu.current.last_task_event = at;
  cpu.current.start_seen = seen_switch || cpu.events > 0;
  cpu.current.lost_events = cpu.lost_events;
  if (auto it = waiting_.find(pid); it != waiting_.end()) {
    if (listener_) listener_->on_wakeup_served(it->second, cpu.cpu, at, *this);
    stop_waiting(it);
  }
}

void SystemModel::stop_waiting(std::unordered_map<int32_t, WaitingTask>::iterator it) {
  if (it->second.cpu >= 0 && static_cast<size_t>(it->second.cpu) < cpus_.size()) {
    uint32_t& count = cpus_[static_cast<size_t>(it->second.cpu)].waiting;
    if (count > 0) --count;
  }
  waiting_.erase(it);
}

namespace {

HandlerSpan::Kind handler_kind(EventType type) {
  switch (type) {
    case EventType::kIrqEntry: case EventType::kIrqExit: return HandlerSpan::Kind::kIrq;
    case EventType::kIpiEntry: case EventType::kIpiExit: return HandlerSpan::Kind::kIpi;
    case EventType::kCsdFunctionEntry: case EventType::kCsdFunctionExit: return HandlerSpan::Kind::kCsd;
    case EventType::kHrtimerEntry: case EventType::kHrtimerExit: return HandlerSpan::Kind::kHrtimer;
    case EventType::kSoftirqEntry: case EventType::kSoftirqExit: return HandlerSpan::Kind::kSoftirq;
    default: return HandlerSpan::Kind::kTimer;
  }
}

}  // namespace

void SystemModel::enter_handler(CpuTimeline& cpu, const Event& e) {
  HandlerSpan span;
  span.cpu = cpu.cpu;
  span.kind = handler_kind(e.type);
  span.name = e.function;
  span.number = e.number;
  span.start = e.ts;
  HandlerStack& stack = span.hard() ? cpu.hardirq : cpu.softirq;
  if (stack.size < HandlerStack::kDepth) stack.open[stack.size] = span;
  ++stack.size;
}

// Handlers close innermost first. An exit whose entry was lost closes nothing
// and is counted; an exit that skips inner handlers closes them too (their
// exits were lost).
void SystemModel::exit_handler(CpuTimeline& cpu, const Event& e) {
  const HandlerSpan::Kind kind = handler_kind(e.type);
  const bool hard = kind == HandlerSpan::Kind::kIrq || kind == HandlerSpan::Kind::kIpi ||
                    kind == HandlerSpan::Kind::kCsd || kind == HandlerSpan::Kind::kHrtimer;
  HandlerStack& stack = hard ? cpu.hardirq : cpu.softirq;
  size_t match = stack.size;
  for (size_t i = std::min(stack.size, HandlerStack::kDepth); i-- > 0;)
    if (stack.open[i].kind == kind) {
      match = i;
      break;
    }
  if (stack.size == 0 || (match == stack.size && stack.size <= HandlerStack::kDepth)) {
    stats_.add(ModelStat::irq_exit_without_entry);
    return;
  }
  if (stack.size > HandlerStack::kDepth) {  // too deep to have been stored
    --stack.size;
    return;
  }
  while (stack.size > match) {
    HandlerSpan& span = stack.open[--stack.size];
    span.end = e.ts;
    if (listener_) listener_->on_handler_span(span, *this);
  }
}

void SystemModel::apply_work(const Event& e) {
  if (e.type == EventType::kWorkStart) {
    if (open_work_.size() >= limits_.max_open_work && !open_work_.contains(e.pid)) {
      stats_.add(ModelStat::open_work_dropped);
      return;
    }
    auto [it, inserted] = open_work_.try_emplace(e.pid);
    if (!inserted) stats_.add(ModelStat::work_start_while_open);
    it->second = WorkItem{e.address, e.function, e.pid, e.comm, e.cpu, e.ts};
    return;
  }
  auto it = open_work_.find(e.pid);
  if (it == open_work_.end()) {
    stats_.add(ModelStat::work_end_without_start);
    return;
  }
  if (it->second.work != e.address) stats_.add(ModelStat::work_end_mismatch);
  if (listener_) listener_->on_work_done(it->second, e.ts, *this);
  open_work_.erase(it);
}

bool SystemModel::waker_in_irq(const Event& e) const {
  const CpuTimeline* waker = cpu(e.cpu);
  return (waker && waker->in_irq()) || (e.irq_flags & (Event::kInHardirq | Event::kInSoftirq));
}

void SystemModel::apply_wakeup(const Event& e) {
  if (e.task.pid <= 0 || e.target_cpu < 0) return;
  if (waiting_.size() >= limits_.max_waiting_tasks && !waiting_.contains(e.task.pid)) {
    stats_.add(ModelStat::waiting_tasks_dropped);
    return;
  }
  auto [it, inserted] = waiting_.try_emplace(e.task.pid);
  // A second wakeup of a task that has not run yet does not restart its wait.
  if (inserted) {
    it->second = WaitingTask{e.task.pid, e.task.comm, e.target_cpu, e.ts, e.cpu, waker_in_irq(e)};
  } else {
    move_waiting(it->second, e.target_cpu);
    return;
  }
  if (e.target_cpu < kMaxCpus) ++timeline(e.target_cpu).waiting;
}

bool SystemModel::is_duplicate(CpuTimeline& cpu, const Event& e) {
  // Binary sources carry no payload text; their events are never repeated
  // by transport, and equal coarse timestamps would make false matches.
  if (e.payload.empty()) return false;
  const size_t size = e.payload.size();
  const bool same = cpu.seen && e.ts == cpu.last_event && e.name == cpu.last_name && e.pid == cpu.last_pid &&
                    size == cpu.last_payload_size && std::memcmp(e.payload.data(), cpu.last_payload.get(), size) == 0;
  if (!same) {
    cpu.last_name = e.name;
    cpu.last_pid = e.pid;
    // Every event is copied: a plain buffer, grown rarely, costs half of
    // std::string::assign (16M of 600M instructions on a 33 MB trace).
    if (size > cpu.last_payload_capacity) {
      cpu.last_payload_capacity = std::max<size_t>(size, 2 * cpu.last_payload_capacity);
      cpu.last_payload = std::make_unique_for_overwrite<char[]>(cpu.last_payload_capacity);
    }
    std::memcpy(cpu.last_payload.get(), e.payload.data(), size);
    cpu.last_payload_size = size;
  }
  return same;
}

void SystemModel::close_gap(CpuTimeline& cpu, TimeNs to) {
  if (data_gaps_.size() < limits_.max_data_gaps) data_gaps_.push_back(DataGap{cpu.cpu, cpu.gap_from, to, cpu.pending_lost, cpu.gap_cut});
  else stats_.add(ModelStat::data_gaps_dropped);
  cpu.gap_open = false;
  cpu.gap_cut = false;
  cpu.pending_lost = 0;
}

void SystemModel::open_gap(CpuTimeline& cpu) {
  if (cpu.gap_open) return;
  cpu.gap_open = true;
  cpu.gap_from = cpu.seen ? cpu.last_event : last_event_;
}

// An elision cuts every CPU's stream at once, like a loss of unknown size on
// each: the CPUs seen so far get a gap up to their next event. A CPU first
// seen after the cut has nothing before it to join.
void SystemModel::cut_every_cpu() {
  for (CpuTimeline& cpu : cpus_) {
    if (!cpu.seen) continue;
    open_gap(cpu);
    cpu.gap_cut = true;
  }
}

bool SystemModel::apply(const Event& e) {
  if (e.type == EventType::kInputCut) {
    cut_every_cpu();
    return false;
  }
  // A latency tracer's maximum has no time of its own: nothing for the
  // timelines, but its detector reads it.
  if (e.type == EventType::kLatencyMax) return true;
  if (e.cpu < 0 || e.cpu >= kMaxCpus) {
    stats_.add(ModelStat::cpu_out_of_range);
    return false;
  }
  // Create the target CPU's timeline before holding a reference into the
  // vector: a wakeup onto a CPU not seen yet would grow it.
  if ((e.type == EventType::kSchedWakeup || e.type == EventType::kSchedWakeupNew ||
       e.type == EventType::kSchedMigrateTask) && e.target_cpu >= 0 && e.target_cpu < kMaxCpus)
    timeline(e.target_cpu);
  CpuTimeline& cpu = timeline(e.cpu);

  if (e.type == EventType::kLostEvents) {
    cpu.lost_events += static_cast<uint64_t>(e.number);
    open_gap(cpu);
    cpu.pending_lost += static_cast<uint64_t>(e.number);
    return true;
  }
  if (e.type == EventType::kBufferStarted) return true;
  // A frame belongs to the stack its CPU just printed; it is not an event
  // of its own, so nobody after the model sees it.
  if (e.type == EventType::kStackFrame) {
    add_stack_frame(e);
    return false;
  }
  if (is_duplicate(cpu, e)) {
    stats_.add(ModelStat::duplicate_events);
    return false;
  }
  if (cpu.gap_open) close_gap(cpu, e.ts);

  if (events_ == 0 || e.ts < first_event_) first_event_ = e.ts;
  if (e.ts > last_event_ || events_ == 0) last_event_ = e.ts;
  ++events_;
  if (!cpu.seen) {
    cpu.seen = true;
    cpu.first_event = e.ts;
    cpu.last_event = e.ts;
    cpu.busy_mark = e.ts;
  } else if (e.ts < cpu.last_event) {
    stats_.add(ModelStat::timestamps_backwards);
  }

  // The header comm-pid is the task current on this CPU (interrupted, when
  // in irq). If it is not who sched_switch said, a switch was lost: repair.
  // function_graph without funcgraph-proc names no task: pid -1 says nothing.
  if (cpu.current.pid != e.pid && e.pid >= 0) {
    if (cpu.current.pid >= 0) stats_.add(ModelStat::repaired_switches);
    switch_to(cpu, e.pid, e.comm, e.ts, false);
  }
  if (e.tgid > 0) cpu.current.tgid = e.tgid;

  const bool in_irq = cpu.in_irq() || (e.irq_flags & (Event::kInHardirq | Event::kInSoftirq | Event::kNmi)) ||
                      is_irq_boundary(e.type);
  if (in_irq) {
    ++cpu.current.irq_events;
  } else {
    ++cpu.current.task_events;
    cpu.current.last_task_event = e.ts;
  }
  cpu.current.end = e.ts;
  if (e.ts > cpu.last_event) cpu.last_event = e.ts;
  ++cpu.events;

  switch (e.type) {
    case EventType::kSchedSwitch:
      if (e.task.pid != e.pid) stats_.add(ModelStat::switch_prev_mismatch);
      switch_to(cpu, e.next.pid, e.next.comm, e.ts, true);
      break;
    case EventType::kSchedWakeup:
    case EventType::kSchedWakeupNew:
      apply_wakeup(e);
      break;
    case EventType::kSchedMigrateTask:
      if (auto it = waiting_.find(e.task.pid); it != waiting_.end()) move_waiting(it->second, e.target_cpu);
      break;
    case EventType::kSchedProcessExit:
      if (auto it = waiting_.find(e.task.pid); it != waiting_.end()) stop_waiting(it);
      break;
    case EventType::kWorkStart:
    case EventType::kWorkEnd:
      apply_work(e);
      break;
    // Without an irq-flags column (seed 000's format) x86's local timer and
    // IPIs are visible only through these handler events, so they define
    // interrupt context.
    case EventType::kIrqEntry:
    case EventType::kIpiEntry:
    case EventType::kCsdFunctionEntry:
    case EventType::kHrtimerEntry:
    case EventType::kSoftirqEntry:
    case EventType::kTimerEntry:
      enter_handler(cpu, e);
      break;
    case EventType::kIrqExit:
    case EventType::kIpiExit:
    case EventType::kCsdFunctionExit:
    case EventType::kHrtimerExit:
    case EventType::kSoftirqExit:
    case EventType::kTimerExit:
      exit_handler(cpu, e);
      break;
    case EventType::kFuncEntry:
    case EventType::kFuncLeaf:
    case EventType::kFuncReturn:
      apply_function(cpu, e);
      break;
    case EventType::kStackTrace: {
      if (cpu.open_stack && stacks_seen_ - cpu.open_stack < kKeptStacks)
        keep_task_stack(stacks_[(cpu.open_stack - 1) % kKeptStacks]);
      if (stacks_.size() < kKeptStacks) stacks_.emplace_back();
      else stats_.add(ModelStat::stacks_overwritten);
      StackTrace& stack = stacks_[stacks_seen_ % kKeptStacks];
      cpu.open_stack = ++stacks_seen_;
      stack = StackTrace{};
      stack.cpu = e.cpu;
      stack.pid = e.pid;
      stack.comm = e.comm;
      stack.ts = e.ts;
      stack.user = e.number == 1;
      break;
    }
    default:
      break;
  }
  return true;
}

// Calls nest per CPU: an entry opens one, a return closes the innermost. A
// return with nothing open entered before the trace began and is counted.
void SystemModel::apply_function(CpuTimeline& cpu, const Event& e) {
  FunctionStack& stack = cpu.functions;
  FunctionCall call;
  call.cpu = e.cpu;
  call.pid = cpu.current.pid;
  call.comm = cpu.current.comm;
  call.function = e.function;
  call.start = e.ts;
  call.depth = static_cast<uint32_t>(std::min<size_t>(stack.size, UINT32_MAX));
  switch (e.type) {
    case EventType::kFuncEntry:
      if (stack.size < FunctionStack::kDepth) stack.open[stack.size] = call;
      else stats_.add(ModelStat::function_depth_capped);
      ++stack.size;
      return;
    case EventType::kFuncLeaf:
      call.end = e.ts + std::max<int64_t>(e.number, 0);
      call.end_seen = true;
      call.leaf = true;
      if (listener_) listener_->on_function_call(call, *this);
      return;
    default:
      break;
  }
  if (stack.size == 0) {
    stats_.add(ModelStat::function_return_without_entry);
    return;
  }
  if (stack.size-- > FunctionStack::kDepth) return;  // too deep to have been stored
  FunctionCall& open = stack.open[stack.size];
  open.end = e.number >= 0 ? open.start + e.number : e.ts;
  open.end_seen = true;
  if (listener_) listener_->on_function_call(open, *this);
}

void SystemModel::add_stack_frame(const Event& e) {
  if (e.cpu < 0 || e.cpu >= kMaxCpus) return;
  CpuTimeline& cpu = timeline(e.cpu);
  // A stack overwritten while its frames still came has lost its slot.
  if (cpu.open_stack == 0 || stacks_seen_ - cpu.open_stack >= kKeptStacks) {
    stats_.add(ModelStat::stack_frames_without_head);
    return;
  }
  StackTrace& stack = stacks_[(cpu.open_stack - 1) % kKeptStacks];
  if (stack.frames_total < StackTrace::kMaxFrames) stack.frames[stack.frames_total] = e.function;
  else stats_.add(ModelStat::stack_frames_dropped);
  ++stack.frames_total;
}

void SystemModel::keep_task_stack(const StackTrace& stack) {
  if (stack.pid < 0) return;
  auto it = task_stacks_.find(stack.pid);
  if (it != task_stacks_.end()) {
    it->second = stack;
  } else if (task_stacks_.size() < limits_.max_stack_tasks) {
    task_stacks_.emplace(stack.pid, stack);
  } else {
    stats_.add(ModelStat::stack_tasks_dropped);
  }
}

void SystemModel::move_waiting(WaitingTask& task, int32_t cpu) {
  if (task.cpu == cpu || cpu < 0 || cpu >= kMaxCpus) return;
  if (task.cpu >= 0 && static_cast<size_t>(task.cpu) < cpus_.size() && cpus_[static_cast<size_t>(task.cpu)].waiting > 0)
    --cpus_[static_cast<size_t>(task.cpu)].waiting;
  ++timeline(cpu).waiting;
  task.cpu = cpu;
}

void SystemModel::finish() {
  for (CpuTimeline& cpu : cpus_) {
    if (cpu.gap_open) close_gap(cpu, last_event_);
    if (!cpu.seen) continue;
    if (cpu.open_stack && stacks_seen_ - cpu.open_stack < kKeptStacks)
      keep_task_stack(stacks_[(cpu.open_stack - 1) % kKeptStacks]);
    // Calls still open are drawn to the end; the stack itself stays, for
    // the detectors' finish() to read the open chain.
    for (size_t i = 0; i < cpu.functions.stored(); ++i) {
      FunctionCall open = cpu.functions.open[i];
      open.end = last_event_;
      open.end_seen = false;
      if (listener_) listener_->on_function_call(open, *this);
    }
    // Handlers still open at the end are drawn to the end, marked as such.
    for (HandlerStack* stack : {&cpu.hardirq, &cpu.softirq}) {
      while (stack->size > 0) {
        if (stack->size > HandlerStack::kDepth) {
          --stack->size;
          continue;
        }
        HandlerSpan& span = stack->open[--stack->size];
        span.end = last_event_;
        span.end_seen = false;
        if (listener_) listener_->on_handler_span(span, *this);
      }
    }
    if (cpu.current.pid < 0) continue;
    cpu.busy_total = cpu.busy_until(last_event_);
    cpu.busy_mark = last_event_;
    close_span(cpu, last_event_, false, false);
  }
}

}  // namespace ftlens
