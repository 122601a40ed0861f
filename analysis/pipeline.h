// The event fan-out of one analysis: every event goes to the model, then to
// the detectors (and the Perfetto writer, when there is one); the model's
// spans go to the detectors and the writer. analyze() and the fuzzers drive
// the same pipeline, so what is fuzzed is what ships.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <set>
#include <vector>

#include "analysis/coverage.h"
#include "detectors/detector.h"
#include "exporters/analysis_result.h"
#include "model/system_model.h"
#include "parser/kernel_log_reader.h"
#include "parser/kernel_report_parser.h"
#include "parser/text_trace_parser.h"

namespace ftlens {

class PerfettoJsonWriter;

// Findings whose time window (on their CPU, or anywhere for findings without
// one) contains a stretch where the ring buffer lost events cannot be sure of
// their details: they say so in their message and details.confidence = "low".
void mark_findings_near_data_gaps(std::vector<Finding>& findings, const std::vector<DataGap>& gaps, TimeNs trace_end);

// The report order: severity, then start, then detector.
void sort_findings(std::vector<Finding>& findings);

// Fresh detectors, configured as the first ones: one set per recording of a
// concatenated input.
using DetectorFactory = std::function<std::vector<std::unique_ptr<Detector>>()>;

class Pipeline final : public EventSink, public TimelineListener, public LogRecordSink {
 public:
  static constexpr size_t kListedIssues = 10;
  // Recordings analyzed apart; restarts after the last are counted
  // (recordings_not_split) and read as part of it.
  static constexpr size_t kMaxRecordings = 256;

  // With `remake`, an input of several recordings one after the other
  // (SystemModel::starts_new_recording) is analyzed one recording at a time:
  // at each restart the model and the detectors are closed as at the end of
  // the trace and replaced by fresh ones. Without it, it is one recording.
  Pipeline(std::vector<std::unique_ptr<Detector>>& detectors, PerfettoJsonWriter* perfetto, DetectorFactory remake = {})
      : model_(this), detectors_(detectors), perfetto_(perfetto), remake_(std::move(remake)) {
    route_to_detectors();
  }

  // Before the first event: what the model follows at most.
  void set_model_limits(const ModelLimits& limits) {
    model_limits_ = limits;
    model_ = SystemModel(this, limits);
  }

  void on_event(const Event& event) override;
  void on_malformed(const ParseIssue& issue) override;
  void on_log_line(uint64_t line, TimeNs at, std::string_view text) override;
  // A kernel log's record (a kernel-log input or --dmesg): the kernel's
  // reports in it go to the detectors at finish().
  void on_log_record(const LogRecord& record) override;
  void on_task_span(const TaskSpan& span, const SystemModel& model) override;
  void on_work_done(const WorkItem& item, TimeNs end, const SystemModel& model) override;
  void on_handler_span(const HandlerSpan& span, const SystemModel& model) override;
  void on_wakeup_served(const WaitingTask& task, int32_t cpu, TimeNs at, const SystemModel& model) override;
  void on_function_call(const FunctionCall& call, const SystemModel& model) override;

  // Closes the model, collects the findings of every detector the trace's
  // events let judge into `result` (sorted by severity then start, numbered
  // F1.., grouped by cause), says which were judged (result.coverage) and
  // fills the model's part of it (time range, CPUs, stats, first issues).
  void finish(AnalysisResult& result);

  SystemModel& model() { return model_; }
  const EventsHeld& events_held() const { return held_; }

 private:
  // What one recording of a concatenated input gave, closed.
  struct Recording {
    RecordingSpan span;
    TimeNs trace_end = 0;
    std::vector<Finding> findings;  // data gaps marked, no ids yet
  };

  void route_to_detectors();
  // Gives the detectors the kernel's reports: the console events' of this
  // recording, and at the end of the input a kernel log's.
  void hand_over_kernel_reports(bool with_log);
  // Closes the model and the detectors on the recording so far.
  Recording close_recording();
  void start_new_recording();
  // finish() for an input of several recordings: each one's findings, the
  // same ones merged, numbered and grouped per recording.
  void finish_recordings(AnalysisResult& result);

  SystemModel model_;
  ModelLimits model_limits_;
  std::vector<std::unique_ptr<Detector>>& detectors_;
  // Per event type, the detectors that want it, in report order.
  std::array<std::vector<Detector*>, static_cast<size_t>(EventType::kCount_)> by_type_;
  // Per span callback, the detectors that want it, in report order.
  std::vector<Detector*> task_spans_, work_done_, handler_spans_, wakeups_served_, function_calls_;
  PerfettoJsonWriter* perfetto_;
  DetectorFactory remake_;
  std::vector<Recording> recordings_;  // closed ones, before the current
  ModelStats closed_stats_;            // their models' counts
  // What the detectors judged so far and the closed recordings' console
  // parsers dropped at their caps.
  ModelStats dropped_;
  // Those and what the current kernel report parsers dropped.
  ModelStats dropped_stats() const {
    ModelStats all = dropped_;
    all.add(ModelStat::kernel_reports_dropped, console_reports_.dropped_reports() + log_reports_.dropped_reports());
    return all;
  }
  std::set<int32_t> closed_cpus_;      // and CPUs
  std::vector<ParseIssue> issues_;
  EventsHeld held_;            // the whole input
  EventsHeld recording_held_;  // the current recording (a file of several restarts)
  // The kernel's reports: from printk:console events, and from a kernel log.
  KernelReportParser console_reports_{"trace console event"};
  KernelReportParser log_reports_{"kernel log"};
  TimeNs log_first_ = -1, log_last_ = -1;
  static constexpr int32_t kMaxLogCpus = 4096;  // a CPU number beyond is damage, not named
  std::vector<bool> log_cpus_;                  // CPUs a kernel log's prefixes named
};

}  // namespace ftlens
