// The human summary printed on stdout: findings by severity, each with the
// CPU, task, start time as the trace prints it (so it can be grepped) and why.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ftlens {

struct AnalysisResult;
struct DetectorCoverage;

// The summary's one line on the detectors not judged, grouped by what the
// trace lacked: "not judged: non-preempted, cpu-silent (the trace has no
// sched_switch); stuck-function (the trace has no function_graph call)".
// Empty when every detector was judged.
std::string not_judged_line(const std::vector<DetectorCoverage>& coverage);

// "3 errors, 1 warning, 0 info": the findings by severity.
std::string severity_counts(const AnalysisResult& result);

void write_text_summary(const AnalysisResult& result, std::FILE* out);

}  // namespace ftlens
