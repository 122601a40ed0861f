// End-to-end: `ftlens export` and `--perfetto` write Chrome JSON that the
// Perfetto UI can load: it parses, every slice nests properly on its track,
// flows pair up, and the stuck work item and the findings are on it.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "e2e/cli_runner.h"

using nlohmann::json;
using namespace ftlens::testing;

namespace {

const std::string kSeed000 = std::string(FTLENS_TRACES) + "/derived_seed000_stuck_work_cpu1.txt";

json export_json(const std::string& args, const std::string& tag) {
  const std::string out = scratch(tag + ".perfetto.json");
  Run r = run_ftlens("export " + args + " -o " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("wrote " + out) != std::string::npos);
  return read_json(out);
}

// The rules of the Perfetto JSON importer this output relies on.
void check_well_formed(const json& j) {
  REQUIRE(j.contains("traceEvents"));
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> tracks;
  std::map<std::string, int> flow_starts, flow_ends;
  for (const auto& e : j["traceEvents"]) {
    const std::string ph = e["ph"];
    CHECK_MESSAGE((ph == "X" || ph == "M" || ph == "C" || ph == "i" || ph == "s" || ph == "f"), ph);
    if (ph == "M") {
      const std::string name = e["name"];
      CHECK((name == "process_name" || name == "thread_name" || name == "process_sort_index" || name == "thread_sort_index"));
    }
    if (ph == "X") {
      CHECK(e["dur"].get<double>() >= 0);
      tracks[{e["pid"].get<int>(), e["tid"].get<int>()}].emplace_back(e["ts"].get<double>(), e["ts"].get<double>() + e["dur"].get<double>());
    }
    if (ph == "s") ++flow_starts[e["id"].dump()];
    if (ph == "f") {
      ++flow_ends[e["id"].dump()];
      CHECK(e["bp"] == "e");
    }
  }
  CHECK(flow_starts == flow_ends);
  // Slices on one track nest or follow each other, never partially overlap.
  // Times are microseconds with three decimals; adding them in doubles is
  // exact only to ~1e-8 us, so compare to half a nanosecond.
  constexpr double kHalfNs = 0.0005;
  int partial = 0;
  for (auto& [track, slices] : tracks) {
    std::sort(slices.begin(), slices.end(), [](auto& a, auto& b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
    std::vector<double> open;
    for (auto [start, end] : slices) {
      while (!open.empty() && open.back() <= start + kHalfNs) open.pop_back();
      if (!open.empty() && end > open.back() + kHalfNs) ++partial;
      open.push_back(end);
    }
  }
  CHECK(partial == 0);
}

}  // namespace

TEST_CASE("export.the seed 000 timeline: CPU tracks, handlers, flows, the open work item and the findings") {
  json j = export_json(kSeed000 + " --flows", "seed000-full");
  check_well_formed(j);
  std::map<std::string, int> seen;
  bool open_work = false, cpu1_named = false, finding_instant = false;
  for (const auto& e : j["traceEvents"]) {
    ++seen[e["ph"].get<std::string>()];
    if (e["ph"] == "X" && e["name"] == "addrconf_dad_work" && e["args"].value("unterminated", false)) open_work = true;
    if (e["ph"] == "M" && e["name"] == "process_name" && e["args"]["name"] == "CPU 1") cpu1_named = true;
    if (e["ph"] == "i" && e["name"].get<std::string>().find("unterminated-work") != std::string::npos) finding_instant = true;
  }
  CHECK(open_work);
  CHECK(cpu1_named);
  CHECK(finding_instant);
  CHECK(seen["s"] > 100);  // wakeups drawn as arrows
  CHECK(seen["C"] > 100);  // waiting-tasks counters
  CHECK(seen["X"] > 10000);
}

TEST_CASE("export.--from/--to/--cpus cut a window; --around cuts one around a finding") {
  json w = export_json(kSeed000 + " --from 190 --to 191.5 --cpus 1", "seed000-window");
  check_well_formed(w);
  for (const auto& e : w["traceEvents"]) {
    if (!e.contains("ts")) continue;
    CHECK(e["ts"].get<double>() >= 190e6);
    CHECK(e["ts"].get<double>() + e.value("dur", 0.0) <= 191.5e6 + 1e-3);
    CHECK((e["pid"] == 1 || e["pid"] == 101));  // findings and CPU 1 only
  }
  json a = export_json(kSeed000 + " --around F3", "seed000-around");
  check_well_formed(a);
  double first = 1e18;
  for (const auto& e : a["traceEvents"])
    if (e.contains("ts")) first = std::min(first, e["ts"].get<double>());
  CHECK(first < 180736523.0);  // the window starts before the finding
  CHECK(first > 175736523.0);  // ... but not at the trace start

  Run bad = run_ftlens("export " + kSeed000 + " -o " + scratch("x.json") + " --around F99");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("no finding F99") != std::string::npos);
  CHECK(run_ftlens("export - -o " + scratch("x.json") + " --around F1", kSeed000).exit_code == 2);
  CHECK(run_ftlens("export " + kSeed000 + " -o " + scratch("x.json") + " --cpus 1-").exit_code == 2);
}

TEST_CASE("export.--from/--to/--cpus out of range, half numbers or an empty window are one-line usage errors") {
  const std::string out = scratch("bad-window.json");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--from 99999999999999", "--from takes a time in trace seconds"},  // overflowed when made nanoseconds
      {"--to 9223372037", "--to takes a time in trace seconds"},
      {"--cpus 2147483647", "--cpus takes a list of CPUs from 0 to 8191"},  // looped, eating memory
      {"--cpus 0-2147483647", "--cpus takes a list of CPUs from 0 to 8191"},
      {"--cpus 1x", "--cpus takes a list"},
      {"--cpus 1,", "--cpus takes a list"},
      {"--cpus 3-1", "--cpus takes a list"},
      {"--from 200 --to 180", "--to 180 is not after --from 200: the window is empty"},
      {"--from 190 --to 190", "--to 190 is not after --from 190: the window is empty"},
  };
  for (const auto& [args, says] : cases) {
    CAPTURE(args);
    Run r = run_ftlens("export " + kSeed000 + " -o " + out + " " + args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("ftlens: " + says) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  // Repeated and overlapping CPUs are each CPU once.
  json w = export_json(kSeed000 + " --cpus 1,1,0-1", "seed000-cpus-twice");
  check_well_formed(w);
}

TEST_CASE("export.comms with quotes, backslashes, control bytes and invalid UTF-8 still give valid JSON") {
  const std::string trace = scratch("hostile.txt");
  {
    std::ofstream out(trace, std::ios::binary);
    out << "  ev\"il\\x\x01\xff-77 [000] d..2. 1.000000: sched_switch: prev_comm=ev\"il\\x\x01\xff prev_pid=77 prev_prio=120 "
           "prev_state=S ==> next_comm=b\xc3\xa9\xe2\x82 next_pid=78 next_prio=120\n"
           "  b\xc3\xa9\xe2\x82-78 [000] ..... 1.500000: workqueue_execute_start: work struct 0x1: function f\"\\n\n"
           "  b\xc3\xa9\xe2\x82-78 [000] ..... 2.000000: x: y\n";
  }
  const std::string report = scratch("hostile.json");
  REQUIRE(run_ftlens("analyze " + trace + " --report " + report + " --perfetto " + scratch("hostile.perfetto.json")).exit_code == 0);
  CHECK_NOTHROW(read_json(report));
  check_well_formed(read_json(scratch("hostile.perfetto.json")));
}

TEST_CASE("export.analyze --perfetto from a trace.dat gives the same kind of timeline") {
  const std::string out = scratch("dat.perfetto.json");
  REQUIRE(run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/real_light30.dat --perfetto " + out).exit_code == 0);
  json j = read_json(out);
  check_well_formed(j);
  int handlers = 0;
  for (const auto& e : j["traceEvents"]) handlers += e["ph"] == "X" && (e["tid"] == 3 || e["tid"] == 4);
  CHECK(handlers > 1000);
}

TEST_CASE("export.--by-task adds a process per task group with a track per task") {
  json j = export_json(std::string(FTLENS_TRACES) + "/derived_systrace_light30_last2s.html --by-task", "by-task");
  check_well_formed(j);
  int task_slices = 0;
  bool named = false;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "X" && e["pid"].get<int>() >= 1000000) {
      ++task_slices;
      CHECK(e["name"].get<std::string>().rfind("CPU ", 0) == 0);
    }
    if (e["ph"] == "M" && e["name"] == "process_name" && e["args"]["name"].get<std::string>().rfind("tgid ", 0) == 0) named = true;
  }
  CHECK(task_slices > 100);
  CHECK(named);  // systrace has the tgid column
}
