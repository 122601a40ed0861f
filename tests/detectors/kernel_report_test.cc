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
