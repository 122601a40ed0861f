// libFuzzer target: trace.dat (v6, v7, compressed or not) through
// libtracecmd + libtraceevent, our field extraction and the pipeline. Seeds
// are small real recordings (traces/record_small_dat.sh).
//
// Built twice (tests/fuzz/CMakeLists.txt):
// - fuzz_trace_dat reads in this process (FTLENS_DAT_ISOLATION=0), so that
//   the coverage of our decoding reaches the fuzzer, and a library abort,
//   hang or blow-up is a failure the fuzzer keeps: something to find and
//   put in regressions/, with a check before libtracecmd sees such bytes.
// - fuzz_trace_dat_isolated (FTLENS_FUZZ_ISOLATED) reads as ftlens does, in
//   a child process with small limits: what is under test is the isolation
//   itself. Whatever the libraries do to the child, this process must get a
//   result back: a one-line error that names the file and, when the child
//   was stopped, says what stopped it and where; or events, a warning when
//   the child stopped part-way, and a valid report.
//
// Both mutate the fields libtracecmd trusts most, besides libFuzzer's own
// byte-level changes: the page size, the CPU count, section sizes and the
// BUFFER options' page size and CPU count.
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "parser/trace_reader.h"
#include "tests/fuzz/fuzz_pipeline.h"
#include "tests/fuzz/memory_file.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

// A field of `bytes` bytes (little-endian) at `at`.
struct Field {
  size_t at;
  unsigned bytes;
};

uint64_t get(const uint8_t* data, Field f) {
  uint64_t v = 0;
  for (unsigned i = 0; i < f.bytes; ++i) v |= uint64_t{data[f.at + i]} << (8 * i);
  return v;
}

void put(uint8_t* data, Field f, uint64_t v) {
  for (unsigned i = 0; i < f.bytes; ++i) data[f.at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// The structural fields of a little-endian trace.dat: the page size in the
// file header; for v6 the CPU count (the 4 bytes before "options  " or
// "flyrecord"); for v7 each section's size and, in options sections, each
// BUFFER option's page size and CPU count.
std::vector<Field> structural_fields(const uint8_t* data, size_t size) {
  std::vector<Field> fields;
  if (size < 16 || std::memcmp(data, "\x17\x08\x44tracing", 10) != 0) return fields;
  size_t at = 10;
  while (at < size && data[at] != 0) ++at;
  if (at + 7 > size) return fields;
  const bool v7 = data[10] == '7';
  fields.push_back({at + 3, 4});  // page size
  if (!v7) {
    for (const char* mark : {"options  ", "flyrecord"}) {
      const uint8_t* hit = static_cast<const uint8_t*>(memmem(data, size, mark, std::strlen(mark)));
      if (hit && hit - data >= 4) {
        fields.push_back({static_cast<size_t>(hit - data) - 4, 4});
        break;
      }
    }
    return fields;
  }
  // Compression name, its version, the options offset: sections follow.
  size_t p = at + 7;
  for (int strings = 0; strings < 2; ++strings) {
    while (p < size && data[p] != 0) ++p;
    ++p;
  }
  p += 8;
  for (int sections = 0; sections < 64 && p + 16 <= size; ++sections) {
    const Field length{p + 8, 8};
    fields.push_back(length);
    const uint16_t id = static_cast<uint16_t>(get(data, {p, 2}));
    const uint64_t bytes = get(data, length);
    if (bytes > size - p - 16) break;
    if (id == 0) {  // options: id u16, size u32, data
      size_t o = p + 16;
      const size_t end = p + 16 + bytes;
      while (o + 6 <= end) {
        const uint16_t option = static_cast<uint16_t>(get(data, {o, 2}));
        const uint32_t option_size = static_cast<uint32_t>(get(data, {o + 2, 4}));
        const size_t body = o + 6;
        if (option_size > end - body) break;
        fields.push_back({o + 2, 4});
        if (option == 3) {  // BUFFER: offset, name, clock, page size, CPU count, ...
          size_t b = body + 8;
          for (int strings = 0; strings < 2 && b < body + option_size; ++strings) {
            while (b < body + option_size && data[b] != 0) ++b;
            ++b;
          }
          if (b + 8 <= body + option_size) {
            fields.push_back({b, 4});
            fields.push_back({b + 4, 4});
          }
        }
        o = body + option_size;
      }
    }
    p += 16 + bytes;
  }
  return fields;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  const std::vector<Field> fields = structural_fields(data, size);
  if (fields.empty() || rng() % 3 != 0) return LLVMFuzzerMutate(data, size, max_size);
  const Field f = fields[rng() % fields.size()];
  const uint64_t was = get(data, f);
  const uint64_t choices[] = {0,          1,          was + 1,     was - 1,      was * 2,    was / 2,
                              was << 8,   1u << 20,   4096,        0x7fffffff,   0xffffffff, 0x80000000,
                              size,       size * 2,   was ^ (uint64_t{1} << (rng() % (8 * f.bytes)))};
  put(data, f, choices[rng() % std::size(choices)]);
  return size;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
#ifdef FTLENS_FUZZ_ISOLATED
  // Small limits: a spin or a blow-up is stopped within the fuzzer's timeout.
  setenv("FTLENS_DAT_CPU_SECONDS", "2", 1);
  setenv("FTLENS_DAT_MEMORY_MIB", "192", 1);
#else
  setenv("FTLENS_DAT_ISOLATION", "0", 1);
#endif
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ftlens;
  fuzz::MemoryFile file(data, size);
  if (!file.ok()) return 0;
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  Pipeline pipeline(detectors, nullptr);
  ReadResult read = read_trace(file.path(), ReadOptions{}, strings, pipeline);
  if (!read.status.ok()) {
    const std::string& error = read.status.message();
    if (error.find('\n') != std::string::npos) fuzz::fail("error message spans lines");
#ifdef FTLENS_FUZZ_ISOLATED
    if (error.find("while ") != std::string::npos && error.find("the trace.dat reader") != std::string::npos)
      fuzz::fail("the reader process ended without a reason we know");
#endif
    return 0;
  }
  if (read.warning.find('\n') != std::string::npos) fuzz::fail("warning spans lines");
  AnalysisResult result;
  result.format = read.format;
  result.events = read.events;
  result.lost_events = read.lost_events;
  pipeline.finish(result);
  fuzz::check_report(result);
  return 0;
}
