// Everything an analysis produced, as the exporters consume it.
#pragma once

#include <string>
#include <vector>

#include "detectors/finding.h"
#include "model/stats.h"
#include "parser/event_sink.h"  // ParseIssue
#include "parser/trace_input.h"

namespace ftlens {

// One recording of an input: a file made with `cat` of several has one per
// restart of the timestamps.
struct RecordingSpan {
  TimeNs first_ns = 0;
  TimeNs last_ns = 0;
  uint64_t events = 0;  // events the model used
};

// Whether a detector had the events it needs (analysis/coverage.h).
struct DetectorCoverage {
  std::string detector;  // its id
  std::string missing;   // what the trace has none of ("sched_switch"); empty: judged
  bool judged() const { return missing.empty(); }
  // The report's value: "judged" or "not judged: the trace has no sched_switch".
  std::string verdict() const { return judged() ? "judged" : "not judged: the trace has no " + missing; }
};

// The input's part (format, bytes, events, warning, line accounting...) is
// the reader's TraceInput as it came.
struct AnalysisResult : TraceInput {
  std::string path;
  std::vector<int32_t> cpus;    // CPUs that produced events
  TimeNs first_ns = 0;
  TimeNs last_ns = 0;
  std::vector<ParseIssue> first_issues;  // the first few lines that could not be used
  ModelStats model_stats;
  std::vector<RecordingSpan> recordings;  // in input order; one for most inputs
  std::vector<Finding> findings;         // sorted: severity, then start
  std::vector<DetectorCoverage> coverage;  // every detector, in report order
};

}  // namespace ftlens
