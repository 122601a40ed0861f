#include "analysis/scan_worker.h"

#include <fcntl.h>       // open
#include <poll.h>        // poll
#include <signal.h>      // sigabbrev_np
#include <sys/prctl.h>   // PR_SET_PDEATHSIG
#include <sys/resource.h>  // setrlimit
#include <sys/wait.h>    // waitpid
#include <unistd.h>      // fork, pipe2

#include <cerrno>
#include <cstdlib>  // getenv
#include <cstring>  // strerror
#include <new>      // bad_alloc
#include <vector>

#include "exporters/scan_report.h"
#include "util/fd_io.h"

namespace ftlens {

namespace {

using Json = nlohmann::ordered_json;

// A child's entry is the findings of one trace (folded beyond
// max_findings): megabytes at most. More is a runaway, not an entry.
constexpr size_t kMaxEntryBytes = 256u << 20;

Json failed_entry(const std::string& path, const std::string& error) {
  Json entry;
  entry["path"] = path;
  entry["ok"] = false;
  entry["error"] = path + ": " + error;  // as analyze's own errors, it names the file
  return entry;
}

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? "SIG" + std::string(abbrev) : "signal " + std::to_string(sig);
}

// Exit codes of the child besides 0 (an entry was sent).
constexpr int kChildOutOfMemory = 112;
constexpr int kChildWriteFailed = 113;

// The child: the analysis, its entry as CBOR on `fd`, and _exit (no
// destructors or atexit handlers of the parent's run twice).
[[noreturn]] void run_child(pid_t parent, int fd, const AnalyzeOptions& options, const FindingFingerprint& fingerprint) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(kChildWriteFailed);
  // The scan's own report may be going to stdout (--report -).
  if (const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) ::dup2(null, STDOUT_FILENO);
  // The end-to-end test of this isolation needs a crash of ftlens's own
  // code on one file, which no input gives on purpose.
  if (const char* name = std::getenv("FTLENS_SCAN_TEST_CRASH");
      name && *name && options.trace.ends_with(name)) {
    // As the kernel delivers a fault: no sanitizer's handler, no core file.
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::signal(SIGSEGV, SIG_DFL);
    ::raise(SIGSEGV);
  }
  int code = 0;
  try {
    const ScanWorkerResult result = analyze_scan_entry(options, fingerprint);
    Json message;
    message["bytes"] = result.bytes;
    message["entry"] = result.entry;
    const std::vector<uint8_t> bytes = Json::to_cbor(message);
    if (!write_fully(fd, bytes.data(), bytes.size())) code = kChildWriteFailed;
  } catch (const std::bad_alloc&) {
    code = kChildOutOfMemory;
  }
  ::_exit(code);
}

}  // namespace

ScanWorkerResult analyze_scan_entry(const AnalyzeOptions& options, const FindingFingerprint& fingerprint) {
  const AnalyzeOutcome outcome = analyze(options);
  const ScannedTrace trace{options.trace, outcome.ok, outcome.error, outcome.ok ? &outcome.result : nullptr,
                           outcome.ok ? options.perfetto_path : std::string()};
  return {scan_entry(trace, fingerprint), outcome.result.bytes};
}

std::string scan_worker_failure(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    if (sig == SIGKILL)
      return "ftlens was killed (SIGKILL) while analyzing this file: out of memory, or stopped from outside";
    return "ftlens crashed (" + signal_text(sig) + ") on this file: a bug, please report it";
  }
  if (WIFEXITED(status)) {
    switch (WEXITSTATUS(status)) {
      case kChildOutOfMemory: return "ftlens ran out of memory on this file";
      case kChildWriteFailed: return "ftlens's worker for this file could not send its result";
      default: break;
    }
    return "ftlens's worker for this file exited with code " + std::to_string(WEXITSTATUS(status)) +
           " and no result: a bug, please report it";
  }
  return "ftlens's worker for this file ended with wait status " + std::to_string(status);
}

ScanWorkerResult analyze_scan_entry_in_child(const AnalyzeOptions& options, const FindingFingerprint& fingerprint,
                                             const std::function<void()>& tick) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return {failed_entry(options.trace, std::string("could not start a worker process: ") + std::strerror(errno)), 0};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return {failed_entry(options.trace, std::string("could not start a worker process: ") + std::strerror(error)), 0};
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(parent, fds[1], options, fingerprint);
  }
  ::close(fds[1]);
  std::string received;
  bool too_big = false;
  char buf[64 * 1024];
  for (;;) {
    if (tick) {
      pollfd ready{fds[0], POLLIN, 0};
      const int polled = ::poll(&ready, 1, 250);
      tick();
      if (polled == 0 || (polled < 0 && errno == EINTR)) continue;
    }
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (received.size() + static_cast<size_t>(n) > kMaxEntryBytes) {
      too_big = true;
      ::kill(pid, SIGKILL);
      break;
    }
    received.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (too_big) return {failed_entry(options.trace, "ftlens's entry for this file is over 256 MiB: a bug, please report it"), 0};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {failed_entry(options.trace, scan_worker_failure(status)), 0};
  Json message = Json::from_cbor(received, /*strict=*/true, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object() || !message.contains("entry") || !message["bytes"].is_number_unsigned())
    return {failed_entry(options.trace, "ftlens's worker for this file sent no readable result: a bug, please report it"), 0};
  return {std::move(message["entry"]), message["bytes"].get<uint64_t>()};
}

}  // namespace ftlens
