#include "cli/analysis.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "detectors/correlate.h"
#include "detectors/detector.h"
#include "exporters/perfetto_json.h"
#include "model/system_model.h"
#include "parser/string_pool.h"
#include "parser/trace_reader.h"

namespace ftlens {

namespace {

constexpr size_t kListedIssues = 10;

// Fans the event stream out: model first, then detectors; and the model's
// spans out to detectors and the Perfetto writer.
class Pipeline final : public EventSink, public TimelineListener {
 public:
  Pipeline(std::vector<std::unique_ptr<Detector>>& detectors, PerfettoJsonWriter* perfetto)
      : model_(this), detectors_(detectors), perfetto_(perfetto) {}

  void on_event(const Event& event) override {
    model_.apply(event);
    for (auto& d : detectors_) d->on_event(event, model_);
    if (perfetto_) perfetto_->after_event(event, model_);
  }
  void on_malformed(const ParseIssue& issue) override {
    if (issues_.size() < kListedIssues) issues_.push_back(issue);
  }
  void on_log_line(uint64_t, TimeNs at, std::string_view text) override {
    for (auto& d : detectors_) d->on_log_line(at, text);
  }
  void on_task_span(const TaskSpan& span, const SystemModel& model) override {
    for (auto& d : detectors_) d->on_task_span(span, model);
    if (perfetto_) perfetto_->on_task_span(span, model);
  }
  void on_work_done(const WorkItem& item, TimeNs end, const SystemModel& model) override {
    for (auto& d : detectors_) d->on_work_done(item, end, model);
    if (perfetto_) perfetto_->on_work_done(item, end, model);
  }
  void on_handler_span(const HandlerSpan& span, const SystemModel& model) override {
    for (auto& d : detectors_) d->on_handler_span(span, model);
    if (perfetto_) perfetto_->on_handler_span(span, model);
  }
  void on_wakeup_served(const WaitingTask& task, int32_t cpu, TimeNs at, const SystemModel& model) override {
    for (auto& d : detectors_) d->on_wakeup_served(task, cpu, at, model);
    if (perfetto_) perfetto_->on_wakeup_served(task, cpu, at, model);
  }

  SystemModel& model() { return model_; }
  std::vector<ParseIssue>& issues() { return issues_; }

 private:
  SystemModel model_;
  std::vector<std::unique_ptr<Detector>>& detectors_;
  PerfettoJsonWriter* perfetto_;
  std::vector<ParseIssue> issues_;
};

std::optional<std::string> set_option(std::vector<std::unique_ptr<Detector>>& detectors, std::string_view detector_id,
                                      std::string_view key, std::string_view value) {
  for (auto& d : detectors) {
    if (d->id() != detector_id) continue;
    for (const Option& option : d->options())
      if (option.key == key) {
        if (auto err = option.set(value)) return std::string(detector_id) + "." + std::string(key) + ": " + *err;
        return std::nullopt;
      }
    return "detector " + std::string(detector_id) + " has no option '" + std::string(key) + "'";
  }
  return "no detector named '" + std::string(detector_id) + "'";
}

std::optional<std::string> apply_config_file(std::vector<std::unique_ptr<Detector>>& detectors, const std::string& path) {
  std::ifstream in(path);
  if (!in) return path + ": cannot open config file";
  nlohmann::json config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object()) return path + ": not a JSON object of {\"detector\": {\"key\": value}}";
  for (const auto& [detector, keys] : config.items()) {
    if (!keys.is_object()) return path + ": \"" + detector + "\" must map option names to values";
    for (const auto& [key, value] : keys.items()) {
      std::string text;
      if (value.is_string()) text = value.get<std::string>();
      else if (value.is_array()) {
        for (const auto& item : value) {
          if (!text.empty()) text += ',';
          text += item.is_string() ? item.get<std::string>() : item.dump();
        }
      } else text = value.dump();
      if (auto err = set_option(detectors, detector, key, text)) return path + ": " + *err;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string describe_detector_options() {
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  std::string out;
  for (auto& d : detectors)
    for (const Option& o : d->options())
      out += "  " + std::string(d->id()) + "." + std::string(o.key) + " (default " + o.current() + "): " +
             std::string(o.description) + "\n";
  return out;
}

AnalyzeOutcome analyze(const AnalyzeOptions& options) {
  AnalyzeOutcome outcome;
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  if (!options.config_path.empty())
    if (auto err = apply_config_file(detectors, options.config_path)) {
      outcome.error = *err;
      return outcome;
    }
  for (const std::string& assignment : options.sets) {
    size_t dot = assignment.find('.'), eq = assignment.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot > eq) {
      outcome.error = "--set " + assignment + ": expected DETECTOR.KEY=VALUE";
      return outcome;
    }
    if (auto err = set_option(detectors, std::string_view(assignment).substr(0, dot),
                              std::string_view(assignment).substr(dot + 1, eq - dot - 1),
                              std::string_view(assignment).substr(eq + 1))) {
      outcome.error = "--set " + *err;
      return outcome;
    }
  }

  std::unique_ptr<PerfettoJsonWriter> perfetto;
  if (!options.perfetto_path.empty()) {
    perfetto = std::make_unique<PerfettoJsonWriter>(options.perfetto_path, strings, options.timeline);
    if (!perfetto->ok()) {
      outcome.error = options.perfetto_path + ": cannot create";
      return outcome;
    }
  }
  Pipeline pipeline(detectors, perfetto.get());
  ReadResult read = read_trace(options.trace, ReadOptions{options.instance}, strings, pipeline);
  if (!read.ok) {
    outcome.error = read.error;
    return outcome;
  }
  if (!options.dmesg_path.empty()) {
    // Only the log lines matter here; an ftrace dump inside it is not mixed
    // into the trace being analyzed.
    struct LogLinesOnly final : EventSink {
      explicit LogLinesOnly(Pipeline& p) : pipeline(p) {}
      void on_event(const Event&) override {}
      void on_malformed(const ParseIssue&) override {}
      void on_log_line(uint64_t line, TimeNs at, std::string_view text) override { pipeline.on_log_line(line, at, text); }
      Pipeline& pipeline;
    } logs(pipeline);
    StringPool dmesg_strings;
    ReadResult dmesg = read_trace(options.dmesg_path, ReadOptions{}, dmesg_strings, logs);
    if (dmesg.format != "dmesg") {
      outcome.error = options.dmesg_path + ": not a kernel log (no \"[ seconds]\" printk prefixes)";
      if (!dmesg.error.empty() && dmesg.format.empty()) outcome.error = dmesg.error;
      return outcome;
    }
  }
  SystemModel& model = pipeline.model();
  model.finish();

  AnalysisResult& r = outcome.result;
  r.path = options.trace;
  r.format = read.format;
  r.compression = read.compression;
  r.bytes = read.bytes;
  r.events = read.events;
  r.lost_events = read.lost_events;
  r.declared_cpus = read.declared_cpus;
  r.warning = read.warning;
  r.instances = read.instances;
  r.text = read.text;
  r.first_issues = std::move(pipeline.issues());
  r.fraction_digits = read.fraction_digits;
  r.first_ns = model.first_event();
  r.last_ns = model.last_event();
  r.model_stats = model.stats();
  for (const CpuTimeline& cpu : model.cpus())
    if (cpu.seen) r.cpus.push_back(cpu.cpu);
  for (auto& d : detectors) {
    d->finish(model);
    for (Finding& f : d->take_findings()) r.findings.push_back(std::move(f));
  }
  std::stable_sort(r.findings.begin(), r.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.start != b.start) return a.start < b.start;
    return a.detector < b.detector;
  });
  for (size_t i = 0; i < r.findings.size(); ++i) {
    // Built in two steps: GCC 12 warns falsely (-Wrestrict) on "F" + string.
    r.findings[i].id = "F";
    r.findings[i].id += std::to_string(i + 1);
  }
  correlate_findings(r.findings, model.last_event());

  if (perfetto) {
    std::string err = perfetto->finish(model, r);
    if (!err.empty()) {
      outcome.error = err;
      return outcome;
    }
    outcome.perfetto_bytes = perfetto->bytes_written();
  }
  outcome.ok = true;
  return outcome;
}

}  // namespace ftlens
