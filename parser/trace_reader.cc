#include "parser/trace_reader.h"

#include <fcntl.h>     // open
#include <sys/stat.h>  // fstat
#include <unistd.h>    // write, unlink, close

#include <algorithm>  // clamp
#include <cerrno>
#include <cstdlib>  // mkstemp, getenv
#include <cstring>  // strerror
#include <thread>  // hardware_concurrency
#include <vector>

#include "parser/byte_source.h"
#include "parser/container_source.h"
#include "parser/kernel_log_reader.h"
#include "parser/text_chunk_pipeline.h"
#include "parser/isolated_dat_reader.h"
#include "parser/text_trace_parser.h"
#include "parser/trace_dat_reader.h"
#include "util/counted.h"

namespace ftlens {

namespace {

// Small enough that a chunk is still in the L2 cache when it is parsed after
// read() copied it there (1 MiB chunks measured 4% slower).
constexpr size_t kChunkBytes = 128 * 1024;

// A second parsing thread costs a thread and ~290 first-touched pages (12-15
// us each on the VM measured): 3.7 ms more than one thread on a 6.4 MB
// trace, 15 ms less on 33 MB; even at about 12 MB.
constexpr uint64_t kTextThreadsFromBytes = 12 << 20;

struct TextThreads {
  unsigned count = 1;
  uint64_t from_bytes = 0;  // start them once this much text was read
};

TextThreads text_threads(const ReadOptions& options, uint64_t file_bytes) {
  if (const char* forced = std::getenv("FTLENS_TEXT_THREADS"); forced && *forced)
    return {static_cast<unsigned>(std::clamp(std::atoi(forced), 1, 8)), 0};
  const unsigned count = options.text_threads > 0 ? options.text_threads
                         : std::thread::hardware_concurrency() > 1 ? 2 : 1;
  // A file's size is known; a pipe's or a decompressed stream's is not
  // until enough of it went by.
  if (file_bytes > 0) return {file_bytes >= kTextThreadsFromBytes ? count : 1, 0};
  return {count, kTextThreadsFromBytes};
}

// Remembers the first malformed line so that a trace with no usable line at
// all can be rejected with a message that points at it, and the last, so
// that a trace cut inside its last line can say so.
class FirstIssueSink final : public EventSink {
 public:
  explicit FirstIssueSink(EventSink& next) : next_(next) {}
  void on_event(const Event& e) override { next_.on_event(e); }
  void on_malformed(const ParseIssue& issue) override {
    if (!seen_) first_ = issue, seen_ = true;
    if (issue.line >= last_.line) last_ = issue;
    next_.on_malformed(issue);
  }
  void on_log_line(uint64_t line, TimeNs at, std::string_view text) override { next_.on_log_line(line, at, text); }
  bool seen_ = false;
  ParseIssue first_, last_;

 private:
  EventSink& next_;
};

// Passes bytes through and remembers the last one: whether the text ended
// with a newline.
class LastByteSource final : public ByteSource {
 public:
  LastByteSource(std::unique_ptr<ByteSource> inner, char last) : inner_(std::move(inner)), last_(last) {}
  ssize_t read(char* buf, size_t size) override {
    const ssize_t n = inner_->read(buf, size);
    if (n > 0) last_ = buf[n - 1];
    if (n < 0) error_ = inner_->error();
    return n;
  }
  uint64_t raw_bytes() const override { return inner_->raw_bytes(); }
  char last() const { return last_; }

 private:
  std::unique_ptr<ByteSource> inner_;
  char last_;
};

// Tells ReadOptions::on_bytes_read how far into the file the reading is.
class ProgressSource final : public ByteSource {
 public:
  ProgressSource(std::unique_ptr<ByteSource> inner, const std::function<void(uint64_t)>& on_read)
      : inner_(std::move(inner)), on_read_(on_read) {}
  ssize_t read(char* buf, size_t size) override {
    const ssize_t n = inner_->read(buf, size);
    if (n > 0) on_read_(inner_->raw_bytes());
    if (n < 0) error_ = inner_->error();
    return n;
  }
  uint64_t raw_bytes() const override { return inner_->raw_bytes(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  const std::function<void(uint64_t)>& on_read_;
};

// libtracecmd needs a seekable file: a trace.dat from stdin or inside a
// compressed wrapper is spooled to a temporary file first (disk, not memory).
class SpoolFile {
 public:
  SpoolFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir && *dir ? dir : "/tmp") + "/ftlens-spool-XXXXXX";
    fd_ = ::mkstemp(path_.data());
  }
  ~SpoolFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(path_.c_str());
    }
  }
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool write(const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// A kernel log read with no LogRecordSink: records become log lines.
class RecordsAsLogLines final : public LogRecordSink {
 public:
  explicit RecordsAsLogLines(EventSink& sink) : sink_(sink) {}
  void on_log_record(const LogRecord& r) override { sink_.on_log_line(r.line, r.at, r.text); }

 private:
  EventSink& sink_;
};

// A kernel log, streamed once through KernelLogReader from the chunk already
// read on; an ftrace dump inside it makes it "dmesg".
void read_kernel_log(ByteSource& source, std::vector<char>& buf, ssize_t n, const ReadOptions& options,
                     StringPool& pool, EventSink& sink, ReadResult& result) {
  RecordsAsLogLines as_lines(sink);
  KernelLogReader reader(pool, sink, options.log_records ? *options.log_records : as_lines);
  while (n > 0) {
    reader.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    n = read_full(source, buf.data(), buf.size());
  }
  reader.finish();
  const KernelLogInfo& log = reader.info();
  TextTraceInfo& text = result.text;
  text.lines = log.lines;
  text.long_lines = log.long_lines;
  text.skipped_lines = log.binary_lines + log.long_lines;
  text.header_lines = log.blank_lines;
  text.dumps = log.dumps;
  text.quoted_lines = log.quoted_lines;
  text.fraction_digits = 6;
  if (const FtraceTextParser* dump = reader.dump_parser()) {
    const TextTraceInfo& d = dump->info();
    text.events = d.events;
    text.lost_events = d.lost_events;
    text.marker_lines = d.marker_lines;
    text.skipped_lines += d.skipped_lines;
    text.malformed_payloads = d.malformed_payloads;
    text.has_irq_flags = d.has_irq_flags;
    const uint64_t used = d.events + d.marker_lines + d.skipped_lines;
    text.header_lines += log.dump_lines > used ? log.dump_lines - used : 0;
  } else {
    text.header_lines += log.dump_lines;
  }
  const uint64_t accounted = text.header_lines + text.skipped_lines + text.events + text.marker_lines;
  text.log_lines = log.lines > accounted ? log.lines - accounted : 0;
  text.flavor = log.dumps > 0 && text.events > 0 ? "dmesg" : "kernel-log";
  result.format = text.flavor;
  result.bytes = source.raw_bytes();
  result.events = text.events;
  result.lost_events = text.lost_events;
  result.fraction_digits = 6;
  // Times as the log printed them. An ftrace dump inside keeps its events'
  // own clock (seconds), which the records then cannot share.
  if (log.clock == LogClock::kWallClock && text.events == 0) {
    result.wall_clock = true;
    result.fraction_digits = log.fraction_digits;
  }
  if (n < 0)
    result.warning = "input ended early after " + counted(log.lines, "line") + ": " + source.error();
}

// What the container was, and the damage it and the decompressions counted,
// in the result.
void note_container(const ContainerSource* container, const std::vector<const ByteSource*>& decompressors,
                    const std::string& name, ReadResult& result) {
  auto add = [&](const std::string& what) {
    if (!what.empty()) result.warning += (result.warning.empty() ? name + ": " : "; ") + what;
  };
  for (const ByteSource* decompressor : decompressors) add(decompressor->note());
  if (!container) return;
  result.container = std::string(container->container());
  add(container->damage());
}

// JSON that no container took (it has no traceEvents or systemTraceEvents):
// what it is, for an error that says so, or "" when the text is not JSON. A
// kernel log starts with '[' too ("[    0.000000] Linux version"), but never
// with "[{" or "[[".
std::string json_not_a_trace(std::string_view head) {
  size_t at = head.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos) return "";
  const char open = head[at];
  if (open == '[') {
    at = head.find_first_not_of(" \t\r\n", at + 1);
    if (at == std::string_view::npos || (head[at] != '{' && head[at] != '[')) return "";
  } else if (open != '{') {
    return "";
  }
  // A report names its tool in its first lines: {"schema": 1, "tool": {"name": "ftlens", ...
  const std::string_view start = head.substr(0, 512);
  if (open == '{' && start.find("\"schema\"") != std::string_view::npos && start.find("\"ftlens\"") != std::string_view::npos)
    return "an ftlens report (JSON), not a trace: analyze, export and scan read traces; merge and --baseline read reports";
  return "JSON that holds no trace: ftlens reads JSON only as a Chrome trace with a systemTraceEvents string "
         "(atrace/systrace's kernel part)";
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
  // Text: few control bytes in the first 4 KiB. A few NULs do not make a
  // file binary: a device that crashed while writing leaves zero-filled
  // stretches inside text; their lines are skipped and counted.
  size_t n = std::min<size_t>(head.size(), 4096), control = 0;
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(head[i]);
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') ++control;
  }
  return control * 100 > n ? InputFormat::kBinaryUnknown : InputFormat::kFtraceText;
}

ReadResult read_trace(const std::string& path, const ReadOptions& options, StringPool& pool, EventSink& sink) {
  ReadResult result;
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "<stdin>" : path;
  int fd = is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    result.status = Status(ErrorCode::kIo, name + ": cannot open: " + std::strerror(errno));
    return result;
  }
  struct stat st {};
  if (!is_stdin && ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    result.status = Status(ErrorCode::kIo, name + ": is a directory");
    return result;
  }
  std::unique_ptr<ByteSource> source = open_fd_source(fd);
  if (options.on_bytes_read) source = std::make_unique<ProgressSource>(std::move(source), options.on_bytes_read);
  std::vector<char> buf(kChunkBytes);
  ssize_t n = read_full(*source, buf.data(), buf.size());
  InputFormat format = n < 0 ? InputFormat::kEmpty : sniff_format(std::string_view(buf.data(), static_cast<size_t>(n)));

  // Undo compression (a wrapper inside a wrapper is allowed once) and one
  // container (atrace -z, a systrace page, Chrome trace JSON), in the order
  // they were put on: `atrace -z | gzip` is gzip, then atrace-zlib.
  int compressions = 0;
  std::vector<const ByteSource*> decompressors;  // inside `source`, for their notes
  const ContainerSource* container = nullptr;
  while (n >= 0) {
    const std::string_view head(buf.data(), static_cast<size_t>(n));
    const bool compressed = format == InputFormat::kGzip || format == InputFormat::kZstd;
    const Container found = compressed || container ? Container::kNone : sniff_container(head);
    auto prefixed = [&] { return with_prefix(std::string(head), std::move(source)); };
    if (compressed && compressions < 2) {
      ++compressions;
      if (result.compression.empty()) result.compression = std::string(input_format_name(format));
      source = format == InputFormat::kGzip ? open_gzip_source(prefixed()) : open_zstd_source(prefixed());
      decompressors.push_back(source.get());
    } else if (found != Container::kNone) {
      std::unique_ptr<ContainerSource> unwrapped = open_container_source(found, prefixed());
      container = unwrapped.get();
      source = std::move(unwrapped);
    } else {
      break;
    }
    n = read_full(*source, buf.data(), buf.size());
    format = n < 0 ? InputFormat::kEmpty : sniff_format(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  if (n < 0) {
    // A container's verdict on itself is not a read error.
    result.status = Status(ErrorCode::kIo, name + (container ? ": " : ": read error: ") + source->error());
    return result;
  }
  switch (format) {
    case InputFormat::kEmpty:
      // Nothing inside a container is the container's emptiness ("" for
      // systemTraceEvents), not an empty file.
      result.status = Status(ErrorCode::kNotFound, name + (container ? ": " + std::string(container->container()) +
                                                                           ": it holds no trace text"
                                                                     : std::string(": empty input, no trace events")));
      return result;
    case InputFormat::kBinaryUnknown:
    case InputFormat::kGzip:
    case InputFormat::kZstd:
      result.status = Status(ErrorCode::kUnsupported, name + ": binary data that is not a known trace format");
      return result;
    case InputFormat::kTraceDat: {
      result.format = "trace-dat";
      result.fraction_digits = 6;  // as trace-cmd report prints them
      std::string dat_path = path;
      SpoolFile spool;
      if (is_stdin || !result.compression.empty()) {
        if (!spool.ok()) {
          result.status = Status(ErrorCode::kIo, name + ": cannot create a temporary file to unpack the trace.dat into");
          return result;
        }
        while (n > 0) {
          if (!spool.write(buf.data(), static_cast<size_t>(n))) {
            result.status =
                Status(ErrorCode::kIo, name + ": cannot write the temporary copy of the trace.dat (disk full?)");
            return result;
          }
          n = read_full(*source, buf.data(), buf.size());
        }
        if (n < 0) {
          result.status = Status(ErrorCode::kIo, name + ": " + source->error());
          return result;
        }
        dat_path = spool.path();
      }
      struct stat dat_st {};
      const uint64_t dat_bytes = ::stat(dat_path.c_str(), &dat_st) == 0 ? static_cast<uint64_t>(dat_st.st_size) : 0;
      const DatReadLimits limits = dat_read_limits(dat_bytes, options.dat_memory_mib, options.dat_cpu_seconds);
      // A copy's progress was its spooling; a file's is how far into it the
      // reading is, which starts before the end of the first read: never back.
      const bool spooled = is_stdin || !result.compression.empty();
      std::function<void(uint64_t)> on_file_bytes;
      if (options.on_bytes_read && !spooled)
        on_file_bytes = [&options, most = source->raw_bytes()](uint64_t bytes) mutable {
          if (bytes > most) options.on_bytes_read(most = bytes);
        };
      TraceDatResult dat = read_trace_dat_isolated(dat_path, options.instance, limits, pool, sink, on_file_bytes);
      result.bytes = source->raw_bytes();
      if (is_stdin || !result.compression.empty()) {
        // Name the input, not the temporary copy.
        if (size_t at = dat.status.message().find(dat_path); at != std::string::npos) {
          std::string message = dat.status.message();
          dat.status = Status(dat.status.code(), message.replace(at, dat_path.size(), name));
        }
      } else {
        struct stat dst {};
        if (::stat(path.c_str(), &dst) == 0) result.bytes = static_cast<uint64_t>(dst.st_size);
      }
      result.events = dat.events;
      result.lost_events = dat.lost_events;
      result.declared_cpus = dat.cpus;
      result.instances = dat.instances;
      if (!dat.stopped.empty())
        result.warning = name + ": reading stopped after " + counted(dat.events, "event") + ": " + dat.stopped +
                         "; what follows is missing on every CPU and findings there are marked low confidence";
      else if (!dat.read_fault.empty())
        result.warning = name + ": reading stopped at a damaged page (libtracecmd/libtraceevent crashed with " +
                         dat.read_fault + " on it) after " + std::to_string(dat.events) +
                         " events; what follows it is missing on every CPU and findings there are marked low confidence";
      else if (!dat.truncated_cpus.empty())
        result.warning = name + ": the data of CPU " + dat.truncated_cpus +
                         " breaks off at a damaged block (it does not decompress, or a page or record in it is "
                         "malformed); events after it are missing and findings there are marked low confidence";
      if (!dat.layout_warning.empty()) {
        std::string said = dat.layout_warning;
        if (dat_path != path)  // name the input, not the temporary copy
          for (size_t at = said.find(dat_path); at != std::string::npos; at = said.find(dat_path, at + name.size()))
            said.replace(at, dat_path.size(), name);
        if (!result.warning.empty()) result.warning += "; ";
        result.warning += said;
      }
      if (dat.unknown_records > 0) {
        if (!result.warning.empty()) result.warning += "; ";
        result.warning += name + ": " + counted(dat.unknown_records, "record") + " on CPU " + dat.corrupt_cpus +
                          (dat.unknown_records == 1 ? " has" : " have") + " event ids the file defines no format for (a damaged block): they were skipped, "
                          "and findings near them are marked low confidence";
      }
      result.status = std::move(dat.status);
      return result;
    }
    case InputFormat::kFtraceText:
      break;
  }

  if (!container) {
    if (std::string why = json_not_a_trace(std::string_view(buf.data(), static_cast<size_t>(n))); !why.empty()) {
      result.status = Status(ErrorCode::kUnsupported, name + ": " + why);
      return result;
    }
  }
  if (looks_like_kernel_log(std::string_view(buf.data(), static_cast<size_t>(n)))) {
    read_kernel_log(*source, buf, n, options, pool, sink, result);
    if (!result.warning.empty()) result.warning = name + ": " + result.warning;
    note_container(container, decompressors, name, result);
    return result;
  }

  LastByteSource text_source(std::move(source), buf[static_cast<size_t>(n) - 1]);
  FirstIssueSink first_issue(sink);
  FtraceTextParser parser(pool, first_issue);
  // The first lines decide the format and the columns; from there on,
  // kernel and trace-cmd report text is parsed a chunk of lines at a time.
  const bool plain_file = !is_stdin && result.compression.empty() && !container && S_ISREG(st.st_mode);
  const TextThreads threads = text_threads(options, plain_file ? static_cast<uint64_t>(st.st_size) : 0);
  uint64_t fed = 0;
  while (n > 0) {
    parser.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    fed += static_cast<uint64_t>(n);
    if (threads.count > 1 && fed >= threads.from_bytes && parser.lines_independent()) {
      n = feed_text_in_chunks(text_source, parser, pool, threads.count);
      break;
    }
    n = read_full(text_source, buf.data(), buf.size());
  }
  parser.finish();
  result.text = parser.info();
  result.format = result.text.flavor;
  result.bytes = text_source.raw_bytes();
  result.events = result.text.events;
  result.lost_events = result.text.lost_events;
  result.declared_cpus = result.text.declared_cpus;
  if (result.text.fraction_digits >= 0) result.fraction_digits = result.text.fraction_digits;
  if (n < 0) {
    // A truncated or corrupt compressed file: keep what was read, say so.
    result.warning = name + ": input ended early after " + counted(result.text.lines, "line") + ": " + text_source.error();
  }
  if (n == 0 && text_source.last() != '\n' && first_issue.seen_ && first_issue.last_.line == result.text.lines) {
    // The file ends inside a line that does not parse: a capture that was
    // cut (a full disk, a device that died, a copy interrupted).
    if (!result.warning.empty()) result.warning += "; ";
    result.warning += name + ": the input ends inside line " + std::to_string(result.text.lines) +
                      " (no final newline) and that line does not parse (" + first_issue.last_.reason +
                      "): the trace was cut, what followed is missing";
  }
  note_container(container, decompressors, name, result);
  if (result.events == 0) {
    std::string message = name + ": no ftrace events found";
    // `trace-cmd report --stat` or `--events`: the file's facts, no events.
    if (result.text.flavor == "trace-cmd-report") message = name + ": trace-cmd report output with no event lines";
    if (!result.warning.empty()) message = result.warning;
    else if (first_issue.seen_ && std::string_view(first_issue.first_.reason) == "no [cpu] column" &&
             result.text.flavor != "trace-cmd-report")
      // Not a line of it looked like either: prose, or a log in a form not
      // read. A [cpu] column alone would point at ftrace only.
      message = name + ": no ftrace events or kernel log records found (line " +
                std::to_string(first_issue.first_.line) + " reads as neither: no kernel log prefix, no [cpu] column)";
    else if (first_issue.seen_)
      message += " (line " + std::to_string(first_issue.first_.line) + ": " + first_issue.first_.reason + ")";
    result.status = Status(ErrorCode::kNotFound, std::move(message));
    return result;
  }
  return result;
}

}  // namespace ftlens
