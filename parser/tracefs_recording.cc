#include "parser/tracefs_recording.h"

#include "parser/tracefs_cxx.h"  // before trace-cmd.h, which includes tracefs.h
#include <event-parse.h>
#include <trace-cmd.h>
extern "C" {
#include <kbuffer.h>  // no extern "C" guards of its own
}

#include <fcntl.h>
#include <sys/file.h>  // flock
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "parser/captured_output.h"
#include "parser/event.h"
#include "parser/event_types.h"
#include "parser/record_decoder.h"
#include "parser/ring_buffer_page.h"

// libtracecmd's writer, exported by the library but declared only in
// trace-cmd's private header (3.1.x signatures; trace-cmd record and extract
// call the same sequence).
extern "C" {
struct tracecmd_output;
struct tracecmd_event_list;
tracecmd_output* tracecmd_output_create(const char* output_file);
int tracecmd_output_set_version(tracecmd_output* handle, int file_version);
int tracecmd_output_set_compression(tracecmd_output* handle, const char* compression);
int tracecmd_output_write_headers(tracecmd_output* handle, tracecmd_event_list* list);
int tracecmd_write_cmdlines(tracecmd_output* handle);
int tracecmd_write_cpus(tracecmd_output* handle, int cpus);
int tracecmd_write_buffer_info(tracecmd_output* handle);
int tracecmd_write_options(tracecmd_output* handle);
int tracecmd_write_cpu_data(tracecmd_output* handle, int cpus, char* const* cpu_data_files, const char* buff_name);
void tracecmd_output_close(tracecmd_output* handle);
}

namespace ftlens {

namespace {

std::string read_file(const char* name) {
  char* text = tracefs_instance_file_read(nullptr, name, nullptr);
  std::string out = text ? text : "";
  free(text);
  return out;
}

bool write_file(const char* name, const std::string& text) {
  return tracefs_instance_file_write(nullptr, name, text.c_str()) >= 0;
}

// "overrun: 12" + "dropped events: 3" in per_cpu/cpuN/stats.
uint64_t lost_on_cpu(int cpu) {
  const std::string stats = read_file(("per_cpu/cpu" + std::to_string(cpu) + "/stats").c_str());
  uint64_t lost = 0;
  for (const char* key : {"overrun: ", "dropped events: "}) {
    size_t at = stats.find(key);
    if (at != std::string::npos) lost += std::strtoull(stats.c_str() + at + std::strlen(key), nullptr, 10);
  }
  return lost;
}

// Collects the events of one poll so that they can be handed on in time
// order across CPUs (each CPU's pages are in order; CPUs are read in turn).
class SortingSink final : public EventSink {
 public:
  void on_event(const Event& e) override {
    events.push_back(e);
    if (e.cpumask) events.back().cpumask = &targets.emplace_back(*e.cpumask);  // the decoder's is reused
  }
  void on_malformed(const ParseIssue&) override {}
  void clear() {
    events.clear();
    targets.clear();
  }
  std::vector<Event> events;
  std::deque<CpuMask> targets;  // what the kept events' cpumask point to
};

}  // namespace

std::vector<std::string> recording_events(std::string_view preset_or_list) {
  std::vector<std::string> out;
  const bool light = preset_or_list == "light";
  if (light || preset_or_list.empty() || preset_or_list == "default") {
    // What the detectors read (event_types.def says which preset has what).
    for (const EventTypeInfo& type : kEventTypes)
      if (type.record == RecordPreset::kLight || (!light && type.record == RecordPreset::kDefault))
        out.push_back(std::string(type.system) + ":" + std::string(type.name));
  } else {
    while (!preset_or_list.empty()) {
      size_t comma = preset_or_list.find(',');
      std::string_view item = preset_or_list.substr(0, comma);
      if (item.find(':') == std::string_view::npos) return {};  // neither a preset nor system:event
      out.emplace_back(item);
      preset_or_list = comma == std::string_view::npos ? std::string_view{} : preset_or_list.substr(comma + 1);
    }
  }
  return out;
}

struct TracefsRecording::State {
  int lock_fd = -1;
  RecordingOptions options;
  std::string dir;
  bool restored = false;
  // What was there before us.
  std::string saved_on, saved_kb, saved_events;
  int cpus = 0;
  std::vector<tracefs_cpu*> readers;
  std::vector<int> files;
  std::vector<std::string> paths;
  std::vector<uint64_t> lost_at_start;
  std::vector<char> page;
  RecordingStats stats;
  // Live decoding.
  tep_handle* tep = nullptr;
  kbuffer* kbuf = nullptr;
  EventSink* sink = nullptr;
  SortingSink batch;
  std::unique_ptr<RecordDecoder> decoder;

  void restore() {
    if (restored) return;
    restored = true;
    tracefs_trace_off(nullptr);
    write_file("set_event", "");
    size_t start = 0;
    while (start < saved_events.size()) {
      size_t end = saved_events.find('\n', start);
      if (end == std::string::npos) end = saved_events.size();
      if (end > start) tracefs_instance_file_append(nullptr, "set_event", saved_events.substr(start, end - start).c_str());
      start = end + 1;
    }
    if (!saved_kb.empty() && options.buffer_kb > 0) write_file("buffer_size_kb", saved_kb);
    write_file("tracing_on", saved_on.empty() ? "1" : saved_on.substr(0, 1));
  }

  void close_readers() {
    for (tracefs_cpu* r : readers)
      if (r) tracefs_cpu_close(r);
    readers.clear();
    for (int fd : files)
      if (fd >= 0) close(fd);
    files.clear();
  }

  void remove_cpu_files() {
    for (const std::string& p : paths) unlink(p.c_str());
  }

  void decode_page(int cpu, size_t size) {
    if (!decoder || size == 0) return;
    if (kbuffer_load_subbuffer(kbuf, page.data()) < 0) return;
    bool first = true;
    unsigned long long ts = 0;
    for (void* data = kbuffer_read_event(kbuf, &ts); data; data = kbuffer_next_event(kbuf, &ts)) {
      tep_record record{};
      record.ts = ts;
      record.cpu = cpu;
      record.data = data;
      record.size = kbuffer_event_size(kbuf);
      record.missed_events = first ? kbuffer_missed_events(kbuf) : 0;
      first = false;
      decoder->on_record(&record);
      ++stats.events;
    }
  }

  // Appends a page read from `cpu` to its file and, live, decodes it.
  bool store_page(int cpu, int size) {
    if (write(files[static_cast<size_t>(cpu)], page.data(), static_cast<size_t>(size)) != size) return false;
    ++stats.pages;
    stats.bytes += static_cast<uint64_t>(size);
    decode_page(cpu, static_cast<size_t>(size));
    return true;
  }

  // Hands the events decoded since the last call on in time order.
  void flush_batch() {
    if (!decoder || batch.events.empty()) return;
    std::stable_sort(batch.events.begin(), batch.events.end(), [](const Event& a, const Event& b) { return a.ts < b.ts; });
    for (const Event& e : batch.events) sink->on_event(e);
    batch.clear();
  }

  ~State() {
    close_readers();
    restore();
    remove_cpu_files();
    if (kbuf) kbuffer_free(kbuf);
    if (tep) tep_free(tep);
    if (lock_fd >= 0) close(lock_fd);  // releases the flock
  }
};

TracefsRecording::TracefsRecording(std::unique_ptr<State> state) : state_(std::move(state)) {}
TracefsRecording::~TracefsRecording() = default;

Expected<std::unique_ptr<TracefsRecording>> TracefsRecording::start(const RecordingOptions& options,
                                                                    std::vector<std::string>* skipped) {
  if (geteuid() != 0) {
    return Status(ErrorCode::kSystem, "recording needs root (tracefs is writable by root only); run it with sudo");
  }
  const char* dir = nullptr;
  if (tracefs_tracing_dir_is_mounted(true, &dir) < 0 || !dir) {
    return Status(ErrorCode::kSystem,
                  "tracefs is not mounted and could not be mounted (mount -t tracefs nodev /sys/kernel/tracing)");
  }
  // The top ring buffer is one per machine: two recorders would steal each
  // other's pages and each restore the other's half-changed state.
  const int lock_fd = open("/run/ftlens-record.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(lock_fd);
    return Status(ErrorCode::kSystem, "another ftlens record is running on this machine (/run/ftlens-record.lock)");
  }
  auto state = std::make_unique<State>();
  state->lock_fd = lock_fd;
  state->options = options;
  state->dir = dir;
  state->saved_on = read_file("tracing_on");
  state->saved_kb = read_file("buffer_size_kb");
  state->saved_events = read_file("set_event");
  if (state->saved_on.empty()) {
    state->restored = true;  // nothing was changed
    return Status(ErrorCode::kSystem, state->dir + "/tracing_on: cannot be read (is this a kernel with ftrace?)");
  }
  state->cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_CONF));
  state->stats.cpus = state->cpus;

  tracefs_trace_off(nullptr);
  if (!write_file("set_event", "")) {
    return Status(ErrorCode::kSystem, state->dir + "/set_event: cannot be written: " + std::strerror(errno));
  }
  int enabled = 0;
  for (const std::string& name : options.events) {
    size_t colon = name.find(':');
    const std::string system = name.substr(0, colon), event = name.substr(colon + 1);
    if (tracefs_event_enable(nullptr, system.c_str(), event == "*" ? nullptr : event.c_str()) == 0) ++enabled;
    else skipped->push_back(name);
  }
  if (enabled == 0) {
    return Status(ErrorCode::kBadArgument, "none of the requested events exists on this kernel");
  }
  if (options.buffer_kb > 0 && !write_file("buffer_size_kb", std::to_string(options.buffer_kb))) {
    return Status(ErrorCode::kSystem,
                  "buffer_size_kb: cannot set " + std::to_string(options.buffer_kb) + ": " + std::strerror(errno));
  }
  write_file("trace", "");  // start from an empty buffer

  for (int cpu = 0; cpu < state->cpus; ++cpu) {
    state->paths.push_back(options.output + ".cpu" + std::to_string(cpu));
    state->files.push_back(open(state->paths.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    state->readers.push_back(tracefs_cpu_open(nullptr, cpu, true));
    if (state->files.back() < 0) {
      return Status(ErrorCode::kIo, state->paths.back() + ": cannot create: " + std::strerror(errno));
    }
    state->lost_at_start.push_back(lost_on_cpu(cpu));
  }
  int page_size = 0;
  for (tracefs_cpu* r : state->readers)
    if (r) page_size = std::max(page_size, tracefs_cpu_read_size(r));
  if (page_size <= 0) {
    return Status(ErrorCode::kSystem, state->dir + "/per_cpu/*/trace_pipe_raw: cannot be opened");
  }
  state->page.resize(static_cast<size_t>(page_size));
  if (tracefs_trace_on(nullptr) < 0) {
    return Status(ErrorCode::kSystem, state->dir + "/tracing_on: cannot be set");
  }
  return std::unique_ptr<TracefsRecording>(new TracefsRecording(std::move(state)));
}

void TracefsRecording::decode_into(StringPool& pool, EventSink& sink) {
  State& s = *state_;
  s.tep = tracefs_local_events(s.dir.c_str());
  if (!s.tep) return;
  tracefs_load_cmdlines(s.dir.c_str(), s.tep);
  s.kbuf = kbuffer_alloc(sizeof(long) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
                         tep_is_bigendian() ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
  s.sink = &sink;
  s.decoder = std::make_unique<RecordDecoder>(s.tep, pool, s.batch);
}

namespace {

// A ring-buffer page's time stamp and commit word (ring_buffer_page.h).
constexpr size_t kPageHeaderBytes = 8 + sizeof(long);

size_t page_data_bytes(const char* page, size_t size) {
  if (size < kPageHeaderBytes) return 0;
  unsigned long commit = 0;
  std::memcpy(&commit, page + 8, sizeof commit);
  return static_cast<size_t>(commit & kPageCommitMask);
}

}  // namespace

size_t TracefsRecording::poll() {
  State& s = *state_;
  size_t pages = 0;
  for (int cpu = 0; cpu < s.cpus; ++cpu) {
    tracefs_cpu* reader = s.readers[static_cast<size_t>(cpu)];
    if (!reader) continue;
    // Bounded, so that one busy CPU cannot starve the others' turn.
    int partial = 0;
    for (int i = 0; i < 256; ++i) {
      int n = tracefs_cpu_read(reader, s.page.data(), true);
      if (n <= 0 || !s.store_page(cpu, n)) break;
      ++pages;
      // A page less than half full is the one the kernel was still writing,
      // or the rest of one a poll before read in part (full pages may follow
      // it): at the second, this CPU is caught up. Reading on would take
      // pages of one or two events each when the recording itself makes
      // events (its own read() calls under raw_syscalls: 115k pages, 472 MB,
      // in one second).
      if (page_data_bytes(s.page.data(), static_cast<size_t>(n)) < (s.page.size() - kPageHeaderBytes) / 2 &&
          ++partial == 2)
        break;
    }
  }
  // Comms of tasks that appeared since the last look.
  if (s.decoder && !s.batch.events.empty()) tracefs_load_cmdlines(s.dir.c_str(), s.tep);
  s.flush_batch();
  return pages;
}

Status TracefsRecording::finish() {
  State& s = *state_;
  tracefs_trace_off(nullptr);
  while (poll() > 0) {
  }
  // What the ring buffer still holds in pages the writer had not left.
  for (int cpu = 0; cpu < s.cpus; ++cpu) {
    tracefs_cpu* reader = s.readers[static_cast<size_t>(cpu)];
    if (!reader) continue;
    int n;
    while ((n = tracefs_cpu_flush(reader, s.page.data())) > 0 && s.store_page(cpu, n)) {
    }
  }
  s.flush_batch();
  for (int cpu = 0; cpu < s.cpus; ++cpu) {
    const uint64_t now = lost_on_cpu(cpu), before = s.lost_at_start[static_cast<size_t>(cpu)];
    s.stats.lost_events += now > before ? now - before : 0;
  }
  s.close_readers();

  // The trace.dat, the way trace-cmd writes one: headers (event formats,
  // kallsyms, printk formats), saved comms, CPU count, options, CPU data.
  Status status;
  const std::string temp = s.options.output + ".ftlens-tmp";
  tracecmd_output* out = tracecmd_output_create(temp.c_str());
  std::vector<char*> files;
  for (std::string& p : s.paths) files.push_back(p.data());
  if (!out) {
    status = Status(ErrorCode::kIo, s.options.output + ": cannot create: " + std::strerror(errno));
  } else {
    CapturedOutput quiet;  // "CPU0 data recorded at offset=..." would land in our stdout
    bool ok = tracecmd_output_set_version(out, s.options.file_version) == 0;
    if (ok && s.options.file_version >= 7) tracecmd_output_set_compression(out, "any");
    ok = ok && tracecmd_output_write_headers(out, nullptr) == 0 && tracecmd_write_cmdlines(out) == 0 &&
         tracecmd_write_cpus(out, s.cpus) == 0 && tracecmd_write_buffer_info(out) == 0 &&
         tracecmd_write_options(out) == 0 && tracecmd_write_cpu_data(out, s.cpus, files.data(), nullptr) == 0;
    tracecmd_output_close(out);
    if (!ok) status = Status(ErrorCode::kSystem, s.options.output + ": libtracecmd could not write the trace.dat");
  }
  s.restore();
  s.remove_cpu_files();
  if (status.ok() && rename(temp.c_str(), s.options.output.c_str()) != 0)
    status = Status(ErrorCode::kIo, s.options.output + ": cannot rename into place: " + std::strerror(errno));
  if (!status.ok()) unlink(temp.c_str());
  return status;
}

const RecordingStats& TracefsRecording::stats() const { return state_->stats; }
std::string_view TracefsRecording::tracing_dir() const { return state_->dir; }

}  // namespace ftlens
