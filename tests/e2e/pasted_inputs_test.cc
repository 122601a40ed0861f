// End-to-end: what users paste and concatenate. Seed 000's lines copied from
// the published post (no-break spaces, an author's cut), and files made with
// `cat` of several recordings, each recording analyzed on its own.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "e2e/cli_runner.h"

using nlohmann::json;
using namespace ftlens::testing;

namespace {

const std::string kTraces = FTLENS_TRACES;

json analyze(const std::string& trace, const std::string& tag, const std::string& extra = "") {
  const std::string report = scratch(tag + ".json");
  Run r = run_ftlens("analyze " + trace + extra + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return read_json(report);
}

// A finding without what depends on the report around it (ids, groups,
// which recording it was in), to compare findings of two reports.
json essence(json f) {
  for (const char* key : {"id", "group", "related", "root_cause"}) f.erase(key);
  f["details"].erase("recordings");
  f["details"].erase("explains");
  std::string message = f["message"];
  if (size_t cut = message.find(" [in recording "); cut != std::string::npos) message.erase(cut);
  if (size_t cut = message.find(" [the same in recordings "); cut != std::string::npos) message.erase(cut);
  f["message"] = message;
  return f;
}

json essences(const json& report) {
  json out = json::array();
  for (const auto& f : report["findings"]) out.push_back(essence(f));
  return out;
}

std::string concatenate(const std::string& a, const std::string& b, const std::string& name) {
  const std::string out = scratch(name);
  Run r = shell("cat " + a + " " + b + " > " + out);
  REQUIRE(r.exit_code == 0);
  return out;
}

}  // namespace

TEST_CASE("pasted.seed 000 copied from the post: 22.48 s of unterminated work on CPU4 is the root cause") {
  json j = analyze(kTraces + "/pasted_seed000_post_excerpt.txt", "pasted000");
  const json& input = j["input"];
  CHECK(input["skipped_lines"] == 0);         // no-break spaces read as spaces
  CHECK(input["malformed_payloads"] == 0);
  CHECK(input["events"] == 23);               // migration/1's three lines included
  CHECK(input["cpus"] == json::array({1, 4}));
  CHECK(input["elisions"] == 1);              // "// 생략"
  CHECK(input["pasted_blank_lines"] == 23);
  CHECK(input["pasted_blanks"] == json::array({"no-break-space"}));
  CHECK(input["header_lines"] == 1);          // "// end of ftrace log" is a note, not damage

  // The excerpt holds no sched_switch: the scheduling detectors are not
  // judged, and the work that never finished is what the trace shows.
  const json* root = nullptr;
  for (const auto& f : j["findings"]) {
    const bool other_error = f["severity"] == "error" && f["detector"] != "unterminated-work";
    CHECK_FALSE(other_error);
    if (f["detector"] == "unterminated-work") root = &f;
  }
  REQUIRE(root != nullptr);
  CHECK((*root)["severity"] == "error");
  CHECK((*root)["root_cause"] == true);  // alone, its own group's cause
  CHECK(j["coverage"]["non-preempted"] == "not judged: the trace has no sched_switch");
  CHECK((*root)["detector"] == "unterminated-work");
  CHECK((*root)["cpu"] == 4);
  CHECK((*root)["comm"] == "kworker/4:3");
  CHECK((*root)["details"]["function"] == "addrconf_dad_work");
  CHECK((*root)["duration_ns"] == 22'482'721'000);
  // The cut hides what CPU4 did after 1573.176152: every conclusion across
  // it says so.
  for (const auto& f : j["findings"]) {
    CAPTURE(f["detector"]);
    if (f["cpu"] != 4) continue;
    CHECK(f["details"]["confidence"] == "low");
    CHECK(f["details"]["data_gaps"]["cuts"] == 1);
  }

  Run summary = run_ftlens("analyze " + kTraces + "/pasted_seed000_post_excerpt.txt");
  CHECK(summary.out.find("1 elision") != std::string::npos);
  CHECK(summary.out.find("23 lines held a no-break space (U+00A0 or U+202F)") != std::string::npos);
}

TEST_CASE("pasted.the same lines with plain spaces give the same events and findings") {
  const std::string plain = scratch("plain000.txt");
  REQUIRE(shell("sed 's/\\xc2\\xa0/ /g' " + kTraces + "/pasted_seed000_post_excerpt.txt > " + plain).exit_code == 0);
  json pasted = analyze(kTraces + "/pasted_seed000_post_excerpt.txt", "pasted000b");
  json typed = analyze(plain, "plain000");
  CHECK(typed["input"]["pasted_blank_lines"] == 0);
  CHECK(typed["input"]["events"] == pasted["input"]["events"]);
  CHECK(essences(typed) == essences(pasted));
}

TEST_CASE("pasted.the same lines quoted in an email reply (\"> \", \"> > \") give the same events and findings") {
  for (const std::string& marks : {std::string("> "), std::string("> > "), std::string(">> ")}) {
    CAPTURE(marks);
    const std::string quoted = scratch("quoted000.txt");
    REQUIRE(shell("sed 's/^/" + marks + "/' " + kTraces + "/pasted_seed000_post_excerpt.txt > " + quoted).exit_code == 0);
    json pasted = analyze(kTraces + "/pasted_seed000_post_excerpt.txt", "pasted000c");
    json replied = analyze(quoted, "quoted000");
    CHECK(replied["input"]["quoted_lines"] == 25);  // every line, the notes and the cut too
    CHECK(replied["input"]["skipped_lines"] == 0);
    CHECK(replied["input"]["elisions"] == 1);
    CHECK(replied["input"]["events"] == pasted["input"]["events"]);
    CHECK(essences(replied) == essences(pasted));  // the worker is kworker/4:3, not "> kworker/4:3"
  }
  CHECK(run_ftlens("analyze " + scratch("quoted000.txt")).out.find("25 lines quoted (\"> \"), read without the quote marks") !=
        std::string::npos);
}

TEST_CASE("segments.a recording twice in one file: two recordings, each finding once, seen in both") {
  const std::string sensitive = " --set non-preempted.warning=100ms --set non-preempted.starved=10ms --set long-work.warning=5ms"
                                " --set watchdog-gap.warning=1s --set unterminated-work.warning=1ms";
  for (const char* name : {"dev_idle.txt", "dev_rthog.txt"}) {
    CAPTURE(name);
    const std::string trace = kTraces + "/" + name;
    json once = analyze(trace, "once", sensitive);
    json twice = analyze(concatenate(trace, trace, "twice.txt"), "twice", sensitive);
    CHECK(once["input"]["segments"] == 1);
    CHECK(twice["input"]["segments"] == 2);
    REQUIRE(twice["input"]["recordings"].size() == 2);
    CHECK(twice["input"]["recordings"][0] == twice["input"]["recordings"][1]);
    CHECK(twice["input"]["recordings"][0]["first_ns"] == once["input"]["first_ns"]);
    CHECK(twice["input"]["recordings"][0]["last_ns"] == once["input"]["last_ns"]);
    CHECK(twice["stats"]["timestamps_backwards"] == once["stats"]["timestamps_backwards"]);  // a restart is no clock going back
    CHECK(essences(twice) == essences(once));
    for (const auto& f : twice["findings"]) CHECK(f["details"]["recordings"] == json::array({1, 2}));
  }
}

TEST_CASE("segments.seed 000 then a healthy recording: seed 000's findings, all in recording 1, none longer than it") {
  const std::string seed = kTraces + "/derived_seed000_stuck_work_cpu1.txt";
  const std::string light = kTraces + "/real_light30.txt";
  json alone = analyze(seed, "seed000_alone");
  json healthy = analyze(light, "light_alone");
  json both = analyze(concatenate(seed, light, "seed000_light.txt"), "seed000_light");
  CHECK(both["input"]["segments"] == 2);
  const json& first = both["input"]["recordings"][0];
  const int64_t span = first["last_ns"].get<int64_t>() - first["first_ns"].get<int64_t>();
  json expected = essences(alone);
  for (const auto& f : essences(healthy)) expected.push_back(f);
  CHECK(essences(both) == expected);
  for (const auto& f : both["findings"]) {
    CHECK(f["duration_ns"].get<int64_t>() <= span);
    CHECK(f["details"]["recordings"] == json::array({1}));
  }
  // One group, as in seed 000 alone.
  int roots = 0;
  for (const auto& f : both["findings"]) roots += f["root_cause"] == true;
  CHECK(roots == 1);
}

TEST_CASE("segments.past 256 recordings the rest is read as part of the last one, and counted") {
  const std::string sample = scratch("sample.txt"), many = scratch("many.txt");
  // 20 events over 19 s, 300 times: every copy restarts the clock.
  REQUIRE(shell("grep -v '^#' " + kTraces + "/real_light30.txt | awk 'NR % 2000 == 1' | head -20 > " + sample).exit_code == 0);
  REQUIRE(shell("for i in $(seq 300); do cat " + sample + "; done > " + many).exit_code == 0);
  json j = analyze(many, "many");
  CHECK(j["input"]["segments"] == 256);
  CHECK(j["input"]["recordings"].size() == 256);
  CHECK(j["stats"]["recordings_not_split"].get<int>() > 0);
  CHECK(j["input"]["events"] == 6000);
}

TEST_CASE("segments.a function_graph recording twice: its stuck call is found in both recordings, and no call is left open across the restart") {
  const std::string trace = kTraces + "/derived_funcgraph_stuck_cpu1_22s.txt";
  json once = analyze(trace, "funcgraph_once");
  json twice = analyze(concatenate(trace, trace, "funcgraph_twice.txt"), "funcgraph_twice");
  REQUIRE(twice["input"]["segments"] == 2);
  // The second copy starts with a call on CPU0: that call opens recording 2.
  CHECK(twice["input"]["recordings"][1]["first_ns"] == 180'285'348'000);
  json stuck = json::array();
  for (const auto& f : twice["findings"])
    if (f["detector"] == "stuck-function") stuck.push_back(f);
  REQUIRE(stuck.size() == 1);
  CHECK(stuck[0]["cpu"] == 1);
  CHECK(stuck[0]["details"]["recordings"] == json::array({1, 2}));
  for (const auto& f : once["findings"])
    if (f["detector"] == "stuck-function") CHECK(essence(stuck[0]) == essence(f));
}
