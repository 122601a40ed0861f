// Chrome Trace Event Format (JSON object form) for the Perfetto UI, written
// as a stream while the trace is read: memory stays flat in the trace size.
// One process per CPU ("CPU 0", ...) with the running tasks as slices and the
// work items on a second track; findings on their own process at the top.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exporters/output_file.h"
#include "model/system_model.h"

namespace ftlens {

class StringPool;
struct AnalysisResult;

class PerfettoJsonWriter final : public TimelineListener {
 public:
  PerfettoJsonWriter(const std::string& path, const StringPool& strings);

  bool ok() { return out_.ok(); }
  void on_task_span(const TaskSpan& span, const SystemModel& model) override;
  void on_work_done(const WorkItem& item, TimeNs end, const SystemModel& model) override;
  // Writes the work items still open, the findings and the closing bracket;
  // returns an error message or "".
  std::string finish(const SystemModel& model, const AnalysisResult& result);

 private:
  void begin_event();
  void flush_if_large();
  void append_ts(TimeNs ns);
  void ensure_cpu_track(int32_t cpu);
  void slice(int32_t pid, int32_t tid, std::string_view name, TimeNs start, TimeNs end, const std::string& args_json);
  void write_work(const WorkItem& item, TimeNs end, bool unterminated);

  OutputFile out_;
  const StringPool& strings_;
  std::string buf_;
  bool first_event_ = true;
  std::vector<bool> cpu_named_;
};

}  // namespace ftlens
