// Per-CPU timelines built from the event stream: who runs, irq nesting, open
// work items, woken tasks still waiting. Robust to missing sched_switch
// events and ring-buffer losses: it repairs what it can and counts it.
#pragma once

#include <span>
#include <unordered_map>
#include <vector>

#include "model/stats.h"
#include "model/timeline.h"

namespace ftlens {

class SystemModel;

// Receives intervals as the model closes them. Called from inside
// SystemModel::apply(), before the event that closed them is applied further.
class TimelineListener {
 public:
  virtual ~TimelineListener() = default;
  // `cpu` is the CPU's state when the span closed (waiting tasks included).
  virtual void on_task_span(const TaskSpan&, const SystemModel&) {}
  virtual void on_work_done(const WorkItem&, TimeNs /*end*/, const SystemModel&) {}
  virtual void on_handler_span(const HandlerSpan&, const SystemModel&) {}
  // A function_graph call returned (or, from finish(), is still open:
  // end_seen = false, end = the trace end).
  virtual void on_function_call(const FunctionCall&, const SystemModel&) {}
  // A woken task ran (on `cpu`, at `at`), ending its wait.
  virtual void on_wakeup_served(const WaitingTask&, int32_t /*cpu*/, TimeNs /*at*/, const SystemModel&) {}
};

// What the model follows at most of what the input names, one entry per
// item (--set model.KEY=N, analysis/detector_config.h); beyond, counted in
// its stats.
struct ModelLimits {
  // Woken tasks waiting to run (waiting_tasks_dropped).
  uint64_t max_waiting_tasks = 1 << 16;
  // Workers with a work item open at once; a kernel has a few hundred
  // (open_work_dropped).
  uint64_t max_open_work = 1 << 16;
  // Stretches of lost events kept for the findings (data_gaps_dropped).
  uint64_t max_data_gaps = 4096;
  // Tasks whose latest stack trace is kept (stack_tasks_dropped).
  uint64_t max_stack_tasks = 4096;
};

class SystemModel {
 public:
  static constexpr int32_t kMaxCpus = 4096;

  explicit SystemModel(TimelineListener* listener, const ModelLimits& limits = {}) : listener_(listener), limits_(limits) {}
  const ModelLimits& limits() const { return limits_; }

  // Stacks kept for the findings, the latest of the whole trace.
  static constexpr size_t kKeptStacks = 4096;

  // A CPU's clock going back by more than this is a second recording
  // concatenated to the first (`cat a.txt b.txt`): kernel traces are in time
  // order on each CPU, and clock repairs stay far below a second.
  static constexpr TimeNs kRestartStep = 1'000'000'000;

  // Returns false when the event was not used (an exact duplicate of the
  // previous event on its CPU, or a CPU out of range) or only the model reads
  // it (a cut in the input): nobody else should see it either.
  bool apply(const Event& event);
  // Whether `event` starts another recording: its CPU had events more than
  // kRestartStep later. A CPU not seen yet never does (per-CPU dumps one
  // after the other are one recording).
  bool starts_new_recording(const Event& event) const {
    const CpuTimeline* c = cpu(event.cpu);
    // Markers with no time of their own (a loss, a buffer start, a cut, a
    // stack's frame, which has its head's) do not; function_graph calls and
    // stack heads are events like any other.
    const bool timed = event.type != EventType::kLostEvents && event.type != EventType::kBufferStarted &&
                       event.type != EventType::kInputCut && event.type != EventType::kStackFrame &&
                       event.type != EventType::kLatencyMax;
    return c && timed && event.ts < c->last_event - kRestartStep;
  }
  // Closes every open span at the trace end (end_seen = false).
  void finish();

  std::span<const CpuTimeline> cpus() const { return cpus_; }
  const CpuTimeline* cpu(int32_t n) const {
    return n >= 0 && static_cast<size_t>(n) < cpus_.size() && cpus_[static_cast<size_t>(n)].seen
               ? &cpus_[static_cast<size_t>(n)] : nullptr;
  }
  const std::unordered_map<int32_t, WorkItem>& open_work() const { return open_work_; }
  const std::unordered_map<int32_t, WaitingTask>& waiting() const { return waiting_; }
  const WorkItem* open_work_of(int32_t worker_pid) const {
    auto it = open_work_.find(worker_pid);
    return it == open_work_.end() ? nullptr : &it->second;
  }
  bool empty() const { return events_ == 0; }
  TimeNs first_event() const { return first_event_; }
  TimeNs last_event() const { return last_event_; }
  uint64_t events() const { return events_; }
  const ModelStats& stats() const { return stats_; }
  // Where events were lost, per CPU, in trace order (after finish(): all).
  const std::vector<DataGap>& data_gaps() const { return data_gaps_; }
  // The stacks kept (up to kKeptStacks, in no order; stacks_seen() were printed).
  const std::vector<StackTrace>& stacks() const { return stacks_; }
  uint64_t stacks_seen() const { return stacks_seen_; }
  // The latest stack printed while `pid` ran, or null.
  const StackTrace* latest_stack_of(int32_t pid) const {
    auto it = task_stacks_.find(pid);
    return it == task_stacks_.end() ? nullptr : &it->second;
  }

 private:
  // Twice per event: the lookup inline, the growth out of line.
  CpuTimeline& timeline(int32_t cpu) {
    const auto index = static_cast<size_t>(cpu);
    return index < cpus_.size() ? cpus_[index] : grow_to(index);
  }
  CpuTimeline& grow_to(size_t index);
  void switch_to(CpuTimeline& cpu, int32_t pid, StrId comm, TimeNs at, bool seen_switch);
  void leave_other_cpu(int32_t pid, int32_t here);
  void close_span(CpuTimeline& cpu, TimeNs at, bool seen_end, bool repaired);
  void apply_work(const Event& e);
  void apply_wakeup(const Event& e);
  bool waker_in_irq(const Event& e) const;
  void enter_handler(CpuTimeline& cpu, const Event& e);
  void exit_handler(CpuTimeline& cpu, const Event& e);
  void stop_waiting(std::unordered_map<int32_t, WaitingTask>::iterator it);
  void move_waiting(WaitingTask& task, int32_t cpu);
  bool is_duplicate(CpuTimeline& cpu, const Event& e);
  void close_gap(CpuTimeline& cpu, TimeNs to);
  void apply_function(CpuTimeline& cpu, const Event& e);
  void add_stack_frame(const Event& e);
  void keep_task_stack(const StackTrace& stack);
  void open_gap(CpuTimeline& cpu);
  void cut_every_cpu();

  TimelineListener* listener_;
  ModelLimits limits_;
  std::vector<CpuTimeline> cpus_;
  // cpus_[i].current.pid, packed: switch_to() looks for the task it puts on a
  // CPU among the others' (a scan of 4 bytes per CPU, not of CpuTimelines).
  std::vector<int32_t> running_pid_;
  std::unordered_map<int32_t, WorkItem> open_work_;    // by worker pid
  std::unordered_map<int32_t, WaitingTask> waiting_;   // by woken pid
  ModelStats stats_;
  std::vector<DataGap> data_gaps_;
  std::unordered_map<int32_t, StackTrace> task_stacks_;  // by pid, capped at limits_.max_stack_tasks
  std::vector<StackTrace> stacks_;  // ring: stack number n at n % kKeptStacks
  uint64_t stacks_seen_ = 0;
  TimeNs first_event_ = 0;
  TimeNs last_event_ = 0;
  uint64_t events_ = 0;
};

}  // namespace ftlens
