#include <doctest/doctest.h>

#include <string_view>

#include "detectors/correlate.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"

using namespace ftlens;

namespace {
// What the registered detector stamps on its findings.
void stamp_as(Finding& f, std::string_view detector) {
  StringPool pool;
  for (auto& d : make_all_detectors(DetectorContext{pool}))
    if (d->id() == detector) {
      f.cause_rank = d->cause_rank();
      f.is_report = d->relays_reports();
      return;
    }
  FAIL("no detector ", std::string(detector));
}

Finding make(const char* id, const char* detector, int32_t cpu, TimeNs start, std::optional<TimeNs> end,
             Severity severity = Severity::kError) {
  Finding f;
  f.id = id;
  f.detector = detector;
  stamp_as(f, detector);
  f.cpu = cpu;
  f.start = start;
  f.end = end;
  f.severity = severity;
  return f;
}
}  // namespace

TEST_CASE("correlate.findings on one CPU at one time form a group whose root is the unfinished work") {
  std::vector<Finding> f = {make("F1", "watchdog-gap", 4, 100, std::nullopt), make("F2", "non-preempted", 4, 200, std::nullopt),
                            make("F3", "unterminated-work", 4, 210, std::nullopt),
                            make("F4", "long-work", 0, 150, 160, Severity::kWarning),
                            make("F5", "kernel-report", 4, 5000000000, 5000000001)};
  correlate_findings(f, 10'000'000'000);
  CHECK(f[0].group == "G1");
  CHECK(f[1].group == "G1");
  CHECK(f[2].group == "G1");
  CHECK(f[2].root_cause);
  CHECK_FALSE(f[0].root_cause);
  CHECK(f[3].group.empty());
  CHECK(f[4].group == "G1");
  CHECK(f[4].details["explains"].size() == 3);
  CHECK(f[2].related == std::vector<std::string>{"F1", "F2", "F5"});
}

TEST_CASE("correlate.an error the trace shows alone is its own root cause; a lone warning or kernel report is no group") {
  std::vector<Finding> f = {make("F1", "unterminated-work", 4, 100, std::nullopt),
                            make("F2", "long-work", 0, 150, 160, Severity::kWarning),
                            make("F3", "kernel-report", 2, 5000000000, 5000000001)};
  correlate_findings(f, 10'000'000'000);
  CHECK(f[0].group == "G1");
  CHECK(f[0].root_cause);
  CHECK(f[0].related.empty());
  CHECK(f[1].group.empty());
  CHECK(f[2].group.empty());
  CHECK_FALSE(f[2].root_cause);
}

TEST_CASE("correlate.the finding that counts findings beyond max_findings is no root cause of its own") {
  Finding fold = make("F1", "unterminated-work", 0, 100, 900);
  fold.cpu.reset();
  fold.is_fold = true;
  std::vector<Finding> f = {fold};
  correlate_findings(f, 10'000'000'000);
  CHECK(f[0].group.empty());
  CHECK_FALSE(f[0].root_cause);
}

TEST_CASE("correlate.an unanswered IPI joins its target's and its senders' findings; info never groups") {
  Finding ipi = make("F2", "ipi-unanswered", 0, 500, std::nullopt);
  ipi.related_cpus = {1};  // its sender
  std::vector<Finding> f = {make("F1", "cpu-silent", 0, 400, std::nullopt), ipi,
                            make("F3", "non-preempted", 1, 450, std::nullopt),
                            make("F4", "cpu-silent", 2, 400, std::nullopt, Severity::kInfo)};
  correlate_findings(f, 10'000'000'000);
  CHECK(f[0].root_cause);
  CHECK(f[2].group == f[0].group);
  CHECK(f[1].group == f[0].group);
  CHECK(f[3].group.empty());
}

TEST_CASE("correlate.a watchdog's panic joins the report it panicked for, which is the root cause") {
  Finding lockup = make("F1", "kernel-report", 3, 1'000'000'000, 24'000'000'000);
  lockup.details["input_line"] = 5;
  lockup.details["source"] = "kernel log";
  Finding panic = make("F2", "kernel-report", 0, 24'001'000'000, 24'001'000'000);
  panic.cpu.reset();
  panic.details["input_line"] = 6;
  panic.details["source"] = "kernel log";
  panic.details["caused_by_line"] = 5;
  std::vector<Finding> f = {lockup, panic};
  correlate_findings(f, 30'000'000'000);
  CHECK(f[0].group == "G1");
  CHECK(f[1].group == "G1");
  CHECK(f[0].root_cause);
  CHECK_FALSE(f[1].root_cause);
}
