#include "exporters/perfetto_json.h"

#include <algorithm>
#include <map>

#include "detectors/describe.h"
#include "exporters/analysis_result.h"
#include "exporters/json_escape.h"
#include "parser/string_pool.h"

namespace ftlens {

namespace {

// Track ids. A CPU's process id is kCpuPidBase + cpu; tid kRunningTid holds
// the running task, kWorkTid the work items (they may cross a switch, so
// they cannot nest inside the task slices).
constexpr int32_t kFindingsPid = 1;
constexpr int32_t kCpuPidBase = 100;
constexpr int32_t kRunningTid = 1;
constexpr int32_t kWorkTid = 2;
constexpr size_t kFlushBytes = 1 << 20;

}  // namespace

PerfettoJsonWriter::PerfettoJsonWriter(const std::string& path, const StringPool& strings)
    : out_(path), strings_(strings) {
  buf_ = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
}

void PerfettoJsonWriter::begin_event() {
  if (!first_event_) buf_ += ",\n";
  first_event_ = false;
}

void PerfettoJsonWriter::flush_if_large() {
  if (buf_.size() < kFlushBytes || !out_.ok()) return;
  std::fwrite(buf_.data(), 1, buf_.size(), out_.get());
  buf_.clear();
}

// Microseconds with the nanoseconds kept as three decimals.
void PerfettoJsonWriter::append_ts(TimeNs ns) {
  if (ns < 0) {
    buf_ += '-';
    ns = -ns;
  }
  buf_ += std::to_string(ns / 1000);
  const auto frac = static_cast<int>(ns % 1000);
  buf_ += '.';
  buf_ += static_cast<char>('0' + frac / 100);
  buf_ += static_cast<char>('0' + frac / 10 % 10);
  buf_ += static_cast<char>('0' + frac % 10);
}

void PerfettoJsonWriter::ensure_cpu_track(int32_t cpu) {
  auto index = static_cast<size_t>(cpu);
  if (index < cpu_named_.size() && cpu_named_[index]) return;
  if (index >= cpu_named_.size()) cpu_named_.resize(index + 1);
  cpu_named_[index] = true;
  const std::string pid = std::to_string(kCpuPidBase + cpu);
  begin_event();
  buf_ += "{\"ph\":\"M\",\"pid\":" + pid + ",\"name\":\"process_name\",\"args\":{\"name\":\"CPU " + std::to_string(cpu) + "\"}}";
  begin_event();
  buf_ += "{\"ph\":\"M\",\"pid\":" + pid + ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":" + std::to_string(cpu) + "}}";
  begin_event();
  buf_ += "{\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + std::to_string(kRunningTid) +
          ",\"name\":\"thread_name\",\"args\":{\"name\":\"running task\"}}";
  begin_event();
  buf_ += "{\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + std::to_string(kWorkTid) +
          ",\"name\":\"thread_name\",\"args\":{\"name\":\"work items\"}}";
}

void PerfettoJsonWriter::slice(int32_t pid, int32_t tid, std::string_view name, TimeNs start, TimeNs end,
                               const std::string& args_json) {
  begin_event();
  buf_ += "{\"ph\":\"X\",\"pid\":";
  buf_ += std::to_string(pid);
  buf_ += ",\"tid\":";
  buf_ += std::to_string(tid);
  buf_ += ",\"ts\":";
  append_ts(start);
  buf_ += ",\"dur\":";
  append_ts(std::max<TimeNs>(0, end - start));
  buf_ += ",\"name\":";
  append_json_string(buf_, name);
  if (!args_json.empty()) {
    buf_ += ",\"args\":";
    buf_ += args_json;
  }
  buf_ += '}';
  flush_if_large();
}

void PerfettoJsonWriter::on_task_span(const TaskSpan& span, const SystemModel&) {
  if (span.idle() || span.cpu < 0) return;
  ensure_cpu_track(span.cpu);
  std::string name(strings_.view(span.comm));
  name += '-';
  name += std::to_string(span.pid);
  std::string args;
  if (!span.end_seen) args = span.repaired ? "{\"ended_by\":\"repair\"}" : "{\"unterminated\":true}";
  slice(kCpuPidBase + span.cpu, kRunningTid, name, span.start, span.end, args);
}

void PerfettoJsonWriter::write_work(const WorkItem& item, TimeNs end, bool unterminated) {
  if (item.cpu < 0) return;
  ensure_cpu_track(item.cpu);
  std::string args = "{\"work\":\"" + hex_address(item.work) + "\",\"worker\":";
  append_json_string(args, task_label(strings_, item.worker_comm, item.worker_pid));
  if (unterminated) args += ",\"unterminated\":true";
  args += '}';
  slice(kCpuPidBase + item.cpu, kWorkTid, strings_.view(item.function), item.start, end, args);
}

void PerfettoJsonWriter::on_work_done(const WorkItem& item, TimeNs end, const SystemModel&) {
  write_work(item, end, false);
}

std::string PerfettoJsonWriter::finish(const SystemModel& model, const AnalysisResult& result) {
  // Work items still open at the end are drawn up to the end of the trace.
  std::map<int32_t, const WorkItem*> open;  // sorted by worker for a stable output
  for (const auto& [pid, item] : model.open_work()) open.emplace(pid, &item);
  for (const auto& [pid, item] : open) write_work(*item, model.last_event(), true);

  begin_event();
  buf_ += "{\"ph\":\"M\",\"pid\":" + std::to_string(kFindingsPid) +
          ",\"name\":\"process_name\",\"args\":{\"name\":\"ftlens findings\"}}";
  begin_event();
  buf_ += "{\"ph\":\"M\",\"pid\":" + std::to_string(kFindingsPid) +
          ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":-1}}";
  // One lane per detector, plus more lanes where its findings overlap, so
  // that slices on a lane never partially overlap.
  std::map<std::string, std::vector<std::pair<int32_t, TimeNs>>> lanes;  // detector -> (tid, busy until)
  int32_t next_tid = 1;
  for (const Finding& f : result.findings) {
    auto& detector_lanes = lanes[f.detector];
    const TimeNs end = f.start + f.duration;
    int32_t tid = -1;
    for (auto& [lane_tid, busy_until] : detector_lanes)
      if (busy_until <= f.start) {
        tid = lane_tid;
        busy_until = end;
        break;
      }
    if (tid < 0) {
      tid = next_tid++;
      detector_lanes.emplace_back(tid, end);
      begin_event();
      buf_ += "{\"ph\":\"M\",\"pid\":" + std::to_string(kFindingsPid) + ",\"tid\":" + std::to_string(tid) +
              ",\"name\":\"thread_name\",\"args\":{\"name\":";
      append_json_string(buf_, f.detector);
      buf_ += "}}";
    }
    nlohmann::ordered_json args = {{"finding", f.id}, {"detector", f.detector},
                                   {"severity", severity_name(f.severity)}, {"message", f.message},
                                   {"details", f.details}};
    if (!f.end) args["unterminated"] = true;
    const std::string args_json = args.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    slice(kFindingsPid, tid, f.detector + ": " + f.message, f.start, end, args_json);
    if (f.cpu && *f.cpu >= 0) {
      ensure_cpu_track(*f.cpu);
      begin_event();
      buf_ += "{\"ph\":\"i\",\"s\":\"t\",\"pid\":" + std::to_string(kCpuPidBase + *f.cpu) +
              ",\"tid\":" + std::to_string(kRunningTid) + ",\"ts\":";
      append_ts(f.start);
      buf_ += ",\"name\":";
      append_json_string(buf_, f.id + " " + f.detector);
      buf_ += ",\"args\":{\"finding\":";
      append_json_string(buf_, f.id);
      buf_ += "}}";
    }
  }
  buf_ += "\n]}\n";
  if (out_.ok()) std::fwrite(buf_.data(), 1, buf_.size(), out_.get());
  buf_.clear();
  return out_.commit();
}

}  // namespace ftlens
