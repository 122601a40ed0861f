// trace.dat files are read by libtracecmd and libtraceevent, C code that
// trusts the file: on a damaged one it can abort on heap corruption
// ("double free or corruption"), spin while its memory grows by gigabytes,
// or crash where the in-process fault guard (library_fault_guard.h) cannot
// help. So the reading runs in a child process, one per file, with limits
// on its memory and its CPU time, and streams its events back (event_wire.h);
// the parent decodes them into its own string pool and sink, so the model
// and the detectors run in the parent as for any other input. Whatever ends
// the child, the parent says in one line what and when: "libtracecmd
// aborted (SIGABRT: double free or corruption (!prev)) while reading the
// headers", "... was stopped after its 6 s CPU time limit ...", "...
// exceeded its 272 MiB memory limit ...". Events that came before the end
// are kept, as after a fault caught in-process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "parser/trace_dat_reader.h"

namespace ftlens {

class StringPool;

// What the child may use. The defaults grow with the file: libtracecmd maps
// a v6 file's data as it reads and keeps it mapped, and a file's formats,
// symbols and command lines grow with the machine that recorded it.
struct DatReadLimits {
  uint64_t memory_bytes = 0;  // resident memory of the child
  unsigned cpu_seconds = 0;   // CPU time of the child (time blocked on the parent does not count)
  // The defaults for a file of `file_bytes`: 256 MiB + 2 x the file for
  // memory, 5 s + 1 s per 2 MiB of file for CPU time.
  static DatReadLimits sized_for(uint64_t file_bytes);
};

// The limits for a file of `file_bytes`: the defaults, where
// `memory_mib`/`cpu_seconds` (from ReadOptions; 0: default) or the
// environment (FTLENS_DAT_MEMORY_MIB, FTLENS_DAT_CPU_SECONDS) do not set them.
DatReadLimits dat_read_limits(uint64_t file_bytes, uint64_t memory_mib, unsigned cpu_seconds);

// read_trace_dat in a child process. When the child ends before its result
// (a signal, a limit), the result says why in `stopped` and `error`: an
// error when no event came before, else ok with what came. The child's
// stdout and stderr never reach ours. FTLENS_DAT_ISOLATION=0 in the
// environment reads in this process instead (to compare, or to debug).
// `on_file_bytes` (if set) is told, in this process, how far into the file
// the reading is (DatPhaseHook::on_file_bytes), every 50 ms at most when
// the child is quiet.
TraceDatResult read_trace_dat_isolated(const std::string& path, const std::string& instance,
                                       const DatReadLimits& limits, StringPool& pool, EventSink& sink,
                                       const std::function<void(uint64_t)>& on_file_bytes = {});

// The machinery itself, with what the child does given: `body` runs in the
// child with the child's pool and a sink that streams to this process, and
// returns the result sent back. read_trace_dat_isolated's body is
// read_trace_dat; tests give bodies that abort, spin or grow.
using IsolatedBody = TraceDatResult (*)(StringPool& pool, EventSink& sink, const DatPhaseHook& phase, void* context);
TraceDatResult run_isolated(const std::string& path, const DatReadLimits& limits, IsolatedBody body, void* context,
                            StringPool& pool, EventSink& sink, const std::function<void(uint64_t)>& on_file_bytes = {});

}  // namespace ftlens
