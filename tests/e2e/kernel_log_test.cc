// End-to-end: kernel logs alone, as the users' posts give them, analyzed by
// the binary: the seeds' logs, a log per prefix form, healthy logs, a log
// with a trace (--dmesg), and hostile logs.
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

const std::string kTraces = FTLENS_TRACES;

json analyze_log(const std::string& log, const std::string& tag, const std::string& extra = "") {
  const std::string report = scratch(tag + ".json");
  Run r = run_ftlens("analyze " + log + extra + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return read_json(report);
}

std::vector<json> reports_of(const json& j, const std::string& kind) {
  std::vector<json> out;
  for (const auto& f : j["findings"])
    if (f["detector"] == "kernel-report" && f["details"]["kind"] == kind) out.push_back(f);
  return out;
}

}  // namespace

TEST_CASE("kernel-log.seed 001: the Qualcomm log in a blog post gives the pool cpus=2 workqueue lockup of 115 s as an error") {
  json j = analyze_log(kTraces + "/kernel_log_seed001_qualcomm_blog_paste.txt", "kl-seed001");
  CHECK(j["input"]["format"] == "kernel-log");
  auto lockups = reports_of(j, "workqueue-lockup");
  REQUIRE(lockups.size() == 1);  // quoted again in the prose: counted once
  const json& lockup = lockups[0];
  CHECK(lockup["severity"] == "error");
  CHECK(lockup["cpu"] == 2);
  CHECK(lockup["duration_ns"] == 115'000'000'000);
  CHECK(lockup["details"]["pool"]["cpus"] == "2");
  CHECK(lockup["details"]["pool"]["flags"] == "0x1");
  CHECK(lockup["details"]["reported_by_cpu"] == 0);
  CHECK(lockup["root_cause"] == true);
  auto bugs = reports_of(j, "bug");
  REQUIRE(bugs.size() == 1);
  CHECK(bugs[0]["cpu"] == 2);
  CHECK(bugs[0]["comm"] == "lowi-server");
  CHECK(bugs[0]["details"]["pc"] == "wq_watchdog_timer_fn+0x188/0x18c");
  CHECK(bugs[0]["group"] == lockup["group"]);
}

TEST_CASE("kernel-log.seed 002: soft lockups on five CPUs are grouped under CPU0's nested oops as root cause") {
  json j = analyze_log(kTraces + "/kernel_log_seed002_pasted.txt", "kl-seed002");
  CHECK(j["input"]["format"] == "kernel-log");
  CHECK(j["input"]["cpus"] == json::array({0, 2, 30, 35, 51, 58}));  // the CPUs the log names
  auto lockups = reports_of(j, "soft-lockup");
  REQUIRE(lockups.size() == 5);
  std::vector<int> cpus;
  for (const json& l : lockups) cpus.push_back(l["cpu"]);
  CHECK(cpus == std::vector<int>{35, 51, 30, 58, 2});
  auto oopses = reports_of(j, "oops");
  REQUIRE(oopses.size() == 2);
  const json& first = oopses[0];
  CHECK(first["cpu"] == 0);
  CHECK(first["root_cause"] == true);
  CHECK(first["details"]["unanswering"] == true);
  CHECK(first["details"]["waiting_cpus"] == json::array({35, 51, 30, 58, 2}));
  CHECK(oopses[1]["cpu"] == 0);
  CHECK(oopses[1]["details"]["nested_in_line"] == first["details"]["input_line"]);
  for (const json& l : lockups) {
    CHECK(l["group"] == first["group"]);
    CHECK(l["details"]["waits_for_cpus"] == json::array({0}));
  }
  CHECK(lockups[0]["details"]["waits_in"] == "smp_call_function_many");
  CHECK(lockups[0]["details"]["wait_inferred"] == false);
  CHECK(lockups[0]["details"]["call_trace"][1] == "kick_all_cpus_sync+0x30/0x38");
  CHECK(lockups[1]["details"]["wait_inferred"] == true);  // "the same as above" in the post
}

TEST_CASE("kernel-log.every prefix form is read with its reports' kind, CPU, task and stuck time") {
  struct Case {
    std::string file, kind;
    int cpu;
    int64_t stuck_ns;
  };
  const std::vector<Case> cases = {
      {"kernel_log_dmesg_T_rcu_hung.txt", "hung-task", -1, 122'000'000'000},
      {"kernel_log_dmesg_T_rcu_hung.txt", "rcu-stall", 3, -1},
      {"kernel_log_journalctl_csd_hardlockup.txt", "csd-lock-timeout", 0, 5'000'000'000},
      {"kernel_log_journalctl_csd_hardlockup.txt", "hard-lockup", 1, -1},
      {"kernel_log_journalctl_monotonic_soft_lockup.txt", "soft-lockup", 3, 22'000'000'000},
      {"kernel_log_kern_log_workqueue_busy.txt", "workqueue-lockup", 1, 140'000'000'000},
      {"kernel_log_ramoops_x86_oops_panic.txt", "oops", 2, -1},
      {"kernel_log_ramoops_x86_oops_panic.txt", "panic", -1, -1},
      {"kernel_log_android_logcat_kernel.txt", "workqueue-lockup", 2, 115'000'000'000},
      {"kernel_log_mediatek_last_kmsg.txt", "soft-lockup", 4, 22'000'000'000},
      {"kernel_log_mediatek_last_kmsg.txt", "watchdog-kick", -1, -1},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    CAPTURE(c.kind);
    json j = analyze_log(kTraces + "/" + c.file, "kl-form");
    CHECK(j["input"]["format"] == "kernel-log");
    auto found = reports_of(j, c.kind);
    REQUIRE(found.size() == 1);
    if (c.cpu >= 0) CHECK(found[0]["cpu"] == c.cpu);
    if (c.stuck_ns >= 0) CHECK(found[0]["details"]["stuck_ns"] == c.stuck_ns);
    CHECK(found[0]["severity"] == "error");
  }
  json busy = analyze_log(kTraces + "/kernel_log_kern_log_workqueue_busy.txt", "kl-busy");
  const json wq = reports_of(busy, "workqueue-lockup")[0];
  CHECK(wq["details"]["in_flight_on_pool"] == json::array({"5106:disk_events_workfn"}));
  CHECK(wq["details"]["pending_on_pool"].size() == 4);
  json csd = analyze_log(kTraces + "/kernel_log_journalctl_csd_hardlockup.txt", "kl-csd");
  const json hard = reports_of(csd, "hard-lockup")[0];
  CHECK(hard["root_cause"] == true);
  CHECK(hard["group"] == reports_of(csd, "csd-lock-timeout")[0]["group"]);
  json mtk = analyze_log(kTraces + "/kernel_log_mediatek_last_kmsg.txt", "kl-mtk");
  CHECK(reports_of(mtk, "watchdog-kick")[0]["details"]["cpus_not_kicked"] == json::array({0, 1, 4, 5, 6, 7}));
  CHECK(reports_of(mtk, "soft-lockup")[0]["comm"] == "kworker/4:3");
}

TEST_CASE("kernel-log.healthy logs give no finding") {
  std::vector<std::string> logs = {kTraces + "/kernel_log_healthy_boot.txt"};
  for (const auto& entry : fs::directory_iterator(kTraces))
    if (entry.path().extension() == ".dmesg" && fs::file_size(entry.path()) > 0) logs.push_back(entry.path().string());
  REQUIRE(logs.size() >= 3);
  for (const std::string& log : logs) {
    CAPTURE(log);
    json j = analyze_log(log, "kl-healthy");
    CHECK(j["input"]["format"] == "kernel-log");
    for (const auto& f : j["findings"]) {
      CHECK(f["severity"] != "error");
      // dev_rthog ran a real-time hog on purpose: the kernel throttled it.
      CHECK(f["details"]["kind"] == "rt-throttling");
    }
  }
}

TEST_CASE("kernel-log.hostile logs are counted and skipped, never a crash") {
  const std::string log = scratch("hostile.log");
  {
    std::ofstream out(log, std::ios::binary);
    out << "[    1.000000] start\n[    1.500000] " << std::string(3 << 20, 'y') << "\n";
    out << std::string("\x00\x00\x01\x02\x7f\x00junk\x00\x00", 12) << "\n";
    for (int i = 0; i < 20000; ++i) out << "[    2.000000] ";
    out << "\n[    3.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [a:1]\n";
  }
  json j = analyze_log(log, "kl-hostile");
  CHECK(j["input"]["format"] == "kernel-log");
  CHECK(j["input"]["skipped_lines"] == 2);
  REQUIRE(reports_of(j, "soft-lockup").size() == 1);

  const std::string prefixes = scratch("prefixes.log");
  {
    std::ofstream out(prefixes);
    for (int i = 0; i < 5000; ++i) out << "[ " << i << ".000000]\n";
  }
  json p = analyze_log(prefixes, "kl-prefixes");
  CHECK(p["findings"].empty());
}

TEST_CASE("kernel-log.a trace with --dmesg LOG: the log's reports join the trace's findings on their CPU") {
  json j = analyze_log(kTraces + "/derived_seed000_stuck_work_cpu1.txt", "kl-dmesg",
                       " --dmesg " + kTraces + "/kernel_log_journalctl_monotonic_soft_lockup.txt");
  CHECK(j["input"]["format"] != "kernel-log");
  CHECK(reports_of(j, "soft-lockup").size() == 1);
}

TEST_CASE("kernel-log.--perfetto puts the reports on their CPUs' tracks; scan finds kernel logs") {
  const std::string out = scratch("kl-perfetto.json");
  Run r = run_ftlens("analyze " + kTraces + "/kernel_log_seed002_pasted.txt --perfetto " + out);
  REQUIRE(r.exit_code == 0);
  json p = read_json(out);
  bool on_cpu35 = false;
  for (const auto& e : p["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "process_name" && e["args"]["name"] == "CPU 35") on_cpu35 = true;
  CHECK(on_cpu35);

  const std::string dir = scratch("kl-scan");
  fs::remove_all(dir);
  fs::create_directories(dir + "/device");
  fs::copy_file(kTraces + "/kernel_log_seed001_qualcomm_blog_paste.txt", dir + "/device/console.txt");
  fs::copy_file(kTraces + "/README.md", dir + "/device/README.md");
  const std::string report = scratch("kl-scan.json");
  Run s = run_ftlens("scan " + dir + " --report " + report);
  INFO(s.out);
  json j = read_json(report);
  REQUIRE(j["traces"].size() == 1);
}

TEST_CASE("kernel-log.a wall-clock log's times print as the log printed them, in the summary, the JUnit and the HTML") {
  const std::string log = kTraces + "/kernel_log_dmesg_T_rcu_hung.txt";  // [Tue Dec  1 13:20:01 2026] ...
  json j = analyze_log(log, "kl-wall");
  CHECK(j["input"]["clock"] == "wall-clock");
  CHECK(j["input"]["fraction_digits"] == 0);
  Run summary = run_ftlens("analyze " + log);
  CHECK(summary.out.find("kernel-log, 0 events on 1 CPU, Dec  1 13:20:01 .. Dec  1 13:26:44 (403s)") != std::string::npos);
  CHECK(summary.out.find("at Dec  1 13:25:12") != std::string::npos);  // the RCU stall, as grep finds it in the log
  CHECK(summary.out.find("blocked for more than 122s") != std::string::npos);
  const std::string dir = scratch("kl-wall-scan");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(log, dir + "/dmesg.txt");
  const std::string junit = scratch("kl-wall.xml"), html = scratch("kl-wall.html");
  REQUIRE(run_ftlens("scan " + dir + " --junit " + junit + " --html " + html).exit_code == 0);
  CHECK(slurp(junit).find("at Dec  1 13:25:12") != std::string::npos);
  CHECK(slurp(html).find("Dec  1 13:25:12") != std::string::npos);
  // A trace's seconds are untouched.
  CHECK(analyze_log(kTraces + "/kernel_log_dmesg_arm64_hung_task_flush_work.txt", "kl-secs")["input"]["clock"] == "seconds");
}
