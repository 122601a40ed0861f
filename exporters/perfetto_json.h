// Chrome Trace Event Format (JSON object form) for the Perfetto UI, written
// as a stream while the trace is read: memory stays flat in the trace size.
//
// One process per CPU ("CPU 0", ... sorted by number) with thread tracks for
// the running task, work items, hard-irq handlers and softirqs, and a counter
// of tasks woken onto the CPU and still waiting; wakeups optionally as flow
// arrows; findings on their own process at the top. Every slice is an X event
// on a track where slices only ever nest, never partially overlap.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <string>
#include <vector>

#include "exporters/output_file.h"
#include "model/system_model.h"

namespace ftlens {

class StringPool;
struct AnalysisResult;

struct TimelineOptions {
  bool handlers = true;            // irq/softirq slices
  bool flows = false;              // wakeup arrows (they add an event pair per wakeup)
  bool counters = true;            // waiting-tasks counter per CPU
  bool by_task = false;            // also one process per task group, a track per task
  std::optional<TimeNs> from, to;  // window; slices are clipped to it
  std::vector<int32_t> cpus;       // empty: all CPUs
};

class PerfettoJsonWriter final : public TimelineListener {
 public:
  PerfettoJsonWriter(const std::string& path, const StringPool& strings, TimelineOptions options = {});

  bool ok() { return out_.ok(); }
  void on_task_span(const TaskSpan& span, const SystemModel& model) override;
  void on_work_done(const WorkItem& item, TimeNs end, const SystemModel& model) override;
  void on_handler_span(const HandlerSpan& span, const SystemModel& model) override;
  void on_wakeup_served(const WaitingTask& task, int32_t cpu, TimeNs at, const SystemModel& model) override;
  void on_function_call(const FunctionCall& call, const SystemModel& model) override;
  // After the model applied an event: counters that changed.
  void after_event(const Event& event, const SystemModel& model);
  // Draws the work items still open up to the model's last event: at the
  // end of the trace, and at the end of each recording of a concatenated
  // input, before the model starts over.
  void draw_open_work(const SystemModel& model);
  // Writes the work items still open, the findings and the closing bracket;
  // fails (kIo) when the file could not be written.
  Status finish(const SystemModel& model, const AnalysisResult& result);

  uint64_t bytes_written() const { return bytes_; }

 private:
  bool wanted_cpu(int32_t cpu) const;
  // Clips [start, end] to the window; false when nothing is left.
  bool clip(TimeNs* start, TimeNs* end) const;
  bool in_window(TimeNs ts) const;
  void begin_event();
  void flush_if_large();
  void append_int(int64_t value);
  void append_ts(TimeNs ns);
  void append_task_name(StrId comm, int32_t pid);
  void ensure_cpu_track(int32_t cpu);
  void open_slice(int32_t pid, int32_t tid, TimeNs start, TimeNs end);
  void close_slice(std::string_view args_json);
  void slice(int32_t pid, int32_t tid, std::string_view name, TimeNs start, TimeNs end, std::string_view args_json);
  void write_work(const WorkItem& item, TimeNs end, bool unterminated);
  void counter(int32_t cpu, TimeNs ts, uint32_t value);

  OutputFile out_;
  const StringPool& strings_;
  TimelineOptions options_;
  std::string buf_;
  std::string name_;  // scratch for slice names, reused so that no slice allocates
  bool first_event_ = true;
  uint64_t bytes_ = 0;
  uint64_t next_flow_id_ = 1;
  std::vector<bool> cpu_named_;
  std::vector<bool> functions_named_;  // CPUs whose "functions" track is named
  std::vector<int64_t> last_waiting_;  // last counter value written per CPU, -1 none
  std::unordered_set<int64_t> named_tasks_;  // by-task tracks already named (pid, and -tgid for processes)
};

}  // namespace ftlens
