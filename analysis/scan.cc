#include "analysis/scan.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "exporters/scan_report.h"
#include "parser/container_source.h"
#include "parser/ftrace_line.h"
#include "parser/kernel_log_reader.h"
#include "parser/line_tokenizer.h"
#include "parser/trace_reader.h"

namespace ftlens {

namespace fs = std::filesystem;

namespace {

constexpr size_t kSniffBytes = 64 * 1024;

bool looks_like_trace(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(kSniffBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  // atrace -z output; Chrome trace JSON only when it names the system trace
  // in its first 64 KiB (ftlens's own Perfetto exports are trace JSON too).
  const Container container = sniff_container(head);
  if (container == Container::kAtraceZlib) return true;
  if (container == Container::kTraceJson) return head.find("\"systemTraceEvents\"") != std::string::npos;
  switch (sniff_format(head)) {
    case InputFormat::kTraceDat:
    case InputFormat::kGzip:
    case InputFormat::kZstd:
      return true;
    case InputFormat::kFtraceText:
      break;
    default:
      return false;
  }
  if (head.starts_with("cpus=")) return true;  // trace-cmd report
  // A systrace page: an HTML document with a trace-data block or a legacy
  // linuxPerfData string, or systrace's title (real pages hold megabytes of
  // script before the trace).
  if (container == Container::kSystraceHtml &&
      (head.find("<script class=\"trace-data\"") != std::string::npos || head.find("Android System Trace") != std::string::npos ||
       head.find("var linuxPerfData") != std::string::npos))
    return true;
  // Prose can hold a line that happens to tokenize (a README quoting a
  // trace); a trace has them one after another.
  constexpr int kTraceLines = 3;
  // A kernel log alone (a console capture, dmesg, last_kmsg): several records.
  if (looks_like_kernel_log(head)) {
    int records = 0;
    for (size_t at = 0; at < head.size() && records < kTraceLines;) {
      size_t end = std::min(head.find('\n', at), head.size());
      LogPrefix prefix;
      if (parse_log_prefix(std::string_view(head).substr(at, end - at), &prefix)) ++records;
      at = end + 1;
    }
    if (records >= kTraceLines) return true;
  }
  int trace_lines = 0;
  size_t start = 0;
  while (start < head.size()) {
    size_t end = head.find('\n', start);
    if (end == std::string::npos) break;  // a cut last line proves nothing
    std::string_view line(head.data() + start, end - start);
    // A console log with an ftrace dump.
    if (std::string_view text = line; strip_printk_prefix(&text) && text.starts_with("Dumping ftrace buffer:")) return true;
    FtraceLine cols;
    bool usecs = false;
    if (!line.starts_with("#") && (!tokenize_ftrace_line(line, &cols) || !tokenize_latency_line(line, &cols, &usecs)))
      ++trace_lines;
    if (trace_lines >= kTraceLines) return true;
    start = end + 1;
  }
  return false;
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

std::vector<std::string> find_traces(const std::vector<std::string>& roots, std::vector<std::string>* missing,
                                     std::vector<std::string>* relative) {
  std::vector<std::string> found;
  for (const std::string& root : roots) {
    std::error_code ec;
    const fs::file_status status = fs::status(root, ec);
    if (ec || !fs::exists(status)) {
      missing->push_back(root);
      continue;
    }
    if (!fs::is_directory(status)) {
      found.push_back(root);  // named explicitly: always analyzed
      if (relative) relative->push_back(fs::path(root).filename().string());
      continue;
    }
    std::vector<std::string> here;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code file_ec;
      if (it->is_regular_file(file_ec) && !file_ec && looks_like_trace(it->path())) here.push_back(it->path().string());
    }
    std::sort(here.begin(), here.end());  // stable order across runs and machines
    found.insert(found.end(), here.begin(), here.end());
    if (relative)
      for (const std::string& path : here) relative->push_back(fs::path(path).lexically_relative(root).string());
  }
  return found;
}

std::vector<ScanEntry> scan(const ScanOptions& options, const std::vector<std::string>& traces) {
  std::vector<ScanEntry> entries(traces.size());
  std::atomic<size_t> next{0}, done{0};
  std::atomic<uint64_t> bytes{0};
  std::mutex progress_mutex;
  const auto started = std::chrono::steady_clock::now();
  AnalyzeOptions analyze_options = options.analyze;  // set before the workers start, read-only after
  auto worker = [&] {
    for (size_t i = next++; i < traces.size(); i = next++) {
      AnalyzeOptions one = analyze_options;
      one.trace = traces[i];
      if (!options.perfetto_dir.empty()) {
        // Numbered, so that equal names in different folders do not collide.
        one.perfetto_path = (fs::path(options.perfetto_dir) /
                             (std::to_string(i + 1) + "-" + fs::path(traces[i]).filename().string() + ".perfetto.json")).string();
      }
      AnalyzeOutcome outcome = analyze(one);
      ScanEntry& entry = entries[i];
      entry.path = traces[i];
      entry.ok = outcome.ok;
      entry.error = outcome.error;
      entry.result = std::move(outcome.result);
      if (outcome.ok) entry.perfetto = one.perfetto_path;
      bytes += entry.result.bytes;
      const size_t finished = ++done;
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const double eta = finished ? seconds / static_cast<double>(finished) * static_cast<double>(traces.size() - finished) : 0;
        std::fprintf(stderr, "\rftlens scan: %zu/%zu traces, %.0f MB/s, ETA %.0fs   ", finished, traces.size(),
                     static_cast<double>(bytes.load()) / 1e6 / std::max(seconds, 1e-3), eta);
        if (finished == traces.size()) std::fputc('\n', stderr);
      }
    }
  };
  unsigned jobs = options.jobs > 0 ? static_cast<unsigned>(options.jobs) : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(std::max<size_t>(traces.size(), 1)));
  // Traces side by side already keep the cores busy; one alone gets them.
  if (jobs > 1) analyze_options.text_threads = 1;
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
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
  std::vector<std::string> relative;
  std::vector<std::string> traces = find_traces(options.roots, &out.missing, &relative);
  if (traces.empty()) {
    out.error = "no trace found under " + options.roots.front();
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
  const std::vector<ScanEntry> entries = scan(options, traces);
  std::vector<ScannedTrace> scanned;
  for (const auto& e : entries) scanned.push_back({e.path, e.ok, e.error, e.ok ? &e.result : nullptr, e.perfetto});
  out.report = build_scan_report(scanned, fingerprint, baseline);
  if (shard)
    out.report["shard"] = {{"index", shard->index}, {"count", shard->count}, {"found", found}, {"positions", std::move(positions)}};
  return out;
}

Baseline load_baseline(const std::string& path) {
  Baseline out;
  nlohmann::json baseline;
  if (path.empty()) {
    out.report = std::move(baseline);
    return out;
  }
  std::ifstream in(path);
  baseline = nlohmann::json::parse(in, nullptr, false);
  if (!in || baseline.is_discarded() || !baseline.contains("traces") || !baseline["traces"].is_array()) {
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
