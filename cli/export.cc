// ftlens export TRACE -o OUT: the full timeline as Chrome JSON for the
// Perfetto UI, optionally a window of it (by time, CPUs, or a finding).
#include <charconv>
#include <cstdio>
#include <memory>
#include <string_view>

#include "analysis/analyze.h"
#include "cli/command.h"
#include "exporters/text_summary.h"
#include "parser/timestamp.h"

namespace ftlens::cli {

namespace {

struct ExportArgs {
  AnalyzeOptions options;
  std::string output, from, to, cpus, around;
  bool flows = false, no_handlers = false, by_task = false;
};

// "0,2-3" -> {0, 2, 3}
bool parse_cpu_list(const std::string& text, std::vector<int32_t>* cpus) {
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t dash = item.find('-');
    int32_t lo = 0, hi = 0;
    auto a = std::from_chars(item.data(), item.data() + (dash == std::string_view::npos ? item.size() : dash), lo);
    if (a.ec != std::errc{}) return false;
    hi = lo;
    if (dash != std::string_view::npos) {
      auto b = std::from_chars(item.data() + dash + 1, item.data() + item.size(), hi);
      if (b.ec != std::errc{} || hi < lo || hi - lo > 4096) return false;
    }
    for (int32_t c = lo; c <= hi; ++c) cpus->push_back(c);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !cpus->empty();
}

int run_export(const ExportArgs& args) {
  AnalyzeOptions options = args.options;
  options.perfetto_path = args.output;
  options.timeline.flows = args.flows;
  options.timeline.handlers = !args.no_handlers;
  options.timeline.by_task = args.by_task;
  for (auto [text, slot] : {std::pair{&args.from, &options.timeline.from}, std::pair{&args.to, &options.timeline.to}}) {
    if (text->empty()) continue;
    auto ts = parse_timestamp(*text);
    if (!ts) {
      std::fprintf(stderr, "ftlens: --from/--to take a time as the trace prints it (e.g. 1573.162047), got '%s'\n", text->c_str());
      return kExitUnusable;
    }
    // A bare number on the command line is seconds, even though the parser
    // reads one in a trace as a counter-clock value.
    *slot = ts->fraction_digits == 0 ? ts->ns * 1'000'000'000 : ts->ns;
  }
  if (!args.cpus.empty() && !parse_cpu_list(args.cpus, &options.timeline.cpus)) {
    std::fprintf(stderr, "ftlens: --cpus takes a list like 0,2-3, got '%s'\n", args.cpus.c_str());
    return kExitUnusable;
  }
  if (!args.around.empty())
    if (auto err = focus_on_finding(options, args.around)) {
      std::fprintf(stderr, "ftlens: %s\n", err->c_str());
      return kExitUnusable;
    }
  AnalyzeOutcome outcome = analyze(options);
  if (!outcome.ok) {
    std::fprintf(stderr, "ftlens: %s\n", outcome.error.c_str());
    return kExitUnusable;
  }
  write_text_summary(outcome.result, stdout);
  std::fprintf(stdout, "\nwrote %s (%.1f MB of Chrome JSON for the Perfetto UI)\n", args.output.c_str(),
               static_cast<double>(outcome.perfetto_bytes) / 1e6);
  return kExitOk;
}

}  // namespace

Command add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* command = app.add_subcommand("export", "write the full timeline as Chrome JSON for the Perfetto UI");
  command->add_option("TRACE", args->options.trace, "trace file, or - for stdin")->required();
  command->add_option("-o,--output", args->output, "the JSON file to write")->required();
  command->add_flag("--flows", args->flows, "draw wakeups as arrows from waker to wakee (one event pair per wakeup)");
  command->add_flag("--no-handlers", args->no_handlers, "leave out hard-irq and softirq slices");
  command->add_flag("--by-task", args->by_task, "also one process per task group with a track per task (where it ran)");
  command->add_option("--from", args->from, "start of the window, in trace seconds (as the trace prints them)");
  command->add_option("--to", args->to, "end of the window, in trace seconds");
  command->add_option("--cpus", args->cpus, "only these CPUs, e.g. 0,2-3");
  command->add_option("--around", args->around, "a finding id (F3): export the window around it, on its CPUs");
  command->add_option("--instance", args->options.instance, "trace.dat: this buffer instance instead of the top buffer");
  add_detector_settings(command, &args->options.sets, &args->options.config_path);
  return {command, [args] { return run_export(*args); }};
}

}  // namespace ftlens::cli
