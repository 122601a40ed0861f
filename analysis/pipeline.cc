#include "analysis/pipeline.h"

#include <algorithm>
#include <string>

#include "detectors/correlate.h"
#include "exporters/perfetto_json.h"

namespace ftlens {

void Pipeline::on_event(const Event& event) {
  if (!model_.apply(event)) return;
  held_.add(event.type);
  if (event.type == EventType::kConsole)
    console_reports_.on_record(LogRecord{0, event.ts, event.cpu, -1, {}, event.payload, true});
  for (Detector* d : by_type_[static_cast<size_t>(event.type)]) d->on_event(event, model_);
  if (perfetto_) perfetto_->after_event(event, model_);
}

void Pipeline::on_malformed(const ParseIssue& issue) {
  if (issues_.size() < kListedIssues) issues_.push_back(issue);
}

void Pipeline::on_log_line(uint64_t line, TimeNs at, std::string_view text) {
  on_log_record(LogRecord{line, at, -1, -1, {}, text, at >= 0});
}

void Pipeline::on_log_record(const LogRecord& record) {
  ++held_.log_records;
  if (record.at >= 0) {
    if (log_first_ < 0 || record.at < log_first_) log_first_ = record.at;
    if (record.at > log_last_) log_last_ = record.at;
  }
  if (record.cpu >= 0 && record.cpu < kMaxLogCpus) {
    if (log_cpus_.size() <= static_cast<size_t>(record.cpu)) log_cpus_.resize(static_cast<size_t>(record.cpu) + 1);
    log_cpus_[static_cast<size_t>(record.cpu)] = true;
  }
  log_reports_.on_record(record);
  for (auto& d : detectors_) d->on_log_line(record.at, record.text);
}

void Pipeline::on_task_span(const TaskSpan& span, const SystemModel& model) {
  for (Detector* d : task_spans_) d->on_task_span(span, model);
  if (perfetto_) perfetto_->on_task_span(span, model);
}

void Pipeline::on_work_done(const WorkItem& item, TimeNs end, const SystemModel& model) {
  for (Detector* d : work_done_) d->on_work_done(item, end, model);
  if (perfetto_) perfetto_->on_work_done(item, end, model);
}

void Pipeline::on_handler_span(const HandlerSpan& span, const SystemModel& model) {
  for (Detector* d : handler_spans_) d->on_handler_span(span, model);
  if (perfetto_) perfetto_->on_handler_span(span, model);
}

void Pipeline::on_wakeup_served(const WaitingTask& task, int32_t cpu, TimeNs at, const SystemModel& model) {
  for (Detector* d : wakeups_served_) d->on_wakeup_served(task, cpu, at, model);
  if (perfetto_) perfetto_->on_wakeup_served(task, cpu, at, model);
}

void Pipeline::on_function_call(const FunctionCall& call, const SystemModel& model) {
  for (Detector* d : function_calls_) d->on_function_call(call, model);
  if (perfetto_) perfetto_->on_function_call(call, model);
}

void Pipeline::finish(AnalysisResult& r) {
  model_.finish();
  r.first_issues = std::move(issues_);
  r.first_ns = model_.first_event();
  r.last_ns = model_.last_event();
  r.model_stats = model_.stats();
  for (const CpuTimeline& cpu : model_.cpus())
    if (cpu.seen) r.cpus.push_back(cpu.cpu);
  // A kernel log alone: its time range is the log's.
  const bool log_only = r.first_ns == 0 && r.last_ns == 0 && log_last_ >= 0;
  if (log_only) {
    r.first_ns = log_first_;
    r.last_ns = log_last_;
    // The CPUs the log names: in its prefixes and in its reports.
    std::vector<bool> named(log_cpus_);
    auto name = [&](int32_t cpu) {
      if (cpu >= 0 && cpu < kMaxLogCpus) {
        if (named.size() <= static_cast<size_t>(cpu)) named.resize(static_cast<size_t>(cpu) + 1);
        named[static_cast<size_t>(cpu)] = true;
      }
    };
    for (const KernelReport& report : log_reports_.reports()) {
      name(report.cpu);
      for (int32_t cpu : report.cpus) name(cpu);
    }
    for (size_t cpu = 0; cpu < named.size(); ++cpu)
      if (named[cpu]) r.cpus.push_back(static_cast<int32_t>(cpu));
  }
  console_reports_.finish();
  log_reports_.finish();
  for (auto& d : detectors_)
    for (const KernelReportParser* parser : {&console_reports_, &log_reports_})
      for (const KernelReport& report : parser->reports()) d->on_kernel_report(report);
  r.coverage = judge_coverage(detectors_, held_);
  for (size_t i = 0; i < detectors_.size(); ++i) {
    Detector& d = *detectors_[i];
    if (!r.coverage[i].judged()) {
      d.take_findings();  // built on what the trace does not hold
      continue;
    }
    d.finish(model_);
    for (Finding& f : d.take_findings()) r.findings.push_back(std::move(f));
  }
  std::stable_sort(r.findings.begin(), r.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.start != b.start) return a.start < b.start;
    return a.detector < b.detector;
  });
  for (size_t i = 0; i < r.findings.size(); ++i) {
    // Not "F" + string: GCC 12 warns falsely (-Wrestrict) on that and on
    // assigning a literal here.
    std::string id = std::to_string(i + 1);
    id.insert(id.begin(), 'F');
    r.findings[i].id = std::move(id);
  }
  correlate_findings(r.findings, log_only ? log_last_ : model_.last_event());
  mark_findings_near_data_gaps(r.findings, model_.data_gaps(), model_.last_event());
}

void mark_findings_near_data_gaps(std::vector<Finding>& findings, const std::vector<DataGap>& gaps, TimeNs trace_end) {
  constexpr size_t kListedGaps = 5;
  for (Finding& f : findings) {
    const TimeNs end = f.end.value_or(trace_end);
    uint64_t lost = 0;
    size_t count = 0;
    auto listed = nlohmann::ordered_json::array();
    for (const DataGap& gap : gaps) {
      if ((f.cpu && gap.cpu != *f.cpu) || gap.to < f.start || gap.from > end) continue;
      lost += gap.lost;
      if (++count <= kListedGaps)
        listed.push_back({{"cpu", gap.cpu}, {"from_ns", gap.from}, {"to_ns", gap.to}, {"lost_events", gap.lost}});
    }
    if (count == 0) continue;
    f.details["confidence"] = "low";
    f.details["data_gaps"] = {{"count", count}, {"lost_events", lost}, {"first", std::move(listed)}};
    std::string where = f.cpu ? "on CPU" + std::to_string(*f.cpu) : std::string("in the trace");
    f.message += " [low confidence: ";
    f.message += lost ? std::to_string(lost) + " events" : std::string("events (how many unknown)");
    f.message += " lost " + where + " during this time; a missing event may change the picture]";
  }
}

}  // namespace ftlens
