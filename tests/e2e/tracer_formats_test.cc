// End-to-end: the other forms one recording takes (trace-cmd report's -l and
// -R modes, the latency-format, verbose, raw and hex trace_options) and the
// latency tracers' header, on real recordings of this VM's kernel.
#include <doctest/doctest.h>

#include <string>

#include "e2e/cli_runner.h"

using nlohmann::json;
using namespace ftlens::testing;

namespace {

json analyze(const std::string& name) {
  const std::string report = scratch(name + ".json");
  Run r = run_ftlens("analyze " + std::string(FTLENS_TRACES) + "/" + name + " --report " + report);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return read_json(report);
}

}  // namespace

TEST_CASE("tracer formats.trace-cmd report -l, -R, -t and --ts-diff give every event the trace.dat holds, typed") {
  const json dat = analyze("real_small_v7.dat");
  for (const char* name : {"real_report_latency_small_v7.txt", "real_report_raw_small_v7.txt",
                           "real_report_nanoseconds_small_v7.txt", "real_report_ts_diff_small_v7.txt"}) {
    CAPTURE(name);
    const json text = analyze(name);
    CHECK(text["input"]["skipped_lines"] == 0);
    CHECK(text["input"]["malformed_payloads"] == 0);
    CHECK(text["input"]["events"] == dat["input"]["events"]);
    CHECK(text["input"]["cpus"] == dat["input"]["cpus"]);
    CHECK(text["coverage"] == dat["coverage"]);  // the same event types were read
    CHECK(text["findings"].size() == dat["findings"].size());
  }
}

TEST_CASE("tracer formats.report of a file with a buffer instance: its lines are read with the top's, named") {
  const json plain = analyze("real_report_nanoseconds_small_v7.txt");
  const json r = analyze("derived_report_instance_irqs_small_v7.txt");
  CHECK(r["input"]["skipped_lines"] == 0);
  CHECK(r["input"]["instances"] == json::array({"irqs"}));
  CHECK(r["input"]["instance_lines"] == 173);
  CHECK(r["input"]["events"] == plain["input"]["events"]);
  CHECK(r["coverage"] == plain["coverage"]);
  CHECK(r["findings"].size() == plain["findings"].size());
}

TEST_CASE("tracer formats.report --cpu 0 leaves CPU1 out: IPIs sent to it are not judged, not warned about") {
  const json r = analyze("real_report_cpu0_small_v7.txt");
  CHECK(r["input"]["cpus"] == json::array({0}));
  for (const auto& f : r["findings"]) {
    CAPTURE(f["message"]);
    CHECK(f["severity"] == "info");
  }
}

TEST_CASE("tracer formats.the latency-format and verbose options are read line for line") {
  for (const char* name : {"real_latency_format_sched.txt", "real_latency_format_verbose_sched.txt"}) {
    CAPTURE(name);
    const json r = analyze(name);
    CHECK(r["input"]["skipped_lines"] == 0);
    CHECK(r["input"]["malformed_payloads"] == 0);
    CHECK(r["input"]["lines"].get<int64_t>() - r["input"]["header_lines"].get<int64_t>() == r["input"]["events"]);
    CHECK(r["input"]["cpus"] == json::array({0, 1}));
    CHECK(r["input"]["latency_reports"] == 0);  // the nop tracer measures nothing
  }
}

TEST_CASE("tracer formats.raw and hex events are counted with their CPUs, not skipped") {
  for (const char* name : {"real_option_raw_sched.txt", "real_option_hex_sched.txt"}) {
    CAPTURE(name);
    const json r = analyze(name);
    CHECK(r["input"]["skipped_lines"] == 0);
    CHECK(r["input"]["events"].get<int64_t>() > 100);
    CHECK(r["input"]["uninterpreted_payloads"] == r["input"]["events"]);
    CHECK(r["input"]["cpus"] == json::array({0, 1}));
  }
}

TEST_CASE("tracer formats.an irqsoff header's maximum is a latency-trace finding on its CPU") {
  const json r = analyze("derived_irqsoff_8ms_cpu1_from_latency_format.txt");
  CHECK(r["input"]["latency_reports"] == 1);
  CHECK(r["input"]["skipped_lines"] == 0);
  const json* found = nullptr;
  for (const auto& f : r["findings"])
    if (f["detector"] == "latency-trace") found = &f;
  REQUIRE(found);
  CHECK((*found)["severity"] == "warning");
  CHECK((*found)["cpu"] == 1);
  CHECK((*found)["pid"] == 16941);
  CHECK((*found)["duration_ns"] == 8'014'000);
  CHECK((*found)["details"]["started_at"] == "__schedule");
  CHECK((*found)["details"]["section_events"] == 9);
}
