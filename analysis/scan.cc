#include "analysis/scan.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>

#include <sys/mman.h>  // mmap

#include "analysis/json_input.h"
#include "analysis/progress_line.h"
#include "exporters/scan_report.h"
#include "parser/container_source.h"
#include "parser/line_tokenizer.h"
#include "parser/kernel_log_reader.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"
#include "parser/trace_reader.h"

namespace ftlens {

namespace fs = std::filesystem;

namespace {

constexpr size_t kSniffBytes = 64 * 1024;
// How far the sniffer reads for trace lines: past a first line longer than
// the first 64 KiB (a banner, a pasted blob), up to the parser's own 1 MiB
// line limit and then some.
constexpr size_t kSniffLinesBytes = 4 * 1024 * 1024;
// Prose can hold a line that parses as an event (a README quoting a trace);
// a trace has several.
constexpr int kTraceLines = 3;

// The sniffer's parse keeps nothing: it only counts.
struct NoEvents final : EventSink {
  void on_event(const Event&) override {}
  void on_malformed(const ParseIssue&) override {}
};

std::string count_of(int n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

// Why the file at `path` is not analyzed, or nullopt when its content looks
// like a trace (text in which the parser finds events, a trace.dat, a
// gzip/zstd wrapper, a kernel log, a dmesg dump or systrace page).
std::optional<std::string> why_not_a_trace(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable: " + std::string(std::strerror(errno));
  std::string head(kSniffBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.bad()) return "unreadable: read error";
  head.resize(static_cast<size_t>(in.gcount()));
  // atrace -z output; Chrome trace JSON only when it names the system trace
  // in its first 64 KiB (ftlens's own Perfetto exports are trace JSON too).
  const Container container = sniff_container(head);
  if (container == Container::kAtraceZlib) return std::nullopt;
  if (container == Container::kTraceJson) {
    if (head.find("\"systemTraceEvents\"") != std::string::npos) return std::nullopt;
    return "not a trace: trace JSON without systemTraceEvents in its first 64 KiB";
  }
  switch (sniff_format(head)) {
    case InputFormat::kTraceDat:
    case InputFormat::kGzip:
    case InputFormat::kZstd:
      return std::nullopt;
    case InputFormat::kFtraceText:
      break;
    case InputFormat::kEmpty:
      return "too small: empty";
    case InputFormat::kBinaryUnknown:
      return "not a trace: binary data";
  }
  if (head.starts_with("cpus=")) return std::nullopt;  // trace-cmd report
  // A systrace page: an HTML document with a trace-data block or a legacy
  // linuxPerfData string, or systrace's title (real pages hold megabytes of
  // script before the trace).
  if (container == Container::kSystraceHtml &&
      (head.find("<script class=\"trace-data\"") != std::string::npos || head.find("Android System Trace") != std::string::npos ||
       head.find("var linuxPerfData") != std::string::npos))
    return std::nullopt;
  // A kernel log alone (a console capture, dmesg, last_kmsg): several records.
  int records = 0;
  if (looks_like_kernel_log(head)) {
    for (size_t at = 0; at < head.size() && records < kTraceLines;) {
      size_t end = std::min(head.find('\n', at), head.size());
      LogPrefix prefix;
      if (parse_log_prefix(std::string_view(head).substr(at, end - at), &prefix)) ++records;
      at = end + 1;
    }
    if (records >= kTraceLines) return std::nullopt;
  }
  // The parser itself says whether the text holds events, in every form it
  // reads (raw, hex, verbose, function_graph, report text...): a copy of
  // its logic here would fall behind it.
  StringPool strings;
  NoEvents sink;
  FtraceTextParser parser(strings, sink);
  size_t start = 0, fed = 0;
  while (parser.info().events < static_cast<uint64_t>(kTraceLines)) {
    size_t end = head.find('\n', start);
    if (end == std::string::npos) {
      // The rest of the line, or more lines, are further in the file.
      if (fed >= kSniffLinesBytes || !in) break;
      head.erase(0, start);
      start = 0;
      const size_t had = head.size();
      head.resize(had + kSniffBytes);
      in.read(head.data() + had, static_cast<std::streamsize>(kSniffBytes));
      head.resize(had + static_cast<size_t>(in.gcount()));
      if (head.size() == had) break;  // a cut last line proves nothing
      continue;
    }
    std::string_view line(head.data() + start, end - start + 1);
    // A console log with an ftrace dump.
    if (std::string_view text = line.substr(0, line.size() - 1); strip_printk_prefix(&text) && text.starts_with("Dumping ftrace buffer:"))
      return std::nullopt;
    parser.feed(line);
    fed += line.size();
    start = end + 1;
  }
  const int trace_lines = static_cast<int>(std::min<uint64_t>(parser.info().events, kTraceLines));
  if (trace_lines >= kTraceLines) return std::nullopt;
  if (trace_lines > 0) return "too small: " + count_of(trace_lines, "event");
  if (records > 0) return "too small: " + count_of(records, "kernel log record");
  return "not a trace: text without trace lines";
}

std::string fold_digits(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      out += 'N';
      while (i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

FoundTraces find_traces(const std::vector<std::string>& roots) {
  FoundTraces out;
  for (const std::string& root : roots) {
    std::error_code ec;
    const fs::file_status status = fs::status(root, ec);
    if (ec || !fs::exists(status)) {
      out.missing.push_back(root);
      continue;
    }
    if (!fs::is_directory(status)) {
      out.traces.push_back(root);  // named explicitly: always analyzed
      out.relative.push_back(fs::path(root).filename().string());
      continue;
    }
    // Directory by directory, so that one that cannot be read is a skipped
    // entry and the walk goes on (an iterator's error ends it). Links to
    // directories are not followed: they can loop.
    std::vector<std::string> here;
    std::vector<SkippedFile> skipped_here;
    std::vector<fs::path> pending = {root};
    while (!pending.empty()) {
      const fs::path dir = std::move(pending.back());
      pending.pop_back();
      fs::directory_iterator it(dir, ec);
      for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const fs::directory_entry& entry = *it;
        std::error_code file_ec;
        if (entry.is_symlink(file_ec) && entry.is_directory(file_ec)) {
          skipped_here.push_back({entry.path().string(), "not followed: a link to a directory"});
        } else if (entry.is_directory(file_ec)) {
          pending.push_back(entry.path());
        } else if (entry.is_regular_file(file_ec)) {
          if (auto why = why_not_a_trace(entry.path())) skipped_here.push_back({entry.path().string(), std::move(*why)});
          else here.push_back(entry.path().string());
        } else if (file_ec || !fs::exists(entry.status(file_ec))) {
          skipped_here.push_back({entry.path().string(), "unreadable: " + (file_ec ? file_ec.message() : "a dangling link")});
        } else {
          skipped_here.push_back({entry.path().string(), "not a regular file"});
        }
      }
      if (ec) skipped_here.push_back({dir.string(), "unreadable: " + ec.message()});
      ec.clear();
    }
    std::sort(here.begin(), here.end());  // stable order across runs and machines
    std::sort(skipped_here.begin(), skipped_here.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    out.traces.insert(out.traces.end(), here.begin(), here.end());
    for (const std::string& path : here) out.relative.push_back(fs::path(path).lexically_relative(root).string());
    out.skipped.insert(out.skipped.end(), skipped_here.begin(), skipped_here.end());
  }
  return out;
}

int max_scan_jobs() { return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

namespace {

// Bytes each worker has read of its current trace, where the worker's child
// process can write them: shared anonymous memory, mapped before the forks.
class SharedByteCounters {
 public:
  explicit SharedByteCounters(size_t n) : size_(std::max<size_t>(n, 1) * sizeof(std::atomic<uint64_t>)) {
    void* at = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    counters_ = at == MAP_FAILED ? nullptr : static_cast<std::atomic<uint64_t>*>(at);
    if (counters_)
      for (size_t i = 0; i < std::max<size_t>(n, 1); ++i) new (&counters_[i]) std::atomic<uint64_t>(0);
  }
  ~SharedByteCounters() {
    if (counters_) ::munmap(counters_, size_);
  }
  SharedByteCounters(const SharedByteCounters&) = delete;
  SharedByteCounters& operator=(const SharedByteCounters&) = delete;
  std::atomic<uint64_t>* at(size_t i) { return counters_ ? &counters_[i] : nullptr; }
  uint64_t sum(size_t n) const {
    uint64_t total = 0;
    for (size_t i = 0; counters_ && i < n; ++i) total += counters_[i].load(std::memory_order_relaxed);
    return total;
  }

 private:
  size_t size_;
  std::atomic<uint64_t>* counters_;
};

uint64_t file_size(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<uint64_t>(size);
}

}  // namespace

std::vector<ScanEntry> scan(const ScanOptions& options, const std::vector<std::string>& traces, ScanWorkers* workers) {
  std::vector<ScanEntry> entries(traces.size());
  const int cap = max_scan_jobs();
  int jobs = options.jobs > 0 ? std::min(options.jobs, cap) : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  jobs = static_cast<int>(std::min<size_t>(static_cast<size_t>(jobs), std::max<size_t>(traces.size(), 1)));
#if defined(__SANITIZE_ADDRESS__)
  // GCC 12's AddressSanitizer takes no lock of its allocator around fork():
  // a trace.dat reader child forked while another worker allocates can wait
  // forever on the lock that worker held (seen in CI: the child stuck in
  // asan's Mutex::Lock). A sanitizer build scans one trace at a time; the
  // release build's glibc malloc is fork-safe.
  jobs = 1;
#endif
  AnalyzeOptions analyze_options = options.analyze;  // set before the workers start, read-only after
  // Traces side by side already keep the cores busy; one alone gets them.
  if (jobs > 1) analyze_options.text_threads = 1;

  // Progress by bytes over every trace, from the start: the traces done and
  // what each worker has read of its current one.
  std::vector<uint64_t> sizes(traces.size());
  uint64_t total_bytes = 0;
  if (options.progress)
    for (size_t i = 0; i < traces.size(); ++i) total_bytes += sizes[i] = file_size(traces[i]);
  SharedByteCounters reading(options.progress ? static_cast<size_t>(jobs) : 0);
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<size_t> next{0}, done{0};
  // Drawn by the workers themselves (rate-limited inside): while a worker
  // waits for its child, between its reads in this process, and when a
  // trace is done. No thread of its own: one running while a worker forks
  // would leave a sanitizer's allocator locked in the child.
  std::unique_ptr<ProgressLine> progress;
  if (options.progress) {
    progress = std::make_unique<ProgressLine>("scan:", total_bytes);
    progress->update(0, "0/" + std::to_string(traces.size()) + " traces");  // at once, before any reading
  }
  auto draw = [&] {
    progress->update(bytes_done.load() + reading.sum(static_cast<size_t>(jobs)),
                     std::to_string(done.load()) + "/" + std::to_string(traces.size()) + " traces");
  };
  auto worker = [&](size_t slot) {
    std::atomic<uint64_t>* counter = options.progress ? reading.at(slot) : nullptr;
    for (size_t i = next++; i < traces.size(); i = next++) {
      AnalyzeOptions one = analyze_options;
      one.trace = traces[i];
      if (counter)
        one.on_bytes_read = [counter, &draw, &options](uint64_t read) {
          counter->store(read, std::memory_order_relaxed);
          if (options.in_process) draw();  // in a worker's child, the parent draws
        };
      if (!options.perfetto_dir.empty()) {
        // Numbered, so that equal names in different folders do not collide.
        one.perfetto_path = (fs::path(options.perfetto_dir) /
                             (std::to_string(i + 1) + "-" + fs::path(traces[i]).filename().string() + ".perfetto.json")).string();
      }
      ScanEntry& entry = entries[i];
      const auto began = std::chrono::steady_clock::now();
      entry = options.in_process ? analyze_scan_entry(one, fingerprint)
                                 : analyze_scan_entry_in_child(one, fingerprint, counter ? std::function<void()>(draw) : nullptr);
      entry.analysis_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began).count();
      bytes_done += sizes[i];
      if (counter) counter->store(0, std::memory_order_relaxed);
      ++done;
      if (counter) draw();
    }
  };
  std::vector<std::thread> pool;
  std::string refused;
  for (int j = 1; j < jobs; ++j) {
    try {
      pool.emplace_back(worker, static_cast<size_t>(j));
    } catch (const std::system_error& e) {
      // Out of threads or memory for their stacks: the workers running
      // (this thread among them) take the rest of the traces.
      refused = e.what();
      break;
    }
  }
  worker(0);
  for (auto& t : pool) t.join();
  if (progress) progress->clear();
  if (workers) *workers = {jobs, static_cast<int>(pool.size()) + 1, refused};
  return entries;
}

std::string fingerprint(const Finding& f) {
  std::string about;
  const auto& d = f.details;
  if (d.contains("function") && d["function"].is_string()) about = d["function"].get<std::string>();
  else if (d.contains("kind") && d["kind"].is_string()) about = d["kind"].get<std::string>();
  else if (d.contains("senders") && !d["senders"].empty()) about = d["senders"][0].value("function", "");
  else if (d.contains("pool")) about = d["pool"].value("unbound", false) ? "unbound" : "bound";
  else if (d.contains("work") && d["work"].is_object()) about = d["work"].value("function", "");
  return f.detector + "|" + fold_digits(f.comm.value_or("")) + "|" + about;
}

ScanOutcome scan_to_report(const ScanOptions& options, const std::optional<Shard>& shard, const nlohmann::json* baseline) {
  ScanOutcome out;
  FoundTraces found_traces = find_traces(options.roots);
  out.missing = std::move(found_traces.missing);
  std::vector<std::string>& traces = found_traces.traces;
  const std::vector<std::string>& relative = found_traces.relative;
  if (traces.empty()) {
    out.error = "no trace found under " + options.roots.front();
    if (!found_traces.skipped.empty())
      out.error += " (" + count_of(static_cast<int>(found_traces.skipped.size()), "file") + " looked at, none a trace: " +
                   found_traces.skipped.front().path + ": " + found_traces.skipped.front().reason +
                   (found_traces.skipped.size() > 1 ? ", ...)" : ")");
    return out;
  }
  const size_t found = traces.size();
  nlohmann::ordered_json positions = nlohmann::ordered_json::array();
  if (shard) {
    std::vector<std::string> mine;
    for (size_t i = 0; i < traces.size(); ++i)
      if (in_shard(relative[i], *shard)) {
        mine.push_back(traces[i]);
        positions.push_back(i);
      }
    traces = std::move(mine);
  }
  if (!options.perfetto_dir.empty()) {
    std::error_code ec;
    fs::create_directories(options.perfetto_dir, ec);
    if (ec) {
      out.error = options.perfetto_dir + ": cannot create: " + ec.message();
      return out;
    }
  }
  ScanWorkers workers;
  const std::vector<ScanEntry> entries = scan(options, traces, &workers);
  if (!workers.refused.empty())
    out.notice = "scan: the system refused a thread (" + workers.refused + "): " + std::to_string(workers.started) +
                 " of " + std::to_string(workers.asked) + " workers analyzed the traces";
  nlohmann::ordered_json trace_entries = nlohmann::ordered_json::array();
  for (const ScanEntry& e : entries) {
    trace_entries.push_back(e.entry);
    out.analysis_ns.push_back(e.analysis_ns);
  }
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  // Every shard walks the whole tree: each part lists every skipped file,
  // and the merge keeps one copy.
  for (const SkippedFile& s : found_traces.skipped) skipped.push_back({{"path", s.path}, {"reason", s.reason}});
  out.report = assemble_scan_report(std::move(trace_entries), std::move(skipped), baseline, options.roots);
  // A part's analysis times go to the merge's JUnit; the merged report, like
  // any scan's, leaves them out.
  if (shard)
    out.report["shard"] = {{"index", shard->index}, {"count", shard->count}, {"found", found}, {"positions", std::move(positions)},
                           {"analysis_ns", out.analysis_ns}};
  return out;
}

Baseline load_baseline(const std::string& path) {
  Baseline out;
  nlohmann::json baseline;
  if (path.empty()) {
    out.report = std::move(baseline);
    return out;
  }
  auto read = read_json_file<nlohmann::json>(path, kScanReportInput);
  if (!read.ok()) {
    out.error = read.status().message();
    return out;
  }
  baseline = std::move(*read);
  if (!baseline.is_object() || !baseline.contains("traces") || !baseline["traces"].is_array()) {
    out.error = path + ": not a scan report (no \"traces\")";
    return out;
  }
  // What the comparison reads: each trace's path and its findings'
  // fingerprints (older reports may lack the rest).
  for (const auto& t : baseline["traces"]) {
    bool ok = t.is_object() && (!t.contains("path") || t["path"].is_string()) &&
              (!t.contains("findings") || t["findings"].is_array());
    if (ok && t.contains("findings"))
      for (const auto& f : t["findings"]) ok = ok && f.is_object() && (!f.contains("fingerprint") || f["fingerprint"].is_string());
    if (!ok) {
      out.error = path + ": not a scan report (a trace entry with a path, findings or fingerprint of the wrong type)";
      return out;
    }
  }
  out.report = std::move(baseline);
  return out;
}

}  // namespace ftlens
