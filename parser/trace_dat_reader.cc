#include "parser/trace_dat_reader.h"

#include "parser/tracefs_cxx.h"  // before trace-cmd.h, which includes tracefs.h
#include <trace-cmd.h>

#include <fcntl.h>     // open
#include <sys/mman.h>  // memfd_create, madvise
#include <sys/stat.h>
#include <sys/sysmacros.h>  // makedev
#include <unistd.h>    // close, dup, dup2

#include <array>
#include <cerrno>
#include <cstdio>   // snprintf
#include <cstdlib>  // getenv
#include <cstring>  // memchr, strlen, strerror
#include <memory>   // unique_ptr
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parser/event.h"
#include "parser/captured_output.h"
#include "parser/dat_file_header.h"
#include "parser/dat_file_progress.h"
#include "parser/flyrecord_reader.h"
#include "parser/kernel_symbols.h"
#include "parser/library_fault_guard.h"
#include "parser/record_decoder.h"
#include "parser/string_pool.h"

namespace ftlens {

namespace {


// libtracecmd 3.1.6 maps the data of an uncompressed trace.dat (v6) in
// windows that stay mapped as it reads on, so the file's pages pile up in our
// resident set: 40 MiB for a 17 MB file, 69 MiB for 44 MB. They are clean,
// read-only private mappings of the file, so dropping them is always safe:
// the next touch of such a page reads it again from the page cache. Every so
// many records the mapped pages of the trace file are dropped, which keeps
// memory flat in the size of the file.
class MappedFilePages {
 public:
  explicit MappedFilePages(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      dev_ = st.st_dev;
      ino_ = st.st_ino;
      known_ = true;
    }
  }

  void drop() const {
    if (!known_) return;
    std::FILE* maps = std::fopen("/proc/self/maps", "re");
    if (!maps) return;
    char line[512];
    while (std::fgets(line, sizeof line, maps)) {
      unsigned long start = 0, end = 0, offset = 0, inode = 0;
      unsigned major = 0, minor = 0;
      char perms[8] = {};
      if (std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &offset, &major, &minor, &inode) != 7)
        continue;
      // Only read-only private mappings of our file: never anything written to.
      if (inode != ino_ || makedev(major, minor) != dev_ || perms[1] != '-' || perms[3] != 'p') continue;
      ::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED);
    }
    std::fclose(maps);
  }

 private:
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool known_ = false;
};

struct RecordLoop {
  RecordDecoder& decoder;
  const MappedFilePages& pages;
  DatFileProgress& progress;
  uint64_t records = 0;
};

int record_callback(tracecmd_input*, tep_record* record, int cpu, void* data) {
  const OwnCodeScope ours;  // a fault from here on is ftlens's, never caught
  // 32k records are ~1 MB of file: the resident share of it stays small.
  constexpr uint64_t kDropEvery = 32 * 1024;
  auto* loop = static_cast<RecordLoop*>(data);
  // A CPU's data starts about where its first record is.
  if (cpu >= 0 && record->record_size > 0)
    loop->progress.at(static_cast<size_t>(cpu), record->offset, record->offset + static_cast<unsigned>(record->record_size));
  // A progress report sums a few numbers per CPU: every 4k records is cheap.
  constexpr uint64_t kReportEvery = 4 * 1024;
  if (++loop->records % kReportEvery == 0) loop->progress.report();
  if (loop->records % kDropEvery == 0) loop->pages.drop();
  return loop->decoder.on_record(record);
}

// libtracecmd's own open (tracecmd_open) closes the handle when preparing the
// data fails, and in 3.1.6 that close crashes on a file cut inside its data
// section (a NULL page list; trace-cmd report exits before reaching it). So
// the steps are taken one by one here, and after that failure the handle is
// left unclosed on purpose: a small leak on an error path instead of a crash.
// tracecmd_alloc_fd and tracecmd_read_headers are exported by libtracecmd
// but declared only in trace-cmd's private header.
extern "C" {
tracecmd_input* tracecmd_alloc_fd(int fd, int flags);
int tracecmd_read_headers(tracecmd_input* handle, int state);
tep_record* tracecmd_read_cpu_last(tracecmd_input* handle, int cpu);
int tracecmd_cpus(tracecmd_input* handle);
size_t tracecmd_get_cpu_file_size(tracecmd_input* handle, int cpu);
}

// What the file looked like to a library call that faulted (see
// library_fault_guard.h): the file is damaged at that point.
std::string damaged(const std::string& path, const char* where, int signal) {
  return path + ": trace.dat is damaged in " + where + " (libtracecmd/libtraceevent crashed with " +
         fault_signal_name(signal) + " reading it)";
}

// A handle let go after a fault still owns its event formats, symbols and
// command lines (1-2 MiB): freed, under the guard, since a fault inside
// libtraceevent's parser leaves them in a state tep_free may not expect. If
// freeing faults too, they stay leaked.
void free_abandoned_formats(tracecmd_input* handle) {
  if (!handle) return;
  auto free_formats = [handle] { tep_free(tracecmd_get_tep(handle)); };
  (void)run_guarded_library_call(free_formats);
}

// On success the handle owns the file's descriptor, also returned in *fd. On
// a fault the handle is abandoned (its state cannot be trusted, not even to
// close it) and the descriptor is closed. The file's kallsyms go to
// `symbols`, which the handle uses for every symbol lookup (kernel_symbols.h).
Expected<tracecmd_input*> open_trace_dat(const std::string& path, KernelSymbols& symbols, int* fd_out,
                                         const DatPhaseHook& phase, DatFileHeader& header) {
  phase(DatPhase::kHeaders);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(ErrorCode::kIo, path + ": cannot open: " + std::strerror(errno));
  if (Status bad = read_dat_file_header(fd, &header); !bad.ok()) {
    close(fd);
    return Status(ErrorCode::kBadInput, path + ": not a readable trace.dat (" + bad.message() + ")");
  }
  tracecmd_input* handle = nullptr;
  int headers = -1;
  auto alloc = [&] { handle = tracecmd_alloc_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS); };
  auto read_headers = [&] { headers = tracecmd_read_headers(handle, 0); };
  int fault = run_guarded_library_call(alloc);
  if (!fault && handle) {
    const ClaimKallsyms claim(tracecmd_get_tep(handle), symbols);
    fault = run_guarded_library_call(read_headers);
  }
  if (fault) {
    close(fd);
    free_abandoned_formats(handle);
    return Status(ErrorCode::kBadInput, damaged(path, "its headers (event formats, symbols or options)", fault));
  }
  if (!handle) {
    close(fd);
    return Status(ErrorCode::kBadInput,
                  path + ": not a readable trace.dat (bad magic, truncated file header or unsupported version)");
  }
  if (headers < 0) {
    tracecmd_close(handle);  // closes fd
    return Status(ErrorCode::kBadInput, path + ": not a readable trace.dat (truncated or corrupt headers: event "
                                                      "formats, symbols or options)");
  }
  phase(DatPhase::kFirstPages);
  CapturedOutput said;
  int init = -1;
  auto init_data = [&] { init = tracecmd_init_data(handle); };
  fault = run_guarded_library_call(init_data);
  if (fault || init < 0) {
    close(fd);  // the handle is leaked, see above; its descriptor is not
    // Its event formats, symbols and printk strings are most of it (0.37 MiB
    // a file before this; a scan meets many damaged files).
    free_abandoned_formats(handle);
    std::string why = said.restore();
    if (fault) return Status(ErrorCode::kBadInput, damaged(path, "a CPU's first page", fault));
    if (why.find("File possibly truncated") == std::string::npos)
      why = why.empty() ? "a CPU's first page cannot be read" : "a CPU's first page cannot be read (" + why + ")";
    return Status(ErrorCode::kBadInput, path + ": trace.dat event data is truncated or corrupt: " + why);
  }
  *fd_out = fd;
  return handle;
}

// A damaged block (a bit flip in a compressed chunk, say) makes libtracecmd
// stop reading that CPU without a word. The last record the file holds for
// each CPU tells whether the iteration reached it; a CPU that stopped short
// gets a lost-events marker at the point it stopped, so the model and every
// finding there know the view is incomplete.
//
// tracecmd_read_cpu_last does not check its CPU against the buffer's table
// (libtracecmd 3.1.6; tracecmd_read_cpu_first does): a buffer option that
// lists fewer CPUs than the file's CPU count, as a corrupt file can, makes it
// read past the table (found by fuzz_trace_dat: regressions/trace_dat/
// buffer_lists_fewer_cpus_than_cpu_count). tracecmd_get_cpu_file_size does
// check, and says -1 for a CPU the table does not hold. The table's slot is
// not the CPU number when CPUs are sparse; the record says which CPU it is.
//
// Each library call runs under the fault guard on its own, so that what is
// ftlens's (the markers sent down the pipeline) never runs under it. Returns
// false if libtracecmd faulted: the CPUs after that one are not checked.
bool check_cpus_complete(tracecmd_input* handle, RecordDecoder& reader) {
  const int slots = tracecmd_cpus(handle);
  for (int slot = 0; slot < slots; ++slot) {
    bool found = false;
    TimeNs last_ts = 0;
    int cpu = 0;
    auto read_last = [&] {
      const size_t bytes = tracecmd_get_cpu_file_size(handle, slot);
      if (bytes == 0 || bytes == static_cast<size_t>(-1)) return;
      tep_record* last = tracecmd_read_cpu_last(handle, slot);
      if (!last) return;
      found = true;
      last_ts = static_cast<TimeNs>(last->ts);
      cpu = last->cpu;
      tracecmd_free_record(last);
    };
    if (run_guarded_library_call(read_last) != 0) return false;
    if (!found) continue;
    const TimeNs seen = reader.last_ts(cpu);
    if (seen >= last_ts) continue;
    reader.report_truncated_cpu(cpu, seen);
  }
  return true;
}

// libtracecmd takes the file header's page size and CPU count as they are.
// A page size larger than the pages the data was written in reads each CPU's
// data as fewer, bigger pages, and what lies past the end of the last one is
// lost without a word (1 MiB for 4 KiB pages: 25 of 285 events). A CPU
// count of 2^31 - 1 makes tracecmd_iterate_events walk every one of those
// CPUs for every record while its memory grows by gigabytes (a count of 1M
// takes 3.7 s for 285 events). Linux supports at most 8192 CPUs: beyond
// that the count is refused; a count the file cannot hold the table of, and
// a page size that does not divide the data, are said in the warning.
constexpr int kMaxLinuxCpus = 8192;

struct LayoutVerdict {
  std::string refuse;  // the data is not read
  std::string warn;
};

LayoutVerdict check_layout(tracecmd_input* handle, const DatFileHeader& header, const FlyrecordLayout& layout,
                           bool own_reader, const std::string& path) {
  LayoutVerdict verdict;
  const int cpus = tracecmd_cpus(handle);
  if (cpus > kMaxLinuxCpus) {
    verdict.refuse = path + ": trace.dat declares " + std::to_string(cpus) + " CPUs, more than Linux supports (" +
                     std::to_string(kMaxLinuxCpus) + "): its CPU count is corrupt";
    return verdict;
  }
  auto add = [&verdict](const std::string& what) {
    if (!verdict.warn.empty()) verdict.warn += "; ";
    verdict.warn += what;
  };
  struct stat st {};
  const uint64_t file_bytes = ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  // Each CPU has an offset and a size in the file: 16 bytes at least.
  if (cpus > 0 && file_bytes > 0 && static_cast<uint64_t>(cpus) * 16 > file_bytes)
    add(path + ": trace.dat declares " + std::to_string(cpus) + " CPUs, more than its " + std::to_string(file_bytes) +
        " bytes have room for: its CPU count is corrupt; the CPUs that hold data were read");
  if (own_reader) {
    if (layout.page_size != header.page_size)
      add(path + ": the trace.dat header gives pages of " + std::to_string(header.page_size) +
          " bytes, its buffer's own option " + std::to_string(layout.page_size) +
          ": the header is corrupt; the data was read in pages of " + std::to_string(layout.page_size) + " bytes");
    return verdict;
  }
  std::string uneven;
  uint64_t example = 0;
  auto sizes = [&] {
    for (int slot = 0; slot < cpus; ++slot) {
      const size_t bytes = tracecmd_get_cpu_file_size(handle, slot);
      if (bytes == 0 || bytes == static_cast<size_t>(-1) || bytes % header.page_size == 0) continue;
      if (!uneven.empty()) uneven += ',';
      uneven += std::to_string(slot);
      if (example == 0) example = bytes;
    }
  };
  if (run_guarded_library_call(sizes) != 0) return verdict;
  if (!uneven.empty())
    add(path + ": the data of CPU " + uneven + " (" + std::to_string(example) + " bytes" +
        (uneven.find(',') != std::string::npos ? " for the first" : "") + ") is not a whole number of the " +
        std::to_string(header.page_size) +
        "-byte pages the trace.dat header gives: the page size is corrupt, and events may be missing");
  return verdict;
}

struct HandleCloser {
  void operator()(tracecmd_input* h) const {
    if (h) tracecmd_close(h);
  }
};

}  // namespace

const char* dat_phase_doing(DatPhase phase) {
  switch (phase) {
    case DatPhase::kHeaders: return "reading the headers";
    case DatPhase::kFirstPages: return "reading each CPU's first page";
    case DatPhase::kInstances: return "reading its buffer instances";
    case DatPhase::kEventData: return "reading the event data";
    case DatPhase::kCpuEnds: return "checking where each CPU's data ends";
    case DatPhase::kDone: return "finishing";
  }
  return "reading";
}

TraceDatResult read_trace_dat(const std::string& path, const std::string& instance, StringPool& pool,
                              EventSink& sink, DatPhaseHook phase) {
  TraceDatResult result;
  // libtracecmd reports problems on stderr itself; we say them once, ourselves.
  tracecmd_set_loglevel(TEP_LOG_NONE);
  tep_set_loglevel(TEP_LOG_NONE);
  int fd = -1;
  KernelSymbols symbols;  // outlives the handles, which look symbols up in it
  DatFileHeader header;
  Expected<tracecmd_input*> opened = open_trace_dat(path, symbols, &fd, phase, header);
  if (!opened.ok()) {
    result.status = std::move(opened).take_status();
    return result;
  }
  std::unique_ptr<tracecmd_input, HandleCloser> top(*opened);
  std::unique_ptr<tracecmd_input, HandleCloser> sub;
  // After a fault inside libtracecmd its handles cannot be trusted, not even
  // to be closed: they are let go, and only the file descriptor is closed.
  auto abandon = [&] {
    free_abandoned_formats(top.release());  // an instance's handle shares them
    (void)sub.release();
    close(fd);
  };
  tracecmd_input* handle = top.get();
  phase(DatPhase::kInstances);
  auto open_instance = [&] {
    const int buffers = tracecmd_buffer_instances(handle);
    for (int i = 0; i < buffers; ++i) {
      const char* name = tracecmd_buffer_instance_name(handle, i);
      if (!name) continue;
      if (!result.instances.empty()) result.instances += ",";
      result.instances += name;
      if (instance == name) sub.reset(tracecmd_buffer_instance_handle(handle, i));
    }
  };
  if (const int fault = run_guarded_library_call(open_instance)) {
    abandon();
    result.status = Status(ErrorCode::kBadInput, damaged(path, "its buffer instances", fault));
    return result;
  }
  if (sub) handle = sub.get();
  if (!instance.empty() && !sub) {
    result.status = Status(ErrorCode::kNotFound, path + ": no buffer instance named '" + instance + "'" +
                                                     (result.instances.empty() ? " (the file has only the top buffer)"
                                                                               : " (it has: " + result.instances + ")"));
    return result;
  }
  result.instance = instance;
  result.cpus = tep_get_cpus(tracecmd_get_tep(handle));
  RecordDecoder reader(tracecmd_get_tep(handle), pool, sink);
  // Compressed v7 data is read by flyrecord_reader, not by libtracecmd's
  // iteration (see flyrecord_reader.h for why). FTLENS_TRACE_DAT_READER=
  // libtracecmd makes libtracecmd read it, to compare the two.
  const char* forced = std::getenv("FTLENS_TRACE_DAT_READER");
  const bool libtracecmd_only = forced && std::string_view(forced) == "libtracecmd";
  FlyrecordLayout layout;
  if (libtracecmd_only)
    layout.not_handled = "FTLENS_TRACE_DAT_READER=libtracecmd";
  else
    layout = read_flyrecord_layout(fd, instance);
  const bool own_reader = layout.not_handled.empty();
  LayoutVerdict verdict = check_layout(handle, header, layout, own_reader, path);
  if (!verdict.refuse.empty()) {
    result.status = Status(ErrorCode::kBadInput, verdict.refuse);
    return result;
  }
  result.layout_warning = std::move(verdict.warn);
  int fault = 0, iterated = 0;
  phase(DatPhase::kEventData);
  struct stat file_st {};
  DatFileProgress progress(phase, fstat(fd, &file_st) == 0 ? static_cast<uint64_t>(file_st.st_size) : 0);
  if (own_reader) {
    // Not under the fault guard: it checks every page and record before
    // kbuffer or the decoder reads them (and a jump out of it would skip
    // its destructors).
    read_flyrecord(fd, layout, tracecmd_get_tep(handle), reader, progress);
  } else {
    const MappedFilePages file_pages(path);
    RecordLoop loop{reader, file_pages, progress};
    auto iterate = [&] { iterated = tracecmd_iterate_events(handle, nullptr, 0, record_callback, &loop); };
    fault = run_guarded_library_call(iterate);
  }
  if (fault) {
    abandon();
    if (reader.events() == 0) {
      result.status = Status(ErrorCode::kBadInput, damaged(path, "its event data", fault));
      return result;
    }
    // What was read up to the damaged page stands; every CPU may have lost
    // what came after it, so each gets a lost-events marker at its last record.
    result.read_fault = fault_signal_name(fault);
    reader.report_all_cpus_truncated();
  } else if (iterated < 0 && reader.events() == 0) {
    result.status = Status(ErrorCode::kBadInput, path + ": cannot read the event data (truncated or corrupt)");
    return result;
  } else if (!own_reader) {
    phase(DatPhase::kCpuEnds);
    if (!check_cpus_complete(handle, reader)) abandon();  // the rest stands
  }
  progress.finish();
  phase(DatPhase::kDone);
  result.truncated_cpus = reader.truncated_cpus();
  result.unknown_records = reader.unknown_ids();
  result.corrupt_cpus = reader.corrupt_cpus();
  result.events = reader.events();
  result.lost_events = reader.lost_events();
  if (result.events == 0) {
    result.status = Status(ErrorCode::kNotFound, path + ": trace.dat holds no events");
    return result;
  }
  return result;
}

}  // namespace ftlens
