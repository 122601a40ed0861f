#include <doctest/doctest.h>

#include "run_detectors.h"

using ftlens::Severity;
using ftlens::testing::DetectorRun;

namespace {
const char* const kStuckWork =
    "kworker/4:3-10711 [004]  1573.162047: workqueue_execute_start: work struct 0xd8c3cb7c: function addrconf_dad_work\n"
    "kworker/4:3-10711 [004]  1573.164771: irq_handler_entry: irq=30 name=arch_timer\n"
    "kworker/4:3-10711 [004]  1573.164795: irq_handler_exit: irq=30 ret=handled\n"
    "migration/1-11    [001]  1595.644768: irq_handler_entry: irq=30 name=arch_timer\n";
}

TEST_CASE("unterminated-work.work started and never ended is reported with its worker and CPU") {
  DetectorRun run("unterminated-work");
  auto& found = run.run(kStuckWork);
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.detector == "unterminated-work");
  CHECK(f.severity == Severity::kError);
  CHECK(f.cpu == 4);
  CHECK(f.pid == 10711);
  CHECK(f.comm == "kworker/4:3");
  CHECK(f.start == 1573162047000);
  CHECK_FALSE(f.end.has_value());
  CHECK(f.duration == 22482721000);
  CHECK(f.details["function"] == "addrconf_dad_work");
  CHECK(f.details["work"] == "0xd8c3cb7c");
  CHECK(f.message.find("addrconf_dad_work (work 0xd8c3cb7c) started on CPU4") == 0);
}

TEST_CASE("unterminated-work.an item cut off shortly before the trace end is only info") {
  DetectorRun run("unterminated-work");
  auto& found = run.run(
      "  kworker/0:1-11 [000] ..... 10.000000: workqueue_execute_start: work struct 00000000000000aa: function vmstat_update\n"
      "  other-5 [001] ..... 10.000300: x: y\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kInfo);
}

TEST_CASE("unterminated-work.thresholds can be changed") {
  DetectorRun run("unterminated-work");
  run.set("error", "30s");
  auto& found = run.run(kStuckWork);
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kWarning);
}

TEST_CASE("unterminated-work.matched start and end give nothing") {
  DetectorRun run("unterminated-work");
  CHECK(run.run("  k-1 [000] ..... 1.0: workqueue_execute_start: work struct 00000000000000aa: function f\n"
                "  k-1 [000] ..... 50.0: workqueue_execute_end: work struct 00000000000000aa: function f\n")
            .empty());
}

TEST_CASE("long-work.an item that ended after its threshold is a warning with its runtime") {
  DetectorRun run("long-work");
  auto& found = run.run(
      "  k-1 [000] ..... 1.000000: workqueue_execute_start: work struct 00000000000000aa: function slow_fn\n"
      "  k-1 [000] ..... 1.700000: workqueue_execute_end: work struct 00000000000000aa: function slow_fn\n"
      "  k-1 [000] ..... 2.000000: workqueue_execute_start: work struct 00000000000000bb: function quick_fn\n"
      "  k-1 [000] ..... 2.010000: workqueue_execute_end: work struct 00000000000000bb: function quick_fn\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kWarning);
  CHECK(found[0].details["function"] == "slow_fn");
  CHECK(found[0].end == 1700000000);
  CHECK(found[0].duration == 700000000);
}
