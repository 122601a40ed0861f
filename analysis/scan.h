// ftlens scan: every trace under some directories, analyzed in parallel, one
// verdict. A file that cannot be read is an error entry; the scan goes on.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analyze.h"
#include "analysis/scan_worker.h"
#include "analysis/shard.h"

namespace ftlens {

struct ScanOptions {
  std::vector<std::string> roots;  // directories (searched recursively) and files
  int jobs = 0;                    // 0: one per core; at most max_scan_jobs()
  AnalyzeOptions analyze;          // detector options shared by every trace
  bool progress = false;           // progress line on stderr
  std::string perfetto_dir;        // write each trace's Perfetto JSON here ("" none)
  // Each trace is analyzed in a process of its own, so that a crash on one
  // (ftlens's or a library's) is that trace's failed entry. In this process
  // instead: for debugging ftlens itself; the first crash ends the scan.
  bool in_process = false;
};

using ScanEntry = ScanWorkerResult;  // the trace's report entry and its size

// What a scan looked at and did not analyze, and why: "not a trace: binary
// data", "too small: 2 events", "unreadable: Permission denied".
struct SkippedFile {
  std::string path, reason;
};

// Finds the traces: files named on the command line always; files under a
// directory when their content looks like a trace (a line that tokenizes, a
// trace.dat, a gzip/zstd wrapper, a dmesg dump or systrace page), the others
// in `skipped` with the reason.
struct FoundTraces {
  std::vector<std::string> traces;
  std::vector<std::string> relative;  // each trace's path relative to its root (a file named explicitly: its name)
  std::vector<SkippedFile> skipped;   // files under the directories, in path order per root
  std::vector<std::string> missing;   // roots that do not exist
};
FoundTraces find_traces(const std::vector<std::string>& roots);

// The most traces analyzed at once: 4 per core. Each worker holds a trace's
// model and maybe a trace.dat reader process; more only thrash.
int max_scan_jobs();

// Analyzes `traces` with options.jobs workers (capped at max_scan_jobs()).
// When the system refuses a thread, the workers already started (and this
// thread) finish the scan; `workers` (optional) says how many there were.
struct ScanWorkers {
  int asked = 0, started = 0;
  std::string refused;  // why a thread could not be started ("" when none was refused)
};
std::vector<ScanEntry> scan(const ScanOptions& options, const std::vector<std::string>& traces,
                            ScanWorkers* workers = nullptr);

// A finding's identity across nights: detector, the task name with its
// numbers folded ("kworker/N:N"), and what it is about (function, callsite,
// report kind, pool).
std::string fingerprint(const Finding& finding);

// A whole scan: finds the traces under `options.roots`, keeps the shard's
// slice of them (when there is a shard), analyzes them and builds the scan
// report (with a "shard" section when sharded, compared with `baseline` when
// there is one).
struct ScanOutcome {
  std::vector<std::string> missing;  // roots that do not exist (the scan goes on without them)
  std::string error;                 // one line; empty when `report` is the scan's
  std::string notice;                // one line for stderr: fewer workers than asked ("" when none)
  nlohmann::ordered_json report;
  std::vector<int64_t> analysis_ns;  // by trace entry, for the JUnit
};
ScanOutcome scan_to_report(const ScanOptions& options, const std::optional<Shard>& shard, const nlohmann::json* baseline);

// A previous scan report to compare with (--baseline): what the comparison
// reads must have the right types. An empty path gives an empty baseline.
struct Baseline {
  std::optional<nlohmann::json> report;  // nullopt: unusable, see error
  std::string error;                     // one line
};
Baseline load_baseline(const std::string& path);

}  // namespace ftlens
