#include "analysis/analyze.h"

#include <algorithm>
#include <memory>

#include "analysis/detector_config.h"
#include "analysis/pipeline.h"
#include "detectors/detector.h"
#include "detectors/stack_evidence.h"
#include "exporters/perfetto_json.h"
#include "model/system_model.h"
#include "parser/string_pool.h"
#include "parser/trace_reader.h"

namespace ftlens {

AnalyzeOutcome analyze(const AnalyzeOptions& options) {
  AnalyzeOutcome outcome;
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  ModelLimits limits;
  if (auto err = configure_detectors(detectors, options.config_path, options.sets, &limits)) {
    outcome.error = *err;
    return outcome;
  }

  std::unique_ptr<PerfettoJsonWriter> perfetto;
  if (!options.perfetto_path.empty()) {
    perfetto = std::make_unique<PerfettoJsonWriter>(options.perfetto_path, strings, options.timeline);
    if (!perfetto->ok()) {
      outcome.error = options.perfetto_path + ": cannot create";
      return outcome;
    }
  }
  // Each recording of a concatenated input gets detectors of its own,
  // configured the same (the configuration was checked above).
  DetectorFactory remake = [&strings, &options] {
    auto fresh = make_all_detectors(DetectorContext{strings});
    (void)configure_detectors(fresh, options.config_path, options.sets);
    return fresh;
  };
  Pipeline pipeline(detectors, perfetto.get(), std::move(remake));
  pipeline.set_model_limits(limits);
  ReadOptions read_options;
  read_options.instance = options.instance;
  read_options.text_threads = options.text_threads;
  read_options.log_records = &pipeline;
  read_options.on_bytes_read = options.on_bytes_read;
  ReadResult read = read_trace(options.trace, read_options, strings, pipeline);
  if (!read.status.ok()) {
    outcome.error = read.status.message();
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
    ReadOptions dmesg_options;
    dmesg_options.log_records = &pipeline;
    ReadResult dmesg = read_trace(options.dmesg_path, dmesg_options, dmesg_strings, logs);
    if (dmesg.format != "dmesg" && dmesg.format != "kernel-log") {
      outcome.error = options.dmesg_path + ": not a kernel log (no \"[ seconds]\" printk prefixes)";
      if (!dmesg.status.ok() && dmesg.format.empty()) outcome.error = dmesg.status.message();
      return outcome;
    }
  }
  AnalysisResult& r = outcome.result;
  r.path = options.trace;
  static_cast<TraceInput&>(r) = std::move(read);
  pipeline.finish(r);
  r.model_stats.add(ModelStat::names_not_kept, strings.not_kept());
  attach_stacks(r.findings, pipeline.model(), strings);
  if (r.declared_cpus > 0 && !r.cpus.empty() && r.cpus.back() >= r.declared_cpus) {
    std::string beyond;
    for (int32_t cpu : r.cpus)
      if (cpu >= r.declared_cpus) {
        if (!beyond.empty()) beyond += ',';
        beyond += std::to_string(cpu);
      }
    if (!r.warning.empty()) r.warning += "; ";
    r.warning += r.path + ": events on CPU " + beyond + " although the trace declares " +
                 std::to_string(r.declared_cpus) + " CPUs (#P/cpus=): a corrupt CPU column or a mixed-up file";
  }
  const SystemModel& model = pipeline.model();

  if (perfetto) {
    if (Status written = perfetto->finish(model, r); !written.ok()) {
      outcome.error = written.message();
      return outcome;
    }
    outcome.perfetto_bytes = perfetto->bytes_written();
  }
  outcome.ok = true;
  return outcome;
}

std::optional<std::string> focus_on_finding(AnalyzeOptions& options, std::string_view finding_id) {
  // Two passes: find the finding, then export the window around it.
  if (options.trace == "-") return "--around reads the trace twice and cannot take stdin";
  AnalyzeOptions first = options;
  first.perfetto_path.clear();
  AnalyzeOutcome found = analyze(first);
  if (!found.ok) return found.error;
  const auto& findings = found.result.findings;
  auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.id == finding_id; });
  if (it == findings.end())
    return options.trace + ": no finding " + std::string(finding_id) + " (it has " + std::to_string(findings.size()) + ")";
  const TimeNs end = it->end ? *it->end : found.result.last_ns;
  const TimeNs margin = std::max<TimeNs>(1'000'000'000, (end - it->start) / 10);
  options.timeline.from = it->start - margin;
  options.timeline.to = end + margin;
  if (options.timeline.cpus.empty()) {
    for (const auto& f : findings)
      if ((&f == &*it || (!it->group.empty() && f.group == it->group)) && f.cpu) options.timeline.cpus.push_back(*f.cpu);
    options.timeline.cpus.insert(options.timeline.cpus.end(), it->related_cpus.begin(), it->related_cpus.end());
  }
  return std::nullopt;
}

}  // namespace ftlens
