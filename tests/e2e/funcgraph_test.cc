// End-to-end: function_graph text in every column layout, the seed 000 hang
// as function_graph shows it, and stack traces printed inside a trace.
#include <doctest/doctest.h>

#include <string>

#include "e2e/cli_runner.h"

using nlohmann::json;
using namespace ftlens::testing;

namespace {

json analyze(const std::string& name, const std::string& extra = "") {
  const std::string report = scratch(name + ".json");
  Run r = run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/" + name + extra + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return read_json(report);
}

}  // namespace

TEST_CASE("funcgraph.seed 000 under function_graph: the open chain down to __ipv6_dev_ac_inc is the root cause") {
  const json report = analyze("derived_funcgraph_stuck_cpu1_22s.txt");
  CHECK(report["input"]["function_graph"] == true);
  CHECK(report["input"]["skipped_lines"] == 0);
  const json* stuck = nullptr;
  for (const auto& f : report["findings"])
    if (f["detector"] == "stuck-function") stuck = &f;
  REQUIRE(stuck);
  CHECK((*stuck)["severity"] == "error");
  CHECK((*stuck)["cpu"] == 1);
  CHECK((*stuck)["pid"] == 10711);
  CHECK((*stuck)["end_ns"].is_null());
  CHECK((*stuck)["duration_ns"].get<int64_t>() > 21'000'000'000);
  CHECK((*stuck)["details"]["function"] == "__ipv6_dev_ac_inc");
  const json& chain = (*stuck)["details"]["chain"];
  REQUIRE(chain.size() == 6);
  CHECK(chain[0]["function"] == "process_one_work");
  CHECK(chain[1]["function"] == "addrconf_dad_work");
  CHECK((*stuck)["root_cause"] == true);
  // The CPU's other findings are its consequences, in the same group.
  for (const auto& f : report["findings"])
    if (f["cpu"] == 1 && f["severity"] == "error") CHECK(f["group"] == (*stuck)["group"]);
}

TEST_CASE("funcgraph.every option layout of the same recording gives the same events and no error") {
  const json plain = analyze("derived_funcgraph_light30_default.txt");
  const json wide = analyze("derived_funcgraph_light30_proc_abstime_tail.txt");
  for (const json* r : {&plain, &wide}) {
    CHECK((*r)["input"]["skipped_lines"] == 0);
    CHECK((*r)["input"]["malformed_payloads"] == 0);
    for (const auto& f : (*r)["findings"]) CHECK(f["severity"] != "error");
  }
  CHECK(plain["input"]["events"] == wide["input"]["events"]);
  CHECK(plain["input"]["times_from_durations"] == true);
  CHECK(wide["input"]["times_from_durations"] == false);
  // The abstime layout keeps the recording's own clock.
  CHECK(wide["input"]["first_ns"] == 185'742'191'000);
  const json retval = analyze("derived_funcgraph_light30_retval.txt");
  CHECK(retval["input"]["skipped_lines"] == 0);
}

TEST_CASE("funcgraph.the Perfetto export draws the calls as slices on a functions track per CPU") {
  const std::string out = scratch("funcgraph_perfetto.json");
  Run r = run_ftlens("export " + std::string(FTLENS_TRACES) + "/derived_funcgraph_stuck_cpu1_22s.txt --by-task -o " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json trace = read_json(out);
  int tracks = 0, slices = 0, open = 0, by_task = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == "functions") ++tracks;
    if (e["ph"] == "X" && e.value("tid", 0) == 5 && e["pid"].get<int>() < 1'000'000) {
      ++slices;
      if (e.contains("args") && e["args"].value("unterminated", false)) ++open;
    }
    if (e["ph"] == "X" && e.value("tid", 0) == (1 << 24) + 10711) ++by_task;
  }
  CHECK(tracks == 2);
  CHECK(slices > 100);
  CHECK(open >= 6);  // the stuck chain (and any call the trace end cut), drawn to the end
  CHECK(by_task >= 6);
}

TEST_CASE("stacks.frames of real stack traces are attached, never skipped, and shown on findings") {
  for (const char* name : {"real_stacktrace_option.txt", "real_stacktrace_trigger_userstack.txt"}) {
    CAPTURE(name);
    const json report = analyze(name, " --set non-preempted.warning=1ms --set non-preempted.starved=0");
    const json& in = report["input"];
    CHECK(in["skipped_lines"] == 0);
    CHECK(in["stack_frame_lines"].get<int>() > 500);
    CHECK(in["lines"].get<int>() == in["events"].get<int>() + in["stack_frame_lines"].get<int>() +
                                        in["header_lines"].get<int>());
    int with_stack = 0;
    for (const auto& f : report["findings"])
      if (f["details"].contains("stack")) {
        ++with_stack;
        const json& stack = f["details"]["stack"];
        CHECK(stack["frames"].size() > 0);
        CHECK(stack["ts_ns"].get<int64_t>() >= f["start_ns"].get<int64_t>());
      }
    CHECK(with_stack > 0);
  }
}
