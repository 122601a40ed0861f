// libtracecmd prints some of what it finds with printf and perror ("CPU 1 is
// empty", "File possibly truncated. Need at least N, but file size is M.",
// "mmap: ...", "CPU0 data recorded at offset=..."): on stdout, where
// `--report -` writes JSON, and on stderr, where ftlens promises one line per
// error. Around such calls both go to a memory file instead, and what was
// said is kept for our own messages. One capture at a time per process
// (stdout is one per process; scan threads take turns).
#pragma once

#include <sys/mman.h>  // memfd_create
#include <unistd.h>    // close, dup, dup2, pread

#include <cstdio>
#include <mutex>
#include <string>

namespace ftlens {

class CapturedOutput {
 public:
  CapturedOutput() {
    lock_.lock();
    std::fflush(stdout);
    std::fflush(stderr);
    capture_ = memfd_create("ftlens-libtracecmd-output", MFD_CLOEXEC);
    saved_out_ = capture_ >= 0 ? dup(STDOUT_FILENO) : -1;
    saved_err_ = capture_ >= 0 ? dup(STDERR_FILENO) : -1;
    if (saved_out_ >= 0) dup2(capture_, STDOUT_FILENO);
    if (saved_err_ >= 0) dup2(capture_, STDERR_FILENO);
  }
  ~CapturedOutput() {
    restore();
    lock_.unlock();
  }
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;

  // Ends the capture; returns the line that explains ("File possibly
  // truncated ...") if there is one, else the first line.
  std::string restore() {
    std::string text;
    for (auto [saved, fd] : {std::pair{&saved_err_, STDERR_FILENO}, std::pair{&saved_out_, STDOUT_FILENO}}) {
      if (*saved < 0) continue;
      std::fflush(fd == STDOUT_FILENO ? stdout : stderr);
      dup2(*saved, fd);
      close(*saved);
      *saved = -1;
    }
    if (capture_ >= 0) {
      char buf[512];
      ssize_t n = pread(capture_, buf, sizeof buf, 0);
      if (n > 0) text.assign(buf, static_cast<size_t>(n));
      close(capture_);
      capture_ = -1;
    }
    if (size_t at = text.find("File possibly truncated"); at != std::string::npos) text.erase(0, at);
    return text.substr(0, text.find('\n'));
  }

 private:
  static inline std::mutex lock_;
  int capture_ = -1;
  int saved_out_ = -1;
  int saved_err_ = -1;
};

}  // namespace ftlens
