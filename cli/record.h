// ftlens record: record the running kernel to a trace.dat, optionally with
// the detectors watching live.
#pragma once

#include <string>
#include <vector>

#include "parser/tracefs_recording.h"

namespace ftlens {

struct RecordCommand {
  RecordingOptions recording;
  double seconds = 0;            // 0: until Ctrl-C (SIGINT) or SIGTERM
  bool live = false;             // run the detectors while recording
  bool json = false;             // live findings as JSON lines on stdout
  double check_every = 1.0;      // seconds between live checks
  std::string config_path;       // detector options, as for analyze
  std::vector<std::string> sets;
};

// Returns the process exit code (0 ok, 2 could not record).
int run_record(const RecordCommand& command);

}  // namespace ftlens
