#include "exporters/perfetto_json.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "exporters/analysis_result.h"
#include "exporters/json_escape.h"
#include "model/labels.h"
#include "parser/string_pool.h"

namespace ftlens {

namespace {

// Track ids. A CPU's process id is kCpuPidBase + cpu. Each kind of slice has
// its own thread track, because across kinds slices may partially overlap
// (a work item crosses a switch, an irq starts with a switch) while within a
// kind they only nest.
constexpr int32_t kFindingsPid = 1;
constexpr int32_t kCpuPidBase = 100;
constexpr int32_t kRunningTid = 1;
constexpr int32_t kWorkTid = 2;
constexpr int32_t kHardirqTid = 3;
constexpr int32_t kSoftirqTid = 4;
constexpr int32_t kFunctionsTid = 5;  // function_graph calls, named only on CPUs that have them
// --by-task: a task's function_graph calls, on their own track of its
// process (a call may span a context switch, so not on the task's track).
constexpr int32_t kTaskFunctionsTidBase = 1 << 24;
// --by-task: a task group's process id is kTaskPidBase + tgid (the pid when
// the trace has no tgid column), below the CPUs.
constexpr int32_t kTaskPidBase = 1'000'000;
constexpr size_t kFlushBytes = 1 << 20;

std::string_view handler_kind_name(HandlerSpan::Kind kind) {
  switch (kind) {
    case HandlerSpan::Kind::kIrq: return "irq";
    case HandlerSpan::Kind::kIpi: return "ipi";
    case HandlerSpan::Kind::kCsd: return "csd";
    case HandlerSpan::Kind::kHrtimer: return "hrtimer";
    case HandlerSpan::Kind::kSoftirq: return "softirq";
    case HandlerSpan::Kind::kTimer: return "timer";
  }
  return "handler";
}

}  // namespace

PerfettoJsonWriter::PerfettoJsonWriter(const std::string& path, const StringPool& strings, TimelineOptions options)
    : out_(path), strings_(strings), options_(std::move(options)) {
  buf_ = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
}

bool PerfettoJsonWriter::wanted_cpu(int32_t cpu) const {
  if (cpu < 0) return false;
  if (options_.cpus.empty()) return true;
  return std::find(options_.cpus.begin(), options_.cpus.end(), cpu) != options_.cpus.end();
}

bool PerfettoJsonWriter::clip(TimeNs* start, TimeNs* end) const {
  if (options_.from && *end < *options_.from) return false;
  if (options_.to && *start > *options_.to) return false;
  if (options_.from && *start < *options_.from) *start = *options_.from;
  if (options_.to && *end > *options_.to) *end = *options_.to;
  return true;
}

bool PerfettoJsonWriter::in_window(TimeNs ts) const {
  return (!options_.from || ts >= *options_.from) && (!options_.to || ts <= *options_.to);
}

void PerfettoJsonWriter::begin_event() {
  if (!first_event_) buf_ += ",\n";
  first_event_ = false;
}

void PerfettoJsonWriter::flush_if_large() {
  if (buf_.size() < kFlushBytes || !out_.ok()) return;
  std::fwrite(buf_.data(), 1, buf_.size(), out_.get());
  bytes_ += buf_.size();
  buf_.clear();
}

void PerfettoJsonWriter::append_int(int64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  buf_.append(digits, static_cast<size_t>(end - digits));
}

// Microseconds with the nanoseconds kept as three decimals.
void PerfettoJsonWriter::append_ts(TimeNs ns) {
  if (ns < 0) {
    buf_ += '-';
    ns = -ns;
  }
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + 24, ns / 1000);
  const auto frac = static_cast<int>(ns % 1000);
  end[0] = '.';
  end[1] = static_cast<char>('0' + frac / 100);
  end[2] = static_cast<char>('0' + frac / 10 % 10);
  end[3] = static_cast<char>('0' + frac % 10);
  buf_.append(digits, static_cast<size_t>(end + 4 - digits));
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
  for (auto [tid, name] : {std::pair{kHardirqTid, "hardirq"}, std::pair{kSoftirqTid, "softirq"}}) {
    begin_event();
    buf_ += "{\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + std::to_string(tid) +
            ",\"name\":\"thread_name\",\"args\":{\"name\":\"" + name + "\"}}";
    begin_event();
    buf_ += "{\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + std::to_string(tid) +
            ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":" + std::to_string(tid) + "}}";
  }
}

// Writes everything of an "X" event before its name; the caller appends the
// name (a JSON string) and calls close_slice.
void PerfettoJsonWriter::open_slice(int32_t pid, int32_t tid, TimeNs start, TimeNs end) {
  begin_event();
  buf_ += "{\"ph\":\"X\",\"pid\":";
  append_int(pid);
  buf_ += ",\"tid\":";
  append_int(tid);
  buf_ += ",\"ts\":";
  append_ts(start);
  buf_ += ",\"dur\":";
  append_ts(std::max<TimeNs>(0, end - start));
  buf_ += ",\"name\":";
}

void PerfettoJsonWriter::close_slice(std::string_view args_json) {
  if (!args_json.empty()) {
    buf_ += ",\"args\":";
    buf_ += args_json;
  }
  buf_ += '}';
  flush_if_large();
}

void PerfettoJsonWriter::slice(int32_t pid, int32_t tid, std::string_view name, TimeNs start, TimeNs end,
                               std::string_view args_json) {
  open_slice(pid, tid, start, end);
  append_json_string(buf_, name);
  close_slice(args_json);
}

void PerfettoJsonWriter::on_task_span(const TaskSpan& span, const SystemModel&) {
  if (span.idle() || !wanted_cpu(span.cpu)) return;
  TimeNs start = span.start, end = span.end;
  if (!clip(&start, &end)) return;
  ensure_cpu_track(span.cpu);
  std::string_view args;
  if (!span.end_seen) args = span.repaired ? "{\"ended_by\":\"repair\"}" : "{\"unterminated\":true}";
  open_slice(kCpuPidBase + span.cpu, kRunningTid, start, end);
  append_task_name(span.comm, span.pid);
  close_slice(args);
  if (!options_.by_task) return;
  std::string name(strings_.view(span.comm));
  name += '-';
  name += std::to_string(span.pid);
  const int32_t group = span.tgid > 0 ? span.tgid : span.pid;
  const int32_t pid = kTaskPidBase + group;
  if (named_tasks_.insert(-static_cast<int64_t>(group) - 1).second) {
    begin_event();
    buf_ += "{\"ph\":\"M\",\"pid\":" + std::to_string(pid) + ",\"name\":\"process_name\",\"args\":{\"name\":";
    append_json_string(buf_, span.tgid > 0 ? "tgid " + std::to_string(group) : std::string(strings_.view(span.comm)) + " " + std::to_string(group));
    buf_ += "}}";
    begin_event();
    buf_ += "{\"ph\":\"M\",\"pid\":" + std::to_string(pid) + ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":" +
            std::to_string(1000 + group) + "}}";
  }
  if (named_tasks_.insert(span.pid).second) {
    begin_event();
    buf_ += "{\"ph\":\"M\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(span.pid) +
            ",\"name\":\"thread_name\",\"args\":{\"name\":";
    append_json_string(buf_, name);
    buf_ += "}}";
  }
  slice(pid, span.pid, "CPU " + std::to_string(span.cpu), start, end, args);
}

void PerfettoJsonWriter::on_handler_span(const HandlerSpan& span, const SystemModel&) {
  if (!options_.handlers || !wanted_cpu(span.cpu)) return;
  TimeNs start = span.start, end = span.end;
  if (!clip(&start, &end)) return;
  ensure_cpu_track(span.cpu);
  const std::string_view label = strings_.view(span.name);
  const std::string_view kind = handler_kind_name(span.kind);
  open_slice(kCpuPidBase + span.cpu, span.hard() ? kHardirqTid : kSoftirqTid, start, end);
  // "irq 36 virtio1-req.0", "RCU" (softirq), "hrtimer tick_nohz_handler"
  name_.clear();
  if (span.kind == HandlerSpan::Kind::kSoftirq) {
    name_ = label.empty() ? std::string_view("softirq") : label;
  } else {
    name_ = kind;
    name_ += ' ';
    if (span.kind == HandlerSpan::Kind::kIrq) {
      name_ += std::to_string(span.number);
      name_ += ' ';
    }
    name_ += label;
  }
  append_json_string(buf_, name_);
  buf_ += ",\"args\":{\"kind\":\"";
  buf_ += kind;
  buf_ += span.end_seen ? "\"}" : "\",\"unterminated\":true}";
  close_slice({});
}

void PerfettoJsonWriter::on_function_call(const FunctionCall& call, const SystemModel&) {
  if (!wanted_cpu(call.cpu)) return;
  TimeNs start = call.start, end = call.end;
  if (!clip(&start, &end)) return;
  ensure_cpu_track(call.cpu);
  const auto index = static_cast<size_t>(call.cpu);
  if (index >= functions_named_.size()) functions_named_.resize(index + 1);
  const std::string pid = std::to_string(kCpuPidBase + call.cpu);
  if (!functions_named_[index]) {
    functions_named_[index] = true;
    begin_event();
    buf_ += "{\"ph\":\"M\",\"pid\":" + pid + ",\"tid\":" + std::to_string(kFunctionsTid) +
            ",\"name\":\"thread_name\",\"args\":{\"name\":\"functions\"}}";
  }
  const std::string_view function = strings_.view(call.function);
  const std::string_view args = call.end_seen ? std::string_view{} : std::string_view("{\"unterminated\":true}");
  slice(kCpuPidBase + call.cpu, kFunctionsTid, function.empty() ? "function" : function, start, end, args);
  if (!options_.by_task || call.pid < 0) return;
  // Under the task's process when its running spans named it, else its own.
  const int32_t task_pid = kTaskPidBase + call.pid;
  const int32_t tid = kTaskFunctionsTidBase + call.pid;
  if (named_tasks_.insert(int64_t{tid}).second) {
    begin_event();
    buf_ += "{\"ph\":\"M\",\"pid\":" + std::to_string(task_pid) + ",\"tid\":" + std::to_string(tid) +
            ",\"name\":\"thread_name\",\"args\":{\"name\":";
    append_json_string(buf_, std::string(strings_.view(call.comm)) + "-" + std::to_string(call.pid) + " functions");
    buf_ += "}}";
  }
  slice(task_pid, tid, function.empty() ? "function" : function, start, end, args);
}

// A wakeup arrow: from the waker's slice at the wakeup to the wakee's slice
// when it runs (flow events bind to the slice enclosing them).
void PerfettoJsonWriter::on_wakeup_served(const WaitingTask& task, int32_t cpu, TimeNs at, const SystemModel&) {
  if (!options_.flows || !wanted_cpu(cpu) || !wanted_cpu(task.waker_cpu) || !in_window(task.woken) || !in_window(at))
    return;
  ensure_cpu_track(cpu);
  ensure_cpu_track(task.waker_cpu);
  const uint64_t id = next_flow_id_++;
  begin_event();
  buf_ += "{\"ph\":\"s\",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":";
  append_int(static_cast<int64_t>(id));
  buf_ += ",\"pid\":";
  append_int(kCpuPidBase + task.waker_cpu);
  buf_ += ",\"tid\":";
  append_int(task.waker_in_irq ? kHardirqTid : kRunningTid);
  buf_ += ",\"ts\":";
  append_ts(task.woken);
  buf_ += '}';
  begin_event();
  buf_ += "{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"wakeup\",\"name\":\"wakeup\",\"id\":";
  append_int(static_cast<int64_t>(id));
  buf_ += ",\"pid\":";
  append_int(kCpuPidBase + cpu);
  buf_ += ",\"tid\":";
  append_int(kRunningTid);
  buf_ += ",\"ts\":";
  append_ts(at);
  buf_ += '}';
  flush_if_large();
}

void PerfettoJsonWriter::counter(int32_t cpu, TimeNs ts, uint32_t value) {
  begin_event();
  buf_ += "{\"ph\":\"C\",\"pid\":";
  append_int(kCpuPidBase + cpu);
  buf_ += ",\"name\":\"waiting tasks\",\"ts\":";
  append_ts(ts);
  buf_ += ",\"args\":{\"woken, not yet run\":";
  append_int(value);
  buf_ += "}}";
  flush_if_large();
}

// "comm-pid" as a JSON string.
void PerfettoJsonWriter::append_task_name(StrId comm, int32_t pid) {
  append_json_string(buf_, strings_.view(comm));
  buf_.back() = '-';  // over the closing quote
  append_int(pid);
  buf_ += '"';
}

void PerfettoJsonWriter::after_event(const Event& e, const SystemModel& model) {
  if (!options_.counters || !in_window(e.ts)) return;
  // Only events that can change a CPU's waiting count.
  int32_t touched[2] = {-1, -1};
  switch (e.type) {
    case EventType::kSchedWakeup:
    case EventType::kSchedWakeupNew:
    case EventType::kSchedMigrateTask:
      touched[0] = e.target_cpu;
      touched[1] = e.source_cpu;
      break;
    case EventType::kSchedSwitch:
    case EventType::kSchedProcessExit:
      touched[0] = e.cpu;
      break;
    default:
      if (e.cpu >= 0 && static_cast<size_t>(e.cpu) < last_waiting_.size()) touched[0] = e.cpu;  // repaired switch
      break;
  }
  for (int32_t cpu : touched) {
    // A CPU can have tasks waiting before it has produced an event itself.
    if (cpu < 0 || static_cast<size_t>(cpu) >= model.cpus().size() || !wanted_cpu(cpu)) continue;
    const CpuTimeline* c = &model.cpus()[static_cast<size_t>(cpu)];
    if (static_cast<size_t>(cpu) >= last_waiting_.size()) last_waiting_.resize(static_cast<size_t>(cpu) + 1, -1);
    if (last_waiting_[static_cast<size_t>(cpu)] == static_cast<int64_t>(c->waiting)) continue;
    last_waiting_[static_cast<size_t>(cpu)] = c->waiting;
    ensure_cpu_track(cpu);
    counter(cpu, e.ts, c->waiting);
  }
}

void PerfettoJsonWriter::write_work(const WorkItem& item, TimeNs end, bool unterminated) {
  if (!wanted_cpu(item.cpu)) return;
  TimeNs start = item.start;
  if (!clip(&start, &end)) return;
  ensure_cpu_track(item.cpu);
  std::string args = "{\"work\":\"" + hex_address(item.work) + "\",\"worker\":";
  append_json_string(args, task_label(strings_, item.worker_comm, item.worker_pid));
  if (unterminated) args += ",\"unterminated\":true";
  args += '}';
  slice(kCpuPidBase + item.cpu, kWorkTid, strings_.view(item.function), start, end, args);
}

void PerfettoJsonWriter::on_work_done(const WorkItem& item, TimeNs end, const SystemModel&) {
  write_work(item, end, false);
}

void PerfettoJsonWriter::draw_open_work(const SystemModel& model) {
  std::map<int32_t, const WorkItem*> open;  // sorted by worker for a stable output
  for (const auto& [pid, item] : model.open_work()) open.emplace(pid, &item);
  for (const auto& [pid, item] : open) write_work(*item, model.last_event(), true);
}

Status PerfettoJsonWriter::finish(const SystemModel& model, const AnalysisResult& result) {
  // Work items still open at the end are drawn up to the end of the trace.
  draw_open_work(model);

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
    TimeNs start = f.start, end = f.start + f.duration;
    if (!clip(&start, &end)) continue;
    if (!options_.cpus.empty() && f.cpu && !wanted_cpu(*f.cpu)) continue;
    auto& detector_lanes = lanes[f.detector];
    int32_t tid = -1;
    for (auto& [lane_tid, busy_until] : detector_lanes)
      if (busy_until <= start) {
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
    if (!f.group.empty()) args["group"] = f.group, args["root_cause"] = f.root_cause;
    if (!f.end) args["unterminated"] = true;
    const std::string args_json = args.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    slice(kFindingsPid, tid, f.detector + ": " + f.message, start, end, args_json);
    if (f.cpu && wanted_cpu(*f.cpu) && in_window(f.start)) {
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
  bytes_ += buf_.size();
  buf_.clear();
  return out_.commit();
}

}  // namespace ftlens
