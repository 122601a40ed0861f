#include "model/system_model.h"

namespace ftlens {

namespace {

bool is_irq_boundary(EventType t) {
  switch (t) {
    case EventType::kIrqEntry: case EventType::kIrqExit:
    case EventType::kSoftirqEntry: case EventType::kSoftirqExit:
    case EventType::kHrtimerEntry: case EventType::kHrtimerExit:
    case EventType::kIpiEntry: case EventType::kIpiExit:
    case EventType::kCsdFunctionEntry: case EventType::kCsdFunctionExit:
      return true;
    default:
      return false;
  }
}

}  // namespace

CpuTimeline& SystemModel::timeline(int32_t cpu) {
  auto index = static_cast<size_t>(cpu);
  if (index >= cpus_.size()) {
    size_t old = cpus_.size();
    cpus_.resize(index + 1);
    for (size_t i = old; i < cpus_.size(); ++i) cpus_[i].cpu = static_cast<int32_t>(i);
  }
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

void SystemModel::switch_to(CpuTimeline& cpu, int32_t pid, StrId comm, TimeNs at, bool seen_switch) {
  cpu.busy_total = cpu.busy_until(at);
  cpu.busy_mark = at;
  // A repaired span ends at the old task's last event: the lost switch
  // happened somewhere after it, and claiming more would overstate the span.
  if (cpu.current.pid >= 0) close_span(cpu, seen_switch ? at : cpu.current.end, seen_switch, !seen_switch);
  cpu.current = TaskSpan{};
  cpu.current.cpu = cpu.cpu;
  cpu.current.pid = pid;
  cpu.current.comm = comm;
  cpu.current.start = at;
  cpu.current.end = at;
  cpu.current.start_seen = seen_switch || cpu.events > 0;
  cpu.current.lost_events = cpu.lost_events;
  waiting_.erase(pid);
}

void SystemModel::apply_work(const Event& e) {
  if (e.type == EventType::kWorkStart) {
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

void SystemModel::apply_wakeup(const Event& e) {
  if (e.task.pid <= 0 || e.target_cpu < 0) return;
  if (waiting_.size() >= kMaxWaitingTasks && !waiting_.contains(e.task.pid)) {
    stats_.add(ModelStat::waiting_tasks_dropped);
    return;
  }
  auto [it, inserted] = waiting_.try_emplace(e.task.pid);
  // A second wakeup of a task that has not run yet does not restart its wait.
  if (inserted) it->second = WaitingTask{e.task.pid, e.task.comm, e.target_cpu, e.ts};
  else it->second.cpu = e.target_cpu;
}

void SystemModel::apply(const Event& e) {
  if (e.cpu < 0 || e.cpu >= kMaxCpus) {
    stats_.add(ModelStat::cpu_out_of_range);
    return;
  }
  CpuTimeline& cpu = timeline(e.cpu);

  if (e.type == EventType::kLostEvents) {
    cpu.lost_events += static_cast<uint64_t>(e.number);
    return;
  }
  if (e.type == EventType::kBufferStarted) return;

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
  if (cpu.current.pid != e.pid) {
    if (cpu.current.pid >= 0) stats_.add(ModelStat::repaired_switches);
    switch_to(cpu, e.pid, e.comm, e.ts, false);
  }

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
      if (auto it = waiting_.find(e.task.pid); it != waiting_.end()) it->second.cpu = e.target_cpu;
      break;
    case EventType::kSchedProcessExit:
      waiting_.erase(e.task.pid);
      break;
    case EventType::kWorkStart:
    case EventType::kWorkEnd:
      apply_work(e);
      break;
    // Hardirq nesting counts irq and IPI handlers, cross-CPU function calls
    // and hrtimer expiry: without an irq-flags column (seed 000's format)
    // x86's local timer and IPIs are visible only through these events.
    case EventType::kIrqEntry:
    case EventType::kIpiEntry:
    case EventType::kCsdFunctionEntry:
    case EventType::kHrtimerEntry: ++cpu.hardirq_depth; break;
    case EventType::kSoftirqEntry: ++cpu.softirq_depth; break;
    case EventType::kIrqExit:
    case EventType::kIpiExit:
    case EventType::kCsdFunctionExit:
    case EventType::kHrtimerExit:
    case EventType::kSoftirqExit: {
      int& depth = e.type == EventType::kSoftirqExit ? cpu.softirq_depth : cpu.hardirq_depth;
      if (depth > 0) --depth;
      else stats_.add(ModelStat::irq_exit_without_entry);
      break;
    }
    default:
      break;
  }
}

void SystemModel::finish() {
  for (CpuTimeline& cpu : cpus_) {
    if (!cpu.seen || cpu.current.pid < 0) continue;
    cpu.busy_total = cpu.busy_until(last_event_);
    cpu.busy_mark = last_event_;
    close_span(cpu, last_event_, false, false);
  }
}

}  // namespace ftlens
