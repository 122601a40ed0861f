// trace-cmd's trace.dat (file versions 6 and 7, compressed or not) read
// through libtracecmd: records come out merged by time across CPUs, and field
// values are read with libtraceevent's field descriptions, never by printing
// and re-parsing text.
#pragma once

#include <cstdint>
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
  // Why reading ended before the end of the data when the reader process
  // did not come back (isolated_dat_reader.h): "libtracecmd aborted
  // (SIGABRT) while reading the event data". Events read before it stand.
  std::string stopped;
  // The file's page size or CPU count disagrees with its data: what and
  // what it costs, "path: ..." ("" when they agree).
  std::string layout_warning;
};

// Where reading a trace.dat is, for a message about what went wrong there.
enum class DatPhase : uint8_t { kHeaders, kFirstPages, kInstances, kEventData, kCpuEnds, kDone };
// "reading the headers", "reading each CPU's first page", ...
const char* dat_phase_doing(DatPhase phase);

// Told each phase as reading enters it, and, while the event data is read,
// how many bytes of the file lie behind the reading (for a progress line:
// the CPUs' data are read side by side, so this is the headers plus what
// each CPU has read of its own data; it reaches the file's size at the end).
struct DatPhaseHook {
  void (*on_phase)(DatPhase phase, void* context) = nullptr;
  void* context = nullptr;
  void (*on_file_bytes)(uint64_t bytes, void* context) = nullptr;
  void operator()(DatPhase phase) const {
    if (on_phase) on_phase(phase, context);
  }
  void file_bytes(uint64_t bytes) const {
    if (on_file_bytes) on_file_bytes(bytes, context);
  }
};

// Reads the top buffer, or the instance named `instance`.
TraceDatResult read_trace_dat(const std::string& path, const std::string& instance, StringPool& pool,
                              EventSink& sink, DatPhaseHook phase = {});

}  // namespace ftlens
