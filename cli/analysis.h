// One analysis run: trace -> parser -> model -> detectors -> findings, with
// the Perfetto writer riding along on the model's spans.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exporters/analysis_result.h"
#include "exporters/perfetto_json.h"

namespace ftlens {

class Detector;

struct AnalyzeOptions {
  std::string trace;
  std::string config_path;          // JSON: {"detector": {"key": "value"}}
  std::vector<std::string> sets;    // "detector.key=value"
  std::string perfetto_path;        // empty: no Perfetto JSON
  TimelineOptions timeline;         // what the Perfetto JSON shows
  std::string instance;             // trace.dat buffer instance; "" for the top buffer
  std::string dmesg_path;           // a kernel log to search for lockup reports
  unsigned text_threads = 0;        // ReadOptions::text_threads
};

struct AnalyzeOutcome {
  bool ok = false;
  std::string error;  // one line, for stderr, when !ok
  AnalysisResult result;
  uint64_t perfetto_bytes = 0;  // size of the Perfetto JSON written
};

AnalyzeOutcome analyze(const AnalyzeOptions& options);

// Applies a JSON config file and "detector.key=value" assignments to the
// detectors; returns the first error (one line).
std::optional<std::string> configure_detectors(std::vector<std::unique_ptr<Detector>>& detectors,
                                               const std::string& config_path, const std::vector<std::string>& sets);

// "detector.key (default): description" for every option, for --help output.
std::string describe_detector_options();

}  // namespace ftlens
