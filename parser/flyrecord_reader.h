// The event data of a compressed trace.dat v7, read without libtracecmd's
// iteration. libtracecmd 3.1.6 keeps every chunk it decompresses (its
// free_zpage test can never be true) and finds a chunk by walking a list of
// all of them: 203 MiB of resident memory and 2.65 s for a 38 MB file. Here
// each CPU holds one decompressed chunk at a time, and the CPUs' records are
// merged by time as libtracecmd merges them (earliest first; on a tie, the
// CPU read first). The headers (event formats, symbols, command lines) are
// still libtracecmd's; only the flyrecord data is read here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct tep_handle;

namespace ftlens {

class DatFileProgress;
class RecordDecoder;

// Where one buffer's per-CPU data lies, from the file's options.
struct FlyrecordLayout {
  // Why this file is left to libtracecmd ("" when it is not): uncompressed
  // data or a compression other than zstd, options that shift timestamps
  // (OFFSET, TIME_SHIFT, TSC2NSEC), a big-endian file, compressed options,
  // anything unexpected.
  std::string not_handled;
  uint32_t page_size = 0;
  unsigned long_size = 8;
  struct Cpu {
    int cpu = 0;
    uint64_t offset = 0;  // of the chunk count that starts the CPU's data
    uint64_t size = 0;
  };
  std::vector<Cpu> cpus;
};

// Reads the header and the options of the trace.dat open at `fd` for the
// buffer named `instance` ("" for the top one).
FlyrecordLayout read_flyrecord_layout(int fd, const std::string& instance);

// Hands every record of every CPU to `decoder`, merged by time; returns how
// many. A CPU whose data turns out damaged part-way (a chunk that does not
// decompress, a bad page or record) stops there: the decoder reports it
// truncated at its last record. The others go on.
// Each chunk read is told to `progress`.
uint64_t read_flyrecord(int fd, const FlyrecordLayout& layout, tep_handle* tep, RecordDecoder& decoder,
                        DatFileProgress& progress);

}  // namespace ftlens
