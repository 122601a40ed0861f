#include "parser/isolated_dat_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <vector>

#include "parser/event_wire.h"
#include "parser/string_pool.h"
#include "util/fd_io.h"

#if defined(__SANITIZE_ADDRESS__)
#define FTLENS_ISOLATED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FTLENS_ISOLATED_ASAN 1
#endif
#endif
#ifdef FTLENS_ISOLATED_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace ftlens {

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

// What the child tells the parent outside the stream, in memory both see:
// where it is (a crash cuts off what the stream still buffered), and the
// resident memory it started with (the parent's pages it shares count in its
// resident set from the start, and are not its own use).
struct SharedState {
  std::atomic<uint8_t> phase{static_cast<uint8_t>(DatPhase::kHeaders)};
  std::atomic<uint8_t> out_of_memory{0};
  std::atomic<uint64_t> start_rss{0};
  // How far into the file the reading is (DatPhaseHook::on_file_bytes).
  std::atomic<uint64_t> file_bytes{0};
  // The child's write buffer: what it read but had not yet sent when it
  // died is still there.
  WireBuffer buffer;
};

uint64_t env_number(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  return end && *end == '\0' ? value : 0;
}

// Resident and virtual size of process `pid` (0: this one), in bytes; 0 if unknown.
struct Sizes {
  uint64_t virtual_bytes = 0, resident_bytes = 0;
};
Sizes sizes_of(pid_t pid) {
  char path[64];
  if (pid == 0) std::strcpy(path, "/proc/self/statm");
  else std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char text[128];
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return {};
  text[n] = '\0';
  unsigned long long pages = 0, resident = 0;
  if (std::sscanf(text, "%llu %llu", &pages, &resident) != 2) return {};
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return {pages * page, resident * page};
}

// The CPU time `pid` has used so far, in clock ticks (utime + stime of
// /proc/PID/stat); 0 if it cannot be read.
uint64_t cpu_ticks_of(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[512];
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return 0;
  text[n] = '\0';
  // The comm in parentheses may hold blanks and ')': the fields start after
  // the last ')'. utime and stime are fields 14 and 15, the 12th and 13th
  // after it.
  const char* p = std::strrchr(text, ')');
  if (!p) return 0;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return 0;
  return utime + stime;
}

// The result as bytes and back: numbers and length-prefixed strings in a
// fixed order. Both ends are this binary.
class ResultWriter {
 public:
  void number(uint64_t v) { bytes_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void text(const std::string& s) {
    number(s.size());
    bytes_ += s;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class ResultReader {
 public:
  explicit ResultReader(std::string_view bytes) : bytes_(bytes) {}
  uint64_t number() {
    uint64_t v = 0;
    if (bytes_.size() < sizeof v) return bad_ = true, 0;
    std::memcpy(&v, bytes_.data(), sizeof v);
    bytes_.remove_prefix(sizeof v);
    return v;
  }
  std::string text() {
    const uint64_t n = number();
    if (n > bytes_.size()) return bad_ = true, std::string();
    std::string s(bytes_.substr(0, n));
    bytes_.remove_prefix(n);
    return s;
  }
  bool ok() const { return !bad_ && bytes_.empty(); }

 private:
  std::string_view bytes_;
  bool bad_ = false;
};

std::string encode(const TraceDatResult& r) {
  ResultWriter w;
  w.number(static_cast<uint64_t>(r.status.code()));
  w.text(r.status.message());
  w.number(r.events);
  w.number(r.lost_events);
  w.number(static_cast<uint64_t>(static_cast<int64_t>(r.cpus)));
  w.text(r.instance);
  w.text(r.instances);
  w.text(r.truncated_cpus);
  w.number(r.unknown_records);
  w.text(r.corrupt_cpus);
  w.text(r.read_fault);
  w.text(r.stopped);
  w.text(r.layout_warning);
  return w.bytes();
}

bool decode(std::string_view bytes, TraceDatResult* r) {
  ResultReader in(bytes);
  const uint64_t code = in.number();
  std::string message = in.text();
  if (code > static_cast<uint64_t>(ErrorCode::kNoCpuColumn)) return false;
  r->status = code == 0 ? Status() : Status(static_cast<ErrorCode>(code), std::move(message));
  r->events = in.number();
  r->lost_events = in.number();
  r->cpus = static_cast<int>(static_cast<int64_t>(in.number()));
  r->instance = in.text();
  r->instances = in.text();
  r->truncated_cpus = in.text();
  r->unknown_records = in.number();
  r->corrupt_cpus = in.text();
  r->read_fault = in.text();
  r->stopped = in.text();
  r->layout_warning = in.text();
  return in.ok();
}

bool write_all(const char* data, size_t size, void* context) { return write_fully(*static_cast<int*>(context), data, size); }

struct ChildPhase {
  SharedState* shared;
  EventWireWriter* writer;
};

void on_child_phase(DatPhase phase, void* context) {
  auto* c = static_cast<ChildPhase*>(context);
  // What was read so far goes out before the next phase starts: a crash in
  // it then loses none of it.
  c->writer->flush();
  c->shared->phase.store(static_cast<uint8_t>(phase));
}

void on_child_file_bytes(uint64_t bytes, void* context) {
  static_cast<ChildPhase*>(context)->shared->file_bytes.store(bytes, std::memory_order_relaxed);
}

SharedState* g_child_shared = nullptr;

void on_child_out_of_memory() {
  if (g_child_shared) g_child_shared->out_of_memory.store(1);
  std::set_new_handler(nullptr);
  throw std::bad_alloc();
}

// The child: limits, then the read, then the result. It never returns.
[[noreturn]] void run_child(pid_t parent, int out_fd, int output_fd, SharedState* shared, IsolatedBody body,
                            void* context, const DatReadLimits& limits) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(111);
  // Nothing the libraries print reaches our stdout (a `--report -` JSON)
  // or stderr (one line per error); an abort's own message is kept for ours.
  ::dup2(output_fd, STDOUT_FILENO);
  ::dup2(output_fd, STDERR_FILENO);
  // The parent's handlers (temporary files to remove, say) are not this
  // process's business; a parent gone makes writes fail, not kill.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGABRT, SIGXCPU}) ::signal(sig, SIG_DFL);
  ::signal(SIGPIPE, SIG_IGN);
#ifdef FTLENS_ISOLATED_ASAN
  // A sanitizer's report (a double free inside libtracecmd, say) ends the
  // child as an abort does without one; the sanitizer's fault handlers stay.
  __sanitizer_set_death_callback([] {
    ::signal(SIGABRT, SIG_DFL);
    ::abort();
  });
#else
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
#endif
  const Sizes start = sizes_of(0);
  shared->start_rss.store(start.resident_bytes);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (limits.cpu_seconds > 0) {
    // SIGXCPU at the limit, SIGKILL a second later if it is ignored.
    const rlimit cpu{limits.cpu_seconds, limits.cpu_seconds + 1};
    ::setrlimit(RLIMIT_CPU, &cpu);
  }
#ifndef FTLENS_ISOLATED_ASAN
  // The resident limit is the parent's to watch (it says which limit was
  // hit); this one is the backstop for a blow-up faster than its watch:
  // twice the limit in address space beyond what the child started with.
  if (limits.memory_bytes > 0 && start.virtual_bytes > 0) {
    const rlim_t space = start.virtual_bytes + 2 * limits.memory_bytes + 256 * kMiB;
    const rlimit as{space, space};
    ::setrlimit(RLIMIT_AS, &as);
  }
#endif
  g_child_shared = shared;
  std::set_new_handler(on_child_out_of_memory);
  int code = 0;
  try {
    StringPool strings;
    int fd = out_fd;
    EventWireWriter writer(strings, write_all, &fd, &shared->buffer);
    ChildPhase phase{shared, &writer};
    const TraceDatResult result =
        body(strings, writer, DatPhaseHook{on_child_phase, &phase, on_child_file_bytes}, context);
    writer.finish(encode(result));
  } catch (const std::bad_alloc&) {
    shared->out_of_memory.store(1);
    code = 112;
  } catch (...) {
    code = 113;
  }
  // No destructors, no atexit handlers of the parent's: the libraries'
  // state dies with the process.
  ::_exit(code);
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGXCPU: return "SIGXCPU";
    case SIGSYS: return "SIGSYS";
    case SIGTRAP: return "SIGTRAP";
    default: return nullptr;
  }
}

// The last line the child printed ("double free or corruption (!prev)"),
// printable and short.
std::string last_line_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) return "";
  const off_t from = std::max<off_t>(0, st.st_size - 1024);
  std::string text(static_cast<size_t>(st.st_size - from), '\0');
  const ssize_t n = ::pread(fd, text.data(), text.size(), from);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (size_t nl = text.rfind('\n'); nl != std::string::npos) text.erase(0, nl + 1);
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  if (text.size() > 160) text.resize(160);
  return text;
}

// In a sanitizer build, a sanitizer's report from the child (a bug in our
// decoding, or one inside the libraries) goes to our stderr whole: the read
// fails as it would in production, but what was found is not lost with the
// child's captured output.
void pass_on_sanitizer_report(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) return;
  std::string text(static_cast<size_t>(std::min<off_t>(st.st_size, 1 << 20)), '\0');
  const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  if (n <= 0) return;
  text.resize(static_cast<size_t>(n));
  if (text.find("Sanitizer") == std::string::npos && text.find("runtime error:") == std::string::npos) return;
  std::fprintf(stderr, "the trace.dat reader process reported:\n%s\n", text.c_str());
}

std::string mib(uint64_t bytes) {
  if (bytes % (1024 * kMiB) == 0) return std::to_string(bytes / (1024 * kMiB)) + " GiB";
  return std::to_string((bytes + kMiB - 1) / kMiB) + " MiB";
}

}  // namespace

DatReadLimits DatReadLimits::sized_for(uint64_t file_bytes) {
  DatReadLimits limits;
  limits.memory_bytes = 256 * kMiB + 2 * file_bytes;
  limits.cpu_seconds = static_cast<unsigned>(std::min<uint64_t>(5 + file_bytes / (2 * kMiB), 24 * 3600));
  return limits;
}

DatReadLimits dat_read_limits(uint64_t file_bytes, uint64_t memory_mib, unsigned cpu_seconds) {
  DatReadLimits limits = DatReadLimits::sized_for(file_bytes);
  if (memory_mib == 0) memory_mib = env_number("FTLENS_DAT_MEMORY_MIB");
  if (cpu_seconds == 0) cpu_seconds = static_cast<unsigned>(std::min<uint64_t>(env_number("FTLENS_DAT_CPU_SECONDS"), 24 * 3600));
  if (memory_mib > 0) limits.memory_bytes = std::min<uint64_t>(memory_mib, uint64_t{1} << 30) * kMiB;
  if (cpu_seconds > 0) limits.cpu_seconds = cpu_seconds;
  return limits;
}

namespace {

struct ReadArgs {
  const std::string& path;
  const std::string& instance;
};

TraceDatResult read_body(StringPool& pool, EventSink& sink, const DatPhaseHook& phase, void* context) {
  const auto* args = static_cast<const ReadArgs*>(context);
  return read_trace_dat(args->path, args->instance, pool, sink, phase);
}

}  // namespace

TraceDatResult read_trace_dat_isolated(const std::string& path, const std::string& instance,
                                       const DatReadLimits& limits, StringPool& pool, EventSink& sink,
                                       const std::function<void(uint64_t)>& on_file_bytes) {
  if (const char* isolation = std::getenv("FTLENS_DAT_ISOLATION"); isolation && std::string_view(isolation) == "0") {
    DatPhaseHook hook;
    if (on_file_bytes) {
      hook.context = const_cast<std::function<void(uint64_t)>*>(&on_file_bytes);
      hook.on_file_bytes = [](uint64_t bytes, void* f) { (*static_cast<const std::function<void(uint64_t)>*>(f))(bytes); };
    }
    return read_trace_dat(path, instance, pool, sink, hook);
  }
  ReadArgs args{path, instance};
  return run_isolated(path, limits, read_body, &args, pool, sink, on_file_bytes);
}

TraceDatResult run_isolated(const std::string& path, const DatReadLimits& limits, IsolatedBody body, void* context,
                            StringPool& pool, EventSink& sink, const std::function<void(uint64_t)>& on_file_bytes) {
  TraceDatResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.status =
        Status(ErrorCode::kSystem, path + ": cannot start the trace.dat reader (pipe: " + std::strerror(errno) + ")");
    return result;
  }
  const int output_fd = ::memfd_create("ftlens-dat-reader-output", MFD_CLOEXEC);
  void* shared_memory = ::mmap(nullptr, sizeof(SharedState), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto release = [&] {
    if (output_fd >= 0) ::close(output_fd);
    if (shared_memory != MAP_FAILED) ::munmap(shared_memory, sizeof(SharedState));
  };
  if (output_fd < 0 || shared_memory == MAP_FAILED) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    result.status = Status(ErrorCode::kSystem, path + ": cannot start the trace.dat reader (" + std::strerror(errno) + ")");
    release();
    return result;
  }
  auto* shared = new (shared_memory) SharedState;
  // Fewer switches between the two processes: 4 of the child's writes fit.
  (void)::fcntl(pipe_fds[1], F_SETPIPE_SZ, static_cast<int>(4 * WireBuffer::kBytes));
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    run_child(parent, pipe_fds[1], output_fd, shared, body, context, limits);
  }
  ::close(pipe_fds[1]);
  if (child < 0) {
    ::close(pipe_fds[0]);
    result.status =
        Status(ErrorCode::kSystem, path + ": cannot start the trace.dat reader (fork: " + std::strerror(errno) + ")");
    release();
    return result;
  }

  EventWireReader reader(pool, sink);
  using Clock = std::chrono::steady_clock;
  // A child that sends nothing and uses no CPU time for this long is stuck
  // (one that spins is ended by its CPU limit). Progress is data or CPU
  // time: on a loaded machine, in a sanitizer build, a healthy child may
  // get a fraction of a core and send nothing for a minute (80 s of no data
  // was seen on a 1.4 MB file under ASan, two cores shared eight ways).
  const auto idle_limit = std::chrono::seconds(limits.cpu_seconds > 0 ? 4 * limits.cpu_seconds + 60 : 24 * 3600);
  auto last_data = Clock::now();
  uint64_t last_cpu_ticks = 0;
  auto last_watch = Clock::time_point{};
  bool killed_for_memory = false, killed_idle = false;
  uint64_t peak_rss = 0, received = 0, file_bytes_told = 0;
  std::vector<char> buffer(WireBuffer::kBytes);
  const int fd = pipe_fds[0];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 50);
    if (ready < 0 && errno != EINTR) break;
    const auto now = Clock::now();
    if (on_file_bytes) {
      if (const uint64_t at = shared->file_bytes.load(std::memory_order_relaxed); at != file_bytes_told)
        on_file_bytes(file_bytes_told = at);
    }
    // Every 50 ms at most: the child's own resident memory.
    if (limits.memory_bytes > 0 && now - last_watch >= std::chrono::milliseconds(50)) {
      last_watch = now;
      const uint64_t rss = sizes_of(child).resident_bytes;
      const uint64_t base = shared->start_rss.load();
      const uint64_t own = rss > base ? rss - base : 0;
      peak_rss = std::max(peak_rss, own);
      if (own > limits.memory_bytes) {
        killed_for_memory = true;
        ::kill(child, SIGKILL);
        break;
      }
    }
    if (ready <= 0) {
      if (now - last_data > idle_limit) {
        if (const uint64_t ticks = cpu_ticks_of(child); ticks > last_cpu_ticks) {
          last_cpu_ticks = ticks;  // working, only slowly
          last_data = now;
          continue;
        }
        killed_idle = true;
        ::kill(child, SIGKILL);
        break;
      }
      continue;
    }
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child closed its end: done or dead
    last_data = now;
    received += static_cast<uint64_t>(n);
    if (!reader.feed(std::string_view(buffer.data(), static_cast<size_t>(n)))) {
      ::kill(child, SIGKILL);
      break;
    }
    // Not waiting for the end of the pipe: a reader another thread started
    // meanwhile may hold a copy of its writing end until it ends itself.
    if (reader.has_result()) break;
  }
  ::close(fd);
  int status = 0;
  rusage usage {};
  while (::wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  // The whole messages the child wrote but did not send before it ended.
  if (!reader.has_result() && !reader.broken()) (void)reader.feed(shared->buffer.undelivered(received));
  if (on_file_bytes && shared->file_bytes.load() != file_bytes_told) on_file_bytes(shared->file_bytes.load());
  const auto phase = static_cast<DatPhase>(shared->phase.load());
  const uint64_t start_rss = shared->start_rss.load();
  const bool out_of_memory = shared->out_of_memory.load() != 0;
  const std::string said = last_line_of(output_fd);
  pass_on_sanitizer_report(output_fd);
  release();

  const bool exited_cleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (exited_cleanly && reader.has_result() && !reader.broken()) {
    if (decode(reader.result(), &result)) return result;
  }

  // The child ended before its result: say what ended it, and where.
  const uint64_t max_rss = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  const uint64_t own_peak = std::max(peak_rss, max_rss > start_rss ? max_rss - start_rss : 0);
  std::string why;
  const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (killed_for_memory || out_of_memory || (limits.memory_bytes > 0 && own_peak >= limits.memory_bytes)) {
    why = "libtracecmd exceeded its " + mib(limits.memory_bytes) + " memory limit";
  } else if (sig == SIGXCPU || (sig == SIGKILL && limits.cpu_seconds > 0 &&
                                static_cast<uint64_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) >=
                                    limits.cpu_seconds)) {
    why = "libtracecmd was stopped after " + std::to_string(limits.cpu_seconds) + " s (its CPU time limit)";
  } else if (killed_idle) {
    why = "libtracecmd was stopped after " + std::to_string(idle_limit.count()) + " s without progress";
  } else if (reader.broken()) {
    why = "the trace.dat reader sent a broken stream (" + reader.error() + ")";
  } else if (sig == SIGABRT) {
    why = "libtracecmd aborted (SIGABRT" + (said.empty() ? std::string() : ": " + said) + ")";
  } else if (sig != 0) {
    const char* name = signal_name(sig);
    why = std::string("libtracecmd/libtraceevent crashed (") + (name ? name : ("signal " + std::to_string(sig)).c_str()) +
          ")";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    why = "the trace.dat reader ended with exit code " + std::to_string(WEXITSTATUS(status));
  } else {
    why = "the trace.dat reader ended without a result";
  }
  why += std::string(" while ") + dat_phase_doing(phase);

  result.events = reader.events();
  result.lost_events = reader.lost_events();
  if (result.events == 0) {
    result.status = Status(ErrorCode::kBadInput, path + ": " + why);
    return result;
  }
  // What came before stands; every CPU may have lost what came after its
  // last event, so each gets a lost-events marker there.
  result.stopped = why;
  std::string cpus;
  const std::vector<TimeNs> last = reader.last_ts();
  for (size_t cpu = 0; cpu < last.size(); ++cpu) {
    if (last[cpu] < 0) continue;
    Event lost;
    lost.type = EventType::kLostEvents;
    lost.cpu = static_cast<int32_t>(cpu);
    lost.ts = last[cpu];
    sink.on_event(lost);
    if (!cpus.empty()) cpus += ',';
    cpus += std::to_string(cpu);
  }
  result.truncated_cpus = cpus;
  return result;
}

}  // namespace ftlens
