#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "exporters/analysis_result.h"
#include "exporters/json_report.h"
#include "exporters/perfetto_json.h"
#include "exporters/text_summary.h"
#include "model/timeline.h"
#include "parser/string_pool.h"
#include "util/counted.h"

using namespace ftlens;

namespace {

AnalysisResult stuck_result() {
  AnalysisResult r;
  r.path = "t.txt";
  r.format = "ftrace-text";
  r.events = 10;
  r.cpus = {0, 4};
  r.first_ns = 1573162047000;
  r.last_ns = 1595644768000;
  r.fraction_digits = 6;
  Finding f;
  f.id = "F1";
  f.detector = "unterminated-work";
  f.severity = Severity::kError;
  f.cpu = 4;
  f.pid = 10711;
  f.comm = "kworker/4:3";
  f.start = 1573162047000;
  f.duration = 22482721000;
  f.message = "addrconf_dad_work (work 0xd8c3cb7c) started on CPU4 and never finished";
  f.details["function"] = "addrconf_dad_work";
  r.findings.push_back(f);
  Finding w;
  w.id = "F2";
  w.detector = "long-work";
  w.severity = Severity::kWarning;
  w.start = 1580000000000;
  w.end = 1581000000000;
  w.duration = 1000000000;
  w.message = "slow";
  r.findings.push_back(w);
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_path(const char* name) { return std::string("/tmp/ftlens_exporters_") + name; }

}  // namespace

TEST_CASE("report.has the contract's fields, with null for what never ended") {
  auto report = build_report(stuck_result());
  CHECK(report["schema"] == 1);
  CHECK(report["tool"]["name"] == "ftlens");
  for (const char* key : {"path", "format", "bytes", "events", "cpus", "first_ns", "last_ns", "skipped_lines", "lost_events"})
    CHECK_MESSAGE(report["input"].contains(key), key);
  const auto& f = report["findings"][0];
  CHECK(f["detector"] == "unterminated-work");
  CHECK(f["severity"] == "error");
  CHECK(f["cpu"] == 4);
  CHECK(f["end_ns"].is_null());
  CHECK(f["duration_ns"] == 22482721000);
  CHECK(f["details"]["function"] == "addrconf_dad_work");
  CHECK(report["findings"][1]["cpu"].is_null());
  CHECK(report["findings"][1]["end_ns"] == 1581000000000);
  CHECK(report["stats"].contains("repaired_switches"));
}

TEST_CASE("report.written atomically and readable back") {
  const std::string path = temp_path("report.json");
  std::remove(path.c_str());
  REQUIRE(write_report(stuck_result(), path).ok());
  auto parsed = nlohmann::json::parse(read_file(path));
  CHECK(parsed["findings"].size() == 2);
  const Status unwritable = write_report(stuck_result(), "/nonexistent-dir/r.json");
  CHECK(unwritable.code() == ErrorCode::kIo);
  CHECK(unwritable.message().find("/nonexistent-dir/r.json: cannot create") == 0);
}

TEST_CASE("summary.lists errors first with the trace's own timestamp format") {
  const std::string path = temp_path("summary.txt");
  std::FILE* out = std::fopen(path.c_str(), "w");
  REQUIRE(out);
  write_text_summary(stuck_result(), out);
  std::fclose(out);
  const std::string text = read_file(path);
  CHECK(text.find("1 error, 1 warning, 0 info") != std::string::npos);  // singular for one
  CHECK(text.find("at 1573.162047") != std::string::npos);
  CHECK(text.find("for 22.482721s (open at trace end)") != std::string::npos);
  CHECK(text.find("error   F1") < text.find("warning F2"));
}

TEST_CASE("perfetto.spans, open work and findings give valid Chrome JSON even with hostile comms") {
  const std::string path = temp_path("perfetto.json");
  StringPool pool;
  SystemModel model(nullptr);
  PerfettoJsonWriter writer(path, pool);
  REQUIRE(writer.ok());
  TaskSpan span;
  span.cpu = 4;
  span.pid = 10711;
  span.comm = pool.intern(std::string("evil\"\\\x01\xff", 6));
  span.start = 1000;
  span.end = 2500;
  span.end_seen = true;
  writer.on_task_span(span, model);
  WorkItem item{0xd8c3cb7c, pool.intern("addrconf_dad_work"), 10711, span.comm, 4, 1200};
  writer.on_work_done(item, 2400, model);
  REQUIRE(writer.finish(model, stuck_result()).ok());

  auto json = nlohmann::json::parse(read_file(path), nullptr, false);
  REQUIRE_FALSE(json.is_discarded());
  int slices = 0, findings = 0, cpu_names = 0;
  for (const auto& e : json["traceEvents"]) {
    if (e["ph"] == "X") {
      ++slices;
      CHECK(e["dur"].get<double>() >= 0);
      if (e["pid"] == 1) ++findings;
    }
    if (e["ph"] == "M" && e["name"] == "process_name" && e["args"]["name"] == "CPU 4") ++cpu_names;
  }
  CHECK(slices == 4);  // task, work item, two findings
  CHECK(findings == 2);
  CHECK(cpu_names == 1);
  for (const auto& e : json["traceEvents"])
    if (e["ph"] == "X") {
      CHECK(e["ts"].get<double>() == doctest::Approx(1.0));  // 1000 ns = 1.000 us
      break;
    }
}

TEST_CASE("perfetto.handler slices go on their context's track, flows pair waker and wakee, the window clips") {
  const std::string path = temp_path("perfetto_window.json");
  StringPool pool;
  SystemModel model(nullptr);
  TimelineOptions options;
  options.flows = true;
  options.from = 1000;
  options.to = 5000;
  options.cpus = {0, 1};
  PerfettoJsonWriter writer(path, pool, options);
  HandlerSpan irq{0, HandlerSpan::Kind::kIrq, pool.intern("timer"), 30, 500, 2000, true};
  HandlerSpan soft{1, HandlerSpan::Kind::kSoftirq, pool.intern("RCU"), 9, 1500, 1800, true};
  HandlerSpan outside{0, HandlerSpan::Kind::kIrq, pool.intern("late"), 31, 9000, 9500, true};
  HandlerSpan other_cpu{2, HandlerSpan::Kind::kIrq, pool.intern("x"), 32, 1500, 1600, true};
  for (const auto& span : {irq, soft, outside, other_cpu}) writer.on_handler_span(span, model);
  WaitingTask woken{9, pool.intern("netd"), 1, 1200, 0, true};
  writer.on_wakeup_served(woken, 1, 3000, model);
  REQUIRE(writer.finish(model, AnalysisResult{}).ok());

  auto json = nlohmann::json::parse(read_file(path));
  std::vector<nlohmann::json> slices, flows;
  for (const auto& e : json["traceEvents"]) {
    if (e["ph"] == "X") slices.push_back(e);
    if (e["ph"] == "s" || e["ph"] == "f") flows.push_back(e);
  }
  REQUIRE(slices.size() == 2);
  CHECK(slices[0]["name"] == "irq 30 timer");
  CHECK(slices[0]["tid"] == 3);                          // hardirq track
  CHECK(slices[0]["ts"].get<double>() == doctest::Approx(1.0));   // clipped to the window start
  CHECK(slices[0]["dur"].get<double>() == doctest::Approx(1.0));
  CHECK(slices[1]["tid"] == 4);                          // softirq track
  CHECK(slices[1]["pid"] == 101);
  REQUIRE(flows.size() == 2);
  CHECK(flows[0]["pid"] == 100);
  CHECK(flows[0]["tid"] == 3);  // woken from an interrupt on CPU 0
  CHECK(flows[1]["pid"] == 101);
  CHECK(flows[0]["id"] == flows[1]["id"]);
}

TEST_CASE("a count of one is singular and any other count plural") {
  CHECK(counted(0, "error") == "0 errors");
  CHECK(counted(1, "error") == "1 error");
  CHECK(counted(2, "warning") == "2 warnings");
  CHECK(counted(1, "CPU") == "1 CPU");
}
