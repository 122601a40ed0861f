// Everything an analysis produced, as the exporters consume it.
#pragma once

#include <string>
#include <vector>

#include "detectors/finding.h"
#include "model/stats.h"
#include "parser/event_sink.h"  // ParseIssue
#include "parser/text_trace_info.h"

namespace ftlens {

// One recording of an input: a file made with `cat` of several has one per
// restart of the timestamps.
struct RecordingSpan {
  TimeNs first_ns = 0;
  TimeNs last_ns = 0;
  uint64_t events = 0;  // events the model used
};

struct AnalysisResult {
  std::string path;
  std::string format;           // "ftrace-text", "trace-dat", "trace-cmd-report", "dmesg", ...
  std::string compression;      // "", "gzip", "zstd"
  uint64_t bytes = 0;
  uint64_t events = 0;
  uint64_t lost_events = 0;
  int declared_cpus = 0;
  std::string warning;          // the input ended badly; what came before was analyzed
  std::string instances;        // trace.dat: other buffer instances, comma-separated
  std::vector<int32_t> cpus;    // CPUs that produced events
  TimeNs first_ns = 0;
  TimeNs last_ns = 0;
  int fraction_digits = 6;      // how the trace prints timestamps
  TextTraceInfo text;           // text inputs: line accounting
  std::vector<ParseIssue> first_issues;  // the first few lines that could not be used
  ModelStats model_stats;
  std::vector<RecordingSpan> recordings;  // in input order; one for most inputs
  std::vector<Finding> findings;         // sorted: severity, then start
};

}  // namespace ftlens
