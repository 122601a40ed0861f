// kernel-report: the kernel's own verdicts, recognised by the parser in
// printk:console events of a trace and in a kernel log (the input itself, or
// --dmesg FILE): soft and hard lockups, workqueue lockups with what their pool
// had pending, RCU stalls, hung tasks, CSD lock timeouts, oopses (nested ones
// too), panics, RT throttling and vendor watchdog kick bits. Across reports
// it names the CPU that lockups waiting in a cross-CPU call wait for
// (kernel_report_reasoning.h). The pipeline ties each to the trace findings
// it explains.
#include <algorithm>
#include <optional>
#include <string>

#include "detectors/detector.h"
#include "detectors/kernel_report_reasoning.h"
#include "parser/kernel_report_parser.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct KernelReportConfig {
  bool enabled = true;
  // Reports kept (each with its call trace): twice what one source keeps.
  uint64_t max_reports = 2 * KernelReportParser::kMaxReports;
  // A watchdog's panic ("softlockup: hung tasks") follows the report it
  // panics for at once; 10 s allows for a slow console printing the trace.
  TimeNs panic_cause_window_ns = 10'000'000'000;
};

// The report kind a watchdog's panic message names: kernel/watchdog.c
// "softlockup: hung tasks", kernel/watchdog_perf.c "Hard LOCKUP" (newer
// "hardlockup: ..."), kernel/hung_task.c "hung_task: blocked tasks",
// kernel/rcu/tree_stall.h "RCU Stall".
std::optional<KernelReportKind> panic_cause_kind(std::string_view reason) {
  if (reason.starts_with("softlockup")) return KernelReportKind::kSoftLockup;
  if (reason.starts_with("hardlockup") || reason.find("Hard LOCKUP") != std::string_view::npos)
    return KernelReportKind::kHardLockup;
  if (reason.starts_with("hung_task")) return KernelReportKind::kHungTask;
  if (reason.starts_with("RCU Stall")) return KernelReportKind::kRcuStall;
  return std::nullopt;
}

// Call-trace frames a finding's message names (details hold them all).
constexpr size_t kMessageFrames = 3;
constexpr TimeNs kHardLockupThreshold = 10'000'000'000;

std::string cpu_list(const std::vector<int32_t>& cpus) {
  std::string out;
  for (int32_t cpu : cpus) {
    if (!out.empty()) out += ", ";
    out += std::to_string(cpu);
  }
  return out;
}

// The scheduler's own frames at the top of a sleeping task's stack
// (kernel/sched/core.c, kernel/time/timer.c, arch switch code).
bool is_scheduler_frame(std::string_view fn) {
  static constexpr std::string_view kFrames[] = {
      "__switch_to", "__switch_to_asm", "cpu_switch_to", "context_switch", "__schedule", "schedule",
      "schedule_timeout", "schedule_timeout_uninterruptible", "schedule_timeout_interruptible",
      "schedule_timeout_killable", "io_schedule", "io_schedule_timeout", "schedule_preempt_disabled",
      "schedule_hrtimeout", "schedule_hrtimeout_range", "schedule_hrtimeout_range_clock", "preempt_schedule_common",
      "preempt_schedule", "__cond_resched", "_cond_resched", "schedule_idle", "freezable_schedule",
      "__schedule_loop", "schedule_rtlock", "rt_mutex_schedule"};
  for (std::string_view f : kFrames)
    if (fn == f) return true;
  return false;
}

std::string frame_text(const StackFrame& f) {
  std::string out = f.unreliable ? "? " : "";
  out += f.function + f.offset;
  if (!f.module.empty()) out += " [" + f.module + "]";
  return out;
}

std::string task_text(const KernelReport& r) {
  if (r.comm.empty() && r.pid < 0) return "";
  std::string out = r.comm.empty() ? "task" : r.comm;
  if (r.pid >= 0) out += " (pid " + std::to_string(r.pid) + ")";
  return out;
}

std::string hex(int64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  uint64_t u = static_cast<uint64_t>(v);
  do {
    out.insert(out.begin(), kDigits[u & 0xf]);
    u >>= 4;
  } while (u);
  return "0x" + out;
}

class KernelReportDetector final : public Detector {
 public:
  explicit KernelReportDetector(const DetectorContext&) {}

  std::string_view id() const override { return "kernel-report"; }
  // The kernel's own report of a problem, never its cause.
  int cause_rank() const override { return 100; }
  bool relays_reports() const override { return true; }
  SpanKindMask wanted_spans() const override { return 0; }
  EventTypeMask wanted_events() const override { return 0; }
  // The kernel's reports are printk output: console events, or a kernel log
  // (which counts as console events here, analysis/coverage.h).
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kConsole})}; }
  std::vector<Option> options() override {
    return {{"enabled", "report the kernel's lockup/stall/oops reports found in console events or a kernel log",
             &config_.enabled},
            {"max_reports", "kernel reports kept (a count); beyond, counted in stats.kernel_reports_dropped",
             &config_.max_reports}};
  }

  void on_kernel_report(const KernelReport& report) override {
    if (!config_.enabled) return;
    if (reports_.size() >= config_.max_reports) {
      ++dropped_;
      count(ModelStat::kernel_reports_dropped);
      return;
    }
    reports_.push_back(report);
  }

  void finish(const SystemModel&) override {
    UnansweredCpu silent;
    const std::vector<ReportVerdict> verdicts = reason_across_reports(reports_, &silent);
    for (size_t i = 0; i < reports_.size(); ++i) {
      Finding f = make_finding(reports_[i], verdicts[i]);
      if (reports_[i].kind == KernelReportKind::kPanic) link_panic_cause(i, &f);
      report(std::move(f));
    }
    if (silent.cpu >= 0) report(unanswered_finding(silent));
  }

 private:
  // "in smp_call_function_many <- kick_all_cpus_sync <- sync_icache_aliases":
  // the frames that say what it was doing. "?" frames are stale words on the
  // stack; a sleeping task's innermost frames are the scheduler switching it
  // out, the same for every sleeper, and what it waits in comes after.
  std::string where(const KernelReport& r) const { return where(r.frames, r.pc, r.kind); }
  static std::string where(const std::vector<StackFrame>& frames, const std::string& pc, KernelReportKind kind) {
    std::string out;
    size_t named = 0;
    // Kernels without a reliable unwinder mark every frame "?": then they
    // are all there is, and read as they come.
    const bool any_reliable =
        std::any_of(frames.begin(), frames.end(), [](const StackFrame& frame) { return !frame.unreliable; });
    for (const StackFrame& frame : frames) {
      if (named == kMessageFrames) break;
      if (frame.unreliable && any_reliable) continue;
      if (kind == KernelReportKind::kHungTask && named == 0 && is_scheduler_frame(frame.function)) continue;
      out += named++ == 0 ? " in " : " <- ";
      out += frame.function;
    }
    // A WARN's message names its function already.
    if (out.empty() && !pc.empty() && kind != KernelReportKind::kWarning) out = " at " + pc;
    return out;
  }

  // "local_irq_disab (pid 228) at delay_tsc+0x2f/0xa0 in irq_disabling_thread <- kthread": what a CSD
  // timeout's target ran, from its NMI backtrace or task dump; "" when the log has none.
  static std::string target_text(const KernelReport& r) {
    std::string out;
    if (!r.target_comm.empty() || r.target_pid >= 0)
      out = (r.target_comm.empty() ? std::string("task") : r.target_comm) +
            (r.target_pid >= 0 ? " (pid " + std::to_string(r.target_pid) + ")" : "");
    if (!r.target_pc.empty()) out += (out.empty() ? "at " : " at ") + r.target_pc;
    std::string in = where(r.target_frames, "", KernelReportKind::kCsdLockTimeout);
    if (!in.empty()) out += out.empty() ? in.substr(1) : in;
    return out;
  }

  std::string message(const KernelReport& r, const ReportVerdict& v) const {
    const std::string cpu = r.cpu >= 0 ? "CPU" + std::to_string(r.cpu) : std::string("a CPU");
    const std::string task = task_text(r);
    const std::string stuck = r.stuck_ns > 0 ? format_duration(r.stuck_ns) : std::string();
    std::string m;
    switch (r.kind) {
      case KernelReportKind::kSoftLockup:
        m = cpu + " soft lockup: " + (task.empty() ? "a task" : task) + " ran without scheduling for " +
            (stuck.empty() ? "too long" : stuck) + where(r);
        break;
      case KernelReportKind::kHardLockup:
        m = cpu + " hard LOCKUP: it took no interrupt for the watchdog's threshold" + where(r);
        break;
      case KernelReportKind::kWorkqueueLockup: {
        m = "workqueue lockup: the pool of " + (r.cpu >= 0 ? cpu : "CPUs " + r.pool_cpus) + " (cpus=" + r.pool_cpus +
            (r.pool_node >= 0 ? " node=" + std::to_string(r.pool_node) : "") + " flags=" + r.pool_flags +
            " nice=" + std::to_string(r.pool_nice) + ") started no work for " + (stuck.empty() ? "too long" : stuck);
        std::vector<std::string> pending, in_flight;
        for (const BusyWorkqueueEntry& e : r.busy) {
          if (e.is_pool || e.pool_cpus != r.pool_cpus || e.pool_nice != r.pool_nice) continue;
          for (const auto& p : e.pending) pending.push_back(p);
          for (const auto& p : e.in_flight) in_flight.push_back(p);
        }
        auto join = [](const std::vector<std::string>& items) {
          std::string out;
          for (size_t i = 0; i < items.size() && i < 5; ++i) out += (i ? ", " : "") + items[i];
          if (items.size() > 5) out += ", ... (" + std::to_string(items.size()) + " in all)";
          return out;
        };
        if (!in_flight.empty()) m += "; in flight: " + join(in_flight);
        if (!pending.empty()) m += "; pending: " + join(pending);
        if (r.busy_dump_seen && pending.empty() && in_flight.empty())
          m += "; the busy-workqueue dump lists nothing of this pool";
        if (!r.busy_dump_seen && r.busy.empty()) m += "; the log shows no busy-workqueue dump, so what was pending is not known";
        break;
      }
      case KernelReportKind::kRcuStall: {
        const std::string age = r.gp_age_jiffies >= 0 ? " (" + std::to_string(r.gp_age_jiffies) + " jiffies old)" : "";
        const std::string who = r.cpus.empty() ? cpu : (r.cpus.size() == 1 ? "CPU" : "CPUs ") + cpu_list(r.cpus);
        // The grace period waits on its kthread, not on a CPU: every CPU had
        // reported ("All QSes seen"), or the kthread got no CPU time (a
        // stalled CPU listed then may only be idle, waiting to be asked).
        if (r.all_qs_seen || r.gp_kthread_starved_jiffies >= 0 || r.gp_kthread_timer_missed_jiffies >= 0) {
          m = "RCU stall" + age + ": " +
              (r.all_qs_seen ? std::string("no CPU held up the grace period (all quiescent states seen)")
                             : who + " had not reported a quiescent state") +
              "; the grace-period kthread did not run";
          if (r.gp_kthread_starved_jiffies >= 0)
            m += ": starved for " + std::to_string(r.gp_kthread_starved_jiffies) + " jiffies" +
                 (r.gp_kthread_cpu >= 0 ? " (it was to run on CPU" + std::to_string(r.gp_kthread_cpu) + ")" : "");
          if (r.gp_kthread_timer_missed_jiffies >= 0)
            m += std::string(r.gp_kthread_starved_jiffies >= 0 ? "; " : ": ") + "its timer wakeup did not happen for " +
                 std::to_string(r.gp_kthread_timer_missed_jiffies) + " jiffies";
          m += where(r);
          break;
        }
        m = "RCU stall: " + who + " held up the grace period" + age + where(r);
        break;
      }
      case KernelReportKind::kHungTask:
        m = "hung task: " + (task.empty() ? "a task" : task) + (r.io_wait ? " blocked in I/O wait for more than " : " blocked for more than ") +
            (stuck.empty() ? "the threshold" : stuck) + where(r);
        break;
      case KernelReportKind::kCsdLockTimeout:
        m = cpu + " waited " + (stuck.empty() ? "too long" : stuck) + " for CPU" +
            (r.cpus.empty() ? "?" : std::to_string(r.cpus[0])) + " to run " +
            (r.csd_function.empty() ? "a cross-CPU call" : r.csd_function) + " (CSD lock timeout)";
        if (r.csd_unstuck)
          m += "; the lock got unstuck: CPU" + (r.cpus.empty() ? "?" : std::to_string(r.cpus[0])) +
               " ran it late" +
               (r.csd_unstuck_at >= 0 && r.at >= 0 && r.csd_unstuck_at >= r.at
                    ? ", " + format_duration(r.csd_unstuck_at - r.at) + " after this report"
                    : std::string());
        if (std::string target = target_text(r); !target.empty())
          m += "; CPU" + std::to_string(r.cpus[0]) + " was running " + target;
        break;
      case KernelReportKind::kOops:
      case KernelReportKind::kBug:
        m = cpu + (r.cpu_inferred ? " (the CPU of the oops it is nested in)" : "") +
            (r.nested_in >= 0 ? " oopsed again inside die() of an earlier oops: " : " oopsed: ") + r.reason +
            (task.empty() ? "" : ", task " + task) + where(r);
        if (r.nested_in >= 0) m += "; die() never returned";
        if (r.pc.starts_with("wq_watchdog_timer_fn") ||
            (!r.frames.empty() && r.frames[0].function == "wq_watchdog_timer_fn"))
          m += "; raised by the workqueue watchdog over the lockup it found";
        break;
      case KernelReportKind::kPanic:
        m = "kernel panic" + (r.cpu >= 0 ? " on " + cpu : std::string()) + ": " + r.reason;
        break;
      case KernelReportKind::kWarning:
        m = cpu + " kernel WARNING" + (r.reason.empty() ? "" : " at " + r.reason) +
            (r.pc.empty() ? "" : " in " + r.pc.substr(0, r.pc.find('+'))) +
            (task.empty() ? "" : (r.comm.empty() ? ", " : ", task ") + task) +
            where(r);
        break;
      case KernelReportKind::kRtThrottling:
        m = "RT throttling activated: real-time tasks used up their share of a CPU and were held back";
        break;
      case KernelReportKind::kWatchdogKick:
        m = "watchdog kick: CPUs " + cpu_list(r.cpus) + " were to kick the watchdog and did not (" +
            (r.kick_mask >= 0 ? "to kick " + hex(r.kick_mask) : std::string("?")) +
            (r.kicked_mask >= 0 ? ", kicked " + hex(r.kicked_mask) : std::string()) + "): something stuck them";
        if (r.cpus.empty()) m = "watchdog kick bits: every CPU asked kicked the watchdog";
        break;
    }
    if (v.cross_call_wait && r.kind != KernelReportKind::kCsdLockTimeout) {
      m += v.wait_inferred ? "; its call trace is not in the log, taken to be the others' wait in " + std::string(v.waits_in)
                           : "; it waits for a cross-CPU call (" + std::string(v.waits_in) + ")";
      if (v.waits_for_cpu >= 0) m += " that CPU" + std::to_string(v.waits_for_cpu) + " never answered";
    }
    if (v.unanswering && r.nested_in < 0)
      m += std::string("; it never answered: ") + (v.waiting_cpus.size() == 1 ? "CPU " : "CPUs ") +
           cpu_list(v.waiting_cpus) + (v.waiting_cpus.size() == 1 ? " spins" : " spin") +
           " waiting for a cross-CPU call it does not answer" +
           (r.kind == KernelReportKind::kHardLockup ? " (its interrupts are off)"
            : r.kind == KernelReportKind::kCsdLockTimeout ? ""
                                                          : " (an oops runs with interrupts off)");
    if (r.successive > 0)
      m += " (reported " + std::to_string(r.successive) + " times as it went on; the last: \"" + r.last_header + "\")";
    if (r.repeats > 0) m += " [quoted " + std::to_string(r.repeats + 1) + " times in the input; counted once]";
    return m;
  }

  Finding make_finding(const KernelReport& r, const ReportVerdict& v) const {
    Finding f;
    // A WARN() is the kernel noticing something it did not expect and going
    // on; RT throttling is it holding tasks back as configured.
    // A CSD lock that got unstuck was answered, if late: the system went on.
    f.severity = r.kind == KernelReportKind::kRtThrottling || r.kind == KernelReportKind::kWarning || r.csd_unstuck
                     ? Severity::kWarning
                     : Severity::kError;
    if (r.cpu >= 0) f.cpu = r.cpu;
    if (r.pid >= 0) f.pid = r.pid;
    if (!r.comm.empty()) f.comm = r.comm;
    // "stuck for 22s" reported at `at` means it began 22 s earlier.
    TimeNs stuck = r.stuck_ns > 0 ? r.stuck_ns : 0;
    // A hard lockup is reported after the watchdog's threshold without an
    // interrupt: kernel.watchdog_thresh, 10 s unless the log's kernel changed it.
    if (r.kind == KernelReportKind::kHardLockup && stuck == 0) stuck = kHardLockupThreshold;
    f.start = r.at >= 0 ? r.at - stuck : 0;
    TimeNs end = r.at;
    if (v.unanswering && v.waited_until > end) end = v.waited_until;  // it never came back
    if (r.csd_unstuck && r.csd_unstuck_at > end) end = r.csd_unstuck_at;  // the wait ended then
    f.end = end >= 0 ? std::optional<TimeNs>(end) : std::nullopt;
    f.duration = end >= 0 ? end - f.start : stuck;
    f.message = message(r, v);
    auto& d = f.details;
    d["kind"] = std::string(kernel_report_kind_name(r.kind));
    d["line"] = r.header;
    d["source"] = r.source;
    d["input_line"] = r.line;
    d["reported_ns"] = r.at >= 0 ? nlohmann::ordered_json(r.at) : nlohmann::ordered_json(nullptr);
    if (r.reporting_cpu >= 0 && r.reporting_cpu != r.cpu) d["reported_by_cpu"] = r.reporting_cpu;
    if (r.stuck_ns >= 0) d["stuck_ns"] = r.stuck_ns;
    if (r.kind == KernelReportKind::kHardLockup) d["assumed_threshold_ns"] = kHardLockupThreshold;
    if (!r.reason.empty()) d["reason"] = r.reason;
    if (!r.pc.empty()) d["pc"] = r.pc;
    d["call_trace"] = frames_json(r.frames);
    if (r.frames_dropped) d["call_trace_dropped"] = r.frames_dropped;
    switch (r.kind) {
      case KernelReportKind::kWorkqueueLockup: {
        d["pool"] = {{"cpus", r.pool_cpus},
                     {"cpu", r.cpu >= 0 ? nlohmann::ordered_json(r.cpu) : nlohmann::ordered_json(nullptr)},
                     {"node", r.pool_node},
                     {"flags", r.pool_flags},
                     {"nice", r.pool_nice}};
        auto busy = nlohmann::ordered_json::array();
        auto pending = nlohmann::ordered_json::array(), in_flight = nlohmann::ordered_json::array();
        for (const BusyWorkqueueEntry& e : r.busy) {
          nlohmann::ordered_json entry = {{e.is_pool ? "pool" : "pwq", e.pool_id}, {"cpus", e.pool_cpus}};
          if (!e.is_pool) entry["workqueue"] = e.workqueue;
          if (e.hung_seconds >= 0) entry["hung_s"] = e.hung_seconds;
          if (e.workers >= 0) entry["workers"] = e.workers;
          if (!e.in_flight.empty()) entry["in_flight"] = e.in_flight;
          if (!e.pending.empty()) entry["pending"] = e.pending;
          if (!e.delayed.empty()) entry["delayed"] = e.delayed;
          busy.push_back(std::move(entry));
          if (e.is_pool || e.pool_cpus != r.pool_cpus || e.pool_nice != r.pool_nice) continue;
          for (const auto& p : e.pending) pending.push_back(p);
          for (const auto& p : e.in_flight) in_flight.push_back(p);
        }
        d["busy_workqueues"] = std::move(busy);
        d["pending_on_pool"] = std::move(pending);
        d["in_flight_on_pool"] = std::move(in_flight);
        if (r.busy_dropped) d["busy_dropped"] = r.busy_dropped;
        break;
      }
      case KernelReportKind::kRcuStall: {
        d["stalled_cpus"] = r.cpus;
        d["gp_age_jiffies"] = r.gp_age_jiffies >= 0 ? nlohmann::ordered_json(r.gp_age_jiffies) : nlohmann::ordered_json(nullptr);
        if (r.all_qs_seen) d["all_qs_seen"] = true;
        if (r.gp_kthread_starved_jiffies >= 0) d["gp_kthread_starved_jiffies"] = r.gp_kthread_starved_jiffies;
        if (r.gp_kthread_cpu >= 0) d["gp_kthread_cpu"] = r.gp_kthread_cpu;
        if (r.gp_kthread_timer_missed_jiffies >= 0)
          d["gp_kthread_timer_missed_jiffies"] = r.gp_kthread_timer_missed_jiffies;
        if (!r.gp_kthread_frames.empty()) d["gp_kthread_call_trace"] = frames_json(r.gp_kthread_frames);
        break;
      }
      case KernelReportKind::kHungTask:
        if (r.io_wait) d["io_wait"] = true;
        break;
      case KernelReportKind::kCsdLockTimeout:
        d["function"] = r.csd_function;
        if (r.csd_bug_id >= 0) d["lock_number"] = r.csd_bug_id;
        d["unstuck"] = r.csd_unstuck;
        if (r.csd_unstuck_at >= 0) d["unstuck_ns"] = r.csd_unstuck_at;
        add_target(r, d);
        break;
      case KernelReportKind::kHardLockup:
        // powerpc's "CPU 3 detected hard LOCKUP on other CPUs 5-6": they are what it is about.
        if (!r.cpus.empty()) {
          d["locked_cpus"] = r.cpus;
          f.related_cpus = r.cpus;
        }
        break;
      case KernelReportKind::kWarning:
        d["location"] = r.reason;
        d["function"] = r.pc;
        break;
      case KernelReportKind::kOops:
      case KernelReportKind::kBug:
        d["die_count"] = r.die_count;
        d["ended"] = r.ended;
        if (r.nested_in >= 0) {
          d["nested_in_line"] = reports_[static_cast<size_t>(r.nested_in)].line;
          d["cpu_inferred"] = r.cpu_inferred;
        }
        break;
      case KernelReportKind::kWatchdogKick:
        d["cpus_not_kicked"] = r.cpus;
        f.related_cpus = r.cpus;  // the CPUs that did not kick are what it is about
        if (r.kick_mask >= 0) d["kick_mask"] = hex(r.kick_mask);
        if (r.kicked_mask >= 0) d["kicked_mask"] = hex(r.kicked_mask);
        break;
      default:
        break;
    }
    if (v.cross_call_wait) {
      d["waits_in"] = v.waits_in;
      d["wait_inferred"] = v.wait_inferred;
      // The CPU it waits for is what it is about too (correlate.h).
      if (v.waits_for_cpu >= 0) {
        d["waits_for_cpus"] = {v.waits_for_cpu};
        f.related_cpus.push_back(v.waits_for_cpu);
      } else if (r.kind == KernelReportKind::kCsdLockTimeout) {
        d["waits_for_cpus"] = r.cpus;
        f.related_cpus.insert(f.related_cpus.end(), r.cpus.begin(), r.cpus.end());
      }
    }
    if (v.unanswering) {
      d["unanswering"] = true;
      d["waiting_cpus"] = v.waiting_cpus;
    }
    if (r.repeats) d["repeats"] = r.repeats;
    if (r.successive) {
      d["successive_reports"] = r.successive;
      d["first_reported_ns"] = r.first_at >= 0 ? nlohmann::ordered_json(r.first_at) : nlohmann::ordered_json(nullptr);
      d["last_line"] = r.last_header;
    }
    if (dropped_) d["reports_dropped"] = dropped_;
    return f;
  }

  // The CPU CSD timeouts wait for, which printed nothing itself: the cause
  // of their waits, shown with what its NMI backtrace or task dump says.
  Finding unanswered_finding(const UnansweredCpu& u) const {
    const KernelReport& named = reports_[static_cast<size_t>(u.named_by)];
    const KernelReport* dump = u.dump >= 0 ? &reports_[static_cast<size_t>(u.dump)] : nullptr;
    Finding f;
    f.severity = Severity::kError;
    f.cpu = u.cpu;
    if (dump && dump->target_pid >= 0) f.pid = dump->target_pid;
    if (dump && !dump->target_comm.empty()) f.comm = dump->target_comm;
    f.start = u.since >= 0 ? u.since : (named.at >= 0 ? named.at : 0);
    if (u.until >= 0) f.end = u.until;
    f.duration = f.end ? *f.end - f.start : 0;
    f.message = "CPU" + std::to_string(u.cpu) + " did not answer the cross-CPU call" +
                (named.csd_function.empty() ? std::string() : " to " + named.csd_function) + " that " +
                (u.waiting_cpus.size() == 1 ? "CPU " : "CPUs ") + cpu_list(u.waiting_cpus) + " waited for" +
                (f.duration > 0 ? " (" + format_duration(f.duration) + ")" : std::string()) +
                " (CSD lock timeouts name it; it printed no report of its own, as a CPU with interrupts off does)";
    if (const std::string target = dump ? target_text(*dump) : std::string(); !target.empty())
      f.message += "; its " + std::string(dump->target_dump.starts_with("Task dump") ? "task dump" : "NMI backtrace") +
                   " shows " + target;
    else
      f.message += "; the log shows no backtrace of it";
    auto& d = f.details;
    d["kind"] = "unanswering-cpu";
    d["line"] = dump ? dump->target_dump : named.header;
    d["source"] = named.source;
    d["input_line"] = named.line;
    d["reported_ns"] = u.until >= 0 ? nlohmann::ordered_json(u.until) : nlohmann::ordered_json(nullptr);
    if (dump && !dump->target_pc.empty()) d["pc"] = dump->target_pc;
    d["call_trace"] = dump ? frames_json(dump->target_frames) : nlohmann::ordered_json::array();
    if (dump && dump->target_frames_dropped) d["call_trace_dropped"] = dump->target_frames_dropped;
    d["function"] = named.csd_function;
    d["unanswering"] = true;
    d["waiting_cpus"] = u.waiting_cpus;
    f.related_cpus = u.waiting_cpus;
    if (dropped_) d["reports_dropped"] = dropped_;
    return f;
  }

  static nlohmann::ordered_json frames_json(const std::vector<StackFrame>& frames) {
    auto out = nlohmann::ordered_json::array();
    for (const StackFrame& frame : frames) out.push_back(frame_text(frame));
    return out;
  }

  // A CSD timeout's view of its target: its NMI backtrace or task dump.
  static void add_target(const KernelReport& r, nlohmann::ordered_json& d) {
    if (r.target_dump.empty()) return;
    nlohmann::ordered_json t = {{"line", r.target_dump}};
    if (r.target_pid >= 0) t["pid"] = r.target_pid;
    if (!r.target_comm.empty()) t["comm"] = r.target_comm;
    if (!r.target_pc.empty()) t["pc"] = r.target_pc;
    t["call_trace"] = frames_json(r.target_frames);
    if (r.target_frames_dropped) t["call_trace_dropped"] = r.target_frames_dropped;
    d["target_backtrace"] = std::move(t);
  }

  // A watchdog's panic belongs to the report it panicked for, the last of
  // that kind before it: details.caused_by_line names it, and correlate.h
  // puts both in one group with that report as its root cause.
  void link_panic_cause(size_t panic, Finding* f) const {
    const KernelReport& p = reports_[panic];
    const std::optional<KernelReportKind> kind = panic_cause_kind(p.reason);
    if (!kind) return;
    for (size_t j = panic; j-- > 0;) {
      const KernelReport& r = reports_[j];
      if (r.kind != *kind || r.source != p.source) continue;
      const TimeNs last = r.last_at >= 0 ? r.last_at : r.at;
      if (p.at >= 0 && last >= 0 && p.at - last > config_.panic_cause_window_ns)
        return;  // an older report of that kind: this panic is not its
      f->details["caused_by_line"] = r.line;
      const std::string of = r.cpu >= 0 ? " of CPU" + std::to_string(r.cpu) : task_text(r).empty() ? "" : " of " + task_text(r);
      f->message += "; raised by the " + std::string(kernel_report_kind_name(r.kind)) + of + " reported before it";
      return;
    }
  }

  KernelReportConfig config_;
  std::vector<KernelReport> reports_;
  uint64_t dropped_ = 0;
};

}  // namespace

std::unique_ptr<Detector> make_kernel_report_detector(const DetectorContext& context) {
  return std::make_unique<KernelReportDetector>(context);
}

}  // namespace ftlens
