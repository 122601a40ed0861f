// End-to-end: a detector judges only what the trace holds. A real recording
// with no sched events at all gets no finding built on switches the model
// had to repair, and the report and the summary say what was not judged.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "e2e/cli_runner.h"

using nlohmann::json;
using namespace ftlens::testing;

namespace {

// The summary's lines that start with `prefix`.
int lines_starting_with(const std::string& text, const std::string& prefix, std::string* last = nullptr) {
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(prefix)) {
      ++n;
      if (last) *last = line;
    }
  return n;
}

}  // namespace

TEST_CASE("coverage.a real trace of ext4 and block events only has no error and says sched detectors were not judged") {
  const std::string report = scratch("no_sched.json");
  Run r = run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/real_no_sched_ext4_block_30s.txt --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(report);
  for (const auto& f : j["findings"]) CHECK_MESSAGE(f["severity"] != "error", f.dump());
  for (const char* detector : {"non-preempted", "cpu-silent", "hung-task", "watchdog-gap"}) {
    CAPTURE(detector);
    CHECK(j["coverage"][detector] == "not judged: the trace has no sched_switch");
  }
  std::string line;
  REQUIRE(lines_starting_with(r.out, "not judged: ", &line) == 1);
  CHECK(line.find("non-preempted, watchdog-gap, cpu-silent, hung-task (the trace has no sched_switch)") !=
        std::string::npos);
}

TEST_CASE("coverage.a recording with sched, workqueue and IPI events judges their detectors, and the report lists every detector") {
  const std::string report = scratch("dev_load_coverage.json");
  Run r = run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/dev_load.txt --report " + report);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(report);
  REQUIRE(j["coverage"].size() == 12);
  for (const char* detector : {"unterminated-work", "long-work", "non-preempted", "watchdog-gap", "wq-stall",
                               "ipi-unanswered", "cpu-silent", "hung-task", "lock-contention"}) {
    CAPTURE(detector);
    CHECK(j["coverage"][detector] == "judged");
  }
  // Nothing printed by the kernel and no function_graph: said, on one line.
  std::string line;
  REQUIRE(lines_starting_with(r.out, "not judged: ", &line) == 1);
  CHECK(line == "not judged: kernel-report (the trace has no console event or kernel log); "
                "stuck-function (the trace has no function_graph call); "
                "latency-trace (the trace has no latency tracer header)");
}

TEST_CASE("coverage.a kernel log given with --dmesg lets kernel-report judge") {
  const std::string report = scratch("dev_load_dmesg_coverage.json");
  Run r = run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/derived_seed000_stuck_work_cpu1.txt --dmesg " +
                     std::string(FTLENS_TRACES) + "/kernel_log_dmesg_T_rcu_hung.txt --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(report)["coverage"]["kernel-report"] == "judged");
}

TEST_CASE("coverage.scan says per trace what was judged") {
  const std::string report = scratch("no_sched_scan.json");
  Run r = run_ftlens("scan " + std::string(FTLENS_TRACES) + "/real_no_sched_ext4_block_30s.txt --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(report);
  REQUIRE(j["traces"].size() == 1);
  CHECK(j["traces"][0]["coverage"]["cpu-silent"] == "not judged: the trace has no sched_switch");
}
