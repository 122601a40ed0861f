// The kernel's ring-buffer page header, as trace_pipe_raw hands pages out and
// trace.dat stores them: a u64 time stamp, then a commit word (a long) whose
// low 27 bits are the bytes of data in the page and whose high bits flag
// missed events.
#pragma once

#include <cstdint>

namespace ftlens {

inline constexpr uint64_t kPageCommitMask = (uint64_t{1} << 27) - 1;

}  // namespace ftlens
