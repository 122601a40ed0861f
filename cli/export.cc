// ftlens export TRACE -o OUT: the full timeline as Chrome JSON for the
// Perfetto UI, optionally a window of it (by time, CPUs, or a finding).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>

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

// Linux's largest CPU count (NR_CPUS): a CPU id at or past it is a typo.
constexpr int32_t kMaxCpus = 8192;

// A CPU id, the whole of `text`, in [0, kMaxCpus).
std::optional<int32_t> parse_cpu(std::string_view text) {
  int32_t cpu = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), cpu);
  if (ec != std::errc{} || end != text.data() + text.size() || cpu < 0 || cpu >= kMaxCpus) return std::nullopt;
  return cpu;
}

// "0,2-3" -> {0, 2, 3}: each CPU once, in order.
bool parse_cpu_list(const std::string& text, std::vector<int32_t>* cpus) {
  std::vector<bool> chosen(kMaxCpus, false);
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t dash = item.find('-');
    const auto lo = parse_cpu(item.substr(0, dash));
    const auto hi = dash == std::string_view::npos ? lo : parse_cpu(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo) return false;
    for (int32_t c = *lo; c <= *hi; ++c) chosen[static_cast<size_t>(c)] = true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (int32_t c = 0; c < kMaxCpus; ++c)
    if (chosen[static_cast<size_t>(c)]) cpus->push_back(c);
  return true;
}

// --from/--to: a time as the trace prints it. A bare number on the command
// line is seconds, even though the parser reads one in a trace as a
// counter-clock value.
std::optional<TimeNs> parse_window_time(const std::string& text) {
  auto ts = parse_timestamp(text);
  if (!ts) return std::nullopt;
  if (ts->fraction_digits != 0) return ts->ns;
  if (ts->ns > std::numeric_limits<TimeNs>::max() / 1'000'000'000) return std::nullopt;
  return ts->ns * 1'000'000'000;
}

// The window asked for, when the trace has nothing in it: CPUs it has no
// events of, or times before its first or after its last event.
std::optional<std::string> window_outside_trace(const TimelineOptions& window, const AnalysisResult& r) {
  const TimeStyle style = r.time_style();
  const std::string span = format_trace_time(r.first_ns, style) + " .. " + format_trace_time(r.last_ns, style);
  std::string has;
  for (int32_t cpu : r.cpus) has += (has.empty() ? "" : ",") + std::to_string(cpu);
  for (int32_t cpu : window.cpus)
    if (std::find(r.cpus.begin(), r.cpus.end(), cpu) == r.cpus.end())
      return "--cpus: " + r.path + " has no events on CPU " + std::to_string(cpu) + " (it has CPU " + has + ")";
  if ((window.to && *window.to < r.first_ns) || (window.from && *window.from > r.last_ns))
    return "--from/--to: the window holds none of " + r.path + ", which runs " + span;
  return std::nullopt;
}

int run_export(const ExportArgs& args) {
  AnalyzeOptions options = args.options;
  options.perfetto_path = args.output;
  options.timeline.flows = args.flows;
  options.timeline.handlers = !args.no_handlers;
  options.timeline.by_task = args.by_task;
  for (auto [name, text, slot] : {std::tuple{"--from", &args.from, &options.timeline.from},
                                   std::tuple{"--to", &args.to, &options.timeline.to}}) {
    if (text->empty()) continue;
    *slot = parse_window_time(*text);
    if (!*slot) {
      std::fprintf(stderr,
                   "ftlens: %s takes a time in trace seconds as the trace prints it (e.g. 1573.162047, at most %lld s), "
                   "got '%s'\n",
                   name, static_cast<long long>(std::numeric_limits<TimeNs>::max() / 1'000'000'000), text->c_str());
      return kExitUnusable;
    }
  }
  if (options.timeline.from && options.timeline.to && *options.timeline.to <= *options.timeline.from) {
    std::fprintf(stderr, "ftlens: --to %s is not after --from %s: the window is empty\n", args.to.c_str(),
                 args.from.c_str());
    return kExitUnusable;
  }
  if (!args.cpus.empty() && !parse_cpu_list(args.cpus, &options.timeline.cpus)) {
    std::fprintf(stderr, "ftlens: --cpus takes a list of CPUs from 0 to %d like 0,2-3, got '%s'\n", kMaxCpus - 1,
                 args.cpus.c_str());
    return kExitUnusable;
  }
  if (!args.around.empty())
    if (auto err = focus_on_finding(options, args.around)) {
      std::fprintf(stderr, "ftlens: %s\n", err->c_str());
      return kExitUnusable;
    }
  std::unique_ptr<ProgressLine> progress = terminal_progress("export: read", options);
  AnalyzeOutcome outcome = analyze(options);
  if (progress) progress->clear();
  if (!outcome.ok) {
    std::fprintf(stderr, "ftlens: %s\n", outcome.error.c_str());
    return kExitUnusable;
  }
  if (auto unfit = option_not_for_input(options, outcome.result)) {
    std::remove(args.output.c_str());
    std::fprintf(stderr, "ftlens: %s\n", unfit->c_str());
    return kExitUnusable;
  }
  if (auto unfit = window_outside_trace(options.timeline, outcome.result)) {
    // Already written by the analysis; a timeline of nothing is not kept.
    std::remove(args.output.c_str());
    std::fprintf(stderr, "ftlens: %s\n", unfit->c_str());
    return kExitUnusable;
  }
  if (!outcome.result.warning.empty()) std::fprintf(stderr, "ftlens: warning: %s\n", outcome.result.warning.c_str());
  std::fprintf(stdout, "wrote %s (%.1f MB of Chrome JSON for the Perfetto UI): %s\n", args.output.c_str(),
               static_cast<double>(outcome.perfetto_bytes) / 1e6, severity_counts(outcome.result).c_str());
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
  CLI::Option* from = command->add_option("--from", args->from, "start of the window, in trace seconds (as the trace prints them)");
  CLI::Option* to = command->add_option("--to", args->to, "end of the window, in trace seconds");
  command->add_option("--cpus", args->cpus, "only these CPUs, e.g. 0,2-3");
  // --around chooses the window itself; a --from/--to beside it would be overridden unseen.
  command->add_option("--around", args->around, "a finding id (F3): export the window around it, on its CPUs")
      ->excludes(from)
      ->excludes(to);
  command->add_option("--instance", args->options.instance, "trace.dat: this buffer instance instead of the top buffer");
  add_detector_settings(command, &args->options.sets, &args->options.config_path);
  return {command, [args] { return run_export(*args); }};
}

}  // namespace ftlens::cli
