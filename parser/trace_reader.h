// Opens a trace (path or "-" for stdin), undoes gzip/zstd wrappers,
// recognises the format from the content (never the file name) and streams it
// through the matching reader into an EventSink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "parser/event_sink.h"
#include "parser/trace_input.h"
#include "util/status.h"

namespace ftlens {

class StringPool;
class LogRecordSink;

enum class InputFormat { kFtraceText, kTraceDat, kGzip, kZstd, kBinaryUnknown, kEmpty };
std::string_view input_format_name(InputFormat format);

// Recognises a format from the first bytes of the input.
InputFormat sniff_format(std::string_view head);

struct ReadOptions {
  std::string instance;  // trace.dat buffer instance; "" for the top buffer
  // Threads that parse text (text_chunk_pipeline.h); 0: two on a machine
  // with more than one core, for text of 12 MiB or more (below that a second
  // thread costs more than it saves). FTLENS_TEXT_THREADS=N in the
  // environment overrides both, for any size (1: the plain loop).
  unsigned text_threads = 0;
  // Where a kernel log's records go (kernel_log_reader.h); when null, each
  // record goes to the EventSink's on_log_line, without its CPU.
  LogRecordSink* log_records = nullptr;
  // Limits of the process that reads a trace.dat (isolated_dat_reader.h):
  // its resident memory in MiB and its CPU time in seconds. 0: sized from
  // the file (256 MiB + 2 x the file; 5 s + 1 s per 2 MiB), unless
  // FTLENS_DAT_MEMORY_MIB / FTLENS_DAT_CPU_SECONDS in the environment say.
  uint64_t dat_memory_mib = 0;
  unsigned dat_cpu_seconds = 0;
  // Told the bytes read from the file so far, after each read (a progress
  // line); a trace.dat is read by its own process and says nothing here.
  std::function<void(uint64_t)> on_bytes_read;
};

struct ReadResult : TraceInput {
  Status status;  // failed: one line, "path: reason" (with a line number for text)
};

ReadResult read_trace(const std::string& path, const ReadOptions& options, StringPool& pool, EventSink& sink);

}  // namespace ftlens
