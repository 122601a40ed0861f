// Where trace bytes come from: a file or stdin, optionally through gzip or
// zstd decompression, always in bounded chunks.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <sys/types.h>

namespace ftlens {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to `size` bytes; returns the count, 0 at the end, -1 on error
  // (then error() says why).
  virtual ssize_t read(char* buf, size_t size) = 0;
  const std::string& error() const { return error_; }
  // Bytes taken from the underlying file (compressed size for wrappers).
  virtual uint64_t raw_bytes() const = 0;
  // What was passed over without being an error ("gzip: 40 bytes after the
  // end of the compressed data, passed over"); "" when nothing was.
  virtual std::string note() const { return {}; }

 protected:
  std::string error_;
};

// `fd` is owned (closed on destruction) unless it is 0 (stdin).
std::unique_ptr<ByteSource> open_fd_source(int fd);
// Decompressors over another source.
std::unique_ptr<ByteSource> open_gzip_source(std::unique_ptr<ByteSource> inner);
std::unique_ptr<ByteSource> open_zstd_source(std::unique_ptr<ByteSource> inner);
// A zlib (RFC 1950) or gzip stream, one or several back to back; `label`
// starts its error messages ("atrace -z: corrupt compressed data ...").
std::unique_ptr<ByteSource> open_zlib_source(std::unique_ptr<ByteSource> inner, std::string label);
// Replays `prefix` (bytes already read to sniff the format), then `rest`.
std::unique_ptr<ByteSource> with_prefix(std::string prefix, std::unique_ptr<ByteSource> rest);

// Reads until `size` bytes or the end, so that a pipe gives full chunks.
ssize_t read_full(ByteSource& source, char* buf, size_t size);

}  // namespace ftlens
