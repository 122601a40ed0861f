// ftlens scan: every trace under some directories, analyzed in parallel, one
// verdict. A file that cannot be read is an error entry; the scan goes on.
#pragma once

#include <string>
#include <vector>

#include "cli/analysis.h"

namespace ftlens {

struct ScanOptions {
  std::vector<std::string> roots;  // directories (searched recursively) and files
  int jobs = 0;                    // 0: one per core
  AnalyzeOptions analyze;          // detector options shared by every trace
  bool progress = false;           // progress line on stderr
  std::string perfetto_dir;        // write each trace's Perfetto JSON here ("" none)
};

struct ScanEntry {
  std::string path;
  bool ok = false;
  std::string error;
  AnalysisResult result;
  std::string perfetto;  // the trace's Perfetto JSON, when written
};

// Finds the traces: files named on the command line always; files under a
// directory when their content looks like a trace (a line that tokenizes, a
// trace.dat, a gzip/zstd wrapper, a dmesg dump or systrace page). `relative`
// (optional) gets each trace's path relative to its root (a file named
// explicitly: its file name).
std::vector<std::string> find_traces(const std::vector<std::string>& roots, std::vector<std::string>* missing,
                                     std::vector<std::string>* relative = nullptr);

std::vector<ScanEntry> scan(const ScanOptions& options, const std::vector<std::string>& traces);

// A finding's identity across nights: detector, the task name with its
// numbers folded ("kworker/N:N"), and what it is about (function, callsite,
// report kind, pool).
std::string fingerprint(const Finding& finding);

}  // namespace ftlens
