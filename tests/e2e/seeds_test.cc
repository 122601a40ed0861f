// End-to-end: the three field cases of SCENARIOS.md, each derived from a real
// recording, found by ftlens alone with the right CPU, task, times and root
// cause; and no error on any clean real recording.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "e2e/cli_runner.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace ftlens::testing;

namespace {

json analyze(const std::string& trace, const std::string& tag, const std::string& extra = "") {
  const std::string report = scratch(tag + ".json");
  Run r = run_ftlens("analyze " + trace + extra + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return read_json(report);
}

std::vector<const json*> all_of(const json& report, const std::string& detector) {
  std::vector<const json*> out;
  for (const auto& f : report["findings"])
    if (f["detector"] == detector) out.push_back(&f);
  return out;
}

const json& one(const json& report, const std::string& detector, int cpu) {
  for (const json* f : all_of(report, detector))
    if ((*f)["cpu"] == cpu) return *f;
  FAIL("no ", detector, " finding on CPU", cpu);
  static json none;
  return none;
}

}  // namespace

TEST_CASE("seeds.001: CPU1's workqueue pool starts nothing for 140 s; the blocked work item is the root cause") {
  json j = analyze(std::string(FTLENS_TRACES) + "/derived_seed001_wq_pool_stall_cpu1.txt", "seed001");
  const int64_t end = j["input"]["last_ns"];

  const json& stall = one(j, "wq-stall", 1);
  CHECK(stall["severity"] == "error");
  CHECK(stall["details"]["pool"]["cpu"] == 1);
  CHECK(stall["details"]["pool"]["unbound"] == false);
  CHECK(stall["end_ns"].is_null());
  CHECK(stall["duration_ns"].get<int64_t>() > 115'000'000'000);
  CHECK(stall["details"]["pending_total"].get<int>() >= 5);
  CHECK(all_of(j, "wq-stall").size() == 1);  // one stall, not pieces of it

  const json& work = one(j, "unterminated-work", 1);
  CHECK(work["details"]["function"] == "disk_events_workfn");
  CHECK(work["comm"] == "kworker/1:1");
  CHECK(work["start_ns"] == 2481962685000);
  CHECK(work["duration_ns"] == end - 2481962685000);
  CHECK(work["root_cause"] == true);

  const json& hung = one(j, "hung-task", 1);
  CHECK(hung["severity"] == "error");  // past hung_task_timeout_secs
  CHECK(hung["pid"] == 11562);
  CHECK(hung["details"]["last_event"] == "workqueue_execute_start");

  const json& kernel = one(j, "kernel-report", 1);
  CHECK(kernel["details"]["kind"] == "workqueue-lockup");
  CHECK(kernel["duration_ns"] == 115'000'000'000);
  bool explains_stall = false;
  for (const auto& id : kernel["details"]["explains"]) explains_stall |= id == stall["id"];
  CHECK(explains_stall);

  for (const json* f : {&stall, &work, &hung, &kernel}) CHECK((*f)["group"] == work["group"]);
  int errors = 0;
  for (const auto& f : j["findings"]) errors += f["severity"] == "error";
  CHECK(errors == 4);
}

TEST_CASE("seeds.002: CPU0 oopses with interrupts off, CPU1 waits forever on its cross-CPU call and soft-locks") {
  json j = analyze(std::string(FTLENS_TRACES) + "/derived_seed002_unanswered_ipi_cpu0.txt", "seed002");

  const json& silent = one(j, "cpu-silent", 0);
  CHECK(silent["severity"] == "error");
  CHECK(silent["comm"] == "gen_seri_oops/0");
  CHECK(silent["details"]["state_at_silence"] == "running");
  CHECK(silent["details"]["ipis_sent_after_last_event"].get<int>() > 0);
  CHECK(silent["root_cause"] == true);

  const json& ipi = one(j, "ipi-unanswered", 0);
  CHECK(ipi["severity"] == "error");
  CHECK(ipi["comm"] == "docker-containe");
  CHECK(ipi["pid"] == 29506);
  CHECK(ipi["details"]["senders"][0]["cpu"] == 1);
  CHECK(ipi["details"]["senders"][0]["function"] == "do_sync_core");
  CHECK(ipi["details"]["senders"][0]["callsite"] == "smp_call_function_many_cond");
  CHECK(ipi["details"]["senders"][0]["still_running_at_end"] == true);

  const json& spin = one(j, "non-preempted", 1);
  CHECK(spin["comm"] == "docker-containe");
  CHECK(spin["severity"] == "error");
  CHECK(spin["duration_ns"].get<int64_t>() > 22'000'000'000);

  const json& lockup = one(j, "kernel-report", 1);
  CHECK(lockup["details"]["kind"] == "soft-lockup");
  CHECK(lockup["comm"] == "docker-containe");

  for (const json* f : {&ipi, &spin, &lockup}) CHECK((*f)["group"] == silent["group"]);
}

TEST_CASE("seeds.--dmesg adds the kernel's reports from its log and ties them to the findings") {
  const std::string dmesg = scratch("seed000.dmesg");
  std::ofstream(dmesg) << "[  180.000000] addrconf: link up\n"
                          "[  202.740000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kworker/1:3:10711]\n";
  json j = analyze(std::string(FTLENS_TRACES) + "/derived_seed000_stuck_work_cpu1.txt", "seed000-dmesg", " --dmesg " + dmesg);
  const json& lockup = one(j, "kernel-report", 1);
  CHECK(lockup["details"]["source"] == "kernel log");
  CHECK(lockup["comm"] == "kworker/1:3");
  CHECK(lockup["start_ns"] == 180740000000);
  CHECK(lockup["group"] == one(j, "unterminated-work", 1)["group"]);

  Run bad = run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/real_light30.txt --dmesg " +
                       std::string(FTLENS_TRACES) + "/real_light30.txt");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("not a kernel log") != std::string::npos);
}

TEST_CASE("seeds.no clean real recording, text or trace.dat, gives an error finding") {
  std::vector<std::string> traces = {std::string(FTLENS_TRACES) + "/real_light30.txt",
                                     std::string(FTLENS_TRACES) + "/real_light30.dat",
                                     std::string(FTLENS_TRACES) + "/real_idle150.txt"};
  for (const auto& entry : fs::directory_iterator(FTLENS_TRACES))
    if (entry.path().filename().string().starts_with("dev_") &&
        (entry.path().extension() == ".txt" || entry.path().extension() == ".dat"))
      traces.push_back(entry.path().string());
  REQUIRE(traces.size() >= 12);
  int findings = 0;
  for (const std::string& trace : traces) {
    CAPTURE(trace);
    json j = analyze(trace, "clean");
    for (const auto& f : j["findings"]) {
      CHECK_MESSAGE(f["severity"] != "error", f.dump());
      ++findings;
    }
  }
  MESSAGE("findings on clean recordings: ", findings);
}
