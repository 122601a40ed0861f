// ftlens: find what went wrong in a Linux ftrace dump.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/analysis.h"
#include "exporters/json_report.h"
#include "exporters/text_summary.h"

namespace {

constexpr int kExitOk = 0, kExitFindings = 1, kExitUnusable = 2;

int run_analyze(const ftlens::AnalyzeOptions& options, const std::string& report_path, const std::string& fail_on) {
  ftlens::AnalyzeOutcome outcome = ftlens::analyze(options);
  if (!outcome.ok) {
    std::fprintf(stderr, "ftlens: %s\n", outcome.error.c_str());
    return kExitUnusable;
  }
  if (!report_path.empty()) {
    std::string err = ftlens::write_report(outcome.result, report_path);
    if (!err.empty()) {
      std::fprintf(stderr, "ftlens: %s\n", err.c_str());
      return kExitUnusable;
    }
  }
  if (report_path != "-") ftlens::write_text_summary(outcome.result, stdout);
  if (fail_on.empty()) return kExitOk;
  const auto threshold = ftlens::severity_from_name(fail_on);
  for (const auto& f : outcome.result.findings)
    if (f.severity >= *threshold) return kExitFindings;
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ftlens: reads a Linux ftrace dump and reports what went wrong (stuck work, CPUs that stopped "
               "scheduling, missed watchdog kicks)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ftlens 0.1.0");

  ftlens::AnalyzeOptions options;
  std::string report_path, fail_on;
  CLI::App* analyze = app.add_subcommand("analyze", "analyze one trace and print a summary");
  analyze->add_option("TRACE", options.trace, "trace file, or - for stdin")->required();
  analyze->add_option("--report", report_path, "write the JSON report (CONTRACT.md schema 1) here; - for stdout");
  analyze->add_option("--perfetto", options.perfetto_path, "write Chrome JSON for the Perfetto UI here");
  analyze->add_option("--instance", options.instance, "trace.dat: analyze this buffer instance instead of the top buffer");
  analyze->add_option("--dmesg", options.dmesg_path, "kernel log of the same boot, searched for lockup and stall reports");
  analyze->add_option("--config", options.config_path, "JSON file of detector options: {\"detector\": {\"key\": value}}");
  analyze->add_option("--set", options.sets, "override one detector option, e.g. non-preempted.error=5s");
  analyze->add_option("--fail-on", fail_on, "exit 1 when a finding has at least this severity")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  analyze->footer("Detector options (--set DETECTOR.KEY=VALUE):\n" + ftlens::describe_detector_options());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUnusable;
  }
  if (analyze->parsed()) return run_analyze(options, report_path, fail_on);
  return kExitUnusable;
}
