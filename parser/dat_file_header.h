// The fixed start of a trace.dat, read once for everyone who needs it: the
// checks made before libtracecmd sees the file, and the v7 reader that finds
// the options from it.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace ftlens {

struct DatFileHeader {
  std::string version;  // "6", "7"
  bool big_endian = false;
  unsigned long_size = 0;
  uint32_t page_size = 0;
  // Version 7 on: compression name ("none", "zstd") and the offset of the
  // first options section. False when they lie beyond the bytes read.
  bool has_compression = false;
  std::string compression;
  uint64_t first_options = 0;
};

// Reads and checks the header of the trace.dat open at `fd`: magic, version
// string, endianness, size of a long and page size, and from version 7 on
// the compression name and version strings and the 8-byte offset of the
// first options. libtracecmd trusts these without checking: a page size of 0
// is a SIGFPE inside it (found by fuzz_trace_dat: regressions/trace_dat/
// page_size_zero_divides_in_libtracecmd), and a file cut before the options
// offset ends makes libtracecmd 3.1.6 free the compression strings twice
// (heap corruption, regressions/trace_dat/
// cut_inside_compression_header_double_free). Fails (kBadInput) saying what
// is wrong.
Status read_dat_file_header(int fd, DatFileHeader* header);

}  // namespace ftlens
