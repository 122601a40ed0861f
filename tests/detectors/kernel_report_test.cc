// kernel-report: the parser's reports become findings, and reasoning across
// them names the CPU the others wait for.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "detectors/detector.h"
#include "detectors/kernel_report_reasoning.h"
#include "model/system_model.h"
#include "parser/kernel_log_reader.h"
#include "parser/kernel_report_parser.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

using namespace ftlens;

namespace {

std::vector<Finding> findings_of(std::string_view log) {
  KernelReportParser parser("kernel log");
  struct Feed final : LogRecordSink {
    KernelReportParser& parser;
    explicit Feed(KernelReportParser& p) : parser(p) {}
    void on_log_record(const LogRecord& r) override { parser.on_record(r); }
  };
  struct NoEvents final : EventSink {
    void on_event(const Event&) override {}
    void on_malformed(const ParseIssue&) override {}
  };
  StringPool pool;
  Feed feed(parser);
  NoEvents none;
  KernelLogReader reader(pool, none, feed);
  reader.feed(log);
  reader.finish();
  parser.finish();
  std::unique_ptr<Detector> detector;
  for (auto& d : make_all_detectors(DetectorContext{pool}))
    if (d->id() == "kernel-report") detector = std::move(d);
  REQUIRE(detector);
  for (const KernelReport& r : parser.reports()) detector->on_kernel_report(r);
  SystemModel model(nullptr);
  detector->finish(model);
  return detector->take_findings();
}

}  // namespace

TEST_CASE("kernel-report.a lockup's finding starts when the lockup began, with its task and kind") {
  auto f = findings_of("[  100.000000] watchdog: BUG: soft lockup - CPU#35 stuck for 22s! [docker-containe:29506]\n"
                       "[  104.000000] INFO: task kworker/u8:2:123 blocked for more than 120 seconds.\n"
                       "[  106.000000] sched: RT throttling activated\n");
  REQUIRE(f.size() == 3);
  CHECK(f[0].severity == Severity::kError);
  CHECK(f[0].cpu == 35);
  CHECK(f[0].comm == "docker-containe");
  CHECK(f[0].pid == 29506);
  CHECK(f[0].start == 78'000'000'000);  // reported at 100 s, stuck for 22 s
  CHECK(f[0].end == 100'000'000'000);
  CHECK(f[0].details["kind"] == "soft-lockup");
  CHECK(f[0].details["source"] == "kernel log");
  CHECK(f[1].details["kind"] == "hung-task");
  CHECK_FALSE(f[1].cpu.has_value());
  CHECK(f[1].pid == 123);
  CHECK(f[2].severity == Severity::kWarning);
}

TEST_CASE("kernel-report.lockups waiting in a cross-CPU call wait for the CPU that oopsed and never spoke again") {
  auto f = findings_of("[ 254.202183] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000\n"
                       "[ 254.250838] Internal error: Oops: 96000044 [#1] SMP\n"
                       "[ 254.255785] CPU: 0 PID: 58147 Comm: gen_seri_oops/0\n"
                       "[ 360.462046] watchdog: BUG: soft lockup - CPU#35 stuck for 22s! [docker-containe:29506]\n"
                       "[ 360.777504] Call trace:\n[ 360.784282] smp_call_function_many+0x308/0x370\n"
                       "[ 360.793075] kick_all_cpus_sync+0x30/0x38\n"
                       "[ 464.446045] watchdog: BUG: soft lockup - CPU#30 stuck for 22s! [kill:2031]\n");
  REQUIRE(f.size() == 3);
  CHECK(f[0].cpu == 0);
  CHECK(f[0].details["unanswering"] == true);
  CHECK(f[0].details["waiting_cpus"] == nlohmann::ordered_json::array({35, 30}));
  CHECK(f[0].end == 464'446'045'000);  // still not answering at the last lockup
  CHECK(f[1].details["waits_for_cpus"] == nlohmann::ordered_json::array({0}));
  CHECK(f[1].details["waits_in"] == "smp_call_function_many");
  CHECK(f[2].details["wait_inferred"] == true);
  CHECK(f[1].message.find("CPU0 never answered") != std::string::npos);
}

TEST_CASE("kernel-report.lockups with no cross-CPU wait name no culprit, and an oops that ended is none") {
  auto f = findings_of("[ 10.000000] Unable to handle kernel paging request at virtual address 0000000000001000\n"
                       "[ 10.000001] Internal error: Oops: 96000005 [#1] SMP\n[ 10.000002] CPU: 1 PID: 7 Comm: a\n"
                       "[ 10.000003] ---[ end trace 0000000000000000 ]---\n"
                       "[ 40.000000] watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [b:8]\n"
                       "[ 40.000001] Call trace:\n[ 40.000002] ext4_writepages+0x10/0x100\n");
  REQUIRE(f.size() == 2);
  CHECK_FALSE(f[0].details.contains("unanswering"));
  CHECK_FALSE(f[1].details.contains("waits_for_cpus"));
}

TEST_CASE("kernel-report.a soft lockup reported 8 times is one finding as long as the last report") {
  // journalctl printed them all in the same second (thesofproject/linux#5008).
  std::string log;
  for (int s : {45, 71, 104, 130, 160, 186, 220, 246})
    log += "May 20 15:52:21 host kernel: watchdog: BUG: soft lockup - CPU#1 stuck for " + std::to_string(s) +
           "s! [rtcwake:72543]\n";
  auto f = findings_of(log);
  REQUIRE(f.size() == 1);
  CHECK(f[0].cpu == 1);
  CHECK(f[0].duration == 246'000'000'000);
  CHECK(f[0].details["successive_reports"] == 8);
  CHECK(f[0].message.find("246") != std::string::npos);
  CHECK(f[0].message.find("quoted") == std::string::npos);
}

TEST_CASE("kernel-report.an old kernel's soft lockup restarting its count at each report is still one lockup") {
  auto f = findings_of("[  100.000000] BUG: soft lockup - CPU#2 stuck for 22s! [a:7]\n"
                       "[  123.000000] BUG: soft lockup - CPU#2 stuck for 22s! [a:7]\n"
                       "[  400.000000] BUG: soft lockup - CPU#2 stuck for 22s! [a:7]\n");
  REQUIRE(f.size() == 2);  // the third began long after the second was printed
  CHECK(f[0].start == 78'000'000'000);
  CHECK(f[0].end == 123'000'000'000);
  CHECK(f[1].start == 378'000'000'000);
}

TEST_CASE("kernel-report.a WARN splat is a warning with its CPU, task, source line and function") {
  auto f = findings_of("[    0.197834] ------------[ cut here ]------------\n"
                       "[    0.197837] WARNING: CPU: 0 PID: 0 at kernel/locking/rtmutex.c:2142 __rt_mutex_trylock+0x1d/0xc0\n"
                       "[    0.197851] Modules linked in:\n"
                       "[    0.197854] CPU: 0 PID: 0 Comm: swapper/0 Not tainted 5.6.17-rt10-xanmod1 #0\n"
                       "[    0.197860] RIP: 0010:__rt_mutex_trylock+0x1d/0xc0\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::kWarning);
  CHECK(f[0].details["kind"] == "warning");
  CHECK(f[0].cpu == 0);
  CHECK(f[0].pid == 0);
  CHECK(f[0].comm == "swapper/0");
  CHECK(f[0].details["location"] == "kernel/locking/rtmutex.c:2142");
  CHECK(f[0].details["function"] == "__rt_mutex_trylock+0x1d/0xc0");
  CHECK(f[0].message.find("WARNING at kernel/locking/rtmutex.c:2142 in __rt_mutex_trylock") != std::string::npos);
}

TEST_CASE("kernel-report.a hung task is summarised by what it waits in, not by the scheduler or '?' frames") {
  auto f = findings_of("[ 80.481916] INFO: task swapper/0:1 blocked for more than 10 seconds.\n"
                       "[ 80.481958] Call trace:\n"
                       "[ 80.481971]  __switch_to+0xc0/0x104\n[ 80.481981]  __schedule+0x5d8/0x8c8\n"
                       "[ 80.481995]  schedule+0x74/0x94\n[ 80.482010]  schedule_timeout+0x44/0x3ec\n"
                       "[ 80.482011]  ? bit_wait+0x10/0x60\n"
                       "[ 80.482025]  wait_for_common+0xd4/0x170\n[ 80.482039]  wait_for_completion+0x14/0x1c\n"
                       "[ 80.482053]  __flush_work+0x108/0x19c\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("in wait_for_common <- wait_for_completion <- __flush_work") != std::string::npos);
  CHECK(f[0].details["call_trace"].size() == 8);  // the details keep every frame
}

TEST_CASE("kernel-report.a trace whose every frame is '?' (no reliable unwinder) is summarised by those frames") {
  auto f = findings_of("[ 1.000000] INFO: task DDRace64-Server:27090 blocked for more than 120 seconds.\n"
                       "[ 1.000001] Call Trace:\n"
                       "[ 1.000002]  [<ffffffff8135067c>] ? __mutex_lock_common.isra.5+0xff/0x164\n"
                       "[ 1.000003]  [<ffffffff8135056a>] ? mutex_lock+0x1a/0x2d\n"
                       "[ 1.000004]  [<ffffffff81104029>] ? walk_component+0x1f4/0x406\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].message.find("in __mutex_lock_common.isra.5 <- mutex_lock <- walk_component") != std::string::npos);
}

TEST_CASE("kernel-report.an RCU stall with all quiescent states seen blames the grace-period kthread, not a CPU") {
  auto f = findings_of("[  295.076187] INFO: rcu_sched detected stalls on CPUs/tasks:\n"
                       "[  295.076197] \t(detected by 1, t=21003 jiffies, g=7740, c=7739, q=376)\n"
                       "[  295.076197] All QSes seen, last rcu_sched kthread activity 20540 (4294962375-4294941835), "
                       "jiffies_till_next_fqs=3, root ->qsmask 0x0\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].details["all_qs_seen"] == true);
  CHECK(f[0].message.find("no CPU held up the grace period") != std::string::npos);
  CHECK(f[0].message.find("kthread did not run") != std::string::npos);
}

TEST_CASE("kernel-report.a workqueue lockup's pending work is its own pool's, not the same CPU's highpri pool's") {
  auto f = findings_of("[  123.868062] BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 33s!\n"
                       "[  123.868070] BUG: workqueue lockup - pool cpus=4 node=0 flags=0x0 nice=0 stuck for 33s!\n"
                       "[  123.875947] Showing busy workqueues and worker pools:\n"
                       "[  123.879551] workqueue events: flags=0x0\n"
                       "[  123.882503]   pwq 0: cpus=0 node=0 flags=0x0 nice=0 active=2/256\n"
                       "[  123.886495]     pending: vmstat_shepherd\n"
                       "[  123.922839] workqueue kblockd: flags=0x18\n"
                       "[  123.926263]   pwq 1: cpus=0 node=0 flags=0x0 nice=-20 active=2/256\n"
                       "[  123.930255]     pending: blk_mq_timeout_work\n");
  REQUIRE(f.size() == 2);
  CHECK(f[0].details["pending_on_pool"] == nlohmann::ordered_json::array({"vmstat_shepherd"}));
  CHECK(f[0].message.find("blk_mq_timeout_work") == std::string::npos);
  // The dump followed both lockups of the watchdog's pass; it had nothing of CPU4's pool.
  CHECK(f[1].message.find("no busy-workqueue dump") == std::string::npos);
  CHECK(f[1].message.find("lists nothing of this pool") != std::string::npos);
}

TEST_CASE("kernel-report.CPUs waiting on a CSD lock are one finding each, and the silent CPU they wait for is the cause") {
  auto f = findings_of("[ 83.716344] smp: csd: Detected non-responsive CSD lock (#1) on CPU#5, waiting 5000000868 ns for CPU#03 say_hello+0x0/0x20.\n"
                       "[ 83.716350] smp: csd: Detected non-responsive CSD lock (#2) on CPU#4, waiting 5000003655 ns for CPU#03 say_hello+0x0/0x20.\n"
                       "[ 78.717016] NMI backtrace for cpu 3\n"
                       "[ 78.717016] CPU: 3 PID: 228 Comm: local_irq_disab Tainted: G           O       6.3.0 #163\n"
                       "[ 78.717016] RIP: 0010:delay_tsc+0x2f/0xa0\n"
                       "[ 78.717016] Call Trace:\n"
                       "[ 78.717016]  irq_disabling_thread+0x75/0x90 [smp_csd_study]\n"
                       "[ 88.716186] smp: csd: Continued non-responsive CSD lock (#2) on CPU#4, waiting 10000003683 ns for CPU#03 say_hello+0x0/0x.\n"
                       "[ 88.716186] smp: csd: Continued non-responsive CSD lock (#1) on CPU#5, waiting 10000001110 ns for CPU#03 say_hello+0x0/0x.\n");
  REQUIRE(f.size() == 3);
  CHECK(f[0].cpu == 5);
  CHECK(f[0].duration == 10'000'001'110);
  CHECK(f[0].message.find("CPU5 waited 10.000001s for CPU3") != std::string::npos);
  CHECK_FALSE(f[0].details.contains("unanswering"));
  CHECK(f[0].details["waits_for_cpus"] == nlohmann::ordered_json::array({3}));
  CHECK(f[2].cpu == 3);
  CHECK(f[2].pid == 228);
  CHECK(f[2].comm == "local_irq_disab");
  CHECK(f[2].details["kind"] == "unanswering-cpu");
  CHECK(f[2].details["unanswering"] == true);
  CHECK(f[2].details["waiting_cpus"] == nlohmann::ordered_json::array({5, 4}));
  CHECK(f[2].details["pc"] == "delay_tsc+0x2f/0xa0");
  CHECK(f[2].end == 88'716'186'000);
  CHECK(f[2].message.find("at delay_tsc+0x2f/0xa0 in irq_disabling_thread") != std::string::npos);
}

TEST_CASE("kernel-report.a CSD lock that got unstuck is a warning naming no culprit") {
  auto f = findings_of("[ 10.000000] csd: Detected non-responsive CSD lock (#1) on CPU#3, waiting 5000000042 ns for CPU#55 flush_tlb_func+0x0/0xb0(0x0).\n"
                       "[ 10.000100] csd: CSD lock (#1) got unstuck on CPU#03, CPU#55 released the lock.\n");
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::kWarning);
  CHECK(f[0].details["unstuck"] == true);
  CHECK_FALSE(f[0].details.contains("unanswering"));
  CHECK(f[0].end == 10'000'100'000);
  CHECK(f[0].message.find("got unstuck") != std::string::npos);
  CHECK(f[0].message.find("never answered") == std::string::npos);
}

TEST_CASE("kernel-report.a watchdog's panic names the report it panicked for, and only a recent one") {
  auto f = findings_of("[41819967.871466]  EMERG: BUG: soft lockup - CPU#3 stuck for 23s! [tapdisk:23395]\n"
                       "[41819967.872648]  EMERG: Kernel panic - not syncing: softlockup: hung tasks\n"
                       "[  300.000000] INFO: task khugepaged:170 blocked for more than 122 seconds.\n"
                       "[  400.000000] Kernel panic - not syncing: hung_task: blocked tasks\n");
  REQUIRE(f.size() == 4);
  CHECK(f[1].details["caused_by_line"] == f[0].details["input_line"]);
  CHECK(f[1].message.find("raised by the soft-lockup of CPU3") != std::string::npos);
  CHECK_FALSE(f[3].details.contains("caused_by_line"));  // 100 s after the hung task: not its panic
}
