#include "exporters/output_file.h"

#include <fcntl.h>     // open
#include <poll.h>      // poll
#include <sys/stat.h>  // lstat
#include <unistd.h>    // getpid, unlink

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>  // strerror
#include <mutex>    // once_flag

namespace ftlens {

namespace {

// Temporary files a signal must remove. Slots hold the OutputFile's own
// temp_.c_str(), set after the string is final and cleared before it goes,
// so the handler only ever reads a live, unchanging string. More files open
// at once than slots (scan writes one Perfetto file per worker) are simply
// not cleaned up on a signal.
std::array<std::atomic<const char*>, 256> g_temp_files{};
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temp_files_and_reraise(int signal) {
  for (auto& slot : g_temp_files)
    if (const char* path = slot.load(std::memory_order_acquire)) ::unlink(path);
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

void install_cleanup_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int signal : kCleanupSignals) {
      struct sigaction previous {};
      if (::sigaction(signal, nullptr, &previous) != 0 || previous.sa_handler != SIG_DFL) continue;
      struct sigaction action {};
      action.sa_handler = remove_temp_files_and_reraise;
      sigemptyset(&action.sa_mask);
      ::sigaction(signal, &action, nullptr);
    }
  });
}

int register_temp_file(const char* path) {
  install_cleanup_handlers();
  for (size_t i = 0; i < g_temp_files.size(); ++i) {
    const char* expected = nullptr;
    if (g_temp_files[i].compare_exchange_strong(expected, path, std::memory_order_acq_rel)) return static_cast<int>(i);
  }
  return -1;
}

std::string write_error(const std::string& path, int error) {
  return path + ": write failed: " + std::strerror(error != 0 ? error : EIO);
}

// Whether stdout is a pipe or socket whose reader has gone: a failed write
// earlier set the stream's error flag, but errno has moved on since.
bool stdout_reader_gone() {
  struct pollfd p {};
  p.fd = STDOUT_FILENO;
  p.events = POLLOUT;
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

// 0 when everything written to stdout so far went out, else why not.
int stdout_write_error() {
  errno = 0;
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return 0;
  if (errno != 0) return errno;
  return stdout_reader_gone() ? EPIPE : EIO;
}

}  // namespace

// The stream's write and close, on the sink's descriptor.
extern "C" ssize_t sink_write(void* cookie, const char* data, size_t size) {
  auto* sink = static_cast<OutputFile::Sink*>(cookie);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(sink->fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (sink->first_errno == 0) sink->first_errno = n < 0 ? errno : EIO;
      return done > 0 ? static_cast<ssize_t>(done) : -1;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

extern "C" int sink_close(void* cookie) {
  auto* sink = static_cast<OutputFile::Sink*>(cookie);
  if (!sink->owned) return 0;
  if (::close(sink->fd) != 0 && sink->first_errno == 0) sink->first_errno = errno;
  return sink->first_errno == 0 ? 0 : -1;
}

bool OutputFile::open_stream(int fd, bool owned) {
  if (fd < 0) return false;
  sink_ = Sink{fd, owned, 0};
  cookie_io_functions_t io{};
  io.write = sink_write;
  io.close = sink_close;
  file_ = ::fopencookie(&sink_, "w", io);
  if (!file_ && owned) ::close(fd);
  return file_ != nullptr;
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    std::fflush(stdout);  // what the program printed before comes first
    open_stream(STDOUT_FILENO, false);
    return;
  }
  const auto create = [](const std::string& name) {
    return ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  };
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    open_stream(create(path_), true);
    return;
  }
  temp_ = path_ + ".tmp." + std::to_string(::getpid());
  if (open_stream(create(temp_), true)) temp_slot_ = register_temp_file(temp_.c_str());
}

OutputFile::~OutputFile() {
  if (file_) {
    std::fclose(file_);
    if (!temp_.empty()) std::remove(temp_.c_str());
  }
  if (temp_slot_ >= 0) g_temp_files[static_cast<size_t>(temp_slot_)].store(nullptr, std::memory_order_release);
}

Status OutputFile::commit() {
  if (!file_) return Status(ErrorCode::kIo, path_ + ": cannot create: " + std::strerror(errno));
  const bool failed = std::fflush(file_) != 0 || std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed || close_failed || sink_.first_errno != 0) {
    if (!temp_.empty()) std::remove(temp_.c_str());
    return Status(ErrorCode::kIo, write_error(path_, sink_.first_errno));
  }
  if (temp_.empty()) return ok_status();
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) {
    Status not_renamed(ErrorCode::kIo, path_ + ": cannot rename into place: " + std::strerror(errno));
    std::remove(temp_.c_str());
    return not_renamed;
  }
  return ok_status();
}

int finish_stdout(int exit_code) {
  const int error = stdout_write_error();
  if (error == 0 || error == EPIPE) return exit_code;
  std::fprintf(stderr, "ftlens: %s\n", write_error("stdout", error).c_str());
  return 2;
}

}  // namespace ftlens
