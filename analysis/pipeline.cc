#include "analysis/pipeline.h"

#include <algorithm>
#include <string>

#include "detectors/correlate.h"
#include "exporters/perfetto_json.h"

namespace ftlens {

void Pipeline::on_event(const Event& event) {
  if (!model_.apply(event)) return;
  for (Detector* d : by_type_[static_cast<size_t>(event.type)]) d->on_event(event, model_);
  if (perfetto_) perfetto_->after_event(event, model_);
}

void Pipeline::on_malformed(const ParseIssue& issue) {
  if (issues_.size() < kListedIssues) issues_.push_back(issue);
}

void Pipeline::on_log_line(uint64_t, TimeNs at, std::string_view text) {
  for (auto& d : detectors_) d->on_log_line(at, text);
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

void Pipeline::finish(AnalysisResult& r) {
  model_.finish();
  r.first_issues = std::move(issues_);
  r.first_ns = model_.first_event();
  r.last_ns = model_.last_event();
  r.model_stats = model_.stats();
  for (const CpuTimeline& cpu : model_.cpus())
    if (cpu.seen) r.cpus.push_back(cpu.cpu);
  for (auto& d : detectors_) {
    d->finish(model_);
    for (Finding& f : d->take_findings()) r.findings.push_back(std::move(f));
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
  correlate_findings(r.findings, model_.last_event());
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
