// One trace of a scan, analyzed into its scan-report entry, either in a
// process of its own (the default) or in the calling one. In its own
// process, whatever ends the analysis early (a crash of ftlens's own code, a
// library's abort, the kernel's out-of-memory killer) becomes that entry's
// error and the scan goes on with the next trace.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/analyze.h"

namespace ftlens {

struct ScanWorkerResult {
  nlohmann::ordered_json entry;  // as exporters/scan_report.h scan_entry() writes it
  uint64_t bytes = 0;            // input bytes read, for the progress line
  int64_t analysis_ns = 0;       // wall time of its analysis (JUnit's time; not in the report, which stays the same run to run)
};

using FindingFingerprint = std::function<std::string(const Finding&)>;

// In this process: an exception or crash in the analysis is this process's.
ScanWorkerResult analyze_scan_entry(const AnalyzeOptions& options, const FindingFingerprint& fingerprint);

// In a child process (one fork per trace) that sends the entry back on a
// pipe. A child that dies gives a failed entry that says how:
// "ftlens crashed (SIGSEGV) on this file: a bug, please report it".
// `tick` (optional) is called about every 250 ms while the child works (a
// progress line drawn by the waiting thread: a thread of its own running at
// a fork would leave a sanitizer's allocator locked in the child).
ScanWorkerResult analyze_scan_entry_in_child(const AnalyzeOptions& options, const FindingFingerprint& fingerprint,
                                             const std::function<void()>& tick = {});

// Why a child that ended with wait status `status` gave no entry.
std::string scan_worker_failure(int status);

}  // namespace ftlens
