// End-to-end: every write is checked, a closed pipe is handled as the tools
// kernel engineers use handle it, and a signal leaves no temporary file.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "e2e/cli_runner.h"

namespace fs = std::filesystem;
using namespace ftlens::testing;

namespace {
const std::string kTrace = std::string(FTLENS_TRACES) + "/real_light30.txt";
const std::string kBinary = FTLENS_BINARY;
}  // namespace

TEST_CASE("output.a report written to a full disk is exit 2 with the errno text") {
  Run r = run_ftlens("analyze " + kTrace + " --report - > /dev/full");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "ftlens: -: write failed: No space left on device\n");
}

TEST_CASE("output.an export to a full stdout is exit 2 with the errno text") {
  Run r = run_ftlens("export " + kTrace + " -o - > /dev/full");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("-: write failed: No space left on device") != std::string::npos);
}

TEST_CASE("output.a summary written to a full disk is exit 2, not a silent 0") {
  Run r = run_ftlens("analyze " + kTrace + " > /dev/full");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "ftlens: stdout: write failed: No space left on device\n");
}

// ftlens's own exit status in a pipeline (bash, for PIPESTATUS).
Run first_of_pipeline(const std::string& pipeline) {
  return shell("bash -c '" + pipeline + "; exit ${PIPESTATUS[0]}'");
}

TEST_CASE("output.a summary piped into a reader that went away ends quietly and keeps its exit status") {
  // ftlens starts a second after `true`, which reads nothing and exits, so
  // the summary's first write meets a closed pipe however loaded the machine
  // is. The seed fixture fails on its error findings: exit 1 survives.
  Run r = first_of_pipeline("(sleep 1; exec timeout 120 " + kBinary + " analyze " + std::string(FTLENS_TRACES) +
                            "/derived_seed000_stuck_work_cpu1.txt --fail-on error) | true");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "");
}

TEST_CASE("output.a report to stdout whose reader went away is exit 2, not death by SIGPIPE") {
  Run r = first_of_pipeline("(sleep 1; exec timeout 120 " + kBinary + " analyze " + kTrace + " --report -) | true");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "ftlens: -: write failed: Broken pipe\n");
}

TEST_CASE("output.an export to stdout whose reader went away is exit 2, not death by SIGPIPE") {
  Run r = first_of_pipeline("timeout 120 " + kBinary + " export " + kTrace + " -o - | head -c 10 >/dev/null");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("-: write failed: Broken pipe") != std::string::npos);
}

TEST_CASE("output.SIGTERM and SIGINT while reading remove the temporary Perfetto file") {
  for (const char* signal : {"TERM", "INT"}) {
    CAPTURE(signal);
    const std::string dir = scratch(std::string("signal_") + signal);
    fs::remove_all(dir);
    fs::create_directories(dir);
    // ftlens reads the trace from a FIFO whose writer stops after a few
    // lines, so it is inside the analysis with its Perfetto file open. A
    // background job of a script starts with SIGINT ignored: env restores
    // the default, as an interactive shell's job has it.
    const std::string fifo = dir + "/trace.fifo";
    const std::string script =
        "mkfifo " + fifo + "; (head -n 2000 " + kTrace + "; sleep 30) > " + fifo + " & writer=$!; env --default-signal=INT " + kBinary +
        " analyze " + fifo + " --perfetto " + dir + "/out.json --report " + dir + "/report.json & pid=$!; "
        "for i in $(seq 100); do ls " + dir + " | grep -q tmp && break; sleep 0.1; done; "
        "kill -" + signal + " $pid; wait $pid; status=$?; kill $writer 2>/dev/null; exit $status";
    Run r = shell(script);
    CHECK(r.exit_code == 128 + (std::string(signal) == "TERM" ? 15 : 2));
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename() != "trace.fifo") left.push_back(entry.path().filename().string());
    CHECK_MESSAGE(left.empty(), "left behind: ", left.size() ? left[0] : "");
  }
}
