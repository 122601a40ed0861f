// stuck-function on a few function_graph lines (the seed 000 chain).
#include <doctest/doctest.h>

#include <string>

#include "run_detectors.h"

using ftlens::Severity;
using ftlens::testing::DetectorRun;

namespace {

const char* const kHeader = "# tracer: function_graph\n";

std::string chain_open_until(const char* end) {
  return std::string(kHeader) +
         "  100.000000 |   1) kworker/1:3-10711 |               |  process_one_work() {\n"
         "  100.000001 |   1) kworker/1:3-10711 |               |    addrconf_dad_work() {\n"
         "  100.000002 |   1) kworker/1:3-10711 |   0.412 us    |      rtnl_lock();\n"
         "  100.000003 |   1) kworker/1:3-10711 |               |      __ipv6_dev_ac_inc() {\n" +
         "  " + end + " |   0)    <idle>-0    |   1.000 us    |  tick_nohz_handler();\n";
}

}  // namespace

TEST_CASE("stuck-function.a call open 22 s at the trace end is an error naming the deepest frame and its chain") {
  DetectorRun run("stuck-function");
  auto& found = run.run(chain_open_until("122.000003"));
  REQUIRE(found.size() == 1);
  const auto& f = found[0];
  CHECK(f.severity == Severity::kError);
  CHECK(f.cpu == 1);
  CHECK(f.pid == 10711);
  CHECK_FALSE(f.end);
  CHECK(f.duration == 22'000'000'000);
  CHECK(f.details["function"] == "__ipv6_dev_ac_inc");
  REQUIRE(f.details["chain"].size() == 3);
  CHECK(f.details["chain"][0]["function"] == "process_one_work");
  CHECK(f.message.find("process_one_work -> addrconf_dad_work -> __ipv6_dev_ac_inc") != std::string::npos);
}

TEST_CASE("stuck-function.a call open less than the warning threshold is a trace cut-off, not a finding") {
  DetectorRun run("stuck-function");
  CHECK(run.run(chain_open_until("100.500000")).empty());
}

TEST_CASE("stuck-function.a call that returned after too long is reported once, not again by its callers") {
  DetectorRun run("stuck-function");
  auto& found = run.run(std::string(kHeader) +
                        "  10.000000 |   0)    bash-1977    |               |  outer() {\n"
                        "  10.000001 |   0)    bash-1977    |               |    spin() {\n"
                        "  12.000001 |   0)    bash-1977    | $ 2000000 us    |    }\n"
                        "  12.000002 |   0)    bash-1977    | $ 2000002 us    |  }\n");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kWarning);
  CHECK(found[0].details["function"] == "spin");
  CHECK(found[0].end == 12'000'001'000);
  CHECK(found[0].details["open_at_end"] == false);
}

TEST_CASE("stuck-function.its thresholds are options") {
  DetectorRun run("stuck-function");
  run.set("warning", "10ms");
  run.set("error", "20ms");
  auto& found = run.run(chain_open_until("100.030000"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::kError);
}
