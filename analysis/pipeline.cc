#include "analysis/pipeline.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "detectors/correlate.h"
#include "exporters/perfetto_json.h"
#include "util/counted.h"

namespace ftlens {

void Pipeline::route_to_detectors() {
  for (auto& list : by_type_) list.clear();
  for (auto* list : {&task_spans_, &work_done_, &handler_spans_, &wakeups_served_, &function_calls_}) list->clear();
  for (size_t type = 0; type < by_type_.size(); ++type)
    for (auto& d : detectors_)
      if (d->wants(static_cast<EventType>(type))) by_type_[type].push_back(d.get());
  for (auto& d : detectors_) {
    if (d->wanted_spans() & kTaskSpans) task_spans_.push_back(d.get());
    if (d->wanted_spans() & kWorkDone) work_done_.push_back(d.get());
    if (d->wanted_spans() & kHandlerSpans) handler_spans_.push_back(d.get());
    if (d->wanted_spans() & kWakeupsServed) wakeups_served_.push_back(d.get());
    if (d->wanted_spans() & kFunctionCalls) function_calls_.push_back(d.get());
  }
}

void Pipeline::on_event(const Event& event) {
  // One compare per event; the CPU's own clock decides.
  if (event.ts < model_.last_event() - SystemModel::kRestartStep && remake_ && model_.starts_new_recording(event)) {
    if (recordings_.size() + 1 < kMaxRecordings) start_new_recording();
    else closed_stats_.add(ModelStat::recordings_not_split);
  }
  if (!model_.apply(event)) return;
  held_.add(event.type);
  recording_held_.add(event.type);
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
  ++recording_held_.log_records;  // a kernel log's reports go to the last recording
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

void Pipeline::hand_over_kernel_reports(bool with_log) {
  console_reports_.finish();
  if (with_log) log_reports_.finish();
  for (auto& d : detectors_) {
    for (const KernelReport& report : console_reports_.reports()) d->on_kernel_report(report);
    if (with_log)
      for (const KernelReport& report : log_reports_.reports()) d->on_kernel_report(report);
  }
}

Pipeline::Recording Pipeline::close_recording() {
  Recording rec;
  model_.finish();
  rec.span = RecordingSpan{model_.first_event(), model_.last_event(), model_.events()};
  rec.trace_end = model_.last_event();
  // Judged on what this recording held: one made without sched events says
  // nothing of scheduling, whatever the others hold.
  const std::vector<DetectorCoverage> coverage = judge_coverage(detectors_, recording_held_);
  for (size_t i = 0; i < detectors_.size(); ++i) {
    Detector& d = *detectors_[i];
    if (!coverage[i].judged()) {
      d.take_findings();
      continue;
    }
    d.finish(model_);
    for (Finding& f : d.take_findings()) rec.findings.push_back(std::move(f));
    dropped_ = add_stats(dropped_, d.stats());
  }
  sort_findings(rec.findings);
  mark_findings_near_data_gaps(rec.findings, model_.data_gaps(), model_.last_event());
  return rec;
}

void Pipeline::start_new_recording() {
  // The console events' reports so far were this recording's; a kernel
  // log's go to the last one (its times are the log's own).
  hand_over_kernel_reports(false);
  dropped_.add(ModelStat::kernel_reports_dropped, console_reports_.dropped_reports());
  console_reports_ = KernelReportParser("trace console event");
  Recording closed = close_recording();
  if (perfetto_) perfetto_->draw_open_work(model_);
  closed_stats_ = add_stats(closed_stats_, model_.stats());
  for (const CpuTimeline& cpu : model_.cpus())
    if (cpu.seen) closed_cpus_.insert(cpu.cpu);
  recordings_.push_back(std::move(closed));
  recording_held_ = EventsHeld{};
  detectors_ = remake_();
  route_to_detectors();
  model_ = SystemModel(this, model_limits_);
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.start != b.start) return a.start < b.start;
    return a.detector < b.detector;
  });
}

namespace {

void number_findings(std::vector<Finding>& findings) {
  for (size_t i = 0; i < findings.size(); ++i) {
    // Not "F" + string: GCC 12 warns falsely (-Wrestrict) on that and on
    // assigning a literal here.
    std::string id = std::to_string(i + 1);
    id.insert(id.begin(), 'F');
    findings[i].id = std::move(id);
  }
}

std::string list_of_numbers(const std::vector<size_t>& numbers) {
  std::string out;
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i > 0) out += i + 1 == numbers.size() ? " and " : ", ";
    out += std::to_string(numbers[i]);
  }
  return out;
}

}  // namespace

void Pipeline::finish_recordings(AnalysisResult& r) {
  hand_over_kernel_reports(true);
  recordings_.push_back(close_recording());
  r.coverage = judge_coverage(detectors_, held_);  // of the whole input
  std::set<int32_t> cpus = closed_cpus_;
  for (const CpuTimeline& cpu : model_.cpus())
    if (cpu.seen) cpus.insert(cpu.cpu);
  r.cpus.assign(cpus.begin(), cpus.end());
  r.model_stats = add_stats(add_stats(closed_stats_, model_.stats()), dropped_stats());
  r.first_ns = recordings_.front().span.first_ns;
  r.last_ns = recordings_.front().span.last_ns;
  for (const Recording& rec : recordings_) {
    r.recordings.push_back(rec.span);
    r.first_ns = std::min(r.first_ns, rec.span.first_ns);
    r.last_ns = std::max(r.last_ns, rec.span.last_ns);
  }

  // The same finding in several recordings (a file made of one recording
  // twice, a periodic dump that shows the same stuck work each time) is
  // reported once, with the recordings it was seen in.
  struct Merged {
    Finding finding;
    std::vector<size_t> in;  // 1-based recording numbers
  };
  std::vector<Merged> merged;
  std::map<std::tuple<std::string, TimeNs, std::string>, std::vector<size_t>> by_key;
  for (size_t n = 0; n < recordings_.size(); ++n) {
    for (Finding& f : recordings_[n].findings) {
      auto& candidates = by_key[{f.detector, f.start, f.message}];
      auto same = std::find_if(candidates.begin(), candidates.end(), [&](size_t i) {
        const Finding& g = merged[i].finding;
        return g.severity == f.severity && g.cpu == f.cpu && g.pid == f.pid && g.comm == f.comm && g.end == f.end &&
               g.duration == f.duration && g.details == f.details && merged[i].in.back() != n + 1;
      });
      if (same != candidates.end()) {
        merged[*same].in.push_back(n + 1);
        continue;
      }
      candidates.push_back(merged.size());
      merged.push_back(Merged{std::move(f), {n + 1}});
    }
  }
  const size_t total = recordings_.size();
  for (Merged& m : merged) {
    Finding& f = m.finding;
    auto in = nlohmann::ordered_json::array();
    for (size_t n : m.in) in.push_back(n);
    f.details["recordings"] = std::move(in);
    if (m.in.size() > 1)
      f.message += " [the same in recordings " + list_of_numbers(m.in) + " of the " + std::to_string(total) +
                   " concatenated in this input]";
    else
      f.message += " [in recording " + std::to_string(m.in.front()) + " of the " + std::to_string(total) +
                   " concatenated in this input]";
  }
  // Report order, one recording after the other within a severity.
  std::stable_sort(merged.begin(), merged.end(), [](const Merged& a, const Merged& b) {
    if (a.finding.severity != b.finding.severity) return a.finding.severity > b.finding.severity;
    if (a.in.front() != b.in.front()) return a.in.front() < b.in.front();
    if (a.finding.start != b.finding.start) return a.finding.start < b.finding.start;
    return a.finding.detector < b.finding.detector;
  });
  for (Merged& m : merged) r.findings.push_back(std::move(m.finding));
  number_findings(r.findings);

  // Groups within a recording only: times of two recordings say nothing of
  // each other. A merged finding is grouped in the first recording it was in.
  size_t groups = 0;
  for (size_t n = 1; n <= total; ++n) {
    std::vector<size_t> members;
    for (size_t i = 0; i < merged.size(); ++i)
      if (merged[i].in.front() == n) members.push_back(i);
    std::vector<Finding> part;
    for (size_t i : members) part.push_back(r.findings[i]);
    correlate_findings(part, recordings_[n - 1].trace_end);
    std::map<std::string, std::string> renamed;
    for (const Finding& f : part)
      if (f.root_cause) {
        std::string name = "G";
        name += std::to_string(++groups);
        renamed[f.group] = std::move(name);
      }
    for (size_t k = 0; k < members.size(); ++k) {
      Finding& f = r.findings[members[k]];
      f.group = part[k].group.empty() ? std::string() : renamed[part[k].group];
      f.root_cause = part[k].root_cause;
      f.related = std::move(part[k].related);
      if (part[k].details.contains("explains")) f.details["explains"] = part[k].details["explains"];
    }
  }
}

void Pipeline::finish(AnalysisResult& r) {
  r.first_issues = std::move(issues_);
  if (!recordings_.empty()) return finish_recordings(r);
  model_.finish();
  r.first_ns = model_.first_event();
  r.last_ns = model_.last_event();
  r.model_stats = model_.stats();  // the detectors' drops come at their finish
  r.recordings.push_back(RecordingSpan{model_.first_event(), model_.last_event(), model_.events()});
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
  hand_over_kernel_reports(true);
  r.coverage = judge_coverage(detectors_, held_);
  for (size_t i = 0; i < detectors_.size(); ++i) {
    Detector& d = *detectors_[i];
    if (!r.coverage[i].judged()) {
      d.take_findings();  // built on what the trace does not hold
      continue;
    }
    d.finish(model_);
    for (Finding& f : d.take_findings()) r.findings.push_back(std::move(f));
    dropped_ = add_stats(dropped_, d.stats());
  }
  r.model_stats = add_stats(r.model_stats, dropped_stats());
  sort_findings(r.findings);
  number_findings(r.findings);
  correlate_findings(r.findings, log_only ? log_last_ : model_.last_event());
  mark_findings_near_data_gaps(r.findings, model_.data_gaps(), model_.last_event());
}

void mark_findings_near_data_gaps(std::vector<Finding>& findings, const std::vector<DataGap>& gaps, TimeNs trace_end) {
  constexpr size_t kListedGaps = 5;
  for (Finding& f : findings) {
    const TimeNs end = f.end.value_or(trace_end);
    uint64_t lost = 0;
    size_t count = 0, cuts = 0;
    auto listed = nlohmann::ordered_json::array();
    for (const DataGap& gap : gaps) {
      if ((f.cpu && gap.cpu != *f.cpu) || gap.to < f.start || gap.from > end) continue;
      lost += gap.lost;
      if (gap.cut) ++cuts;
      if (++count <= kListedGaps) {
        listed.push_back({{"cpu", gap.cpu}, {"from_ns", gap.from}, {"to_ns", gap.to}, {"lost_events", gap.lost}});
        if (gap.cut) listed.back()["cut"] = true;
      }
    }
    if (count == 0) continue;
    f.details["confidence"] = "low";
    f.details["data_gaps"] = {{"count", count}, {"lost_events", lost}, {"first", std::move(listed)}};
    std::string where = f.cpu ? "on CPU" + std::to_string(*f.cpu) : std::string("in the trace");
    f.message += " [low confidence: ";
    if (cuts > 0) {
      // An elision: the author of a pasted fragment left lines out.
      f.details["data_gaps"]["cuts"] = cuts;
      f.message += "the input leaves lines out during this time (an elision), so what happened " + where + " there is unknown";
      if (cuts < count) f.message += lost ? " and " + counted(lost, "event") + (lost == 1 ? " was lost" : " were lost") : " and events were lost";
      f.message += "; a missing event may change the picture]";
      continue;
    }
    f.message += lost ? counted(lost, "event") : std::string("events (how many unknown)");
    f.message += " lost " + where + " during this time; a missing event may change the picture]";
  }
}

}  // namespace ftlens
