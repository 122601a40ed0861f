#include "trace_reader.h"

#include <fcntl.h>   // open
#include <unistd.h>  // read, close

#include <cerrno>
#include <cstring>  // strerror
#include <memory>
#include <vector>

namespace ftlens {

namespace {

constexpr size_t kChunkBytes = 1 << 20;

// Remembers the first malformed line so that a trace with no usable line at
// all can be rejected with a message that points at it.
class FirstIssueSink final : public EventSink {
 public:
  explicit FirstIssueSink(EventSink& next) : next_(next) {}
  void on_event(const Event& e) override { next_.on_event(e); }
  void on_malformed(const ParseIssue& issue) override {
    if (!seen_) first_ = issue, seen_ = true;
    next_.on_malformed(issue);
  }
  bool seen_ = false;
  ParseIssue first_;

 private:
  EventSink& next_;
};

class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ > 0) ::close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// read() until the buffer is full or the input ends, so that sniffing sees a
// full first chunk even from a pipe.
ssize_t read_full(int fd, char* buf, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

}  // namespace

std::string_view input_format_name(InputFormat format) {
  switch (format) {
    case InputFormat::kFtraceText: return "ftrace-text";
    case InputFormat::kTraceDat: return "trace-dat";
    case InputFormat::kGzip: return "gzip";
    case InputFormat::kZstd: return "zstd";
    case InputFormat::kBinaryUnknown: return "binary";
    case InputFormat::kEmpty: return "empty";
  }
  return "unknown";
}

InputFormat sniff_format(std::string_view head) {
  if (head.empty()) return InputFormat::kEmpty;
  if (head.starts_with("\x17\x08\x44tracing")) return InputFormat::kTraceDat;
  if (head.starts_with("\x1f\x8b")) return InputFormat::kGzip;
  if (head.starts_with("\x28\xb5\x2f\xfd")) return InputFormat::kZstd;
  // Text: no NUL and few control bytes in the first 4 KiB.
  size_t n = std::min<size_t>(head.size(), 4096), control = 0;
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(head[i]);
    if (c == 0) return InputFormat::kBinaryUnknown;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') ++control;
  }
  return control * 100 > n ? InputFormat::kBinaryUnknown : InputFormat::kFtraceText;
}

ReadResult read_trace(const std::string& path, StringPool& pool, EventSink& sink) {
  ReadResult result;
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "<stdin>" : path;
  FileHandle file(is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    result.error = name + ": cannot open: " + std::strerror(errno);
    return result;
  }
  std::vector<char> buf(kChunkBytes);
  ssize_t n = read_full(file.get(), buf.data(), buf.size());
  if (n < 0) {
    result.error = name + ": read error: " + std::strerror(errno);
    return result;
  }
  result.format = sniff_format(std::string_view(buf.data(), static_cast<size_t>(n)));
  switch (result.format) {
    case InputFormat::kEmpty:
      result.error = name + ": empty input, no trace events";
      return result;
    case InputFormat::kTraceDat:
    case InputFormat::kGzip:
    case InputFormat::kZstd:
      result.error = name + ": " + std::string(input_format_name(result.format)) +
                     " input is recognised but not supported by this build yet; convert it with "
                     "`trace-cmd report` or decompress it first";
      return result;
    case InputFormat::kBinaryUnknown:
      result.error = name + ": binary data that is not a known trace format";
      return result;
    case InputFormat::kFtraceText:
      break;
  }

  FirstIssueSink first_issue(sink);
  FtraceTextParser parser(pool, first_issue);
  while (n > 0) {
    result.bytes += static_cast<uint64_t>(n);
    parser.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    n = read_full(file.get(), buf.data(), buf.size());
  }
  if (n < 0) {
    result.error = name + ": read error after " + std::to_string(result.bytes) + " bytes: " + std::strerror(errno);
    return result;
  }
  parser.finish();
  result.text = parser.info();
  if (result.text.events == 0) {
    result.error = name + ": no ftrace events found";
    if (first_issue.seen_)
      result.error += " (line " + std::to_string(first_issue.first_.line) + ": " + first_issue.first_.reason + ")";
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace ftlens
