// End-to-end: the ftlens binary on real recordings and on fixtures derived
// from them, checking exit codes, stderr and report contents.
#include <doctest/doctest.h>
#include <fcntl.h>     // open, F_SETPIPE_SZ
#include <sys/stat.h>  // mkfifo
#include <unistd.h>    // read, close

#include <filesystem>
#include <fstream>
#include <string>

#include "e2e/cli_runner.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace ftlens::testing;

namespace {

const std::string kSeed000 = std::string(FTLENS_TRACES) + "/derived_seed000_stuck_work_cpu1.txt";

const json* find(const json& report, const std::string& detector) {
  for (const auto& f : report["findings"])
    if (f["detector"] == detector) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("e2e.seed 000 fixture: the stuck work item, the CPU that stopped switching and the missed kicks are errors on CPU1") {
  const std::string report = scratch("seed000.json"), perfetto = scratch("seed000.perfetto.json");
  Run r = run_ftlens("analyze " + kSeed000 + " --report " + report + " --perfetto " + perfetto);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(slurp(report));
  CHECK(j["schema"] == 1);
  CHECK(j["input"]["format"] == "ftrace-text");
  CHECK(j["input"]["irq_flags_column"] == false);
  CHECK(j["input"]["cpus"] == json::array({0, 1}));
  const int64_t end = j["input"]["last_ns"];

  const json* work = find(j, "unterminated-work");
  REQUIRE(work);
  CHECK((*work)["severity"] == "error");
  CHECK((*work)["cpu"] == 1);
  CHECK((*work)["pid"] == 10711);
  CHECK((*work)["comm"] == "kworker/1:3");
  CHECK((*work)["start_ns"] == 180736523000);
  CHECK((*work)["end_ns"].is_null());
  CHECK((*work)["duration_ns"] == end - 180736523000);
  CHECK((*work)["details"]["function"] == "addrconf_dad_work");
  CHECK((*work)["details"]["work"] == "0xd8c3cb7c");

  const json* spin = find(j, "non-preempted");
  REQUIRE(spin);
  CHECK((*spin)["severity"] == "error");
  CHECK((*spin)["cpu"] == 1);
  CHECK((*spin)["comm"] == "kworker/1:3");
  CHECK((*spin)["start_ns"] == 180736503000);  // the switch into the worker
  CHECK((*spin)["duration_ns"].get<int64_t>() > 20'000'000'000);
  CHECK((*spin)["details"]["waiting_tasks"][0]["comm"] == "netd");
  CHECK((*spin)["details"]["work"]["function"] == "addrconf_dad_work");

  const json* gap = find(j, "watchdog-gap");
  REQUIRE(gap);
  CHECK((*gap)["severity"] == "error");
  CHECK((*gap)["cpu"] == 1);
  CHECK((*gap)["end_ns"].is_null());
  CHECK((*gap)["details"]["busy_ns"].get<int64_t>() > 20'000'000'000);
  bool cpu1_missing = false;
  for (const auto& p : (*gap)["details"]["kick_bits_per_period"])
    if (p["expected_kick_bits"] == "0x3" && p["kick_bits"] == "0x1") cpu1_missing = true;
  CHECK(cpu1_missing);

  // Nothing else is an error: CPU0 of the same recording is healthy.
  int errors = 0;
  for (const auto& f : j["findings"]) errors += f["severity"] == "error";
  CHECK(errors == 3);

  CHECK(r.out.find("3 errors") != std::string::npos);
  CHECK(r.out.find("at 180.736523") != std::string::npos);  // greppable in the trace

  json p = json::parse(slurp(perfetto));
  bool open_work_slice = false, finding_slice = false;
  for (const auto& e : p["traceEvents"]) {
    if (e["ph"] == "X" && e["name"] == "addrconf_dad_work" && e["args"].value("unterminated", false)) open_work_slice = true;
    if (e["ph"] == "X" && e["pid"] == 1 && e["args"]["detector"] == "unterminated-work") finding_slice = true;
  }
  CHECK(open_work_slice);
  CHECK(finding_slice);
}

TEST_CASE("e2e.--fail-on error exits 1 on the seed fixture and 0 on clean recordings") {
  CHECK(run_ftlens("analyze " + kSeed000 + " --fail-on error").exit_code == 1);
  CHECK(run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/real_light30.txt --fail-on error").exit_code == 0);
}

TEST_CASE("e2e.a report written to a FIFO, or through a symlink like /dev/stdout, goes through it and leaves both in place") {
  // Renaming a temporary file over the path, as regular reports are written,
  // once turned /dev/null (and /dev/stdout, a symlink) into regular files for
  // the whole machine.
  const std::string fifo = scratch("report.fifo"), link = scratch("report.link");
  fs::remove(fifo);
  fs::remove(link);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  fs::create_symlink(fifo, link);
  // Opened here read-write and non-blocking, so that ftlens's open for
  // writing does not wait for a reader, and a run that never writes to the
  // FIFO leaves it empty instead of hanging the test.
  const int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  REQUIRE(fd >= 0);
  ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
  for (const std::string& path : {fifo, link}) {
    CAPTURE(path);
    Run r = run_ftlens("analyze " + kSeed000 + " --report " + path);
    CHECK(r.exit_code == 0);
    std::string got;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
    CHECK(got.find("\"schema\": 1") != std::string::npos);
  }
  ::close(fd);
  CHECK(fs::is_fifo(fs::symlink_status(fifo)));
  CHECK(fs::is_symlink(fs::symlink_status(link)));
  fs::remove(link);
  fs::remove(fifo);
}

TEST_CASE("e2e.stdin gives the same report as the file") {
  const std::string a = scratch("file.json"), b = scratch("stdin.json");
  REQUIRE(run_ftlens("analyze " + kSeed000 + " --report " + a).exit_code == 0);
  REQUIRE(run_ftlens("analyze - --report " + b, kSeed000).exit_code == 0);
  json ja = json::parse(slurp(a)), jb = json::parse(slurp(b));
  CHECK(ja["findings"] == jb["findings"]);
  CHECK(ja["input"]["events"] == jb["input"]["events"]);
  CHECK(jb["input"]["path"] == "-");
}

TEST_CASE("e2e.--set and --config change thresholds; bad ones are usage errors") {
  const std::string report = scratch("set.json");
  REQUIRE(run_ftlens("analyze " + kSeed000 + " --set non-preempted.error=60s --report " + report).exit_code == 0);
  json j = json::parse(slurp(report));
  CHECK((*find(j, "non-preempted"))["severity"] == "warning");

  const std::string config = scratch("config.json");
  std::ofstream(config) << R"({"unterminated-work": {"error": "60s", "warning": "50s"}})";
  REQUIRE(run_ftlens("analyze " + kSeed000 + " --config " + config + " --report " + report).exit_code == 0);
  j = json::parse(slurp(report));
  CHECK((*find(j, "unterminated-work"))["severity"] == "info");

  Run bad = run_ftlens("analyze " + kSeed000 + " --set non-preempted.error=soon");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("non-preempted.error") != std::string::npos);
  CHECK(run_ftlens("analyze " + kSeed000 + " --set nosuch.key=1").exit_code == 2);
  CHECK(run_ftlens("analyze " + kSeed000 + " --fail-on sometimes").exit_code == 2);
}

TEST_CASE("e2e.a --config nested 100k deep, of the wrong shape or too big is a one-line error naming it, not a crash") {
  const std::string deep = scratch("deep_config.json"), flat = scratch("flat_config.json"), big = scratch("big_config.json");
  std::ofstream(deep) << "{\"non-preempted\": {\"error\": " << std::string(100000, '[') << std::string(100000, ']') << "}}";
  std::ofstream(flat) << R"({"non-preempted": 5})";
  std::ofstream(big) << "{\"non-preempted\": {\"error\": \"" << std::string(2 << 20, 'x') << "\"}}";
  for (const auto& [config, says] : {std::pair{deep, ": line 1: JSON nested deeper than 16 levels is not a config file"},
                                     std::pair{flat, ": \"non-preempted\" must map option names to values"},
                                     std::pair{big, ": a config file of more than 1 MiB is refused"}}) {
    Run r = run_ftlens("analyze " + kSeed000 + " --config " + config);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "ftlens: " + config + says + "\n");
  }
}

TEST_CASE("e2e.unusable input exits 2 with one line naming the file") {
  Run missing = run_ftlens("analyze /nonexistent/trace.txt");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "ftlens: /nonexistent/trace.txt: cannot open: No such file or directory\n");

  const std::string junk = scratch("junk.txt");
  std::ofstream(junk, std::ios::binary) << std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0", 12);
  Run binary = run_ftlens("analyze " + junk);
  CHECK(binary.exit_code == 2);
  CHECK(binary.err.find(junk + ": binary data") != std::string::npos);

  const std::string prose = scratch("prose.txt");
  std::ofstream(prose) << "this is a log\nnot a trace\n";
  Run text = run_ftlens("analyze " + prose);
  CHECK(text.exit_code == 2);
  CHECK(text.err.find(prose + ": no ftrace events or kernel log records found (line 1 reads as neither") != std::string::npos);
}

TEST_CASE("e2e.trace-cmd report output that holds no event lines (its --stat) says so") {
  const std::string stat = scratch("report_stat.txt");
  std::ofstream(stat) << "cpus=6\n\nKernel buffer statistics:\n  Note: \"entries\" are the entries left in the kernel ring "
                         "buffer and are not\n\n No stats in this file\nCPU0 data recorded at offset=0x321000\n    4096 bytes in size\n";
  Run r = run_ftlens("analyze " + stat);
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("ftlens: " + stat + ": trace-cmd report output with no event lines (line 3:"));
}

TEST_CASE("e2e.a JSON file that is not a trace, an ftlens report above all, says what it is instead of 'no [cpu] column'") {
  const std::string report = scratch("a_report.json");
  REQUIRE(run_ftlens("analyze " + kSeed000 + " --report " + report).exit_code == 0);
  Run given_report = run_ftlens("analyze " + report);
  CHECK(given_report.exit_code == 2);
  CHECK(given_report.err == "ftlens: " + report +
                                ": an ftlens report (JSON), not a trace: analyze, export and scan read traces; merge and "
                                "--baseline read reports\n");
  const std::string object = scratch("object.json"), array = scratch("array.json");
  std::ofstream(object) << "  {\"cpu\": 1}\n";
  std::ofstream(array) << "[\n  {\"ts\": 1}\n]\n";
  for (const std::string& json_file : {object, array}) {
    Run r = run_ftlens("export " + json_file + " -o " + scratch("never.json"));
    CHECK(r.exit_code == 2);
    CHECK(r.err == "ftlens: " + json_file +
                       ": JSON that holds no trace: ftlens reads JSON only as a Chrome trace with a systemTraceEvents "
                       "string (atrace/systrace's kernel part)\n");
  }
  // A Chrome trace whose kernel part is there but empty.
  const std::string empty_kernel = scratch("empty_kernel.json");
  std::ofstream(empty_kernel) << "{\"traceEvents\": [], \"systemTraceEvents\": \"\"}";
  CHECK(run_ftlens("analyze " + empty_kernel).err == "ftlens: " + empty_kernel + ": trace-json: it holds no trace text\n");
  // ftlens's own Perfetto export is a Chrome trace with no kernel part.
  const std::string perfetto = scratch("own_export.json");
  REQUIRE(run_ftlens("export " + kSeed000 + " -o " + perfetto).exit_code == 0);
  CHECK(run_ftlens("analyze " + perfetto).err.find("such as a browser's trace or ftlens's own export") != std::string::npos);
}

TEST_CASE("e2e.damaged lines are skipped, counted and located, and the rest is analyzed") {
  const std::string damaged = scratch("damaged.txt");
  {
    std::ifstream in(kSeed000);
    std::ofstream out(damaged);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (n == 100) out << "@@@ corrupted by the crash @@@\n";
      else if (n == 200) out << line.substr(0, 20) << "\n";  // cut mid-line
      else out << line << "\n";
    }
  }
  const std::string report = scratch("damaged.json");
  Run r = run_ftlens("analyze " + damaged + " --report " + report);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(slurp(report));
  CHECK(j["input"]["skipped_lines"] == 2);
  REQUIRE(j["input"]["first_skipped"].size() == 2);
  CHECK(j["input"]["first_skipped"][0]["line"] == 100);
  CHECK(j["input"]["first_skipped"][1]["line"] == 200);
  CHECK(find(j, "unterminated-work") != nullptr);
  CHECK(r.out.find(damaged + ":100:") != std::string::npos);
}

TEST_CASE("e2e.the README shows what command 1 really prints") {
  const std::string readme = slurp(std::string(FTLENS_TRACES) + "/../README.md");
  const size_t start = readme.find("traces/derived_seed000_stuck_work_cpu1.txt: ftrace-text");
  REQUIRE(start != std::string::npos);
  const std::string shown = readme.substr(start, readme.find("```", start) - start);
  Run r = shell("cd " + std::string(FTLENS_TRACES) + "/.. && " + FTLENS_BINARY +
                " analyze traces/derived_seed000_stuck_work_cpu1.txt --report " + scratch("readme.json"));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == shown);
}

TEST_CASE("e2e.ftlens help lists the commands and ftlens help COMMAND prints that command's options") {
  Run all = run_ftlens("help");
  CHECK(all.exit_code == 0);
  for (const char* command : {"analyze", "export", "scan", "merge", "record", "help"}) CHECK(all.out.find(command) != std::string::npos);
  Run analyze = run_ftlens("help analyze");
  CHECK(analyze.exit_code == 0);
  CHECK(analyze.out.find("ftlens analyze") != std::string::npos);
  CHECK(analyze.out.find("--fail-on") != std::string::npos);
  // Defaults as one would write them in --set.
  CHECK(analyze.out.find("non-preempted.error (default 20s)") != std::string::npos);
  CHECK(analyze.out.find("long-work.warning (default 500ms)") != std::string::npos);
  CHECK(analyze.out.find("Usage: ftlens analyze [OPTIONS] TRACE") != std::string::npos);
  CHECK(analyze.out == run_ftlens("analyze --help").out);
  Run nosuch = run_ftlens("help analze");
  CHECK(nosuch.exit_code == 2);
  CHECK(nosuch.err == "ftlens: 'analze' is not a command. Did you mean 'analyze'? (see ftlens help)\n");
  Run alone = run_ftlens("");
  CHECK(alone.exit_code == 2);
  CHECK(alone.err == "ftlens: a command is required: analyze, export, scan, record, merge, help (see ftlens help)\n");
}

TEST_CASE("e2e.-V and --version print the project version, and where it was built from in a git checkout") {
  Run v = run_ftlens("-V");
  CHECK(v.exit_code == 0);
  CHECK(v.out.rfind("ftlens " FTLENS_VERSION, 0) == 0);
  CHECK(v.out == run_ftlens("--version").out);
  if (fs::exists(std::string(FTLENS_SOURCE_DIR) + "/.git")) CHECK(v.out.find(" (git ") != std::string::npos);
}

TEST_CASE("e2e.a mistyped command, option or detector name is refused with the closest one") {
  Run command = run_ftlens("analze " + kSeed000);
  CHECK(command.exit_code == 2);
  CHECK(command.err == "ftlens: 'analze' is not a command. Did you mean 'analyze'? (see ftlens help)\n");

  Run option = run_ftlens("analyze " + kSeed000 + " --reprot out.json");
  CHECK(option.exit_code == 2);
  CHECK(option.err == "ftlens analyze: unknown option '--reprot'. Did you mean '--report'? (see ftlens help analyze)\n");
  Run with_value = run_ftlens("export " + kSeed000 + " -o x.json --cpu=0");
  CHECK(with_value.err.find("unknown option '--cpu'. Did you mean '--cpus'?") != std::string::npos);

  Run detector = run_ftlens("analyze " + kSeed000 + " --set non-preemted.warning=1s");
  CHECK(detector.exit_code == 2);
  CHECK(detector.err ==
        "ftlens: --set non-preemted.warning=1s: no detector named 'non-preemted'. Did you mean 'non-preempted'?\n");
  // No name close: the list of what there is.
  Run unknown = run_ftlens("analyze " + kSeed000 + " --set foo.bar=1");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.starts_with("ftlens: --set foo.bar=1: no detector named 'foo'. It is one of: model, "));
  CHECK(unknown.err.find(", non-preempted, ") != std::string::npos);
  CHECK(unknown.err.find(", watchdog-gap") != std::string::npos);
  Run no_key = run_ftlens("analyze " + kSeed000 + " --set long-work.zzzzzzzz=1");
  CHECK(no_key.err == "ftlens: --set long-work.zzzzzzzz=1: detector long-work has no option 'zzzzzzzz'. It is one of: "
                      "warning, error, max_findings.\n");
  Run key = run_ftlens("analyze " + kSeed000 + " --set non-preempted.warnin=1s");
  CHECK(key.err.find("has no option 'warnin'. Did you mean 'warning'?") != std::string::npos);

  Run far = run_ftlens("frobnicate");
  CHECK(far.err == "ftlens: 'frobnicate' is not a command. (see ftlens help)\n");
}

TEST_CASE("e2e.export says in one line what it wrote, and refuses CPUs and windows the trace does not have") {
  const std::string out = scratch("one_line.json");
  Run r = run_ftlens("export " + kSeed000 + " -o " + out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find('\n') == r.out.size() - 1);
  CHECK(r.out.rfind("wrote " + out + " (", 0) == 0);
  CHECK(r.out.find("): 3 errors, 1 warning, 0 info\n") != std::string::npos);

  fs::remove(out);
  Run cpu = run_ftlens("export " + kSeed000 + " -o " + out + " --cpus 9");
  CHECK(cpu.exit_code == 2);
  CHECK(cpu.err == "ftlens: --cpus: " + kSeed000 + " has no events on CPU 9 (it has CPU 0,1)\n");
  CHECK_FALSE(fs::exists(out));

  Run late = run_ftlens("export " + kSeed000 + " -o " + out + " --from 300 --to 400");
  CHECK(late.exit_code == 2);
  CHECK(late.err == "ftlens: --from/--to: the window holds none of " + kSeed000 + ", which runs 175.736523 .. 205.742790\n");
  CHECK_FALSE(fs::exists(out));
  CHECK(run_ftlens("export " + kSeed000 + " -o " + out + " --to 100").exit_code == 2);
}

TEST_CASE("e2e.an option the input has no use for is an error, not silently ignored") {
  Run instance = run_ftlens("analyze " + kSeed000 + " --instance foo");
  CHECK(instance.exit_code == 2);
  CHECK(instance.err == "ftlens: --instance foo: " + kSeed000 + " is ftrace-text, and only a trace.dat has buffer instances\n");
  Run around = run_ftlens("export " + kSeed000 + " -o " + scratch("around.json") + " --around F3 --from 180");
  CHECK(around.exit_code == 2);
  CHECK(around.err == "ftlens: --from excludes --around (see ftlens help export)\n");
  Run json_alone = run_ftlens("record --json --seconds 1");
  CHECK(json_alone.exit_code == 2);
  CHECK(json_alone.err.find("--live") != std::string::npos);
}

TEST_CASE("e2e.the man page renders without warnings and has a section for every command and every option") {
  const std::string page = std::string(FTLENS_SOURCE_DIR) + "/man/ftlens.1";
  Run man = shell("MANWIDTH=100 man --warnings -l " + page);
  REQUIRE(man.exit_code == 0);
  CHECK(man.err.empty());
  CHECK(man.out.find("ftlens - find what went wrong") != std::string::npos);
  const std::string source = slurp(page);
  for (const char* command : {"analyze", "export", "scan", "merge", "record", "help"}) {
    CAPTURE(command);
    CHECK(source.find(std::string(".SS ftlens ") + command) != std::string::npos);
    // Every option the command's help lists is described on the page.
    Run help = run_ftlens(std::string("help ") + command);
    for (size_t at = help.out.find("\n  -"); at != std::string::npos; at = help.out.find("\n  -", at + 1)) {
      const size_t start = help.out.find("--", at);
      const std::string option = help.out.substr(start, help.out.find_first_of(" \n", start) - start);
      if (option == "--help") continue;
      CAPTURE(option);
      std::string escaped;  // as roff writes it: \-\-report
      for (char c : option) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
      CHECK(source.find(escaped) != std::string::npos);
    }
  }
}

TEST_CASE("e2e.bash completes commands, a command's options and the detector options of --set") {
  const std::string script = std::string(FTLENS_SOURCE_DIR) + "/completion/ftlens";
  auto complete = [&](const std::string& words, int current) {
    return shell("bash -c 'source " + script + " && COMP_WORDS=(" + words + ") && COMP_CWORD=" + std::to_string(current) +
                 " && _ftlens && printf \"%s\\n\" \"${COMPREPLY[@]}\"'");
  };
  CHECK(complete(std::string(FTLENS_BINARY) + " an", 1).out == "analyze\n");
  CHECK(complete(std::string(FTLENS_BINARY) + " export t.txt --cp", 3).out == "--cpus\n");
  CHECK(complete(std::string(FTLENS_BINARY) + " analyze t.txt --set non-preempted.err", 4).out == "non-preempted.error=\n");
  CHECK(complete(std::string(FTLENS_BINARY) + " scan d --fail-on n", 4).out == "new\n");
}

namespace {
// `ftlens ARGS` with stderr (and stdout) on a pseudo-terminal, as `script`
// gives one; what the terminal got, with the line ends it uses.
Run on_a_terminal(const std::string& args) {
  return shell("script -qec '" + std::string(FTLENS_BINARY) + " " + args + "' /dev/null");
}
}  // namespace

TEST_CASE("e2e.a progress line on a terminal: bytes of the total, MB/s, ETA, cleared before the summary; none when piped") {
  // Several MB, so that the reading takes several reads.
  const std::string big = scratch("progress_big.txt");
  {
    std::ofstream out(big);
    const std::string trace = slurp(std::string(FTLENS_TRACES) + "/real_light30.txt");
    for (int i = 0; i < 4; ++i) out << trace;
  }
  const Run analyzed = on_a_terminal("analyze " + big);
  REQUIRE(analyzed.exit_code == 0);
  const size_t line = analyzed.out.find("\rftlens: analyze: read ");
  REQUIRE(line != std::string::npos);
  CHECK(analyzed.out.find(" MB of 26 MB (", line) != std::string::npos);
  CHECK(analyzed.out.find(" MB/s, ETA ", line) != std::string::npos);
  // Cleared (carriage return, erase to the end) before the summary's first line.
  const size_t cleared = analyzed.out.find("\r\x1b[K" + big + ": ftrace-text");
  CHECK(cleared != std::string::npos);
  CHECK(line < cleared);

  const Run piped = run_ftlens("analyze " + big);
  CHECK(piped.err.find("ftlens: analyze: read") == std::string::npos);
  CHECK(piped.err.empty());

  // scan: by bytes over every trace from its start, with the traces done.
  const std::string dir = scratch("progress_scan");
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(big, dir + "/a.txt");
  fs::copy_file(std::string(FTLENS_TRACES) + "/real_small_v7.dat", dir + "/b.dat");
  const Run scanned = on_a_terminal("scan " + dir + " -j 1");
  REQUIRE(scanned.exit_code == 0);
  const size_t scan_line = scanned.out.find("\rftlens: scan: 0 MB of 26 MB (0%)");  // drawn at once
  REQUIRE(scan_line != std::string::npos);
  CHECK(scanned.out.find("0/2 traces", scan_line) != std::string::npos);
  CHECK(scanned.out.find("\r\x1b[Kok      " + dir + "/a.txt") != std::string::npos);
  CHECK(run_ftlens("scan " + dir).err.find("ftlens: scan:") == std::string::npos);
}
