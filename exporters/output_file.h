// Writes an output file under a temporary name and renames it into place on
// commit(), so an interrupted run never leaves a half-written report that a
// nightly job would read as complete. A path that exists and is not a
// regular file (/dev/null, a FIFO, a symlink such as /dev/stdout) is written
// in place: renaming over it would replace the device or the link itself,
// for every program on the machine.
#pragma once

#include <cstdio>
#include <string>

namespace ftlens {

class OutputFile {
 public:
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  bool ok() const { return file_ != nullptr; }
  std::FILE* get() { return file_; }
  // Flushes, closes and renames. Returns an error message or "".
  std::string commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_;  // empty: written in place
  std::FILE* file_ = nullptr;
};

}  // namespace ftlens
