// End-to-end: memory and report size are bounded by configuration, not by
// the input (docs/hostile-input.md). Traces of 200k items that each grow a
// structure per item run under a measured peak RSS; what went beyond a cap
// is counted in `stats`, printed in the summary, and findings beyond a
// detector's max_findings fold into one finding that counts them.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "e2e/cli_runner.h"

using nlohmann::json;
using namespace ftlens::testing;

namespace {

constexpr int kItems = 200'000;
constexpr long kMaxRssKib = 64 * 1024;
constexpr uintmax_t kMaxReportBytes = 5'000'000;

// One event line of `comm-pid` on `cpu` at `ns`.
void write_line(std::FILE* out, const std::string& comm, int pid, int cpu, long long ns, const std::string& text) {
  std::fprintf(out, "%16s-%-7d [%03d] ..... %6lld.%06lld: %s\n", comm.c_str(), pid, cpu, ns / 1'000'000'000,
               ns % 1'000'000'000 / 1000, text.c_str());
}

// `items` work items started by distinct workers and never ended, or (with
// `wakeups`) distinct tasks woken and never run; then an event a minute
// later, so that every item is old at the end.
std::string write_trace(const std::string& name, int items, bool wakeups) {
  const std::string path = scratch(name);
  std::FILE* out = std::fopen(path.c_str(), "w");
  REQUIRE(out);
  std::fputs("# tracer: nop\n#\n", out);
  long long ns = 1'000'000'000;
  for (int i = 0; i < items; ++i, ns += 1000) {
    const int pid = 1000 + i, cpu = i & 1;
    char text[128];
    if (wakeups) {
      std::snprintf(text, sizeof text, "sched_wakeup: comm=sleeper%d pid=%d prio=120 target_cpu=%03d", i, pid, cpu);
      write_line(out, "waker", 10, cpu, ns, text);
    } else {
      std::snprintf(text, sizeof text, "workqueue_execute_start: work struct %016x: function hostile_work_fn", 0x10000000 + i);
      write_line(out, "kworker/" + std::to_string(cpu) + ":" + std::to_string(i), pid, cpu, ns, text);
    }
  }
  write_line(out, "swapper/0", 0, 0, ns + 60'000'000'000LL, "sched_wakeup: comm=last pid=1 prio=120 target_cpu=000");
  std::fclose(out);
  return path;
}

struct MeasuredRun {
  Run run;
  long peak_rss_kib = -1;
};

// `ftlens ARGS` under /usr/bin/time: its own peak RSS, not the test's.
// Unused in a sanitizer build, where the measuring tests are left out.
[[maybe_unused]] MeasuredRun run_measured(const std::string& args) {
  const std::string rss = scratch("rss.txt");
  MeasuredRun m;
  m.run = shell("/usr/bin/time -f %M -o " + rss + " " + std::string(FTLENS_BINARY) + " " + args);
  m.peak_rss_kib = std::stol(slurp(rss));
  return m;
}

int findings_of(const json& report, const std::string& detector) {
  int n = 0;
  for (const json& f : report["findings"]) n += f["detector"] == detector;
  return n;
}

}  // namespace

#ifndef FTLENS_SANITIZE  // ASan's shadow memory is no measure of ftlens's
TEST_CASE("memory.work started by 200k distinct workers and never ended stays within 64 MiB and a 5 MB report") {
  const std::string trace = write_trace("open_work.txt", kItems, false), report = scratch("open_work.json");
  const MeasuredRun m = run_measured("analyze " + trace + " --report " + report);
  REQUIRE(m.run.exit_code == 0);
  CHECK(m.peak_rss_kib <= kMaxRssKib);
  CHECK(std::filesystem::file_size(report) <= kMaxReportBytes);

  const json r = read_json(report);
  const uint64_t followed = 65536;
  CHECK(r["stats"]["open_work_dropped"] == kItems - followed);
  CHECK(r["stats"]["findings_folded"] == followed - 1000);
  CHECK(findings_of(r, "unterminated-work") == 1001);
  int folds = 0;
  for (const json& f : r["findings"]) {
    if (!f["details"].contains("folded")) continue;
    ++folds;
    CHECK(f["detector"] == "unterminated-work");
    CHECK(f["details"]["folded"]["findings"] == followed - 1000);
    CHECK(f["details"]["folded"]["listed"] == 1000);
    CHECK(f["message"].get<std::string>().starts_with("64536 more unterminated-work findings (64536 error"));
  }
  CHECK(folds == 1);
  CHECK(m.run.out.find("limit: 134464 open_work_dropped") != std::string::npos);
  CHECK(m.run.out.find("limit: 64536 findings_folded") != std::string::npos);
}

TEST_CASE("memory.200k distinct tasks woken and never run stay within 64 MiB, the waits beyond the cap counted") {
  const std::string trace = write_trace("woken.txt", kItems, true), report = scratch("woken.json");
  const MeasuredRun m = run_measured("analyze " + trace + " --report " + report);
  REQUIRE(m.run.exit_code == 0);
  CHECK(m.peak_rss_kib <= kMaxRssKib);
  CHECK(std::filesystem::file_size(report) <= kMaxReportBytes);
  // The last line wakes one more task, the trace end.
  CHECK(read_json(report)["stats"]["waiting_tasks_dropped"] == kItems + 1 - 65536);
  CHECK(m.run.out.find("limit: 134465 waiting_tasks_dropped") != std::string::npos);
}

TEST_CASE("memory.more distinct task names than the string pool keeps stay within 64 MiB, the names beyond it counted") {
  // 600k names, past the pool's 2^19: one parse pool, not one per thread.
  const std::string trace = scratch("comms.txt"), report = scratch("comms.json");
  std::FILE* out = std::fopen(trace.c_str(), "w");
  REQUIRE(out);
  std::fputs("# tracer: nop\n#\n", out);
  const int names = 600'000;
  char comm[16];
  for (int i = 0; i < names; ++i) {
    std::snprintf(comm, sizeof comm, "c%d", i);
    write_line(out, comm, 1000 + i, i & 1, 1'000'000'000LL + i * 1000LL, "x: y");
  }
  std::fclose(out);
  const MeasuredRun m = run_measured("analyze " + trace + " --report " + report);
  REQUIRE(m.run.exit_code == 0);
  CHECK(m.peak_rss_kib <= kMaxRssKib);
  // Each line names its comm and its event; the first 524288 distinct ones
  // (the empty string, "x" and 524286 comms) are kept.
  const uint64_t beyond = names - (524288 - 2);
  CHECK(read_json(report)["stats"]["names_not_kept"] == beyond);
  CHECK(m.run.out.find("limit: " + std::to_string(beyond) + " names_not_kept") != std::string::npos);
  std::filesystem::remove(trace);
}
#endif

TEST_CASE("memory.findings beyond max_findings fold into one finding with their severity counts, the worst listed") {
  const std::string trace = write_trace("few_open_work.txt", 100, false), report = scratch("few.json");
  const Run run = run_ftlens("analyze " + trace + " --report " + report + " --set unterminated-work.max_findings=10");
  REQUIRE(run.exit_code == 0);
  const json r = read_json(report);
  CHECK(findings_of(r, "unterminated-work") == 11);
  CHECK(r["stats"]["findings_folded"] == 90);
  for (const json& f : r["findings"]) {
    if (!f["details"].contains("folded")) continue;
    const json& folded = f["details"]["folded"];
    CHECK(folded["findings"] == 90);
    CHECK(folded["error"].get<int>() + folded["warning"].get<int>() + folded["info"].get<int>() == 90);
    CHECK(folded["listed"] == 10);
  }
  // The oldest work has been open longest: the listed ones are the first started.
  int listed_oldest = 0;
  for (const json& f : r["findings"])
    if (!f["details"].contains("folded") && f["start_ns"].get<long long>() < 1'000'010'000LL) ++listed_oldest;
  CHECK(listed_oldest == 10);
}

TEST_CASE("memory.max_findings takes a count and refuses anything else in one line") {
  const std::string trace = write_trace("tiny.txt", 3, false);
  const Run run = run_ftlens("analyze " + trace + " --set unterminated-work.max_findings=ten");
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("expected a count") != std::string::npos);
}

TEST_CASE("memory.the model's and the detectors' caps are set like any option, and what they leave out is counted") {
  const std::string trace = write_trace("capped_open_work.txt", 300, false), report = scratch("capped.json");
  const Run run = run_ftlens("analyze " + trace + " --report " + report + " --set model.max_open_work=100");
  REQUIRE(run.exit_code == 0);
  const json r = read_json(report);
  CHECK(r["stats"]["open_work_dropped"] == 200);
  CHECK(findings_of(r, "unterminated-work") == 100);
  CHECK(run.out.find("limit: 200 open_work_dropped") != std::string::npos);

  const std::string woken = write_trace("capped_woken.txt", 300, true);
  const Run fewer = run_ftlens("analyze " + woken + " --report " + report + " --set model.max_waiting_tasks=50");
  REQUIRE(fewer.exit_code == 0);
  CHECK(read_json(report)["stats"]["waiting_tasks_dropped"] == 301 - 50);

  const Run typo = run_ftlens("analyze " + trace + " --set model.max_open_wrk=1");
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("the model has no option 'max_open_wrk'") != std::string::npos);
  CHECK(typo.err.find("max_open_work") != std::string::npos);  // did you mean
  const Run words = run_ftlens("analyze " + trace + " --set hung-task.max_tasks=many");
  CHECK(words.exit_code == 2);
  CHECK(words.err.find("hung-task.max_tasks: ") != std::string::npos);
}
