#include "parser/byte_source.h"

#include <unistd.h>  // read, close
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>  // strerror, memcpy
#include <vector>

namespace ftlens {

namespace {

constexpr size_t kInBytes = 256 * 1024;

class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  ~FdSource() override {
    if (fd_ > 0) ::close(fd_);
  }
  ssize_t read(char* buf, size_t size) override {
    for (;;) {
      ssize_t n = ::read(fd_, buf, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error_ = std::strerror(errno);
      else bytes_ += static_cast<uint64_t>(n);
      return n;
    }
  }
  uint64_t raw_bytes() const override { return bytes_; }

 private:
  int fd_;
  uint64_t bytes_ = 0;
};

class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  ssize_t read(char* buf, size_t size) override {
    if (pos_ < prefix_.size()) {
      size_t n = std::min(size, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, n);
      pos_ += n;
      if (pos_ == prefix_.size()) std::string().swap(prefix_), pos_ = 0;
      return static_cast<ssize_t>(n);
    }
    ssize_t n = rest_->read(buf, size);
    if (n < 0) error_ = rest_->error();
    return n;
  }
  uint64_t raw_bytes() const override { return rest_->raw_bytes(); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> inner, std::string label)
      : inner_(std::move(inner)), in_(kInBytes), label_(std::move(label)) {
    // 15 + 32: gzip or zlib header, detected.
    if (inflateInit2(&z_, 15 + 32) != Z_OK) failed_ = true;
  }
  ~GzipSource() override { inflateEnd(&z_); }
  ssize_t read(char* buf, size_t size) override {
    if (failed_) {
      if (error_.empty()) error_ = label_ + ": cannot initialise zlib";
      return -1;
    }
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = static_cast<uInt>(size);
    while (z_.avail_out == size) {
      if (trailing_seen_) break;
      if (z_.avail_in == 0) {
        if (eof_) {
          if (stream_end_) return 0;
          // All input is in, but a match may still be copying out of the
          // window into a small buffer: the stream is cut only when
          // inflate has nothing more to give.
          if (!inflate_some()) break;
          if (z_.avail_out < size || stream_end_) continue;
          error_ = label_ + ": unexpected end of compressed data (truncated file)";
          return -1;
        }
        ssize_t n = inner_->read(in_.data(), in_.size());
        if (n < 0) {
          error_ = inner_->error();
          return -1;
        }
        if (n == 0) {
          eof_ = true;
          continue;
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(n);
      }
      if (stream_end_) {
        // Concatenated gzip members (cat a.gz b.gz) are one stream. Other
        // bytes after the end (padding, a trailer another tool appended:
        // catapult's atrace -z test files carry 17 KB of it) are passed
        // over and counted, as gzip(1) and zlib.decompress pass them over.
        if (!next_member_follows()) {
          if (!count_trailing()) return -1;
          break;
        }
        inflateReset(&z_);
        stream_end_ = false;
      }
      if (!inflate_some()) break;
    }
    // What inflated before damage is handed out first, so that the text
    // kept does not depend on the size of the reads.
    if (failed_ && z_.avail_out == size) return -1;
    return static_cast<ssize_t>(size - z_.avail_out);
  }
  uint64_t raw_bytes() const override { return inner_->raw_bytes(); }
  std::string note() const override {
    if (trailing_bytes_ == 0) return {};
    return label_ + ": " + std::to_string(trailing_bytes_) + (trailing_bytes_ == 1 ? " byte" : " bytes") +
           " after the end of the compressed data, passed over";
  }

 private:
  // After a stream's end, with input left: does a gzip member start there?
  // Reads on when fewer than its two magic bytes are in.
  bool next_member_follows() {
    if (z_.avail_in < 2 && !eof_) {
      std::memmove(in_.data(), z_.next_in, z_.avail_in);
      const ssize_t n = inner_->read(in_.data() + z_.avail_in, in_.size() - z_.avail_in);
      if (n > 0) z_.avail_in += static_cast<uInt>(n);
      else eof_ = true;  // an error after the end: the data is complete
      z_.next_in = reinterpret_cast<Bytef*>(in_.data());
    }
    return z_.avail_in >= 2 && z_.next_in[0] == 0x1f && z_.next_in[1] == 0x8b;
  }
  // Counts what is left of the input; false on a read error.
  bool count_trailing() {
    trailing_seen_ = true;
    trailing_bytes_ += z_.avail_in;
    z_.avail_in = 0;
    while (!eof_) {
      const ssize_t n = inner_->read(in_.data(), in_.size());
      if (n < 0) {
        error_ = inner_->error();
        return false;
      }
      if (n == 0) eof_ = true;
      trailing_bytes_ += static_cast<uint64_t>(n);
    }
    return true;
  }

  // One inflate call; false, with error_ said, on corrupt data.
  bool inflate_some() {
    const int rc = inflate(&z_, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      stream_end_ = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      error_ = label_ + ": corrupt compressed data (" + (z_.msg ? z_.msg : "inflate failed") + ")";
      failed_ = true;
      return false;
    }
    return true;
  }

  std::unique_ptr<ByteSource> inner_;
  std::vector<char> in_;
  std::string label_;  // what the messages call the stream
  z_stream z_{};
  bool failed_ = false, eof_ = false, stream_end_ = false, trailing_seen_ = false;
  uint64_t trailing_bytes_ = 0;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> inner)
      : inner_(std::move(inner)), in_(ZSTD_DStreamInSize()), stream_(ZSTD_createDStream()) {}
  ~ZstdSource() override { ZSTD_freeDStream(stream_); }
  ssize_t read(char* buf, size_t size) override {
    ZSTD_outBuffer out{buf, size, 0};
    while (out.pos == 0) {
      if (input_.pos == input_.size) {
        ssize_t n = inner_->read(in_.data(), in_.size());
        if (n < 0) {
          error_ = inner_->error();
          return -1;
        }
        if (n == 0) {
          if (last_ != 0) {
            error_ = "zstd: unexpected end of compressed data (truncated file)";
            return -1;
          }
          return 0;
        }
        input_ = {in_.data(), static_cast<size_t>(n), 0};
      }
      last_ = ZSTD_decompressStream(stream_, &out, &input_);
      if (ZSTD_isError(last_)) {
        error_ = std::string("zstd: corrupt compressed data (") + ZSTD_getErrorName(last_) + ")";
        return -1;
      }
    }
    return static_cast<ssize_t>(out.pos);
  }
  uint64_t raw_bytes() const override { return inner_->raw_bytes(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::vector<char> in_;
  ZSTD_DStream* stream_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  size_t last_ = 0;  // 0 once a frame is complete
};

}  // namespace

std::unique_ptr<ByteSource> open_fd_source(int fd) { return std::make_unique<FdSource>(fd); }
std::unique_ptr<ByteSource> open_gzip_source(std::unique_ptr<ByteSource> inner) {
  return std::make_unique<GzipSource>(std::move(inner), "gzip");
}
std::unique_ptr<ByteSource> open_zlib_source(std::unique_ptr<ByteSource> inner, std::string label) {
  return std::make_unique<GzipSource>(std::move(inner), std::move(label));
}
std::unique_ptr<ByteSource> open_zstd_source(std::unique_ptr<ByteSource> inner) {
  return std::make_unique<ZstdSource>(std::move(inner));
}
std::unique_ptr<ByteSource> with_prefix(std::string prefix, std::unique_ptr<ByteSource> rest) {
  return std::make_unique<PrefixedSource>(std::move(prefix), std::move(rest));
}

ssize_t read_full(ByteSource& source, char* buf, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = source.read(buf + got, size - got);
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace ftlens
