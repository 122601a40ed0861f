#include "exporters/output_file.h"

#include <sys/stat.h>  // lstat
#include <unistd.h>    // getpid

#include <cerrno>
#include <cstring>  // strerror

namespace ftlens {

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    file_ = stdout;
    return;
  }
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    file_ = std::fopen(path_.c_str(), "wb");
    return;
  }
  temp_ = path_ + ".tmp." + std::to_string(::getpid());
  file_ = std::fopen(temp_.c_str(), "wb");
}

OutputFile::~OutputFile() {
  if (file_ && file_ != stdout) {
    std::fclose(file_);
    if (!temp_.empty()) std::remove(temp_.c_str());
  }
}

std::string OutputFile::commit() {
  if (!file_) return path_ + ": cannot create: " + std::strerror(errno);
  if (file_ == stdout) {
    std::fflush(stdout);
    file_ = nullptr;
    return "";
  }
  const bool write_failed = std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (write_failed || close_failed) {
    if (!temp_.empty()) std::remove(temp_.c_str());
    return path_ + ": write failed";
  }
  if (temp_.empty()) return "";
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    std::string err = path_ + ": cannot rename into place: " + std::strerror(errno);
    std::remove(temp_.c_str());
    return err;
  }
  return "";
}

}  // namespace ftlens
