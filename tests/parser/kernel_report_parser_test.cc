// The kernel's reports recognised from its own printk formats, one real line
// shape at a time, with the lines that belong to them.
#include "parser/kernel_report_parser.h"

#include <doctest/doctest.h>

#include <string>

#include "parser/kernel_log_reader.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

using namespace ftlens;

namespace {

struct Parsed final : EventSink, LogRecordSink {
  KernelReportParser parser{"kernel log"};
  void on_event(const Event&) override {}
  void on_malformed(const ParseIssue&) override {}
  void on_log_record(const LogRecord& r) override { parser.on_record(r); }
};

std::vector<KernelReport> parse(std::string_view log) {
  StringPool pool;
  Parsed parsed;
  KernelLogReader reader(pool, parsed, parsed);
  reader.feed(log);
  reader.finish();
  parsed.parser.finish();
  return parsed.parser.reports();
}

}  // namespace

TEST_CASE("kernel-report.frames are read in the usual forms, and other lines are none") {
  StackFrame f;
  REQUIRE(parse_stack_frame("  smp_call_function_many+0x308/0x370", &f));
  CHECK(f.function == "smp_call_function_many");
  CHECK(f.offset == "+0x308/0x370");
  REQUIRE(parse_stack_frame("gen_seri_oops+0x28/0x38 [kpgen_kbox]", &f));
  CHECK(f.module == "kpgen_kbox");
  REQUIRE(parse_stack_frame("[<ffff000008123456>] do_mem_abort+0x6c/0x130", &f));
  CHECK(f.function == "do_mem_abort");
  REQUIRE(parse_stack_frame("[<c0123456>] (__ipv6_dev_ac_inc+0x40/0x1a0) from [<c0123999>] (addrconf_join_anycast+0x5c/0x80)", &f));
  CHECK(f.function == "__ipv6_dev_ac_inc");
  REQUIRE(parse_stack_frame(" ? __pfx_wbt_wait+0x10/0x10", &f));
  CHECK(f.unreliable);
  REQUIRE(parse_stack_frame("-003|local_bh_enable(inline)", &f));
  CHECK(f.function == "local_bh_enable");
  REQUIRE(parse_stack_frame("-000|__mutex_lock_slowpath(lock_count = 0xC0FBFB94)", &f));
  CHECK(f.function == "__mutex_lock_slowpath");
  for (std::string_view none : {"x29: ffff000033ea3e50 x28: 0000000000000000", "pc : gen_seri_oops+0x28/0x38",
                                "Code: 95c66ac7 d2800001", "Call trace:", " -->|exception", "a b+0x1/0x2"}) {
    CAPTURE(none);
    CHECK_FALSE(parse_stack_frame(none, &f));
  }
}

TEST_CASE("kernel-report.a soft lockup becomes a report with its CPU, task, stuck time and call trace") {
  auto r = parse("[  360.462046] watchdog: BUG: soft lockup - CPU#35 stuck for 22s! [docker-containe:29506]\n"
                 "[  360.565132] CPU: 35 PID: 29506 Comm: docker-containe Kdump: loaded Tainted: G OEL\n"
                 "[  360.604905] pc : smp_call_function_many+0x308/0x370\n"
                 "[  360.777504] Call trace:\n"
                 "[  360.784282]  smp_call_function_many+0x308/0x370\n"
                 "[  360.793075]  kick_all_cpus_sync+0x30/0x38\n"
                 "[  360.801443]  sync_icache_aliases+0x74/0x98\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == KernelReportKind::kSoftLockup);
  CHECK(r[0].cpu == 35);
  CHECK(r[0].comm == "docker-containe");
  CHECK(r[0].pid == 29506);
  CHECK(r[0].stuck_ns == 22'000'000'000);
  CHECK(r[0].at == 360462046000);
  CHECK(r[0].pc == "smp_call_function_many+0x308/0x370");
  REQUIRE(r[0].frames.size() == 3);
  CHECK(r[0].frames[1].function == "kick_all_cpus_sync");
}

TEST_CASE("kernel-report.an oops inside die() of an earlier oops is nested in it and takes its CPU") {
  auto r = parse("[ 254.202183] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000\n"
                 "[ 254.250838] Internal error: Oops: 96000044 [#1] SMP\n"
                 "[ 254.255785] CPU: 0 PID: 58147 Comm: gen_seri_oops/0 Kdump: loaded Tainted:\n"
                 "[ 254.278851] pc : gen_seri_oops+0x28/0x38 [kpgen_kbox]\n"
                 "[ 254.391639] Call trace:\n[ 254.397760] gen_seri_oops+0x28/0x38 [kpgen_kbox]\n"
                 "[ 254.419733] Code: 95c66ac7 d2800001 52800c22 52800000 (39000022)\n"
                 "[ 254.429390] die event detected\n"
                 "[ 254.436533] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008\n"
                 "[ 254.448966] Mem abort info:\n");
  REQUIRE(r.size() == 2);
  CHECK(r[0].kind == KernelReportKind::kOops);
  CHECK(r[0].die_count == 1);
  CHECK(r[0].cpu == 0);
  CHECK_FALSE(r[0].ended);
  CHECK(r[0].reason == "NULL pointer dereference at virtual address 0000000000000000");
  CHECK(r[1].nested_in == 0);
  CHECK(r[1].cpu == 0);
  CHECK(r[1].cpu_inferred);
}

TEST_CASE("kernel-report.an oops that ended is not the parent of the next one") {
  auto r = parse("<1>[ 5.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
                 "<4>[ 5.000010] Oops: 0000 [#1] PREEMPT SMP NOPTI\n<4>[ 5.000020] CPU: 2 PID: 1772 Comm: insmod\n"
                 "<4>[ 5.000030] ---[ end trace 0000000000000000 ]---\n"
                 "<1>[ 6.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010\n");
  REQUIRE(r.size() == 2);
  CHECK(r[0].ended);
  CHECK(r[0].cpu == 2);
  CHECK(r[1].nested_in == -1);
}

TEST_CASE("kernel-report.a workqueue lockup takes its pool and the busy-workqueue dump after it") {
  auto r = parse("[73669.590105] BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 140s!\n"
                 "[73669.590200] Showing busy workqueues and worker pools:\n"
                 "[73669.590210] workqueue events: flags=0x0\n"
                 "[73669.590220]   pwq 2: cpus=1 node=0 flags=0x0 nice=0 active=3/256 refcnt=4\n"
                 "[73669.590230]     in-flight: 5106:disk_events_workfn\n"
                 "[73669.590240]     pending: vmstat_shepherd, console_callback\n"
                 "[73669.590280] pool 2: cpus=1 node=0 flags=0x0 nice=0 hung=140s workers=3 idle: 5110 5111\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == KernelReportKind::kWorkqueueLockup);
  CHECK(r[0].cpu == 1);
  CHECK(r[0].pool_flags == "0x0");
  CHECK(r[0].stuck_ns == 140'000'000'000);
  REQUIRE(r[0].busy.size() == 2);
  CHECK(r[0].busy[0].workqueue == "events");
  CHECK(r[0].busy[0].in_flight == std::vector<std::string>{"5106:disk_events_workfn"});
  CHECK(r[0].busy[0].pending == std::vector<std::string>{"vmstat_shepherd", "console_callback"});
  CHECK(r[0].busy[1].is_pool);
  CHECK(r[0].busy[1].hung_seconds == 140);
  CHECK(r[0].busy[1].workers == 3);
}

TEST_CASE("kernel-report.RCU stalls, hung tasks, CSD timeouts, hard lockups, panics, RT throttling, kick bits") {
  auto r = parse("[ 10.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"
                 "[ 10.000001] rcu: \t3-...0: (1 GPs behind) idle=4a2/1/0x4000000000000000 softirq=8912/8913 fqs=2625\n"
                 "[ 10.000002] \t(detected by 1, t=5252 jiffies, g=43117, q=312 ncpus=4)\n"
                 "[ 11.000000] INFO: rcu_sched self-detected stall on CPU { 5}  (t=6000 jiffies g=1 c=2 q=3)\n"
                 "[ 12.000000] INFO: task kworker/u8:2:123 blocked for more than 120 seconds.\n"
                 "[ 13.000000] csd: Detected non-responsive CSD lock (#1) on CPU#0, waiting 5000000000 ns for CPU#01 do_nothing+0x0/0x10(0x0).\n"
                 "[ 14.000000] NMI watchdog: Watchdog detected hard LOCKUP on cpu 3\n"
                 "[ 15.000000] Kernel panic - not syncing: Hard LOCKUP\n"
                 "[ 16.000000] sched: RT throttling activated\n"
                 "11110011  (where) cpus_kick_bit = 0xF3\n00000000  (where)kick_bit = 0x0\n");
  REQUIRE(r.size() == 8);
  CHECK(r[0].kind == KernelReportKind::kRcuStall);
  CHECK(r[0].cpus == std::vector<int32_t>{3});
  CHECK(r[0].gp_age_jiffies == 5252);
  CHECK(r[1].cpus == std::vector<int32_t>{5});
  CHECK(r[1].gp_age_jiffies == 6000);
  CHECK(r[2].kind == KernelReportKind::kHungTask);
  CHECK(r[2].comm == "kworker/u8:2");
  CHECK(r[2].pid == 123);
  CHECK(r[2].stuck_ns == 120'000'000'000);
  CHECK(r[3].kind == KernelReportKind::kCsdLockTimeout);
  CHECK(r[3].cpu == 0);
  CHECK(r[3].cpus == std::vector<int32_t>{1});
  CHECK(r[3].stuck_ns == 5'000'000'000);
  CHECK(r[3].csd_function == "do_nothing");
  CHECK(r[4].kind == KernelReportKind::kHardLockup);
  CHECK(r[4].cpu == 3);
  CHECK(r[5].kind == KernelReportKind::kPanic);
  CHECK(r[5].reason == "Hard LOCKUP");
  CHECK(r[6].kind == KernelReportKind::kRtThrottling);
  CHECK(r[7].kind == KernelReportKind::kWatchdogKick);
  CHECK(r[7].cpus == std::vector<int32_t>{0, 1, 4, 5, 6, 7});
}

TEST_CASE("kernel-report.a report quoted again is counted once; source code naming one is none") {
  auto r = parse("1 [73669.590105 / 12-01 13:26:44.379][0] BUG: workqueue lockup - pool cpus=2 node=0 flags=0x1 nice=0 stuck for 115s!\n"
                 "The first line says the pool of CPU2 did nothing for 115 s.\n"
                 "BUG: workqueue lockup - pool cpus=2 node=0 flags=0x1 nice=0 stuck for 115s!\n"
                 "39 pr_emerg(\"BUG: workqueue lockup - pool\");\n"
                 "1 [73669.590105 / 12-01 13:26:44.379][0] BUG: workqueue lockup - pool cpus=2 node=0 flags=0x1 nice=0 stuck for 115s!\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].repeats == 2);
  CHECK(r[0].reporting_cpu == 0);
  CHECK(r[0].cpu == 2);
}

TEST_CASE("kernel-report.a healthy boot log holds no report") {
  auto r = parse("[    0.020041] rcu: Hierarchical RCU implementation.\n[    0.072514] workqueue: Workqueue lockup detector enabled\n"
                 "[    0.131120] hw-breakpoint: found 6 breakpoint and 4 watchpoint registers.\n"
                 "[    0.200000] NMI watchdog: Enabled. Permanently consumes one hw-PMU counter.\n"
                 "[    0.300000] BUG: no error here? no: this line is a report\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == KernelReportKind::kBug);
}

TEST_CASE("kernel-report.a comm may hold blanks: it ends at the taint or the line's end") {
  auto r = parse("[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
                 "[    1.100000] CPU: 15 UID: 1000 PID: 72081 Comm: Execution worke Tainted: G        W          6.10.0\n"
                 "[    2.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
                 "[    2.100000] CPU: 3 PID: 9 Comm: a b\n"
                 "[    3.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
                 "[    3.100000] CPU: 35 PID: 29506 Comm: docker-containe Kdump: loaded Tainted: G\n");
  REQUIRE(r.size() == 3);
  CHECK(r[0].comm == "Execution worke");
  CHECK(r[0].pid == 72081);
  CHECK(r[1].comm == "a b");
  CHECK(r[2].comm == "docker-containe");
}

TEST_CASE("kernel-report.an old x86 RIP line names the function after its addresses") {
  auto r = parse("[    1.000000] BUG: soft lockup - CPU#0 stuck for 22s! [a:1]\n"
                 "[    1.100000] RIP: 0010:[<ffffffffa90ef1d5>]  [<ffffffffa90ef1d5>] smp_call_function_many+0x1f5/0x250\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].pc == "smp_call_function_many+0x1f5/0x250");
}

TEST_CASE("kernel-report.WARN splats are read in each kernel's wording, and other WARNING lines are none") {
  auto r = parse("[    1.000000] WARNING: CPU: 0 PID: 55 at kernel/exit.c:741 do_exit+0x89a/0xaf0\n"
                 "[    2.000000] WARNING: CPU: 1 PID: 7 at fs/inode.c:12 iput+0x1/0x2()\n"
                 "[    3.000000] WARNING: at kernel/softirq.c:159 local_bh_enable+0x40/0x87()\n"
                 "[    4.000000] WARNING: kernel/exit.c:741 at do_exit+0x89a/0xaf0, CPU#2: kworker/2:1/123\n"
                 "[    5.000000] WARNING: possible circular locking dependency detected\n");
  REQUIRE(r.size() == 4);
  CHECK(r[0].kind == KernelReportKind::kWarning);
  CHECK(r[0].cpu == 0);
  CHECK(r[0].pid == 55);
  CHECK(r[0].reason == "kernel/exit.c:741");
  CHECK(r[0].pc == "do_exit+0x89a/0xaf0");
  CHECK(r[1].pc == "iput+0x1/0x2");
  CHECK(r[2].reason == "kernel/softirq.c:159");
  CHECK(r[2].pc == "local_bh_enable+0x40/0x87");
  CHECK(r[3].cpu == 2);
  CHECK(r[3].pid == 123);
  CHECK(r[3].comm == "kworker/2:1");
  CHECK(r[3].pc == "do_exit+0x89a/0xaf0");
}

TEST_CASE("kernel-report.powerpc's hard lockups name their CPU in each kernel's wording") {
  auto r = parse("[  252.718655] Watchdog CPU:59 Hard LOCKUP\n"
                 "[  300.000000] watchdog: CPU 7 self-detected hard LOCKUP @ plpar_hcall_norets+0x1c/0x28\n"
                 "[  400.000000] watchdog: CPU 3 detected hard LOCKUP on other CPUs 5-6\n");
  REQUIRE(r.size() == 3);
  CHECK(r[0].kind == KernelReportKind::kHardLockup);
  CHECK(r[0].cpu == 59);
  CHECK(r[1].cpu == 7);
  CHECK(r[1].pc == "plpar_hcall_norets+0x1c/0x28");
  CHECK(r[2].cpus == std::vector<int32_t>{5, 6});
}

TEST_CASE("kernel-report.an RCU stall caused by its grace-period kthread says so, and keeps the kthread's stack apart") {
  auto r = parse("[  103.087243] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n"
                 "[  103.087558] rcu: \t1-...!: (0 ticks this GP) idle=cf8/0/0x0 softirq=20/20 fqs=0 \n"
                 "[  103.087821] \t(detected by 0, t=38227 jiffies, g=-1127, q=10)\n"
                 "[  103.088153] rcu: rcu_sched kthread starved for 38227 jiffies! g-1127 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=1\n"
                 "[  103.088153] rcu: RCU grace-period kthread stack dump:\n"
                 "[  103.088153] Call Trace:\n"
                 "[  103.088153]  __schedule+0x288/0x600\n"
                 "[  103.088153]  rcu_gp_kthread+0x4f6/0xd40\n"
                 "[  200.000000] INFO: rcu_sched_state detected stall on CPU 0 (t=105060 jiffies)\n"
                 "[  300.000000] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n"
                 "[  300.000001] \t(detected by 0, t=254302 jiffies, g=8370033, q=8218)\n"
                 "[  300.000002] rcu: All QSes seen, last rcu_sched kthread activity 254300 (4322046580-4321792280), jiffies_till_next_fqs=1, root ->qsmask 0x0\n"
                 "[  300.000003] rcu: rcu_sched kthread timer wakeup didn't happen for 254299 jiffies! g8370033 f0x2 RCU_GP_WAIT_FQS(5) ->state=0x200\n");
  REQUIRE(r.size() == 3);
  CHECK(r[0].cpus == std::vector<int32_t>{1});
  CHECK(r[0].gp_kthread_starved_jiffies == 38227);
  CHECK(r[0].gp_kthread_cpu == 1);
  CHECK(r[0].frames.empty());
  CHECK(r[0].gp_kthread_frames.size() == 2);
  CHECK(r[1].cpu == 0);
  CHECK(r[1].gp_age_jiffies == 105060);
  CHECK(r[2].all_qs_seen);
  CHECK(r[2].gp_kthread_timer_missed_jiffies == 254299);
  CHECK(r[2].cpus.empty());
}

TEST_CASE("kernel-report.an untimestamped report quoted before the stamped one it quotes is folded into it") {
  auto r = parse("kernel: BUG: soft lockup - CPU#0 stuck for 22s! [z_ioctl_int/0:2778]\n"
                 "Then the log:\n"
                 "[  100.000000] BUG: soft lockup - CPU#0 stuck for 22s! [z_ioctl_int/0:2778]\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].at == 100'000'000'000);
  CHECK(r[0].repeats == 1);
}

TEST_CASE("kernel-report.a CSD lock reported again as it goes on is one report, to its last 'Continued' line") {
  auto r = parse("[ 83.716344] smp: csd: Detected non-responsive CSD lock (#1) on CPU#5, waiting 5000000868 ns for CPU#03 say_hello+0x0/0x20.\n"
                 "[ 83.716350] smp: csd: Detected non-responsive CSD lock (#2) on CPU#4, waiting 5000003655 ns for CPU#03 say_hello+0x0/0x20.\n"
                 "[ 83.717231] smp: \tcsd: CSD lock (#1) unresponsive.\n"
                 "[ 88.716186] smp: csd: Continued non-responsive CSD lock (#2) on CPU#4, waiting 10000003683 ns for CPU#03 say_hello+0x0/0x.\n"
                 "[ 88.716186] smp: csd: Continued non-responsive CSD lock (#1) on CPU#5, waiting 10000001110 ns for CPU#03 say_hello+0x0/0x.\n");
  REQUIRE(r.size() == 2);
  CHECK(r[0].cpu == 5);
  CHECK(r[0].csd_bug_id == 1);
  CHECK(r[0].successive == 2);
  CHECK(r[0].at == 88'716'186'000);
  CHECK(r[0].stuck_ns == 10'000'001'110);  // from when the last report says it began
  CHECK(r[1].cpu == 4);
  CHECK(r[1].successive == 2);
}

TEST_CASE("kernel-report.the NMI backtrace of the CPU a CSD lock waits for is that CPU's, not the waiting one's") {
  auto r = parse("[  163.697057] smp: csd: Detected non-responsive CSD lock (#1) on CPU#206, waiting 1000000292 ns for CPU#17 do_kernel_range_flush+0x0/0xb0(0xffff888dfd943d80).\n"
                 "[  163.697165] smp:     csd: CSD lock (#1) unresponsive.\n"
                 "[  163.697198] Sending NMI from CPU 206 to CPUs 17:\n"
                 "[  163.697214] NMI backtrace for cpu 17\n"
                 "[  163.697223] CPU: 17 PID: 36681 Comm: as Kdump: loaded Tainted: G             L     6.10.0-rc5 #3439\n"
                 "[  163.697231] RIP: 0010:native_queued_spin_lock_slowpath+0x2b9/0xae0\n"
                 "[  163.697268] Call Trace:\n"
                 "[  163.697270]  <NMI>\n"
                 "[  163.697272]  ? nmi_cpu_backtrace+0xd1/0x190\n"
                 "[  163.697311]  </NMI>\n"
                 "[  163.697312]  <TASK>\n"
                 "[  163.697317]  queued_write_lock_slowpath+0x3c6/0x440\n"
                 "[  163.697333]  _raw_write_lock_irq+0xcf/0xe0\n"
                 "[  163.697381] RIP: 0033:0x7f35457aa349\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].cpu == 206);
  CHECK(r[0].pid == -1);
  CHECK(r[0].comm.empty());
  CHECK(r[0].frames.empty());
  CHECK(r[0].target_dump == "NMI backtrace for cpu 17");
  CHECK(r[0].target_pid == 36681);
  CHECK(r[0].target_comm == "as");
  CHECK(r[0].target_pc == "native_queued_spin_lock_slowpath+0x2b9/0xae0");
  REQUIRE(r[0].target_frames.size() == 3);
  CHECK(r[0].target_frames[1].function == "queued_write_lock_slowpath");
}

TEST_CASE("kernel-report.interleaved CSD timeouts each keep their own CPU's dump_stack, across the csd: lines") {
  auto r = parse("[ 83.716344] smp: csd: Detected non-responsive CSD lock (#1) on CPU#5, waiting 5000000868 ns for CPU#03 say_hello+0x0/0x20.\n"
                 "[ 83.716346] smp: csd: Detected non-responsive CSD lock (#3) on CPU#2, waiting 5000001796 ns for CPU#03 say_hello+0x0/0x20.\n"
                 "[ 83.717630] CPU: 5 PID: 223 Comm: ipi_sender_3 Tainted: G           O       6.3.0 #163\n"
                 "[ 83.717895] Call Trace:\n"
                 "[ 83.718565] smp: csd: Re-sending CSD lock (#6) IPI from CPU#01 to CPU#03\n"
                 "[ 83.718200]  <TASK>\n"
                 "[ 83.718200]  __csd_lock_wait+0x1df/0x280\n"
                 "[ 83.718200]  smp_call_function_single+0x166/0x1b0\n"
                 "[ 83.752294] CPU: 2 PID: 224 Comm: ipi_sender_4 Tainted: G           O       6.3.0 #163\n");
  REQUIRE(r.size() == 2);
  CHECK(r[0].pid == 223);
  CHECK(r[0].frames.size() == 2);
  CHECK(r[1].pid == 224);
  CHECK(r[1].frames.empty());
}

TEST_CASE("kernel-report.a CSD lock that got unstuck says so, with the target's task dump") {
  auto r = parse("[285737.522743] csd: Detected non-responsive CSD lock (#1) on CPU#3, waiting 5000000042 ns for CPU#55 flush_tlb_func+0x0/0xb0(0xffff8e0b3e2afbe8).\n"
                 "[285737.522744]  csd: CSD lock (#1) unresponsive.\n"
                 "[285737.522747]  csd: cnt(0000000): 0000->0000 queue\n"
                 "[285737.522758] Task dump for CPU 55:\n"
                 "[285737.522761] kubelet         R  running task        0 277695      1 0x00080000\n"
                 "[285737.522761] Call Trace:\n"
                 "[285737.522769]  [<ffffffff84376b6a>] ? __schedule+0x46a/0x990\n"
                 "[285737.522780] csd: Re-sending CSD lock (#1) IPI from CPU#03 to CPU#55\n"
                 "[285737.522788] CPU: 3 PID: 54671 Comm: runc:[2:INIT] Kdump: loaded Tainted: G           OE  ------------ T 3.10.0 #1\n"
                 "[285737.522789] Call Trace:\n"
                 "[285737.522793]  [<ffffffff843718ba>] dump_stack+0x19/0x1b\n"
                 "[285737.522845] csd: CSD lock (#1) got unstuck on CPU#03, CPU#55 released the lock.\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].csd_unstuck);
  CHECK(r[0].csd_unstuck_at == 285737'522845'000);
  CHECK(r[0].target_pid == 277695);
  CHECK(r[0].target_comm == "kubelet");
  CHECK(r[0].target_frames.size() == 1);
  CHECK(r[0].pid == 54671);
  CHECK(r[0].comm == "runc:[2:INIT]");
  CHECK(r[0].frames.size() == 1);
}

TEST_CASE("kernel-report.a hung task blocked in I/O wait (7.1's wording) is a hung task like any other") {
  auto r = parse("[  584.319520][   T31] INFO: task udevd:5612 blocked in I/O wait for more than 143 seconds.\n"
                 "[  584.319554][   T31]       Tainted: G             L      syzkaller #0\n"
                 "[  584.319601][   T31] Call trace:\n"
                 "[  584.319605][   T31]  __switch_to+0x2b0/0x6e0 (T)\n"
                 "[  584.319639][   T31]  io_schedule+0x1c/0xe0\n"
                 "[  584.319647][   T31]  folio_wait_bit_common+0x674/0x9ec\n");
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == KernelReportKind::kHungTask);
  CHECK(r[0].comm == "udevd");
  CHECK(r[0].pid == 5612);
  CHECK(r[0].stuck_ns == 143'000'000'000);
  CHECK(r[0].io_wait);
  CHECK(r[0].frames.size() == 3);
}

TEST_CASE("kernel-report.the same report from the console and from syslog is one report, on different clocks") {
  auto r = parse("[  738.894674] INFO: task khugepaged:170 blocked for more than 122 seconds.\n"
                 "2026-05-28T12:19:54.424175+00:00 vm-1779970054023451471 kernel: INFO: task khugepaged:170 blocked for more than 122 seconds.\n"
                 "[  860.000000] INFO: task khugepaged:170 blocked for more than 245 seconds.\n");
  REQUIRE(r.size() == 2);  // the later report on the printk clock is another
  CHECK(r[0].repeats == 1);
  CHECK_FALSE(r[0].wall_clock);
  CHECK(r[1].stuck_ns == 245'000'000'000);
}

TEST_CASE("kernel-report.a stuck time beyond what int64 nanoseconds hold is no duration, not an overflow") {
  // The fuzzer's input (tests/fuzz/regressions/kernel_log/soft-lockup-stuck-for-2.2e15-seconds), in short.
  const auto reports = parse("[  1.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 2200000000000000s! [a:1]\n"
                             "[  2.000000] INFO: task b:2 blocked for more than 9300000000 seconds.\n");
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].kind == KernelReportKind::kSoftLockup);
  CHECK(reports[0].stuck_ns < 0);
  CHECK(reports[1].kind == KernelReportKind::kHungTask);
  CHECK(reports[1].stuck_ns < 0);
}
