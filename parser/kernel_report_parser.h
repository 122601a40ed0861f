// The kernel's own verdicts in its log: soft and hard lockups, workqueue
// lockups (with the busy-workqueue dump after them), RCU stalls, hung tasks,
// CSD lock timeouts, oopses (nested ones too), panics, RT throttling and
// vendor watchdog dumps. Fed one log record at a time, it recognises each
// report from the kernel's printk formats (kernel/watchdog.c,
// kernel/workqueue.c, kernel/rcu/tree_stall.h, kernel/hung_task.c,
// kernel/smp.c, arch/*/kernel/traps.c, arch/*/mm/fault.c), collects the
// lines that belong to it (CPU/PID/Comm, pc, call trace) and hands the
// reports on at finish(). What it keeps is capped: reports, frames, busy
// workqueue entries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parser/event.h"

namespace ftlens {

struct LogRecord;

enum class KernelReportKind : uint8_t {
  kSoftLockup,
  kHardLockup,
  kWorkqueueLockup,
  kRcuStall,
  kHungTask,
  kCsdLockTimeout,
  kOops,
  kBug,
  kPanic,
  kRtThrottling,
  kWatchdogKick,  // a vendor watchdog's per-CPU kick bits (MediaTek)
  kWarning,       // a WARN() splat: "WARNING: CPU: 0 PID: 55 at kernel/exit.c:741 do_exit+0x89a/0xaf0"
};
std::string_view kernel_report_kind_name(KernelReportKind kind);

// One call-trace frame: "smp_call_function_many+0x308/0x370",
// "[<ffff000008123456>] func+0x1c/0x38 [module]", Trace32's "-003|func()".
struct StackFrame {
  std::string function;
  std::string offset;  // "+0x308/0x370", "" when the form has none
  std::string module;  // "kpgen_kbox", "" for the kernel itself
  bool unreliable = false;  // x86's "? func+..."
};

// Parses one frame line (leading blanks allowed); false when it is none.
bool parse_stack_frame(std::string_view text, StackFrame* frame);

// show_workqueue_state(): "  pwq 4: cpus=2 ..." with its "in-flight:" and
// "pending:" lists, or "pool 4: cpus=2 ... hung=115s workers=3 idle: ...".
struct BusyWorkqueueEntry {
  std::string workqueue;   // "events" (pwq entries)
  int32_t pool_id = -1;
  std::string pool_cpus;   // "2", "0-7"
  int32_t pool_cpu = -1;   // the one CPU of a bound pool, -1 for unbound
  int32_t pool_nice = 0;   // each CPU has a nice=0 and a highpri nice=-20 pool
  bool is_pool = false;    // a "pool N:" line (workers), not a pwq
  int64_t hung_seconds = -1;
  int32_t workers = -1;
  std::vector<std::string> in_flight;  // "5106:disk_events_workfn"
  std::vector<std::string> pending;    // "vmstat_update"
  std::vector<std::string> delayed;    // "delayed:" / "inactive:"
};

struct KernelReport {
  KernelReportKind kind = KernelReportKind::kBug;
  const char* source = "kernel log";  // or "trace console event"
  uint64_t line = 0;        // input line of its first record
  TimeNs at = -1;           // printk time of its first record, -1 if unstamped
  TimeNs last_at = -1;      // of its last record
  bool wall_clock = false;  // `at` is a wall-clock prefix's (syslog, RFC3339), not printk's
  int32_t cpu = -1;         // the CPU it is about
  bool cpu_inferred = false;  // taken from the report it is nested in
  int32_t reporting_cpu = -1;  // the CPU the log prefix says printed it
  int32_t pid = -1;
  std::string comm;
  int64_t stuck_ns = -1;    // soft lockup, workqueue lockup, hung task, CSD wait
  bool io_wait = false;     // hung task: "blocked in I/O wait for more than" (7.1 on)
  std::string header;       // its first line (capped)
  std::string reason;       // oops: "NULL pointer dereference at virtual address 0..."; panic: its message;
                            // warning: where in the source, "kernel/exit.c:741"
  std::string pc;           // "gen_seri_oops+0x28/0x38" (pc :, PC is at, RIP:)
  std::vector<StackFrame> frames;
  uint32_t frames_dropped = 0;
  std::vector<int32_t> cpus;  // RCU stall: stalled CPUs; watchdog-kick: CPUs that did not kick; CSD: the target
  // Workqueue lockup: "pool cpus=2 node=0 flags=0x1 nice=0".
  std::string pool_cpus, pool_flags;
  int32_t pool_node = -1, pool_nice = 0;
  std::vector<BusyWorkqueueEntry> busy;  // the dump's entries for this pool (or, none matching, the last lockup's)
  uint32_t busy_dropped = 0;
  bool busy_dump_seen = false;  // "Showing busy workqueues..." followed it in the same watchdog pass
  // RCU stall: "t=5252 jiffies" (the grace period's age).
  int64_t gp_age_jiffies = -1;
  // RCU stall whose cause is the grace-period kthread, not a CPU
  // (kernel/rcu/tree_stall.h): "All QSes seen, last rcu_sched kthread
  // activity ..." (every CPU had reported), "rcu_sched kthread starved for
  // 38227 jiffies! ... ->cpu=1", "kthread timer wakeup didn't happen for N
  // jiffies!", and the kthread's own stack ("RCU grace-period kthread stack
  // dump:"), kept apart from the stalled CPUs'.
  bool all_qs_seen = false;
  int64_t gp_kthread_starved_jiffies = -1;
  int32_t gp_kthread_cpu = -1;
  int64_t gp_kthread_timer_missed_jiffies = -1;
  std::vector<StackFrame> gp_kthread_frames;
  // CSD lock timeout (kernel/smp.c csd_lock_wait_toolong()): the function
  // the waited-for CPU was to run, the lock's "(#N)" (its "Continued" and
  // "got unstuck" lines name it again), and whether it got unstuck: the
  // target ran it late, "CPU#55 released the lock".
  std::string csd_function;
  int32_t csd_bug_id = -1;
  bool csd_unstuck = false;
  TimeNs csd_unstuck_at = -1;
  // What the waited-for CPU was doing, from the "NMI backtrace for cpu N" or
  // "Task dump for CPU N:" printed for it: its task, pc and call trace
  // (kept apart: `pid`, `comm`, `pc` and `frames` are the waiting CPU's).
  std::string target_dump;  // that dump's first line
  int32_t target_pid = -1;
  std::string target_comm, target_pc;
  std::vector<StackFrame> target_frames;
  uint32_t target_frames_dropped = 0;
  // Watchdog kick bits: CPUs asked to kick, CPUs that did.
  int64_t kick_mask = -1, kicked_mask = -1;
  // Oops: "[#2]", and whether it happened inside die() of an open one.
  int32_t die_count = 0;
  int32_t nested_in = -1;   // index of the oops it is nested in, -1 if none
  bool ended = false;       // "---[ end trace ...]---" was seen
  uint32_t repeats = 0;     // the same report quoted again (blogs do)
  // Successive reports of one lockup that went on, merged into this one
  // (0: it was reported once). `at` and `stuck_ns` are then the last
  // report's and the whole lockup's; `first_at` the first report's time.
  uint32_t successive = 0;
  TimeNs first_at = -1;
  std::string last_header;  // the last successive report's line
};

class KernelReportParser {
 public:
  static constexpr size_t kMaxReports = 256;
  static constexpr size_t kMaxFrames = 48;
  static constexpr size_t kMaxBusyEntries = 64;
  static constexpr size_t kMaxBusyItems = 32;
  static constexpr size_t kMaxHeaderBytes = 400;

  explicit KernelReportParser(const char* source) : source_(source) {}

  void on_record(const LogRecord& record);
  // Closes the report still open at the end of the input.
  // Closes the report still open at the end of the input; an unstamped
  // report identical to a stamped one is a quote of it (prose quoting the
  // log before the log itself) and is folded into it.
  void finish();
  // The reports, in order of their first line.
  std::vector<KernelReport>& reports() { return reports_; }
  const std::vector<KernelReport>& reports() const { return reports_; }
  uint64_t dropped_reports() const { return dropped_reports_; }

 private:
  bool start_report(const LogRecord& record, std::string_view text);
  void attach(const LogRecord& record, std::string_view text);
  bool attach_busy_line(std::string_view text);
  bool attach_csd_line(std::string_view text, TimeNs at);
  bool start_target_dump(std::string_view text);
  int latest_csd_report(int32_t cpu, bool by_target) const;
  void close_open();
  KernelReport* open_report();
  static bool continues(const KernelReport& earlier, const KernelReport& later);
  static void merge_successive(KernelReport* earlier, const KernelReport& later);

  const char* source_;
  std::vector<KernelReport> reports_;
  KernelReport scratch_;          // a repeated report's lines go here, then away
  // The report later lines belong to: an index into reports_, kScratch, or -1.
  static constexpr int kScratch = -2;
  int open_ = -1;
  bool in_trace_ = false;         // after "Call trace:"
  bool in_gp_kthread_dump_ = false;  // after "RCU grace-period kthread stack dump:"
  bool in_target_dump_ = false;   // after "NMI backtrace for cpu N" of a CSD timeout's target
  bool contiguous_ = false;       // the last record belonged to open_
  int busy_state_ = 0;            // 1: inside "Showing busy workqueues..."
  std::string busy_workqueue_;
  size_t busy_first_ = 0;
  int busy_lockup_ = -1;          // index of the lockup the last pwq/pool line went to         // the first workqueue lockup the dump being read follows
  uint64_t dropped_reports_ = 0;
};

}  // namespace ftlens
