// Writes to a descriptor (a pipe to a parent process) that go on after a
// short write or a signal.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace ftlens {

// False when the descriptor refused (the reader has gone, the disk is full).
inline bool write_fully(int fd, const void* data, size_t size) {
  const auto* at = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, at, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace ftlens
