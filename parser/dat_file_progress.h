// How far into a trace.dat the reading of its event data is. Each CPU's data
// is one stretch of the file and the stretches are read side by side (merged
// by time), so what lies behind the reading is the part before the first
// stretch (headers, formats, options) plus what each CPU has read of its own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "parser/trace_dat_reader.h"

namespace ftlens {

class DatFileProgress {
 public:
  DatFileProgress(const DatPhaseHook& hook, uint64_t file_bytes) : hook_(hook), file_bytes_(file_bytes) {}

  // CPU slot `cpu` (its place in the file, not its number) has read its
  // data, which starts at `start`, up to `offset`.
  void at(size_t cpu, uint64_t start, uint64_t offset) {
    if (cpu >= kMaxCpus) return;  // a damaged CPU number: the end still reports the whole file
    if (cpu >= cpus_.size()) cpus_.resize(cpu + 1);
    Stretch& s = cpus_[cpu];
    if (!s.seen) s = Stretch{start, start, true};
    s.now = std::max(s.now, offset);
  }
  // Tells the hook the bytes behind the reading, never more than the file.
  void report() const {
    uint64_t first = UINT64_MAX, read = 0;
    for (const Stretch& s : cpus_) {
      if (!s.seen) continue;
      first = std::min(first, s.start);
      read += s.now - s.start;
    }
    if (first == UINT64_MAX) return;
    hook_.file_bytes(std::min(file_bytes_, first + read));
  }
  void finish() const { hook_.file_bytes(file_bytes_); }

 private:
  static constexpr size_t kMaxCpus = 8192;
  struct Stretch {
    uint64_t start = 0, now = 0;
    bool seen = false;
  };
  const DatPhaseHook& hook_;
  uint64_t file_bytes_;
  std::vector<Stretch> cpus_;
};

}  // namespace ftlens
