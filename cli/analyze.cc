// ftlens analyze TRACE: one trace, a summary on stdout, the JSON report and
// the Perfetto JSON where asked.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "analysis/analyze.h"
#include "analysis/detector_config.h"
#include "cli/command.h"
#include "exporters/html_report.h"
#include "exporters/json_report.h"
#include "exporters/text_summary.h"

namespace ftlens::cli {

namespace {

struct AnalyzeArgs {
  AnalyzeOptions options;
  std::string report_path, fail_on, html_path;
};

int run_analyze(const AnalyzeArgs& args) {
  AnalyzeOptions options = args.options;
  std::unique_ptr<ProgressLine> progress = terminal_progress("analyze: read", options);
  AnalyzeOutcome outcome = analyze(options);
  if (progress) progress->clear();
  if (!outcome.ok) {
    std::fprintf(stderr, "ftlens: %s\n", outcome.error.c_str());
    return kExitUnusable;
  }
  if (auto unfit = option_not_for_input(args.options, outcome.result)) {
    std::fprintf(stderr, "ftlens: %s\n", unfit->c_str());
    return kExitUnusable;
  }
  if (!args.report_path.empty()) {
    if (Status written = write_report(outcome.result, args.report_path); !written.ok()) {
      std::fprintf(stderr, "ftlens: %s\n", written.message().c_str());
      return kExitUnusable;
    }
  }
  if (!args.html_path.empty()) {
    // The Perfetto JSON linked relative to the page, so the two move together.
    std::string perfetto;
    if (!options.perfetto_path.empty())
      perfetto = std::filesystem::relative(std::filesystem::absolute(options.perfetto_path),
                                           std::filesystem::absolute(args.html_path).parent_path()).string();
    if (!write_text_file(args.html_path, build_trace_html(build_report(outcome.result), perfetto))) return kExitUnusable;
  }
  if (args.report_path != "-") write_text_summary(outcome.result, stdout);
  if (args.fail_on.empty()) return kExitOk;
  const auto threshold = severity_from_name(args.fail_on);
  for (const auto& f : outcome.result.findings)
    if (f.severity >= *threshold) return kExitFindings;
  return kExitOk;
}

}  // namespace

Command add_analyze_command(CLI::App& app) {
  auto args = std::make_shared<AnalyzeArgs>();
  AnalyzeOptions& options = args->options;
  CLI::App* command = app.add_subcommand("analyze", "analyze one trace and print a summary");
  command->add_option("TRACE", options.trace, "trace file, or - for stdin")->required();
  command->add_option("--report", args->report_path, "write the JSON report (CONTRACT.md schema 1) here; - for stdout");
  command->add_option("--perfetto", options.perfetto_path, "write Chrome JSON for the Perfetto UI here");
  command->add_option("--html", args->html_path,
                      "write a self-contained HTML page here: the timeline per CPU, the groups, the findings "
                      "(with --perfetto, linked)");
  command->add_option("--instance", options.instance, "trace.dat: analyze this buffer instance instead of the top buffer");
  command->add_option("--dmesg", options.dmesg_path, "kernel log of the same boot, searched for lockup and stall reports");
  add_detector_settings(command, &options.sets, &options.config_path,
                        "JSON file of detector options: {\"detector\": {\"key\": value}}");
  command->add_option("--fail-on", args->fail_on, "exit 1 when a finding has at least this severity")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  // Built only when help is printed: it instantiates every detector.
  command->footer([] { return "Detector options (--set DETECTOR.KEY=VALUE):\n" + describe_detector_options(); });
  return {command, [args] { return run_analyze(*args); }};
}

}  // namespace ftlens::cli
