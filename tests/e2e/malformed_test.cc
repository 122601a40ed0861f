// The malformed-input corpus (tests/malformed/, made by make_corpus.py from a
// real recording): each case has one exact outcome. Either exit 2 with one
// line that names the file (and the line or offset), or exit 0 with what was
// skipped, lost or repaired counted in the report; and every JSON written,
// report and Perfetto, parses.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>

#include "e2e/cli_runner.h"

using namespace ftlens::testing;

namespace {

const std::string kCorpus = std::string(FTLENS_SOURCE_DIR) + "/tests/malformed/";

struct Outcome {
  Run run;
  nlohmann::json report;  // null when no report was written
};

// Analyzes a corpus file with a low work threshold (the windows are 0.1 s
// long), writing both JSON outputs, and checks what every case must hold.
Outcome analyze(const std::string& path, const std::string& extra = "", const std::string& environment = "") {
  const std::string report = scratch("malformed.json"), perfetto = scratch("malformed.perfetto.json");
  std::filesystem::remove(report);
  std::filesystem::remove(perfetto);
  Outcome o;
  o.run = run_ftlens("analyze " + path + " --report " + report + " --perfetto " + perfetto +
                         " --set unterminated-work.warning=1ms " + extra,
                     "", environment);
  REQUIRE(o.run.exit_code >= 0);  // not killed by a signal
  if (o.run.exit_code == 2) {
    CHECK(std::count(o.run.err.begin(), o.run.err.end(), '\n') == 1);
    CHECK(o.run.err.find(path) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(report));  // no half report a nightly job could take as valid
    return o;
  }
  REQUIRE(std::filesystem::exists(report));
  o.report = nlohmann::json::parse(slurp(report), nullptr, false);
  CHECK_FALSE(o.report.is_discarded());
  CHECK_FALSE(nlohmann::json::parse(slurp(perfetto), nullptr, false).is_discarded());
  const auto& in = o.report["input"];
  if (in["format"] != "trace-dat")  // every line is one thing: header, event, marker, skipped or log
    CHECK(in["lines"].get<uint64_t>() == in["header_lines"].get<uint64_t>() + in["events"].get<uint64_t>() +
                                             in["marker_lines"].get<uint64_t>() + in["skipped_lines"].get<uint64_t>() +
                                             in["log_lines"].get<uint64_t>());
  return o;
}

Outcome analyze_case(const std::string& name, const std::string& extra = "", const std::string& environment = "") {
  return analyze(kCorpus + name, extra, environment);
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

}  // namespace

TEST_CASE("malformed.an empty file, a file of headers only and binary junk named .txt are refused in one line") {
  CHECK(analyze_case("empty.txt").run.err.find("empty input") != std::string::npos);
  CHECK(analyze_case("only_headers.txt").run.err.find("no ftrace events found") != std::string::npos);
  Outcome junk = analyze_case("binary_garbage.txt");
  CHECK(junk.run.exit_code == 2);
  CHECK(junk.run.err.find("binary data") != std::string::npos);
}

TEST_CASE("malformed.the reference window reads cleanly, so every other case differs from it by its defect only") {
  Outcome ref = analyze_case("reference_window_light30.txt");
  REQUIRE(ref.run.exit_code == 0);
  CHECK(ref.report["input"]["events"] == 400);
  CHECK(ref.report["input"]["skipped_lines"] == 0);
  CHECK(ref.report["stats"]["duplicate_events"] == 0);
  CHECK(ref.report["stats"]["timestamps_backwards"] == 0);
  CHECK(ref.report["findings"].empty());
}

TEST_CASE("malformed.NUL bytes: in a comm kept, in a payload the header kept, in a timestamp the line skipped at its line") {
  Outcome o = analyze_case("nul_bytes_in_lines.txt");
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["events"] == 399);
  CHECK(o.report["input"]["skipped_lines"] == 1);
  CHECK(o.report["input"]["malformed_payloads"] == 1);
  REQUIRE(o.report["input"]["first_skipped"].size() == 2);
  CHECK(o.report["input"]["first_skipped"][0]["line"] == 43);
  CHECK(o.report["input"]["first_skipped"][0]["reason"] == "timestamp is not seconds[.fraction]");
  CHECK(o.report["input"]["first_skipped"][1]["line"] == 56);
}

TEST_CASE("malformed.a text trace cut inside its last line says so in input.warning and the summary") {
  Outcome cut = analyze_case("cut_inside_last_line.txt");
  REQUIRE(cut.run.exit_code == 0);
  const auto& in = cut.report["input"];
  CHECK(in["events"] == 399);
  CHECK(in["skipped_lines"] == 1);
  CHECK(in["first_skipped"][0]["line"] == 412);
  const std::string warning = kCorpus + "cut_inside_last_line.txt: the input ends inside line 412 (no final newline) and "
                              "that line does not parse (";
  REQUIRE(in["warning"].is_string());
  CHECK(in["warning"].get<std::string>().find(warning) == 0);
  CHECK(in["warning"].get<std::string>().ends_with("): the trace was cut, what followed is missing"));
  CHECK(cut.run.out.find("  warning: " + warning) != std::string::npos);
  // The same through the parallel parser, and not for a file that merely lacks its final newline.
  CHECK(analyze_case("cut_inside_last_line.txt", "", "FTLENS_TEXT_THREADS=2").report["input"]["warning"] == in["warning"]);
  const std::string whole = slurp(kCorpus + "reference_window_light30.txt");
  write_file(scratch("no_final_newline.txt"), whole.substr(0, whole.size() - 1));
  Outcome unterminated = analyze(scratch("no_final_newline.txt"));
  CHECK(unterminated.report["input"]["events"] == 400);
  CHECK(unterminated.report["input"]["warning"].is_null());
}

TEST_CASE("malformed.CRLF line endings read exactly like LF") {
  Outcome crlf = analyze_case("crlf_line_endings.txt");
  Outcome lf = analyze_case("reference_window_light30.txt");
  REQUIRE(crlf.run.exit_code == 0);
  CHECK(crlf.report["input"]["events"] == lf.report["input"]["events"]);
  CHECK(crlf.report["input"]["skipped_lines"] == 0);
  CHECK(crlf.report["stats"] == lf.report["stats"]);
}

TEST_CASE("malformed.a timestamp going backwards on one CPU is counted, not fatal") {
  Outcome o = analyze_case("timestamps_backwards_cpu1.txt");
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["events"] == 400);
  CHECK(o.report["stats"]["timestamps_backwards"] == 1);
}

TEST_CASE("malformed.events repeated by the transport are dropped and counted, and change nothing else") {
  Outcome dup = analyze_case("duplicate_events_x5.txt");
  Outcome ref = analyze_case("reference_window_light30.txt");
  REQUIRE(dup.run.exit_code == 0);
  CHECK(dup.report["input"]["events"] == 405);  // read
  CHECK(dup.report["stats"]["duplicate_events"] == 5);  // and dropped
  nlohmann::json stats = dup.report["stats"];
  stats["duplicate_events"] = 0;
  CHECK(stats == ref.report["stats"]);
  CHECK(dup.report["findings"] == ref.report["findings"]);
}

TEST_CASE("malformed.lost events inside a stuck work item: the finding says its confidence is low") {
  Outcome o = analyze_case("lost_events_in_stuck_span_cpu1.txt");
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["lost_events"] == 120);
  CHECK(o.report["input"]["marker_lines"] == 1);
  REQUIRE(o.report["findings"].size() == 1);
  const auto& f = o.report["findings"][0];
  CHECK(f["detector"] == "unterminated-work");
  CHECK(f["details"]["confidence"] == "low");
  CHECK(f["details"]["data_gaps"]["lost_events"] == 120);
  CHECK(f["message"].get<std::string>().find("low confidence: 120 events lost on CPU1") != std::string::npos);
}

TEST_CASE("malformed.a loss of unknown size inside a stuck span makes the finding low confidence, how many unknown") {
  Outcome o = analyze_case("lost_events_unknown_count_in_stuck_span_cpu1.txt");
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["lost_events"] == 0);
  CHECK(o.report["input"]["lost_markers"] == 1);
  CHECK(o.report["input"]["lost_markers_unknown"] == 1);
  CHECK(o.report["input"]["skipped_lines"] == 0);
  REQUIRE(o.report["findings"].size() == 1);
  const auto& f = o.report["findings"][0];
  CHECK(f["detector"] == "unterminated-work");
  CHECK(f["details"]["confidence"] == "low");
  CHECK(f["message"].get<std::string>().find("low confidence: events (how many unknown) lost on CPU1") != std::string::npos);
}

TEST_CASE("malformed.an event on a CPU beyond #P is analyzed and warned about") {
  Outcome o = analyze_case("cpu_beyond_declared_p2.txt");
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["cpus"] == nlohmann::json::array({0, 1, 7}));
  CHECK(o.report["input"]["warning"].get<std::string>().find("events on CPU 7 although the trace declares 2 CPUs") !=
        std::string::npos);
}

TEST_CASE("malformed.hostile comms reach the findings as valid JSON and never drive the terminal") {
  Outcome o = analyze_case("hostile_comms.txt");
  REQUIRE(o.run.exit_code == 0);
  REQUIRE(o.report["findings"].size() == 1);
  // Quote, backslash and ESC survive as JSON escapes; the invalid byte 0xff becomes U+FFFD.
  CHECK(o.report["findings"][0]["comm"] == "kw\"\\\x1b\xef\xbf\xbd");
  Run summary = run_ftlens("analyze " + kCorpus + "hostile_comms.txt --set unterminated-work.warning=1ms");
  CHECK(summary.out.find('\x1b') == std::string::npos);
  CHECK(summary.out.find("kw\"\\\\x1b") != std::string::npos);
}

TEST_CASE("malformed.a 4 MB line is skipped and counted, the lines around it are read") {
  const std::string ref = slurp(kCorpus + "reference_window_light30.txt");
  const size_t cut = ref.find('\n', ref.size() / 2) + 1;
  const std::string path = scratch("one_4mb_line.txt");
  write_file(path, ref.substr(0, cut) + std::string(4 << 20, 'x') + "\n" + ref.substr(cut));
  Outcome o = analyze(path);
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["events"] == 400);
  CHECK(o.report["input"]["long_lines"] == 1);
  CHECK(o.report["input"]["skipped_lines"] == 1);
  CHECK(o.report["input"]["first_skipped"][0]["reason"] == "line longer than 1 MiB");
}

TEST_CASE("malformed.trace.dat cut at any of 40 offsets: exit 2 naming the file, or 0 with a warning; never a crash") {
  for (const char* name : {"real_small_v7.dat", "real_small_v7_raw.dat", "real_small_v6.dat"}) {
    const std::string whole = slurp(std::string(FTLENS_TRACES) + "/" + name);
    for (size_t i = 1; i <= 40; ++i) {
      const size_t size = whole.size() * i / 41;
      CAPTURE(name);
      CAPTURE(size);
      const std::string path = scratch("cut.dat");
      write_file(path, whole.substr(0, size));
      Outcome o = analyze(path);
      CHECK((o.run.exit_code == 0 || o.run.exit_code == 2));
      if (o.run.exit_code == 2) CHECK(o.run.err.rfind("ftlens: " + path + ": ", 0) == 0);
      CHECK(o.run.out.find("is empty") == std::string::npos);  // libtracecmd's printf kept off our stdout
    }
  }
  // Cut inside the event data of v6: the header is whole, the CPU index points past the end.
  const std::string v6 = slurp(std::string(FTLENS_TRACES) + "/real_small_v6.dat");
  const std::string path = scratch("cut_v6_data.dat");
  write_file(path, v6.substr(0, v6.size() - 6000));
  Outcome o = analyze(path);
  CHECK(o.run.exit_code == 2);
  CHECK(o.run.err.find("event data is truncated or corrupt: File possibly truncated. Need at least 86016, but file size is 80016") !=
        std::string::npos);
}

TEST_CASE("malformed.a corrupt compressed block in trace.dat is reported, and findings on that CPU are low confidence") {
  // ftlens's own reader of compressed v7 data finds the chunk does not
  // decompress to its stated size and reads nothing of it.
  Outcome o = analyze_case("corrupt_zstd_block_cpu1_v7.dat");
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["warning"].get<std::string>().find("the data of CPU 1 breaks off at a damaged block") !=
        std::string::npos);
  CHECK(o.report["input"]["cpus"] == nlohmann::json::array({0}));
  bool cpu1_finding = false;
  for (const auto& f : o.report["findings"])
    if (f["cpu"] == 1) {
      cpu1_finding = true;
      CHECK(f["details"]["confidence"] == "low");
    }
  CHECK(cpu1_finding);

  // libtracecmd decompresses the same chunk into garbage: records with event
  // ids the file does not define, skipped and counted.
  Outcome old = analyze_case("corrupt_zstd_block_cpu1_v7.dat", "", "FTLENS_TRACE_DAT_READER=libtracecmd");
  REQUIRE(old.run.exit_code == 0);
  CHECK(old.report["input"]["warning"].get<std::string>().find(
            "975 records on CPU 1 have event ids the file defines no format") != std::string::npos);
  for (const auto& f : old.report["findings"])
    if (f["cpu"] == 1) CHECK(f["details"]["confidence"] == "low");
}

TEST_CASE("malformed.a trace.dat whose buffer holds data for CPU 0 of 2 is read for CPU 0, and CPU 1 is known to be silent") {
  Outcome o = analyze_case("buffer_lists_one_of_two_cpus_v7.dat");
  REQUIRE(o.run.exit_code == 0);
  CHECK(o.report["input"]["declared_cpus"] == 2);
  CHECK(o.report["input"]["cpus"] == nlohmann::json::array({0}));
  CHECK(o.report["input"]["events"] == 136);
  // The reschedule IPI sent to CPU 1 is never answered there: the finding a
  // hard-locked CPU 1, which records nothing, would give.
  bool ipi_to_cpu1 = false;
  for (const auto& f : o.report["findings"]) ipi_to_cpu1 |= f["detector"] == "ipi-unanswered" && f["cpu"] == 1;
  CHECK(ipi_to_cpu1);
}

TEST_CASE("malformed.a trace.dat whose event formats crash libtraceevent is refused in one line, not with a signal") {
  // Inputs from fuzz_trace_dat: a NULL dereference and a strcmp of NULL inside
  // tep_parse_event. The fault guard ends the library call; analyze() above
  // checks there was no signal, one stderr line and no report.
  for (const char* name : {"event_format_parse_crashes_libtraceevent_1", "event_format_parse_crashes_libtraceevent_2"}) {
    Outcome o = analyze(std::string(FTLENS_SOURCE_DIR) + "/tests/fuzz/regressions/trace_dat/" + name);
    CHECK(o.run.exit_code == 2);
    CHECK(o.run.err.find("trace.dat is damaged in its headers (event formats, symbols or options) "
                         "(libtracecmd/libtraceevent crashed with SIGSEGV reading it)") != std::string::npos);
  }
}

TEST_CASE("malformed.a trace.dat cut inside its compression header is refused before libtracecmd frees it twice") {
  // From fuzz_trace_dat: libtracecmd 3.1.6 double-frees the compression
  // strings when the options offset after them is missing (heap corruption,
  // an abort in production, so the fault guard could not help).
  const std::string v7 = slurp(std::string(FTLENS_TRACES) + "/real_small_v7.dat");
  const size_t name_end = v7.find('\0', 18), version_end = v7.find('\0', name_end + 1);
  REQUIRE(v7.compare(18, name_end - 18, "zstd") == 0);
  for (size_t cut : {name_end, version_end + 1, version_end + 8}) {
    CAPTURE(cut);
    const std::string path = scratch("cut_compression.dat");
    write_file(path, v7.substr(0, cut));
    Outcome o = analyze(path);
    CHECK(o.run.exit_code == 2);
    CHECK(o.run.err.find("not a readable trace.dat (truncated file header)") != std::string::npos);
  }
  const Outcome regression =
      analyze(std::string(FTLENS_SOURCE_DIR) + "/tests/fuzz/regressions/trace_dat/cut_inside_compression_header_double_free");
  CHECK(regression.run.exit_code == 2);
  CHECK(regression.run.err.find("truncated file header") != std::string::npos);
}

TEST_CASE("malformed.a trace.dat header with page size 0 or a long of 11 bytes is refused before libtracecmd divides by it") {
  const std::string v7 = slurp(std::string(FTLENS_TRACES) + "/real_small_v7.dat");
  REQUIRE(v7.compare(10, 2, std::string("7\0", 2)) == 0);  // magic, "7\0", endian, long size, page size
  std::string zero_page = v7;
  zero_page.replace(14, 4, std::string(4, '\0'));
  std::string odd_long = v7;
  odd_long[13] = 11;
  for (const auto& [name, bytes, reason] : {std::tuple{"page0.dat", zero_page, "page size 0 is not a power of two"},
                                            std::tuple{"long11.dat", odd_long, "size of long is 11, not 4 or 8"}}) {
    const std::string path = scratch(name);
    write_file(path, bytes);
    Outcome o = analyze(path);
    CHECK(o.run.exit_code == 2);  // not 136 (SIGFPE inside libtracecmd)
    CHECK(o.run.err.find(reason) != std::string::npos);
  }
}

TEST_CASE("malformed.a trace.dat v6 whose CPU count reads 0x7fffffff is refused in one line at once, not spun on") {
  // libtracecmd 3.1.6 walks every one of the CPUs for each record while its
  // memory grows by gigabytes; ftlens refuses a count beyond Linux's 8192.
  const auto start = std::chrono::steady_clock::now();
  Outcome o = analyze_case("cpu_count_0x7fffffff_spins_libtracecmd_v6.dat");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(o.run.exit_code == 2);
  CHECK(o.run.err.find("trace.dat declares 2147483647 CPUs, more than Linux supports (8192): its CPU count is corrupt") !=
        std::string::npos);
}

TEST_CASE("malformed.a trace.dat whose header page size of 1 MiB disagrees with its data says so in its warning") {
  // Uncompressed: libtracecmd reads each CPU's 8 KiB as one 1 MiB page and
  // 25 of the 285 events are lost; the warning says so.
  Outcome raw = analyze_case("page_size_1mib_v7_raw.dat");
  REQUIRE(raw.run.exit_code == 0);
  CHECK(raw.report["input"]["events"] == 260);
  CHECK(raw.report["input"]["warning"].get<std::string>().find(
            "the data of CPU 0,1 (8192 bytes for the first) is not a whole number of the 1048576-byte pages the "
            "trace.dat header gives: the page size is corrupt, and events may be missing") != std::string::npos);
  // Compressed: read in the pages of the buffer's own option, all 285
  // events; the header that disagrees is still said.
  Outcome zstd = analyze_case("page_size_1mib_v7.dat");
  REQUIRE(zstd.run.exit_code == 0);
  CHECK(zstd.report["input"]["events"] == 285);
  CHECK(zstd.report["input"]["warning"].get<std::string>().find(
            "the trace.dat header gives pages of 1048576 bytes, its buffer's own option 4096") != std::string::npos);
}

TEST_CASE("malformed.a trace.dat read in its own process gives what reading it in this one gives") {
  // FTLENS_DAT_ISOLATION=0 reads in-process, as before there was a child.
  for (const char* name : {"real_small_v7_raw.dat", "real_small_v6.dat", "real_small_v7.dat"}) {
    CAPTURE(name);
    Outcome child = analyze(std::string(FTLENS_TRACES) + "/" + name);
    Outcome here = analyze(std::string(FTLENS_TRACES) + "/" + name, "", "FTLENS_DAT_ISOLATION=0");
    REQUIRE(child.run.exit_code == 0);
    REQUIRE(here.run.exit_code == 0);
    CHECK(child.report["input"] == here.report["input"]);
    CHECK(child.report["findings"] == here.report["findings"]);
  }
}
