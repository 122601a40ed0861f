// Writes an output file under a temporary name and renames it into place on
// commit(), so an interrupted run never leaves a half-written report that a
// nightly job would read as complete. A path that exists and is not a
// regular file (/dev/null, a FIFO, a symlink such as /dev/stdout) is written
// in place: renaming over it would replace the device or the link itself,
// for every program on the machine.
//
// SIGINT, SIGTERM and SIGHUP remove the temporary files of every OutputFile
// still open before the signal ends the process as it would have (unless the
// program installed its own handler for that signal first).
#pragma once

#include <cstdio>
#include <string>

#include "util/status.h"

namespace ftlens {

class OutputFile {
 public:
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  bool ok() const { return file_ != nullptr; }
  std::FILE* get() { return file_; }
  // Flushes, closes and renames. Fails (kIo) naming the path and the reason
  // (strerror). For "-" (stdout) every write failure is an error, a closed
  // pipe (EPIPE) included.
  Status commit();
  const std::string& path() const { return path_; }

  // Where the stream's bytes go. The stream is ours (fopencookie) so that
  // the first failed write's errno is kept: a FILE only remembers that some
  // write failed, and errno has moved on by the time commit() asks.
  struct Sink {
    int fd = -1;
    bool owned = false;     // closed with the stream (not stdout's)
    int first_errno = 0;    // of the first write or close that failed
  };

 private:
  bool open_stream(int fd, bool owned);

  std::string path_;
  std::string temp_;  // empty: written in place
  int temp_slot_ = -1;  // where temp_ is registered for removal on a signal
  Sink sink_;
  std::FILE* file_ = nullptr;
};

// For the end of main(): flushes stdout, which carried a summary. A reader
// that went away (EPIPE, `| head`) ends the summary quietly and keeps
// `exit_code`; any other failure (a full disk) prints one line on stderr
// and gives 2. SIGPIPE must be ignored for EPIPE to be seen here.
int finish_stdout(int exit_code);

}  // namespace ftlens
