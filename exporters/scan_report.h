// What `ftlens scan` writes: the aggregate JSON report (per trace: input and
// findings; totals per detector; new/fixed/still-present against a baseline),
// JUnit XML for CI servers, and a short summary on stdout.
#pragma once

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exporters/analysis_result.h"
#include "util/status.h"

namespace ftlens {

struct ScannedTrace {
  std::string path;
  bool ok = false;
  std::string error;
  const AnalysisResult* result = nullptr;  // when ok
  std::string perfetto;                    // its Perfetto JSON, if written
};

// One trace's entry in the scan report: path, ok or error, input, Perfetto
// file, findings each with its fingerprint (`fingerprint` names a finding
// across runs).
nlohmann::ordered_json scan_entry(const ScannedTrace& trace, const std::function<std::string(const Finding&)>& fingerprint);
// The scan report around its trace entries (in scan order) and the files it
// looked at and did not analyze (`skipped`: [{"path", "reason"}]): counts,
// totals per detector and, with a previous scan report as `baseline`, what is
// new, fixed or still present. Everything is computed from the entries, so
// `ftlens merge` builds the same report from the entries of shard reports.
// `roots` (the directories and files scanned, as given) go in scan.roots.
// A trace that could not be read is compared as a finding of fingerprint
// kUnreadableFingerprint: new when the baseline could read it or had no such
// trace.
inline constexpr const char* kUnreadableFingerprint = "unreadable";
nlohmann::ordered_json assemble_scan_report(nlohmann::ordered_json entries, nlohmann::ordered_json skipped,
                                            const nlohmann::json* baseline,
                                            nlohmann::ordered_json roots = nlohmann::ordered_json::array());
// Ok when `skipped` is a list of {"path": string, "reason": string}, as a
// scan report's "skipped" is; else kBadInput saying what is wrong.
Status check_skipped_list(const nlohmann::json& skipped);
// Ok when `entry` has the shape of a trace entry as scan_entry writes it
// (every field the readers here use, with its type); else kBadInput saying
// what is wrong.
// For entries read back from shard reports by ftlens merge: a damaged or
// hand-edited part is a clear error, not a crash.
Status check_trace_entry(const nlohmann::json& entry);
// JUnit as CI servers read it: <testsuites> holding a <testsuite> per scan
// root (scan.roots) with a <testcase> per trace, timed by `analysis_ns` (by
// trace entry; 0 where it has none). A trace with a finding at or above
// `fail_at` has one <failure>: its message is the root cause of its worst
// group, its body every group and finding as the summary prints them. An
// <error> for a trace that could not be read, a <skipped> testcase for each
// file the scan did not analyze.
std::string build_junit(const nlohmann::ordered_json& report, Severity fail_at, const std::vector<int64_t>& analysis_ns = {});
void write_scan_summary(const nlohmann::ordered_json& report, std::FILE* out);

}  // namespace ftlens
