// ftlens scan DIR...: every trace under directories, analyzed in parallel,
// into one report; --shard K/N analyzes one slice of them (cli/merge.cc puts
// the slices back together).
#include <unistd.h>  // isatty

#include <cstdio>
#include <memory>
#include <optional>

#include "analysis/scan.h"
#include "analysis/shard.h"
#include "cli/command.h"

namespace ftlens::cli {

namespace {

struct ScanArgs {
  ScanOptions options;
  ScanOutputs outputs;
  std::string shard;
};

int run_scan(const ScanArgs& args) {
  if (!fail_on_new_has_baseline(args.outputs)) return kExitUnusable;
  std::optional<Shard> shard;
  if (!args.shard.empty()) {
    shard = parse_shard(args.shard);
    if (!shard) {
      std::fprintf(stderr, "ftlens: --shard %s: expected K/N with 1 <= K <= N\n", args.shard.c_str());
      return kExitUnusable;
    }
    if (!args.outputs.baseline.empty()) {
      std::fprintf(stderr, "ftlens: --baseline compares the whole scan: give it to ftlens merge, not to a shard\n");
      return kExitUnusable;
    }
  }
  const Baseline baseline = load_baseline(args.outputs.baseline);
  if (!baseline.report) {
    std::fprintf(stderr, "ftlens: %s\n", baseline.error.c_str());
    return kExitUnusable;
  }
  ScanOptions options = args.options;
  if (options.jobs < 0) {
    std::fprintf(stderr, "ftlens: -j %d: the number of traces analyzed at once is 0 (one per core) or more\n", options.jobs);
    return kExitUnusable;
  }
  if (options.jobs > max_scan_jobs()) {
    std::fprintf(stderr, "ftlens: -j %d is more than 4 per core: analyzing %d traces at once\n", options.jobs,
                 max_scan_jobs());
    options.jobs = max_scan_jobs();
  }
  options.progress = ::isatty(2) != 0;
  ScanOutcome outcome = scan_to_report(options, shard, args.outputs.baseline.empty() ? nullptr : &*baseline.report);
  for (const std::string& m : outcome.missing) std::fprintf(stderr, "ftlens: %s: no such file or directory\n", m.c_str());
  if (!outcome.notice.empty()) std::fprintf(stderr, "ftlens: %s\n", outcome.notice.c_str());
  if (!outcome.error.empty()) {
    std::fprintf(stderr, "ftlens: %s\n", outcome.error.c_str());
    return kExitUnusable;
  }
  // A shard may hold no trace at all; the merge needs its (empty) part.
  return deliver_scan_report(outcome.report, args.outputs, shard.has_value(), outcome.analysis_ns);
}

}  // namespace

Command add_scan_command(CLI::App& app) {
  auto args = std::make_shared<ScanArgs>();
  ScanOptions& options = args->options;
  ScanOutputs& outputs = args->outputs;
  CLI::App* command = app.add_subcommand("scan", "analyze every trace under directories, in parallel, into one report");
  command->add_option("DIR_OR_FILE", options.roots, "directories (searched recursively, traces found by content) and files")
      ->required();
  command->add_option("-j,--jobs", options.jobs, "traces analyzed at once (default: one per core; at most 4 per core)");
  command->add_option("--report", outputs.report, "write the aggregate JSON report here");
  command->add_option("--junit", outputs.junit, "write JUnit XML here (a testcase per trace)");
  command->add_option("--html", outputs.html, "write a self-contained HTML page here: the traces table, a timeline and the groups per trace");
  command->add_option("--perfetto-dir", options.perfetto_dir, "write each trace's Perfetto JSON here; the HTML links to them");
  command->add_option("--baseline", outputs.baseline, "a previous scan report: say what is new, fixed, still present");
  command->add_flag("--in-process", options.in_process,
                    "analyze the traces in this process, not one child process each (for debugging ftlens: the first "
                    "crash ends the scan)");
  add_scan_fail_on(command, &outputs.fail_on);
  add_detector_settings(command, &options.analyze.sets, &options.analyze.config_path);
  command->add_option("--shard", args->shard,
                      "K/N: analyze only slice K of N (by a hash of each trace's path under its root; the same on every "
                      "machine); combine the N reports with ftlens merge");
  return {command, [args] { return run_scan(*args); }};
}

}  // namespace ftlens::cli
