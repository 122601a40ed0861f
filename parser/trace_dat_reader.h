// trace-cmd's trace.dat (file versions 6 and 7, compressed or not) read
// through libtracecmd: records come out merged by time across CPUs, and field
// values are read with libtraceevent's field descriptions, never by printing
// and re-parsing text.
#pragma once

#include <string>

#include "parser/event_sink.h"
#include "util/status.h"

namespace ftlens {

class StringPool;

struct TraceDatResult {
  Status status;              // failed: "path: reason"
  uint64_t events = 0;
  uint64_t lost_events = 0;
  int cpus = 0;
  std::string instance;       // "" for the top buffer
  std::string instances;      // comma-separated names of the other buffers in the file
  std::string truncated_cpus; // CPUs whose data breaks off part-way (damaged), "1,3"
  uint64_t unknown_records = 0;  // records with event ids the file defines no format for
  std::string corrupt_cpus;   // CPUs that had such records
  // The signal ("SIGSEGV") with which libtracecmd/libtraceevent crashed on a
  // damaged page, after some events were read; "" if reading went to the end.
  std::string read_fault;
};

// Reads the top buffer, or the instance named `instance`.
TraceDatResult read_trace_dat(const std::string& path, const std::string& instance, StringPool& pool,
                              EventSink& sink);

}  // namespace ftlens
