#include "cli/analysis.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/pipeline.h"
#include "detectors/detector.h"
#include "detectors/stack_evidence.h"
#include "exporters/perfetto_json.h"
#include "model/system_model.h"
#include "parser/string_pool.h"
#include "parser/trace_reader.h"

namespace ftlens {

namespace {

std::optional<std::string> set_option(std::vector<std::unique_ptr<Detector>>& detectors, std::string_view detector_id,
                                      std::string_view key, std::string_view value) {
  for (auto& d : detectors) {
    if (d->id() != detector_id) continue;
    for (const Option& option : d->options())
      if (option.key == key) {
        if (Status set = option.set(value); !set.ok())
          return std::string(detector_id) + "." + std::string(key) + ": " + set.message();
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

std::optional<std::string> configure_detectors(std::vector<std::unique_ptr<Detector>>& detectors,
                                               const std::string& config_path, const std::vector<std::string>& sets) {
  if (!config_path.empty())
    if (auto err = apply_config_file(detectors, config_path)) return err;
  for (const std::string& assignment : sets) {
    size_t dot = assignment.find('.'), eq = assignment.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot > eq) return "--set " + assignment + ": expected DETECTOR.KEY=VALUE";
    if (auto err = set_option(detectors, std::string_view(assignment).substr(0, dot),
                              std::string_view(assignment).substr(dot + 1, eq - dot - 1),
                              std::string_view(assignment).substr(eq + 1)))
      return "--set " + *err;
  }
  return std::nullopt;
}

AnalyzeOutcome analyze(const AnalyzeOptions& options) {
  AnalyzeOutcome outcome;
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  if (auto err = configure_detectors(detectors, options.config_path, options.sets)) {
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
  ReadResult read = read_trace(options.trace, ReadOptions{options.instance, options.text_threads, &pipeline}, strings, pipeline);
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
    ReadResult dmesg = read_trace(options.dmesg_path, ReadOptions{{}, 0, &pipeline}, dmesg_strings, logs);
    if (dmesg.format != "dmesg" && dmesg.format != "kernel-log") {
      outcome.error = options.dmesg_path + ": not a kernel log (no \"[ seconds]\" printk prefixes)";
      if (!dmesg.status.ok() && dmesg.format.empty()) outcome.error = dmesg.status.message();
      return outcome;
    }
  }
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
  r.fraction_digits = read.fraction_digits;
  pipeline.finish(r);
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

}  // namespace ftlens
