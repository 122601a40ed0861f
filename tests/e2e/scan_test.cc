// End-to-end: `ftlens scan` over a directory of real and derived traces, a
// compressed one, a damaged one and files that are not traces.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "e2e/cli_runner.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace ftlens::testing;

namespace {

const std::string kTraces = FTLENS_TRACES;

// night/a: seed 000; night/b: the clean recording gzip'ed and as .dat, a
// trace.dat cut to 5000 bytes, the dmesg dump; night/: the README (not a trace).
std::string make_archive(const std::string& name) {
  const std::string dir = scratch(name);
  fs::remove_all(dir);
  fs::create_directories(dir + "/a");
  fs::create_directories(dir + "/b");
  fs::copy_file(kTraces + "/derived_seed000_stuck_work_cpu1.txt", dir + "/a/seed000.txt");
  fs::copy_file(kTraces + "/real_light30.dat", dir + "/b/light30.dat");
  fs::copy_file(kTraces + "/derived_dmesg_dump_light30_last2s.txt", dir + "/b/console.log");
  fs::copy_file(kTraces + "/../README.md", dir + "/README.md");
  REQUIRE(shell("gzip -c " + kTraces + "/real_light30.txt > " + dir + "/b/light30.txt.gz").exit_code == 0);
  REQUIRE(shell("head -c 5000 " + kTraces + "/real_light30.dat > " + dir + "/b/cut.dat").exit_code == 0);
  return dir;
}

json read_json_of_analyze(const std::string& trace) {
  const std::string report = scratch("analyze_for_scan.json");
  REQUIRE(run_ftlens("analyze " + trace + " --report " + report).exit_code == 0);
  return read_json(report);
}

// Debian's Chromium, headless, offline, with a fresh profile in `profile`.
Run headless_chromium(const std::string& profile, const std::string& args) {
  REQUIRE_MESSAGE(shell("command -v chromium").exit_code == 0, "chromium is installed by .ci/test-deps");
  fs::remove_all(profile);
  return shell("timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
               "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" + profile + " " +
               args);
}

const json* trace_entry(const json& report, const std::string& suffix) {
  for (const auto& t : report["traces"])
    if (t["path"].get<std::string>().ends_with(suffix)) return &t;
  return nullptr;
}

}  // namespace

TEST_CASE("scan.a directory: traces found by content, analyzed in parallel, a bad file is an entry, not the end") {
  const std::string dir = make_archive("night");
  const std::string report = scratch("scan.json"), junit = scratch("scan.xml");
  Run r = run_ftlens("scan " + dir + " -j 2 --report " + report + " --junit " + junit);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json j = read_json(report);
  CHECK(j["scan"]["traces"] == 5);  // not the README
  CHECK(j["scan"]["failed"] == 1);
  CHECK(trace_entry(j, "README.md") == nullptr);
  CHECK(j["scan"]["skipped"] == 1);
  CHECK(j["skipped"] == json::array({json{{"path", dir + "/README.md"}, {"reason", "not a trace: text without trace lines"}}}));
  const json* cut = trace_entry(j, "b/cut.dat");
  REQUIRE(cut);
  CHECK((*cut)["ok"] == false);
  CHECK((*cut)["error"].get<std::string>().find("not a readable trace.dat") != std::string::npos);
  const json* gz = trace_entry(j, "b/light30.txt.gz");
  REQUIRE(gz);
  CHECK((*gz)["input"]["compression"] == "gzip");
  CHECK((*gz)["findings"].empty());
  CHECK((*trace_entry(j, "b/console.log"))["input"]["format"] == "dmesg");
  const json* seed = trace_entry(j, "a/seed000.txt");
  REQUIRE(seed);
  CHECK((*seed)["findings"].size() == 4);
  CHECK((*seed)["findings"][2]["fingerprint"] == "unterminated-work|kworker/N:N|addrconf_dad_work");
  CHECK(j["totals"]["unterminated-work"]["error"] == 1);

  const std::string xml = slurp(junit);
  // The README is a testcase too, skipped with its reason; one testsuite for the one root.
  CHECK(xml.find("<testsuites name=\"ftlens scan\" tests=\"6\" failures=\"2\" errors=\"1\" skipped=\"1\" time=\"") !=
        std::string::npos);
  CHECK(xml.find("<testsuite name=\"" + dir + "\" tests=\"6\" failures=\"2\" errors=\"1\" skipped=\"1\" time=\"") !=
        std::string::npos);
  CHECK(xml.find("<skipped message=\"not a trace: text without trace lines\"/>") != std::string::npos);
  // Seed 000: one failure, the root cause of its group, not the first symptom.
  CHECK(xml.find("<failure type=\"unterminated-work\" message=\"F3 error unterminated-work on CPU1: addrconf_dad_work") !=
        std::string::npos);
  CHECK(xml.find("<error type=\"unreadable\" message=\"") != std::string::npos);

  // The same verdict from one worker.
  REQUIRE(run_ftlens("scan " + dir + " -j 1 --report " + scratch("scan1.json")).exit_code == 0);
  CHECK(read_json(scratch("scan1.json"))["traces"] == j["traces"]);
}

TEST_CASE("scan.a trace.dat that crashes libtraceevent is one failed entry; the traces around it are analyzed") {
  // The damaged event format makes libtraceevent 1.7.1 dereference NULL
  // (found by fuzz_trace_dat); before the fault guard it ended the whole scan.
  const std::string dir = scratch("night_with_crasher");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kTraces + "/real_small_v7.dat", dir + "/before.dat");
  fs::copy_file(std::string(FTLENS_SOURCE_DIR) + "/tests/fuzz/regressions/trace_dat/event_format_parse_crashes_libtraceevent_1",
                dir + "/crasher.dat");
  fs::copy_file(kTraces + "/real_small_v6.dat", dir + "/zafter.dat");
  const std::string report = scratch("scan_crasher.json");
  for (const char* jobs : {"1", "2"}) {
    Run r = run_ftlens(std::string("scan ") + dir + " -j " + jobs + " --report " + report);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json j = read_json(report);
    CHECK(j["scan"]["traces"] == 3);
    CHECK(j["scan"]["failed"] == 1);
    const json* crasher = trace_entry(j, "crasher.dat");
    REQUIRE(crasher);
    CHECK((*crasher)["error"].get<std::string>().find("is damaged in its headers") != std::string::npos);
    CHECK((*crasher)["error"].get<std::string>().find("crashed with SIGSEGV") != std::string::npos);
    CHECK((*trace_entry(j, "before.dat"))["input"]["events"] == 285);
    CHECK((*trace_entry(j, "zafter.dat"))["ok"] == true);
  }
}

TEST_CASE("scan.a crash of ftlens's own code on one trace is that trace's failed entry, saying so; the scan goes on") {
  // Each trace is analyzed in a process of its own. No input crashes
  // ftlens on purpose, so the test makes the worker for one file die of
  // SIGSEGV (FTLENS_SCAN_TEST_CRASH, read by the worker only).
  const std::string dir = scratch("night_with_our_crash");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kTraces + "/real_small_v7.dat", dir + "/a_before.dat");
  fs::copy_file(kTraces + "/derived_seed000_stuck_work_cpu1.txt", dir + "/b_crashes.txt");
  fs::copy_file(kTraces + "/real_light30.txt", dir + "/c_after.txt");
  const std::string report = scratch("scan_our_crash.json"), junit = scratch("scan_our_crash.xml");
  for (const char* jobs : {"1", "2"}) {
    Run r = run_ftlens(std::string("scan ") + dir + " -j " + jobs + " --report " + report + " --junit " + junit, "",
                       "FTLENS_SCAN_TEST_CRASH=b_crashes.txt");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("FAILED  " + dir + "/b_crashes.txt: ftlens crashed (SIGSEGV) on this file: a bug, please report it") !=
          std::string::npos);
    json j = read_json(report);
    CHECK(j["scan"]["traces"] == 3);
    CHECK(j["scan"]["failed"] == 1);
    CHECK((*trace_entry(j, "b_crashes.txt"))["ok"] == false);
    CHECK((*trace_entry(j, "a_before.dat"))["input"]["events"] == 285);
    CHECK((*trace_entry(j, "c_after.txt"))["ok"] == true);
    CHECK(slurp(junit).find("ftlens crashed (SIGSEGV) on this file") != std::string::npos);
  }
  // Analyzed in the scan's own process, the same file is analyzed (the
  // crash is the worker's only) and the report is the same but for it.
  Run r = run_ftlens("scan " + dir + " --in-process --report " + scratch("scan_in_process.json"), "",
                     "FTLENS_SCAN_TEST_CRASH=b_crashes.txt");
  REQUIRE(r.exit_code == 0);
  json in_process = read_json(scratch("scan_in_process.json"));
  CHECK(in_process["scan"]["failed"] == 0);
  CHECK(*trace_entry(in_process, "c_after.txt") == *trace_entry(read_json(report), "c_after.txt"));
}

TEST_CASE("scan.a trace analyzed in a worker process gives the entry it gives in the scan's own process") {
  const std::string dir = make_archive("night_isolated_vs_not");
  REQUIRE(run_ftlens("scan " + dir + " --report " + scratch("scan_children.json")).exit_code == 0);
  REQUIRE(run_ftlens("scan " + dir + " --in-process --report " + scratch("scan_same_process.json")).exit_code == 0);
  CHECK(read_json(scratch("scan_children.json")) == read_json(scratch("scan_same_process.json")));
}

TEST_CASE("scan.hostile trace.dat files are failed entries naming why, and the good traces around them are analyzed") {
  // One whose CPU count would make libtracecmd spin, one whose event formats
  // crash libtraceevent, one whose page size loses events (read, with a
  // warning), between two good recordings.
  const std::string malformed = std::string(FTLENS_SOURCE_DIR) + "/tests/malformed/";
  const std::string dir = scratch("night_hostile_dat");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(kTraces + "/real_small_v7.dat", dir + "/a_good.dat");
  fs::copy_file(malformed + "cpu_count_0x7fffffff_spins_libtracecmd_v6.dat", dir + "/b_spins.dat");
  fs::copy_file(std::string(FTLENS_SOURCE_DIR) + "/tests/fuzz/regressions/trace_dat/event_format_parse_crashes_libtraceevent_2",
                dir + "/c_crashes.dat");
  fs::copy_file(malformed + "page_size_1mib_v7_raw.dat", dir + "/d_page_size.dat");
  fs::copy_file(kTraces + "/real_small_v6.dat", dir + "/e_good.dat");
  const std::string report = scratch("scan_hostile_dat.json");
  const auto start = std::chrono::steady_clock::now();
  Run r = run_ftlens("scan " + dir + " -j 2 --report " + report);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json j = read_json(report);
  CHECK(j["scan"]["traces"] == 5);
  CHECK(j["scan"]["failed"] == 2);
  CHECK((*trace_entry(j, "b_spins.dat"))["error"].get<std::string>().find("declares 2147483647 CPUs") !=
        std::string::npos);
  CHECK((*trace_entry(j, "c_crashes.dat"))["error"].get<std::string>().find("crashed with SIGSEGV") != std::string::npos);
  const json& page_size = *trace_entry(j, "d_page_size.dat");
  CHECK(page_size["ok"] == true);
  CHECK(page_size["input"]["warning"].get<std::string>().find("the page size is corrupt") != std::string::npos);
  CHECK((*trace_entry(j, "a_good.dat"))["input"]["events"] == 285);
  CHECK((*trace_entry(j, "e_good.dat"))["input"]["events"] == 285);
}

TEST_CASE("scan.JUnit is what CI servers read: a suite per root, timed cases, one failure per trace naming its root cause") {
  const std::string dir = make_archive("night_junit");
  const std::string other = scratch("night_junit_other");
  fs::remove_all(other);
  fs::create_directories(other);
  fs::copy_file(kTraces + "/derived_seed002_unanswered_ipi_cpu0.txt", other + "/seed002.txt");
  const std::string junit = scratch("roots.xml");
  Run r = run_ftlens("scan " + dir + " " + other + "/ --junit " + junit);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE_MESSAGE(shell("command -v xmllint").exit_code == 0, "xmllint is installed by .ci/test-deps");
  Run valid = shell("xmllint --noout --schema " + std::string(FTLENS_SOURCE_DIR) + "/tests/e2e/data/junit.xsd " + junit);
  INFO(valid.err);
  CHECK(valid.exit_code == 0);
  const std::string xml = slurp(junit);
  CHECK(xml.find("<testsuites name=\"ftlens scan\" tests=\"7\" failures=\"3\" errors=\"1\" skipped=\"1\" time=\"") !=
        std::string::npos);
  CHECK(xml.find("<testsuite name=\"" + dir + "\" tests=\"6\" failures=\"2\"") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"" + other + "/\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\"") !=
        std::string::npos);
  // One <failure> per failing trace: seed 000 has four findings at error or
  // warning, its failure is their root cause and its body lists them all.
  const size_t seed = xml.find("name=\"" + dir + "/a/seed000.txt\"");
  REQUIRE(seed != std::string::npos);
  const std::string seed_case = xml.substr(seed, xml.find("</testcase>", seed) - seed);
  CHECK(seed_case.find("<failure", seed_case.find("<failure") + 1) == std::string::npos);
  CHECK(seed_case.find("message=\"F3 error unterminated-work on CPU1: addrconf_dad_work") != std::string::npos);
  CHECK(seed_case.find("G1: root cause F3 unterminated-work on CPU1 at 180.736523") != std::string::npos);
  for (const char* id : {"error F1 watchdog-gap", "error F2 non-preempted", "error F3 unterminated-work", "warning F4 wq-stall"})
    CHECK(seed_case.find(id) != std::string::npos);
}

TEST_CASE("scan.against last night's baseline: new, fixed and still-present findings; --fail-on new") {
  const std::string dir = make_archive("night2");
  const std::string base = scratch("base.json");
  REQUIRE(run_ftlens("scan " + dir + " --report " + base).exit_code == 0);
  CHECK(run_ftlens("scan " + dir + " --baseline " + base + " --fail-on new").exit_code == 0);  // nothing new

  fs::copy_file(kTraces + "/derived_seed001_wq_pool_stall_cpu1.txt", dir + "/a/seed001.txt");
  fs::remove(dir + "/b/console.log");
  const std::string tonight = scratch("tonight.json");
  Run r = run_ftlens("scan " + dir + " --baseline " + base + " --fail-on new --report " + tonight);
  CHECK(r.exit_code == 1);
  json c = read_json(tonight)["comparison"];
  CHECK(c["new"].size() == 4);  // seed001's findings
  CHECK(c["still_present"].size() == 5);  // seed000's, and cut.dat still unreadable
  CHECK(c["fixed"].size() == 2);  // the console log's two kernel reports, no longer scanned
  CHECK(c["fixed"][0]["trace_scanned"] == false);
  CHECK(r.out.find("4 new, 2 fixed, 5 still present") != std::string::npos);

  // A trace that could be read last night and cannot tonight is new.
  REQUIRE(run_ftlens("scan " + dir + " --report " + base).exit_code == 0);
  {
    std::ofstream damaged(dir + "/a/seed001.txt", std::ios::trunc);
    damaged << std::string("\x7f" "ELF\0\1binary now", 15);
  }
  Run worse = run_ftlens("scan " + dir + " --baseline " + base + " --fail-on new --report " + tonight);
  INFO(worse.out);
  CHECK(worse.exit_code == 1);
  const json now = read_json(tonight)["comparison"];
  bool unreadable_is_new = false;
  for (const json& f : now["new"]) unreadable_is_new |= f["path"] == dir + "/a/seed001.txt" && f["fingerprint"] == "unreadable";
  CHECK(unreadable_is_new);
  CHECK(worse.out.find("new: " + dir + "/a/seed001.txt could not be read") != std::string::npos);

  CHECK(run_ftlens("scan " + dir + " --fail-on new").exit_code == 2);  // needs a baseline
  CHECK(run_ftlens("scan " + scratch("no-such-dir")).exit_code == 2);
}

TEST_CASE("scan.the HTML summary renders in headless Chromium without console errors and links each timeline") {
  const std::string dir = make_archive("night3");
  const std::string html = scratch("night3-summary.html"), perfetto = scratch("night3-perfetto");
  fs::remove_all(perfetto);
  REQUIRE(run_ftlens("scan " + dir + " --html " + html + " --perfetto-dir " + perfetto).exit_code == 0);
  size_t timelines = 0;
  for (const auto& entry : fs::directory_iterator(perfetto)) {
    CHECK_NOTHROW(read_json(entry.path().string()));
    ++timelines;
  }
  CHECK(timelines == 4);  // every readable trace
  const std::string page = slurp(html);
  CHECK(page.find("href=\"night3-perfetto/") != std::string::npos);  // relative to the page

  const std::string profile = scratch("chromium-profile");
  Run r = headless_chromium(profile, "--enable-logging=stderr --v=0 --dump-dom file://" + html);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("data-ready=\"1\"") != std::string::npos);  // the page's script ran to the end
  CHECK(r.out.find("<table class=\"sortable\" id=\"findings\">") != std::string::npos);
  CHECK(r.out.find("<table class=\"sortable\" id=\"skipped\">") != std::string::npos);  // the README
  CHECK(r.out.find("unterminated-work") != std::string::npos);
  CHECK(r.err.find("Uncaught") == std::string::npos);
  CHECK(r.err.find(":CONSOLE") == std::string::npos);
  // A timeline per readable trace, its findings drawn: seed 000's four, its
  // root cause marked; the filter box over the traces table.
  const auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count(r.out, "<svg class=\"timeline\"") == 4);
  const size_t seed = r.out.find("<h2>" + dir + "/a/seed000.txt</h2>");
  REQUIRE(seed != std::string::npos);
  const std::string section = r.out.substr(seed, r.out.find("</section>", seed) - seed);
  CHECK(count(section, "<rect class=\"finding ") == 4);
  CHECK(count(section, "<g class=\"lane\"") == 2);
  CHECK(count(section, "root-cause") == 1);
  CHECK(section.find("G1: root cause F3 unterminated-work on CPU1 at 180.736523") != std::string::npos);
  CHECK(r.out.find("<input id=\"filter\"") != std::string::npos);
  // A picture for people to look at.
  const std::string shot = scratch("night3-summary.png");
  fs::remove(shot);
  CHECK(headless_chromium(profile, "--window-size=1200,1600 --screenshot=" + shot + " file://" + html).exit_code == 0);
  CHECK(fs::exists(shot));
  CHECK((fs::exists(shot) && fs::file_size(shot) > 10000));
}

TEST_CASE("scan.analyze --html: one self-contained page, its timeline with a lane per CPU and every finding, in Chromium") {
  const std::string html = scratch("seed000.html"), perfetto = scratch("seed000.perfetto.json");
  Run analyzed = run_ftlens("analyze " + kTraces + "/derived_seed000_stuck_work_cpu1.txt --html " + html + " --perfetto " + perfetto);
  REQUIRE(analyzed.exit_code == 0);
  const std::string page = slurp(html);
  CHECK(page.find("<a href=\"seed000.perfetto.json\">") != std::string::npos);  // relative to the page
  CHECK(page.find("Open in Perfetto UI") != std::string::npos);
  // Self-contained: nothing loaded from elsewhere.
  CHECK(page.find("src=\"") == std::string::npos);
  CHECK(page.find("href=\"http") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  Run r = headless_chromium(scratch("chromium-profile-analyze"), "--enable-logging=stderr --v=0 --dump-dom file://" + html);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("data-ready=\"1\"") != std::string::npos);
  CHECK(r.err.find("Uncaught") == std::string::npos);
  size_t lanes = 0, bars = 0;
  for (size_t at = r.out.find("<g class=\"lane\""); at != std::string::npos; at = r.out.find("<g class=\"lane\"", at + 1)) ++lanes;
  for (size_t at = r.out.find("<rect class=\"finding "); at != std::string::npos; at = r.out.find("<rect class=\"finding ", at + 1))
    ++bars;
  CHECK(lanes == 2);
  CHECK(bars == 4);
  CHECK(r.out.find("class=\"finding error root-cause\" data-id=\"F3\"") != std::string::npos);
  CHECK(r.out.find(">175.736523</text>") != std::string::npos);  // the axis in trace seconds
}

TEST_CASE("scan.shards: N parts merged are byte for byte the report of one scan, with baseline, JUnit and failures") {
  const std::string dir = make_archive("night_shards");
  REQUIRE(run_ftlens("scan " + dir + " -j 2 --report " + scratch("whole.json") + " --junit " + scratch("whole.xml")).exit_code == 0);
  std::string parts;
  std::vector<size_t> sizes;
  for (int k = 1; k <= 3; ++k) {
    const std::string part = scratch("part" + std::to_string(k) + ".json");
    Run r = run_ftlens("scan " + dir + " --shard " + std::to_string(k) + "/3 --report " + part);
    REQUIRE(r.exit_code == 0);  // a shard may hold no trace: still a part, still exit 0
    json p = read_json(part);
    CHECK(p["shard"]["count"] == 3);
    CHECK(p["shard"]["found"] == 5);
    sizes.push_back(p["traces"].size());
    parts = " " + part + parts;  // given in reverse order: the merge restores scan order
  }
  CHECK(sizes[0] + sizes[1] + sizes[2] == 5);
  Run merged = run_ftlens("merge" + parts + " -o " + scratch("merged.json") + " --junit " + scratch("merged.xml"));
  REQUIRE(merged.exit_code == 0);
  CHECK(slurp(scratch("merged.json")) == slurp(scratch("whole.json")));
  // The JUnit too, but for the analysis times each run measures.
  const auto untimed = [](std::string xml) {
    for (size_t at = xml.find(" time=\""); at != std::string::npos; at = xml.find(" time=\"", at + 1))
      xml.erase(at, xml.find('"', at + 7) + 1 - at);
    return xml;
  };
  CHECK(untimed(slurp(scratch("merged.xml"))) == untimed(slurp(scratch("whole.xml"))));
  CHECK(slurp(scratch("merged.xml")).find("time=\"0.000\">\n      <failure") == std::string::npos);  // the parts' times

  // The baseline is compared by the merge, over the whole scan.
  Run with_baseline = run_ftlens("merge" + parts + " -o " + scratch("merged2.json") + " --baseline " + scratch("whole.json") +
                                 " --fail-on new");
  CHECK(with_baseline.exit_code == 0);
  CHECK(read_json(scratch("merged2.json"))["comparison"]["new"].empty());
  CHECK(run_ftlens("merge" + parts + " -o " + scratch("merged3.json") + " --fail-on error").exit_code == 1);
  CHECK(run_ftlens("scan " + dir + " --shard 1/3 --baseline " + scratch("whole.json")).exit_code == 2);
}

TEST_CASE("scan.merge refuses a missing shard, a shard given twice, parts of another scan and bad --shard values") {
  const std::string dir = make_archive("night_shards_bad");
  for (int k = 1; k <= 2; ++k)
    REQUIRE(run_ftlens("scan " + dir + " --shard " + std::to_string(k) + "/2 --report " + scratch("bad" + std::to_string(k) + ".json"))
                .exit_code == 0);
  REQUIRE(run_ftlens("scan " + dir + "/a --shard 1/2 --report " + scratch("other1.json")).exit_code == 0);
  const std::string p1 = scratch("bad1.json"), p2 = scratch("bad2.json"), other = scratch("other1.json");
  Run missing = run_ftlens("merge " + p1 + " -o " + scratch("m.json"));
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "ftlens: merge: shard 2/2 missing: a merge of the others would look complete but is not\n");
  Run twice = run_ftlens("merge " + p1 + " " + p2 + " " + p1 + " -o " + scratch("m.json"));
  CHECK(twice.exit_code == 2);
  CHECK(twice.err.find("shard 1/2 was already given") != std::string::npos);
  Run mixed = run_ftlens("merge " + p2 + " " + other + " -o " + scratch("m.json"));
  CHECK(mixed.exit_code == 2);
  CHECK(mixed.err.find("does not belong with") != std::string::npos);
  Run whole = run_ftlens("merge " + scratch("whole.json") + " -o " + scratch("m.json"));
  CHECK(whole.exit_code == 2);
  CHECK(whole.err.find("not a shard report") != std::string::npos);
  for (const char* bad : {"0/2", "3/2", "1/0", "x", "1/2/3"}) {
    CAPTURE(bad);
    CHECK(run_ftlens("scan " + dir + " --shard " + bad).exit_code == 2);
  }
}

TEST_CASE("scan.a damaged shard report or baseline is a one-line error naming the file, not a crash") {
  const std::string dir = make_archive("night_shards_damaged");
  const std::string part = scratch("damaged1.json");
  REQUIRE(run_ftlens("scan " + dir + " --shard 1/1 --report " + part).exit_code == 0);
  json report = read_json(part);
  REQUIRE(!report["traces"].empty());

  // The part with one field damaged, written out and merged.
  auto merge_damaged = [&](const std::string& name, const std::function<void(json&)>& damage) {
    json damaged = report;
    damage(damaged);
    std::ofstream(scratch(name)) << damaged.dump();
    return run_ftlens("merge " + scratch(name) + " -o " + scratch("m.json"));
  };
  Run r1 = merge_damaged("bad_position.json", [](json& r) { r["shard"]["positions"][0] = "first"; });
  CHECK(r1.exit_code == 2);
  CHECK(r1.err == "ftlens: merge: " + scratch("bad_position.json") +
                      ": malformed \"shard\" section (a position that is not an integer)\n");
  Run r2 = merge_damaged("bad_entry.json", [](json& r) { r["traces"][0]["ok"] = "yes"; });
  CHECK(r2.exit_code == 2);
  CHECK(r2.err == "ftlens: merge: " + scratch("bad_entry.json") +
                      ": a trace entry without a string \"path\" and a boolean \"ok\"\n");

  json bad_baseline = report;
  bad_baseline["traces"][0]["findings"] = json::array({json{{"fingerprint", 7}}});
  std::ofstream(scratch("bad_baseline.json")) << bad_baseline.dump();
  Run r3 = run_ftlens("scan " + dir + " --baseline " + scratch("bad_baseline.json"));
  CHECK(r3.exit_code == 2);
  CHECK(r3.err.find("ftlens: " + scratch("bad_baseline.json") + ": not a scan report") == 0);
  CHECK(std::count(r3.err.begin(), r3.err.end(), '\n') == 1);
}

TEST_CASE("scan.a part or baseline with wrong types, huge counts or 100k-deep nesting is a one-line error, not a crash") {
  const std::string dir = make_archive("night_shards_hostile");
  const std::string part = scratch("hostile1.json");
  REQUIRE(run_ftlens("scan " + dir + " --shard 1/1 --report " + part).exit_code == 0);
  const json report = read_json(part);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  // Each damage, and what the one stderr line says after the file name.
  const std::vector<std::pair<std::function<void(json&)>, std::string>> damages = {
      {[](json& r) { r["shard"] = 5; }, "malformed \"shard\" section (\"shard\" must be an object"},
      {[](json& r) { r["traces"] = "x"; }, "malformed \"shard\" section (\"shard\" must be an object and \"traces\" an array)"},
      {[](json& r) { r["shard"]["index"] = "1"; }, "malformed \"shard\" section (\"count\" must be an integer from 1 to"},
      {[](json& r) { r["shard"]["count"] = 2000000000; }, "malformed \"shard\" section (\"count\" must be an integer"},
      {[](json& r) { r["shard"]["found"] = 1000000000; }, "\"found\" from 0 to 10000000)"},
      {[](json& r) { r["shard"]["positions"] = "x"; }, "(\"positions\" must list one position per trace)"},
      {[](json& r) { r["shard"]["positions"][0] = 18446744073709551615ull; }, "trace position 18446744073709551615 is out of range"},
      {[](json& r) { r["traces"][0]["input"]["deep"] = "@DEEP@"; }, "line 1: JSON nested deeper than 64 levels"},
  };
  int n = 0;
  for (const auto& [damage, says] : damages) {
    CAPTURE(says);
    json damaged = report;
    damage(damaged);
    std::string text = damaged.dump();
    if (size_t at = text.find("\"@DEEP@\""); at != std::string::npos) text.replace(at, 8, deep);
    const std::string name = scratch("hostile_part" + std::to_string(++n) + ".json");
    std::ofstream(name) << text;
    const auto start = std::chrono::steady_clock::now();
    Run merged = run_ftlens("merge " + name + " -o " + scratch("m.json"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));  // 1e9 slots took a minute and 15 GB
    CHECK(merged.exit_code == 2);
    CHECK(merged.err.find("ftlens: merge: " + name + ": ") == 0);
    CHECK(merged.err.find(says) != std::string::npos);
    CHECK(std::count(merged.err.begin(), merged.err.end(), '\n') == 1);
  }
  const std::string deep_baseline = scratch("deep_baseline.json");
  std::ofstream(deep_baseline) << "{\"traces\": [{\"path\": \"a\", \"findings\": " << deep << "}]}";
  Run baseline = run_ftlens("scan " + dir + " --baseline " + deep_baseline);
  CHECK(baseline.exit_code == 2);
  CHECK(baseline.err == "ftlens: " + deep_baseline + ": line 1: JSON nested deeper than 64 levels is not a scan report\n");
}

TEST_CASE("scan.-j is capped at 4 per core and a negative -j or a malformed number is a one-line usage error") {
  const std::string trace = kTraces + "/derived_seed000_stuck_work_cpu1.txt";
  Run huge = run_ftlens("scan " + trace + " -j 2147483647");
  CHECK(huge.exit_code == 0);
  CHECK(huge.err.find("ftlens: -j 2147483647 is more than 4 per core: analyzing ") == 0);
  for (const char* bad : {"-3", "1x", "99999999999"}) {
    CAPTURE(bad);
    Run r = run_ftlens("scan " + trace + " -j " + std::string(bad));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("ftlens: ") == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

#ifndef FTLENS_SANITIZE  // ASan reserves terabytes of address space: no room for ulimit -v
TEST_CASE("scan.threads the system refuses leave the scan to the workers started, with a notice, not an abort") {
  // 100 MiB stacks in 250 MiB of address space: the second or third thread
  // is refused (std::system_error, which aborted the scan).
  const std::string dir = scratch("night_few_threads");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (int i = 0; i < 8; ++i)
    fs::copy_file(kTraces + "/derived_seed000_stuck_work_cpu1.txt", dir + "/seed" + std::to_string(i) + ".txt");
  const std::string report = scratch("few_threads.json");
  Run r = shell("ulimit -s 102400 && ulimit -v 250000 && timeout 120 " + std::string(FTLENS_BINARY) + " scan " + dir +
                " -j 8 --report " + report);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("ftlens: scan: the system refused a thread (") == 0);
  CHECK(r.err.find(" of 8 workers analyzed the traces\n") != std::string::npos);
  CHECK(read_json(report)["scan"]["analyzed"] == 8);
}
#endif

TEST_CASE("scan.every file looked at and not analyzed is listed with its reason, in the report, the JUnit and the summary") {
  const std::string dir = scratch("night_skipped");
  fs::remove_all(dir);
  fs::create_directories(dir + "/sub");
  fs::copy_file(kTraces + "/derived_seed000_stuck_work_cpu1.txt", dir + "/seed000.txt");
  REQUIRE(shell("head -c 3000 /dev/urandom > " + dir + "/blob.bin").exit_code == 0);
  std::ofstream(dir + "/empty.txt").flush();
  std::ofstream(dir + "/sub/notes.txt") << "nothing to see\n";
  {
    // Two events of a real trace: a trace, but too little of one.
    std::ifstream in(kTraces + "/real_light30.txt");
    std::ofstream two(dir + "/two.txt");
    int events = 0;
    for (std::string line; events < 2 && std::getline(in, line);)
      if (!line.starts_with("#")) two << line << "\n", ++events;
  }
  fs::create_symlink(dir + "/no-such-file", dir + "/dangling");
  fs::create_directory_symlink(dir + "/sub", dir + "/loop");
  const std::string report = scratch("skipped.json"), junit = scratch("skipped.xml");
  Run r = run_ftlens("scan " + dir + " --report " + report + " --junit " + junit);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(report);
  CHECK(j["scan"]["traces"] == 1);
  CHECK(j["scan"]["skipped"] == 6);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"/blob.bin", "not a trace: binary data"},
      {"/dangling", "unreadable: No such file or directory"},
      {"/empty.txt", "too small: empty"},
      {"/loop", "not followed: a link to a directory"},
      {"/sub/notes.txt", "not a trace: text without trace lines"},
      {"/two.txt", "too small: 2 events"},
  };
  REQUIRE(j["skipped"].size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(j["skipped"][i]["path"] == dir + expected[i].first);
    CHECK(j["skipped"][i]["reason"] == expected[i].second);
  }
  const std::string xml = slurp(junit);
  CHECK(xml.find("tests=\"7\" failures=\"1\" errors=\"0\" skipped=\"6\" time=\"") != std::string::npos);
  CHECK(xml.find("name=\"" + dir + "/two.txt\" time=\"0.000\">\n      <skipped message=\"too small: 2 events\"/>") !=
        std::string::npos);
  CHECK(r.out.find("6 other files looked at and not analyzed:\n  skipped " + dir + "/blob.bin: not a trace: binary data\n") !=
        std::string::npos);

  // Shards each list every skipped file; the merge keeps one copy and equals the whole scan.
  std::string parts;
  for (int k = 1; k <= 2; ++k) {
    const std::string part = scratch("skipped_part" + std::to_string(k) + ".json");
    REQUIRE(run_ftlens("scan " + dir + " --shard " + std::to_string(k) + "/2 --report " + part).exit_code == 0);
    CHECK(read_json(part)["skipped"] == j["skipped"]);
    parts += " " + part;
  }
  REQUIRE(run_ftlens("merge" + parts + " -o " + scratch("skipped_merged.json")).exit_code == 0);
  CHECK(slurp(scratch("skipped_merged.json")) == slurp(report));
}

TEST_CASE("scan.finds every tracer's text by content: function_graph, raw, hex and verbose latency format, as analyze reads them") {
  // The sniffer used to look for the default line format only and listed
  // these as "not a trace: text without trace lines".
  const std::string dir = scratch("night_tracer_forms");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<std::string> forms = {"derived_funcgraph_light30_default.txt", "derived_funcgraph_light30_proc_abstime_tail.txt",
                                          "derived_funcgraph_light30_retval.txt", "real_option_raw_sched.txt",
                                          "real_option_hex_sched.txt", "real_latency_format_verbose_sched.txt"};
  for (const std::string& f : forms) fs::copy_file(kTraces + "/" + f, dir + "/" + f);
  fs::copy_file(kTraces + "/../README.md", dir + "/README.md");
  const std::string report = scratch("tracer_forms.json");
  Run r = run_ftlens("scan " + dir + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(report);
  CHECK(j["traces"].size() == forms.size());
  for (const std::string& f : forms) {
    INFO(f);
    const json* entry = trace_entry(j, f);
    REQUIRE(entry);
    CHECK((*entry)["input"]["events"] == read_json_of_analyze(kTraces + "/" + f)["input"]["events"]);
  }
  // Prose that quotes a trace line or two is still not a trace.
  REQUIRE(j["skipped"].size() == 1);
  CHECK(j["skipped"][0]["path"] == dir + "/README.md");
}

TEST_CASE("scan.the sniffer looks past a first line longer than 64 KiB, as analyze does") {
  const std::string dir = scratch("night_long_first_line");
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream out(dir + "/banner.txt");
    out << "# " << std::string(70 * 1024, '=') << "\n" << slurp(kTraces + "/real_light30.txt");
  }
  const std::string report = scratch("long_first_line.json");
  Run r = run_ftlens("scan " + dir + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);  // was "no trace found": the first 64 KiB held no complete line
  const json j = read_json(report);
  REQUIRE(j["traces"].size() == 1);
  CHECK(j["traces"][0]["input"]["events"] == read_json_of_analyze(kTraces + "/real_light30.txt")["input"]["events"]);
  CHECK(j["skipped"].empty());
}

TEST_CASE("scan.a text trace with NUL bytes inside some lines is found and read, those lines skipped and counted") {
  const std::string dir = scratch("night_nul_bytes");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(std::string(FTLENS_SOURCE_DIR) + "/tests/malformed/nul_bytes_in_lines.txt", dir + "/nul.txt");
  const std::string report = scratch("nul_bytes.json");
  Run r = run_ftlens("scan " + dir + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(report);
  REQUIRE(j["traces"].size() == 1);
  const json& input = j["traces"][0]["input"];
  CHECK(input["events"] == 399);
  CHECK(input["skipped_lines"] == 1);
}

TEST_CASE("scan.the Slurm array job over the fixtures gives the local scan's report (skipped when Slurm cannot start)") {
  // tests/slurm/cluster_scan_test.sh is the real test, run by CTest as
  // slurm_cluster_scan; this checks that the contrib scripts are there and
  // executable, so a broken path fails here even where Slurm is absent.
  for (const char* script : {"submit.sh", "ftlens-scan.sbatch", "ftlens-merge.sbatch"}) {
    const fs::path path = fs::path(FTLENS_SOURCE_DIR) / "contrib/slurm" / script;
    CAPTURE(path);
    REQUIRE(fs::exists(path));
    CHECK((fs::status(path).permissions() & fs::perms::owner_exec) != fs::perms::none);
    CHECK(shell("bash -n " + path.string()).exit_code == 0);
  }
}
