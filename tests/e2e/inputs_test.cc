// End-to-end: every input form of the same real recording gives the same
// answer, and damaged inputs give a clear verdict, never a crash or a hang.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "e2e/cli_runner.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace ftlens::testing;

namespace {

// Thresholds low enough that healthy recordings yield findings to compare.
const std::string kSensitive =
    " --set non-preempted.warning=100ms --set non-preempted.starved=10ms --set long-work.warning=5ms"
    " --set watchdog-gap.warning=1s --set unterminated-work.warning=1ms";

struct Recording {
  std::string name, text, dat;
};

std::vector<Recording> recordings() {
  std::vector<Recording> all = {{"real_light30", std::string(FTLENS_TRACES) + "/real_light30.txt",
                                 std::string(FTLENS_TRACES) + "/real_light30.dat"}};
  for (const char* name : {"dev_load", "dev_hotplug", "dev_rthog", "dev_idle"}) {
    std::string base = std::string(FTLENS_TRACES) + "/" + name;
    if (fs::exists(base + ".txt") && fs::exists(base + ".dat")) all.push_back({name, base + ".txt", base + ".dat"});
  }
  return all;
}

json analyze(const std::string& trace, const std::string& tag, const std::string& extra = kSensitive) {
  const std::string report = scratch(tag + ".json");
  Run r = run_ftlens("analyze " + trace + extra + " --report " + report);
  INFO(trace, " stderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  return read_json(report);
}

// The same findings: text prints microseconds (rounded), trace.dat has
// nanoseconds, so times agree to within a microsecond at each end.
void check_same_answer(const json& a, const json& b) {
  CHECK(a["input"]["events"] == b["input"]["events"]);
  CHECK(a["input"]["cpus"] == b["input"]["cpus"]);
  REQUIRE(a["findings"].size() == b["findings"].size());
  for (size_t i = 0; i < a["findings"].size(); ++i) {
    const json& x = a["findings"][i];
    const json& y = b["findings"][i];
    CAPTURE(x.dump());
    CAPTURE(y.dump());
    CHECK(x["detector"] == y["detector"]);
    CHECK(x["severity"] == y["severity"]);
    CHECK(x["cpu"] == y["cpu"]);
    CHECK(x["pid"] == y["pid"]);
    CHECK(x["comm"] == y["comm"]);
    CHECK(std::llabs(x["start_ns"].get<int64_t>() - y["start_ns"].get<int64_t>()) <= 1000);
    CHECK(std::llabs(x["duration_ns"].get<int64_t>() - y["duration_ns"].get<int64_t>()) <= 2000);
  }
}

}  // namespace

TEST_CASE("inputs.same recording, same answer: kernel text, trace.dat v7 and v6, trace-cmd report text") {
  const auto all = recordings();
  REQUIRE(all.size() == 5);  // light30 plus the four dev_* recordings with a .dat
  for (const Recording& rec : all) {
    CAPTURE(rec.name);
    const std::string v6 = scratch(rec.name + "-v6.dat"), report_txt = scratch(rec.name + ".report.txt");
    REQUIRE(shell("trace-cmd convert --file-version 6 -i " + rec.dat + " -o " + v6).exit_code == 0);
    REQUIRE(shell("trace-cmd report " + rec.dat + " > " + report_txt).exit_code == 0);

    json text = analyze(rec.text, rec.name + "-text");
    json dat = analyze(rec.dat, rec.name + "-dat");
    json dat6 = analyze(v6, rec.name + "-v6");
    json report = analyze(report_txt, rec.name + "-report");
    CHECK(text["input"]["format"] == "ftrace-text");
    CHECK(dat["input"]["format"] == "trace-dat");
    CHECK(report["input"]["format"] == "trace-cmd-report");
    CHECK(text["input"]["events"].get<int64_t>() > 1000);
    CHECK(report["input"]["skipped_lines"] == 0);
    CHECK(report["input"]["malformed_payloads"] == 0);
    CHECK(text["stats"]["repaired_switches"] == dat["stats"]["repaired_switches"]);
    check_same_answer(text, dat);
    check_same_answer(dat, dat6);
    check_same_answer(text, report);
  }
}

TEST_CASE("inputs.the dev_load v6 file converted by the recorder gives the v7 file's answer") {
  const std::string v6 = std::string(FTLENS_TRACES) + "/dev_load-v6.dat";
  REQUIRE(fs::exists(v6));
  check_same_answer(analyze(std::string(FTLENS_TRACES) + "/dev_load.dat", "load-v7"), analyze(v6, "load-v6"));
}

TEST_CASE("inputs.gzip and zstd wrappers are undone, from files and from stdin") {
  const std::string text = std::string(FTLENS_TRACES) + "/real_light30.txt";
  const std::string dat = std::string(FTLENS_TRACES) + "/real_light30.dat";
  const std::string gz = scratch("light30.txt.gz"), zst = scratch("light30.txt.zst"), dat_gz = scratch("light30.dat.gz");
  REQUIRE(shell("gzip -c " + text + " > " + gz).exit_code == 0);
  REQUIRE(shell("zstd -q -c " + text + " > " + zst).exit_code == 0);
  REQUIRE(shell("gzip -c " + dat + " > " + dat_gz).exit_code == 0);
  json plain = analyze(text, "plain");
  json from_gz = analyze(gz, "gz");
  CHECK(from_gz["input"]["compression"] == "gzip");
  CHECK(from_gz["input"]["bytes"] == fs::file_size(gz));
  check_same_answer(plain, from_gz);
  json from_zst = analyze(zst, "zst");
  CHECK(from_zst["input"]["compression"] == "zstd");
  check_same_answer(plain, from_zst);

  const std::string report = scratch("stdin-gz.json");
  REQUIRE(run_ftlens("analyze -" + kSensitive + " --report " + report, gz).exit_code == 0);
  check_same_answer(plain, read_json(report));

  json dat_wrapped = analyze(dat_gz, "dat-gz");
  CHECK(dat_wrapped["input"]["format"] == "trace-dat");
  check_same_answer(plain, dat_wrapped);
  REQUIRE(run_ftlens("analyze -" + kSensitive + " --report " + report, dat).exit_code == 0);
  check_same_answer(plain, read_json(report));
}

TEST_CASE("inputs.a truncated gzip gives the events before the cut and a warning") {
  const std::string gz = scratch("cut.txt.gz");
  REQUIRE(shell("gzip -c " + std::string(FTLENS_TRACES) + "/real_light30.txt | head -c 300000 > " + gz).exit_code == 0);
  json r = analyze(gz, "cut-gz", "");
  CHECK(r["input"]["events"].get<int64_t>() > 1000);
  CHECK(r["input"]["events"].get<int64_t>() < 58638);
  CHECK(r["input"]["warning"].get<std::string>().find("truncated") != std::string::npos);
}

TEST_CASE("inputs.truncated and bit-flipped trace.dat files: exit 0 with what was read, or 2 with one line; never a crash") {
  const std::string dat = std::string(FTLENS_TRACES) + "/real_light30.dat";
  const auto size = static_cast<long long>(fs::file_size(dat));
  struct Damage {
    std::string name, command;
  };
  std::vector<Damage> cases;
  for (long long cut : {16LL, 100LL, 4096LL, 20000LL, size / 2, size - 100})
    cases.push_back({"cut" + std::to_string(cut), "head -c " + std::to_string(cut) + " " + dat});
  for (long long at : {50LL, 3000LL, 100000LL, 700000LL, 1400000LL})
    cases.push_back({"flip" + std::to_string(at), "head -c " + std::to_string(at) + " " + dat + "; printf '\\377'; tail -c +" +
                                                   std::to_string(at + 2) + " " + dat});
  int unusable = 0, partial = 0;
  for (const Damage& d : cases) {
    CAPTURE(d.name);
    const std::string file = scratch(d.name + ".dat"), report = scratch(d.name + ".json");
    REQUIRE(shell("(" + d.command + ") > " + file).exit_code == 0);
    Run r = run_ftlens("analyze " + file + " --report " + report);
    REQUIRE((r.exit_code == 0 || r.exit_code == 2));
    if (r.exit_code == 2) {
      ++unusable;
      CHECK(r.err.rfind("ftlens: " + file + ": ", 0) == 0);
      CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
    } else {
      ++partial;
      json j = read_json(report);
      CHECK(j["input"]["events"].get<int64_t>() <= 58638);
    }
  }
  CHECK(unusable >= 4);  // headers cut short cannot be used
  CHECK(partial >= 1);
}

TEST_CASE("inputs.text parsed on two threads gives the report, summary and Perfetto JSON of one thread, byte for byte") {
  // parser/text_chunk_pipeline.h: FTLENS_TEXT_THREADS=1 is the plain loop.
  std::vector<std::string> files;
  for (const Recording& r : recordings()) files.push_back(r.text);
  for (const char* name : {"derived_seed000_stuck_work_cpu1.txt", "derived_seed001_wq_pool_stall_cpu1.txt",
                           "derived_seed002_unanswered_ipi_cpu0.txt", "real_idle150.txt"})
    files.push_back(std::string(FTLENS_TRACES) + "/" + name);
  int compared = 0;
  for (const std::string& file : files) {
    CAPTURE(file);
    const std::string one = scratch("one_thread"), two = scratch("two_threads");
    Run a = run_ftlens("analyze " + file + kSensitive + " --report " + one + ".json --perfetto " + one + ".perfetto.json",
                       "", "FTLENS_TEXT_THREADS=1");
    Run b = run_ftlens("analyze " + file + kSensitive + " --report " + two + ".json --perfetto " + two + ".perfetto.json",
                       "", "FTLENS_TEXT_THREADS=2");
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    CHECK(a.out == b.out);
    CHECK(slurp(one + ".json") == slurp(two + ".json"));
    CHECK(slurp(one + ".perfetto.json") == slurp(two + ".perfetto.json"));
    CHECK(read_json(two + ".json")["input"]["events"].get<int64_t>() > 1000);
    ++compared;
  }
  CHECK(compared >= 5);
}

TEST_CASE("inputs.compressed trace.dat v7 read by ftlens's own reader gives libtracecmd's report, byte for byte") {
  // parser/flyrecord_reader.h reads the flyrecord data itself (memory flat in
  // the file's size); FTLENS_TRACE_DAT_READER=libtracecmd reads it the old way.
  std::vector<std::string> files = {std::string(FTLENS_TRACES) + "/real_small_v7.dat",
                                    std::string(FTLENS_TRACES) + "/real_light30.dat"};
  for (const Recording& r : recordings()) files.push_back(r.dat);
  int compared = 0;
  for (const std::string& file : files) {
    CAPTURE(file);
    const std::string own = scratch("own_reader.json"), old = scratch("libtracecmd_reader.json");
    Run a = run_ftlens("analyze " + file + kSensitive + " --report " + own);
    Run b = run_ftlens("analyze " + file + kSensitive + " --report " + old, "", "FTLENS_TRACE_DAT_READER=libtracecmd");
    REQUIRE(a.exit_code == b.exit_code);
    REQUIRE(a.exit_code != 2);
    CHECK(slurp(own) == slurp(old));
    CHECK(read_json(own)["input"]["events"].get<int64_t>() > 0);
    ++compared;
  }
  CHECK(compared >= 2);
}

TEST_CASE("inputs.trace.dat buffer instances: the top buffer by default, a missing name is an error") {
  Run r = run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/real_light30.dat --instance nosuch");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no buffer instance named 'nosuch' (the file has only the top buffer)") != std::string::npos);
}

TEST_CASE("inputs.an ftrace dump inside a dmesg log is read in the latency format") {
  const std::string dump = std::string(FTLENS_TRACES) + "/derived_dmesg_dump_light30_last2s.txt";
  json j = analyze(dump, "dmesg", "");
  CHECK(j["input"]["format"] == "dmesg");
  CHECK(j["input"]["events"] == 3843);
  CHECK(j["input"]["log_lines"] == 3);
  CHECK(j["input"]["skipped_lines"] == 0);
  CHECK(j["input"]["first_ns"] == 0);  // microseconds since the buffer started
  CHECK(j["input"]["last_ns"] == 1978004000);
  CHECK(j["input"]["cpus"] == json::array({0, 1}));
}

TEST_CASE("inputs.systrace HTML: the ftrace block is read, the JSON block is not") {
  json j = analyze(std::string(FTLENS_TRACES) + "/derived_systrace_light30_last2s.html", "systrace", "");
  CHECK(j["input"]["format"] == "systrace-html");
  CHECK(j["input"]["events"] == 3844);  // the window plus one tracing_mark_write
  CHECK(j["input"]["tgid_column"] == true);
  CHECK(j["input"]["skipped_lines"] == 0);
}

TEST_CASE("inputs.atrace -z output, a legacy systrace page and Chrome trace JSON give the systrace page's answer") {
  const std::string traces = FTLENS_TRACES;
  // The 2 s window is healthy: thresholds this low give it findings to compare.
  const std::string sensitive = kSensitive + " --set long-work.warning=50us --set non-preempted.warning=5ms --set non-preempted.starved=1ms";
  auto analyze = [&](const std::string& trace, const std::string& tag) { return ::analyze(trace, tag, sensitive); };
  const json page = analyze(traces + "/derived_systrace_light30_last2s.html", "page");
  REQUIRE(page["findings"].size() > 0);  // sensitive thresholds: something to compare
  struct Form {
    const char* file;
    const char* format;
    const char* container;
  };
  for (const Form& form : {Form{"derived_atrace_z_light30_last2s.txt", "systrace", "atrace-zlib"},
                           Form{"derived_systrace_legacy_light30_last2s.html", "systrace-html", "systrace-legacy-html"},
                           Form{"derived_trace_json_light30_last2s.json", "ftrace-text", "trace-json"}}) {
    CAPTURE(form.file);
    const std::string path = traces + "/" + form.file;
    const json file = analyze(path, "container-file");
    CHECK(file["input"]["format"] == form.format);
    CHECK(file["input"]["container"] == form.container);
    CHECK(file["input"]["bytes"] == fs::file_size(path));
    CHECK(file["input"]["skipped_lines"] == 0);
    CHECK(file["input"]["tgid_column"] == true);
    CHECK(file["input"]["warning"].is_null());
    check_same_answer(page, file);

    // From stdin, and inside gzip and zstd, from a file and from stdin.
    const std::string report = scratch("container-stdin.json");
    REQUIRE(run_ftlens("analyze -" + sensitive + " --report " + report, path).exit_code == 0);
    CHECK(read_json(report)["input"]["container"] == form.container);
    check_same_answer(page, read_json(report));
    const std::string gz = scratch(std::string(form.file) + ".gz"), zst = scratch(std::string(form.file) + ".zst");
    REQUIRE(shell("gzip -c " + path + " > " + gz + " && zstd -q -c " + path + " > " + zst).exit_code == 0);
    for (const std::string& wrapped : {gz, zst}) {
      const json inner = analyze(wrapped, "container-wrapped");
      CHECK(inner["input"]["container"] == form.container);
      CHECK(inner["input"]["compression"] == (wrapped == gz ? "gzip" : "zstd"));
      check_same_answer(page, inner);
    }
    REQUIRE(run_ftlens("analyze -" + sensitive + " --report " + report, zst).exit_code == 0);
    check_same_answer(page, read_json(report));
  }
  // The newer page claims no container; the summary names the wrappers.
  CHECK_FALSE(page["input"].contains("container"));
  Run summary = run_ftlens("analyze " + scratch("derived_atrace_z_light30_last2s.txt.gz"));
  CHECK(summary.out.find("systrace (atrace-zlib, gzip), 3844 events") != std::string::npos);
}

TEST_CASE("inputs.a cut or damaged container keeps the text before the damage and says where it broke, or fails in one line") {
  const std::string traces = FTLENS_TRACES;
  struct Cut {
    const char* file;
    int bytes;
    const char* said;
  };
  for (const Cut& cut : {Cut{"derived_atrace_z_light30_last2s.txt", 20000, "atrace -z: unexpected end of compressed data"},
                         Cut{"derived_systrace_legacy_light30_last2s.html", 200000,
                             "systrace-legacy-html: the linuxPerfData string breaks off"},
                         Cut{"derived_trace_json_light30_last2s.json", 200000,
                             "trace-json: the systemTraceEvents string breaks off"}}) {
    CAPTURE(cut.file);
    const std::string part = scratch(std::string("cut-") + cut.file);
    REQUIRE(shell("head -c " + std::to_string(cut.bytes) + " " + traces + "/" + cut.file + " > " + part).exit_code == 0);
    const json r = analyze(part, "cut-container", "");
    CHECK(r["input"]["events"].get<int64_t>() > 1000);
    CHECK(r["input"]["events"].get<int64_t>() < 3844);
    const std::string warning = r["input"]["warning"].get<std::string>();
    CHECK(warning.starts_with(part + ": input ended early after "));
    CHECK(warning.find(cut.said) != std::string::npos);
  }
  // Nothing usable: exit 2, one line that starts with the file's name.
  const std::string head_only = scratch("atrace-head-only.txt"), browser = scratch("browser-only.json");
  REQUIRE(shell("head -c 40 " + traces + "/derived_atrace_z_light30_last2s.txt > " + head_only).exit_code == 0);
  REQUIRE(shell("printf '{\"traceEvents\": [{\"ph\": \"X\"}]}' > " + browser).exit_code == 0);
  for (const std::string& path : {head_only, browser}) {
    Run r = run_ftlens("analyze " + path);
    CHECK(r.exit_code == 2);
    CHECK(r.err.starts_with("ftlens: " + path + ": "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK(run_ftlens("analyze " + browser).err.find("no systemTraceEvents string") != std::string::npos);
}

TEST_CASE("inputs.scan finds the containers in a folder by content, and not ftlens's own Perfetto JSON") {
  const std::string traces = FTLENS_TRACES;
  const std::string dir = scratch("containers");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* file : {"derived_atrace_z_light30_last2s.txt", "derived_systrace_legacy_light30_last2s.html",
                           "derived_trace_json_light30_last2s.json"})
    fs::copy_file(traces + "/" + file, dir + "/" + file);
  REQUIRE(shell("gzip -c " + traces + "/derived_atrace_z_light30_last2s.txt > " + dir + "/atrace.gz").exit_code == 0);
  REQUIRE(run_ftlens("export " + traces + "/real_stacktrace_option.txt -o " + dir + "/export.json").exit_code == 0);
  const std::string report = scratch("containers-scan.json");
  Run r = run_ftlens("scan " + dir + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(report);
  CHECK(j["scan"]["traces"] == 4);
  CHECK(j["scan"]["failed"] == 0);
  for (const auto& t : j["traces"]) {
    CAPTURE(t["path"]);
    CHECK(t["input"]["events"] == 3844);
    CHECK(t["input"].contains("container"));
  }
}
