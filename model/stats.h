// Everything the model had to repair or could not use, as one X-macro list
// so that the report prints every counter with its meaning.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ftlens {

#define FTLENS_MODEL_STATS(F)                                                                                  \
  F(repaired_switches, "an event's comm-pid header named a task other than the one sched_switch put on the CPU; " \
                       "the running task was corrected (a sched_switch was missing)")                        \
  F(switch_prev_mismatch, "sched_switch prev_pid differed from the event's own header pid")                  \
  F(timestamps_backwards, "an event was older than the previous event of the same CPU")                      \
  F(duplicate_events, "an event repeated the previous event of its CPU exactly (time, task, name, fields) and was dropped") \
  F(cpu_out_of_range, "an event named a CPU beyond the supported maximum and was ignored")                  \
  F(work_end_without_start, "workqueue_execute_end with no open workqueue_execute_start for that worker")     \
  F(work_end_mismatch, "workqueue_execute_end for a different work struct than the worker had started")      \
  F(work_start_while_open, "workqueue_execute_start while the worker had an item open (its end was lost)")   \
  F(irq_exit_without_entry, "an irq/softirq/IPI handler or hrtimer exit with no matching entry on that CPU")           \
  F(waiting_tasks_dropped, "woken tasks dropped from the waiting list because it was full")                   \
  F(function_depth_capped, "function_graph calls nested deeper than 64 on a CPU: counted, not kept")          \
  F(function_return_without_entry, "a function_graph return with no call open on that CPU (its entry was before the trace)") \
  F(stack_frames_dropped, "stack trace frames beyond the first 32 of a stack, counted but not kept")         \
  F(stack_frames_without_head, "' => frame' lines with no '<stack trace>' line before them on that CPU")      \
  F(stacks_overwritten, "stack traces beyond the latest 4096 of the trace, not kept as evidence for findings") \
  F(stack_tasks_dropped, "tasks whose latest stack was not kept because 4096 tasks already had one")          \
  F(data_gaps_dropped, "stretches with lost events beyond the first 4096, counted but not kept for the findings") \
  F(open_work_dropped, "workqueue_execute_start of a worker beyond the 65536 with work open at once: not followed") \
  F(findings_folded, "findings beyond a detector's max_findings (default 1000): counted in its fold finding, not listed") \
  F(d_state_tasks_dropped, "hung-task: tasks in D state beyond the 65536 followed at once: not followed")         \
  F(contentions_dropped, "lock-contention: contention_begin of a task beyond the 65536 waiting at once: not followed") \
  F(pending_work_dropped, "wq-stall: work queued beyond the 65536 pending at once: not followed")                 \
  F(ipis_dropped, "ipi-unanswered: IPIs sent while 4096 waited for their CPU (the oldest was forgotten) or 65536 waited in all (the new one was not followed)") \
  F(kernel_reports_dropped, "kernel reports beyond the 256 kept per source (kernel log, console events) or the 512 kernel-report reads: not read")                      \
  F(recordings_not_split, "events whose CPU went back by more than a second after 256 recordings already, read as part of the last one") \
  F(watchdog_periods_dropped, "watchdog-gap: kicks in watchdog periods beyond the 65536 periods with a kick kept for the kick-bit view: not shown there") \
  F(names_not_kept, "lookups of names (comms, event names, symbols) beyond the 524288 distinct ones kept: they read as '(name not kept)'")

enum class ModelStat : uint8_t {
#define FTLENS_STAT_ENUM(name, desc) name,
  FTLENS_MODEL_STATS(FTLENS_STAT_ENUM)
#undef FTLENS_STAT_ENUM
  kCount_
};

struct ModelStats {
  std::array<uint64_t, static_cast<size_t>(ModelStat::kCount_)> values{};
  void add(ModelStat stat, uint64_t n = 1) { values[static_cast<size_t>(stat)] += n; }
  uint64_t get(ModelStat stat) const { return values[static_cast<size_t>(stat)]; }
};

// The counters that say an input went beyond a cap (docs/hostile-input.md):
// the summary prints those that bit.
inline constexpr std::array kCapStats = {
    ModelStat::waiting_tasks_dropped, ModelStat::stacks_overwritten,    ModelStat::stack_tasks_dropped,
    ModelStat::data_gaps_dropped,     ModelStat::recordings_not_split,  ModelStat::open_work_dropped,
    ModelStat::findings_folded,       ModelStat::d_state_tasks_dropped, ModelStat::contentions_dropped,
    ModelStat::pending_work_dropped,  ModelStat::ipis_dropped,          ModelStat::kernel_reports_dropped,
    ModelStat::names_not_kept,        ModelStat::watchdog_periods_dropped,
};

inline ModelStats add_stats(ModelStats a, const ModelStats& b) {
  for (size_t i = 0; i < a.values.size(); ++i) a.values[i] += b.values[i];
  return a;
}

struct StatInfo {
  std::string_view name;
  std::string_view description;
};

inline constexpr std::array<StatInfo, static_cast<size_t>(ModelStat::kCount_)> kModelStatInfo = {{
#define FTLENS_STAT_INFO(name, desc) {#name, desc},
    FTLENS_MODEL_STATS(FTLENS_STAT_INFO)
#undef FTLENS_STAT_INFO
}};

}  // namespace ftlens
