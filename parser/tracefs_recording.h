// Recording from the running kernel through libtracefs: enables the events
// the detectors read, reads every CPU's ring buffer raw (pages, as
// trace_pipe_raw gives them) into per-CPU files, optionally decodes the pages
// into Events as they arrive (for --live), and at the end writes a trace.dat
// with libtracecmd that trace-cmd and ftlens both read. The tracing state it
// changes (tracing_on, buffer size, enabled events) is saved first and put
// back by finish() or the destructor, whichever comes first.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parser/event_sink.h"
#include "util/status.h"

namespace ftlens {

class StringPool;

// "system:event" names for a preset ("default": everything a detector reads;
// "light": scheduling, workqueue and irq only), or the list itself split at
// commas ("sched:sched_switch,workqueue:*"). Empty on an unknown preset.
std::vector<std::string> recording_events(std::string_view preset_or_list);

struct RecordingOptions {
  std::string output = "trace.dat";
  std::vector<std::string> events;  // "system:event", "system:*"
  int buffer_kb = 0;                // per CPU; 0 keeps the kernel's current size
  int file_version = 7;             // 6, or 7 (zstd-compressed when available)
};

struct RecordingStats {
  uint64_t pages = 0;          // ring-buffer pages read
  uint64_t bytes = 0;
  uint64_t events = 0;         // decoded (live only)
  uint64_t lost_events = 0;    // overrun + dropped, from per_cpu/cpuN/stats
  int cpus = 0;
};

class TracefsRecording {
 public:
  // Checks root and tracefs (mounting it if needed), saves the state, sets up
  // the events (those this kernel lacks are skipped and listed in
  // `skipped`), clears the buffer and starts tracing. Fails (one line) when
  // that is impossible.
  static Expected<std::unique_ptr<TracefsRecording>> start(const RecordingOptions& options,
                                                           std::vector<std::string>* skipped);
  ~TracefsRecording();
  TracefsRecording(const TracefsRecording&) = delete;
  TracefsRecording& operator=(const TracefsRecording&) = delete;

  // Decode pages into events for `sink` from now on (their names and comms
  // go to `pool`); without this the pages are only stored.
  void decode_into(StringPool& pool, EventSink& sink);
  // Reads what every CPU has buffered, without waiting; decoded events are
  // handed on in time order. Returns the pages read.
  size_t poll();
  // Stops tracing, reads the rest, writes the trace.dat, restores the state.
  // Fails (one line) when the trace.dat could not be written.
  Status finish();

  const RecordingStats& stats() const;
  std::string_view tracing_dir() const;

 private:
  struct State;
  explicit TracefsRecording(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ftlens
