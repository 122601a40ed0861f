// ftlens merge PART...: the reports of `ftlens scan --shard K/N`, all N of
// them, into the report one scan of everything would have written.
#include <cstdio>
#include <memory>

#include "analysis/scan.h"
#include "analysis/shard.h"
#include "cli/command.h"
#include "exporters/scan_report.h"

namespace ftlens::cli {

namespace {

struct MergeArgs {
  std::vector<std::string> parts;
  ScanOutputs outputs;
};

int run_merge(const MergeArgs& args) {
  if (!fail_on_new_has_baseline(args.outputs)) return kExitUnusable;
  const Baseline baseline = load_baseline(args.outputs.baseline);
  if (!baseline.report) {
    std::fprintf(stderr, "ftlens: %s\n", baseline.error.c_str());
    return kExitUnusable;
  }
  MergedEntries merged = merge_shard_entries(args.parts);
  if (!merged.error.empty()) {
    std::fprintf(stderr, "ftlens: merge: %s\n", merged.error.c_str());
    return kExitUnusable;
  }
  auto report = assemble_scan_report(std::move(merged.entries), std::move(merged.skipped),
                                     args.outputs.baseline.empty() ? nullptr : &*baseline.report, std::move(merged.roots));
  return deliver_scan_report(report, args.outputs, false, merged.analysis_ns);
}

}  // namespace

Command add_merge_command(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  ScanOutputs& outputs = args->outputs;
  CLI::App* command = app.add_subcommand("merge", "combine the reports of ftlens scan --shard K/N into the report of one scan");
  command->add_option("PART", args->parts, "the shard reports, all N of them, in any order")->required();
  command->add_option("-o,--report", outputs.report, "write the combined JSON report here")->required();
  command->add_option("--junit", outputs.junit, "write JUnit XML here (a testcase per trace)");
  command->add_option("--html", outputs.html, "write a self-contained HTML page here: the traces table, a timeline and the groups per trace");
  command->add_option("--baseline", outputs.baseline, "a previous scan report: say what is new, fixed, still present");
  add_scan_fail_on(command, &outputs.fail_on);
  return {command, [args] { return run_merge(*args); }};
}

}  // namespace ftlens::cli
