// kernel-report: the kernel's own verdicts, found in printk:console events of
// the trace and in a dmesg log (the input itself, or --dmesg FILE): soft
// lockup, hard LOCKUP, workqueue lockup, RCU stall, hung task, Oops/BUG/panic.
// The pipeline ties each to the finding it explains.
#include <charconv>
#include <string>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct KernelReportConfig {
  bool enabled = true;
};

constexpr size_t kMaxReports = 256;

// The number right after `key` in `text` ("CPU#35" -> 35), or -1.
int64_t number_after(std::string_view text, std::string_view key) {
  size_t at = text.find(key);
  if (at == std::string_view::npos) return -1;
  std::string_view rest = text.substr(at + key.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  int64_t value = -1;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  return ec == std::errc{} ? value : -1;
}

struct Report {
  std::string_view kind;
  int64_t cpu = -1;
  int64_t stuck_seconds = -1;
  std::string comm;
  int64_t pid = -1;
};

// Recognises one kernel report line; kind is empty when the line is not one.
Report classify(std::string_view text) {
  Report r;
  if (text.find("soft lockup - CPU#") != std::string_view::npos) {
    r.kind = "soft-lockup";
    r.cpu = number_after(text, "CPU#");
    r.stuck_seconds = number_after(text, "stuck for ");
    // "... stuck for 22s! [docker-containe:29506]"
    size_t open = text.rfind('['), colon = text.rfind(':'), close = text.rfind(']');
    if (open != std::string_view::npos && colon != std::string_view::npos && close != std::string_view::npos && open < colon && colon < close) {
      r.comm = std::string(text.substr(open + 1, colon - open - 1));
      std::from_chars(text.data() + colon + 1, text.data() + close, r.pid);
    }
  } else if (text.find("hard LOCKUP") != std::string_view::npos) {
    r.kind = "hard-lockup";
    r.cpu = number_after(text, "on cpu ");
    if (r.cpu < 0) r.cpu = number_after(text, "CPU");
  } else if (text.find("workqueue lockup - pool") != std::string_view::npos) {
    r.kind = "workqueue-lockup";
    r.cpu = number_after(text, "cpus=");
    r.stuck_seconds = number_after(text, "stuck for ");
  } else if (text.find("rcu_preempt detected stall") != std::string_view::npos ||
             text.find("rcu_sched detected stall") != std::string_view::npos ||
             text.find("self-detected stall on CPU") != std::string_view::npos ||
             text.find("detected stalls on CPUs/tasks") != std::string_view::npos) {
    r.kind = "rcu-stall";
  } else if (text.find("blocked for more than ") != std::string_view::npos && text.find("INFO: task ") != std::string_view::npos) {
    r.kind = "hung-task";
    r.stuck_seconds = number_after(text, "blocked for more than ");
    // "INFO: task kworker/u8:2:123 blocked ...": the comm may hold ':'.
    size_t start = text.find("INFO: task ") + 11;
    size_t end = text.find(" blocked", start);
    size_t colon = text.rfind(':', end);
    if (colon != std::string_view::npos && colon > start && colon < end) {
      r.comm = std::string(text.substr(start, colon - start));
      std::from_chars(text.data() + colon + 1, text.data() + end, r.pid);
    }
  } else if (text.find("Unable to handle kernel") != std::string_view::npos ||
             text.find("unable to handle page fault") != std::string_view::npos ||
             text.find("unable to handle kernel") != std::string_view::npos ||
             text.find("Internal error: Oops") != std::string_view::npos ||
             text.starts_with("Oops") || text.find("general protection fault") != std::string_view::npos) {
    r.kind = "oops";
  } else if (text.find("Kernel panic") != std::string_view::npos) {
    r.kind = "panic";
  } else if (text.find("BUG: ") != std::string_view::npos || text.find("kernel BUG at") != std::string_view::npos) {
    r.kind = "bug";
  }
  return r;
}

class KernelReportDetector final : public Detector {
 public:
  explicit KernelReportDetector(const DetectorContext&) {}

  std::string_view id() const override { return "kernel-report"; }
  // The kernel's own report of a problem, never its cause.
  int cause_rank() const override { return 100; }
  bool relays_reports() const override { return true; }
  SpanKindMask wanted_spans() const override { return 0; }
  EventTypeMask wanted_events() const override { return event_types({EventType::kConsole}); }
  std::vector<Option> options() override {
    return {{"enabled", "report kernel lockup/stall/oops lines found in console events or dmesg", &config_.enabled}};
  }

  void on_event(const Event& e, const SystemModel&) override {
    if (e.type == EventType::kConsole) consider(e.payload, e.ts, e.cpu, "trace console event");
  }
  void on_log_line(TimeNs at, std::string_view text) override { consider(text, at, -1, "kernel log"); }

 private:
  void consider(std::string_view text, TimeNs at, int32_t event_cpu, const char* source) {
    if (!config_.enabled || reports_ >= kMaxReports) return;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    Report r = classify(text);
    if (r.kind.empty()) return;
    ++reports_;
    Finding f;
    f.severity = Severity::kError;
    if (r.cpu >= 0) f.cpu = static_cast<int32_t>(r.cpu);
    else if (event_cpu >= 0 && r.kind != "hung-task") f.cpu = event_cpu;
    if (!r.comm.empty()) f.comm = r.comm;
    if (r.pid >= 0) f.pid = static_cast<int32_t>(r.pid);
    // "stuck for 22s" reported at `at` means the stall began 22 s earlier.
    const TimeNs stuck = r.stuck_seconds > 0 ? r.stuck_seconds * 1'000'000'000 : 0;
    f.start = at >= 0 ? at - stuck : 0;
    f.end = at >= 0 ? std::optional<TimeNs>(at) : std::nullopt;
    f.duration = stuck;
    f.message = "kernel reported " + std::string(r.kind) + ": " + std::string(text);
    f.details["kind"] = std::string(r.kind);
    f.details["line"] = std::string(text);
    f.details["source"] = source;
    f.details["reported_ns"] = at >= 0 ? nlohmann::ordered_json(at) : nlohmann::ordered_json(nullptr);
    report(std::move(f));
  }

  KernelReportConfig config_;
  size_t reports_ = 0;
};

}  // namespace

std::unique_ptr<Detector> make_kernel_report_detector(const DetectorContext& context) {
  return std::make_unique<KernelReportDetector>(context);
}

}  // namespace ftlens
