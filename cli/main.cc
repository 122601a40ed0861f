// ftlens: find what went wrong in a Linux ftrace dump.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>

#include <unistd.h>  // isatty

#include <filesystem>
#include <fstream>
#include <optional>

#include "cli/analysis.h"
#include "cli/record.h"
#include "cli/scan.h"
#include "cli/shard.h"
#include "exporters/json_report.h"
#include "exporters/output_file.h"
#include "exporters/scan_report.h"
#include "exporters/text_summary.h"
#include "parser/timestamp.h"

namespace {

constexpr int kExitOk = 0, kExitFindings = 1, kExitUnusable = 2;

int run_analyze(const ftlens::AnalyzeOptions& options, const std::string& report_path, const std::string& fail_on) {
  ftlens::AnalyzeOutcome outcome = ftlens::analyze(options);
  if (!outcome.ok) {
    std::fprintf(stderr, "ftlens: %s\n", outcome.error.c_str());
    return kExitUnusable;
  }
  if (!report_path.empty()) {
    if (ftlens::Status written = ftlens::write_report(outcome.result, report_path); !written.ok()) {
      std::fprintf(stderr, "ftlens: %s\n", written.message().c_str());
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

struct ExportArgs {
  std::string output, from, to, cpus, around;
  bool flows = false, no_handlers = false, by_task = false;
};

int run_export(ftlens::AnalyzeOptions options, const ExportArgs& args) {
  options.perfetto_path = args.output;
  options.timeline.flows = args.flows;
  options.timeline.handlers = !args.no_handlers;
  options.timeline.by_task = args.by_task;
  for (auto [text, slot] : {std::pair{&args.from, &options.timeline.from}, std::pair{&args.to, &options.timeline.to}}) {
    if (text->empty()) continue;
    auto ts = ftlens::parse_timestamp(*text);
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
  if (!args.around.empty()) {
    // Two passes: find the finding, then export the window around it.
    if (options.trace == "-") {
      std::fprintf(stderr, "ftlens: --around reads the trace twice and cannot take stdin\n");
      return kExitUnusable;
    }
    ftlens::AnalyzeOptions first = options;
    first.perfetto_path.clear();
    ftlens::AnalyzeOutcome found = ftlens::analyze(first);
    if (!found.ok) {
      std::fprintf(stderr, "ftlens: %s\n", found.error.c_str());
      return kExitUnusable;
    }
    const auto& findings = found.result.findings;
    auto it = std::find_if(findings.begin(), findings.end(), [&](const ftlens::Finding& f) { return f.id == args.around; });
    if (it == findings.end()) {
      std::fprintf(stderr, "ftlens: %s: no finding %s (it has %zu)\n", options.trace.c_str(), args.around.c_str(), findings.size());
      return kExitUnusable;
    }
    const ftlens::TimeNs end = it->end ? *it->end : found.result.last_ns;
    const ftlens::TimeNs margin = std::max<ftlens::TimeNs>(1'000'000'000, (end - it->start) / 10);
    options.timeline.from = it->start - margin;
    options.timeline.to = end + margin;
    if (options.timeline.cpus.empty()) {
      for (const auto& f : findings)
        if ((&f == &*it || (!it->group.empty() && f.group == it->group)) && f.cpu) options.timeline.cpus.push_back(*f.cpu);
      if (it->details.contains("senders"))
        for (const auto& s : it->details["senders"]) options.timeline.cpus.push_back(s["cpu"].get<int32_t>());
    }
  }
  ftlens::AnalyzeOutcome outcome = ftlens::analyze(options);
  if (!outcome.ok) {
    std::fprintf(stderr, "ftlens: %s\n", outcome.error.c_str());
    return kExitUnusable;
  }
  ftlens::write_text_summary(outcome.result, stdout);
  std::fprintf(stdout, "\nwrote %s (%.1f MB of Chrome JSON for the Perfetto UI)\n", args.output.c_str(),
               static_cast<double>(outcome.perfetto_bytes) / 1e6);
  return kExitOk;
}

struct ScanArgs {
  std::string report, junit, html, baseline, fail_on, shard;
};

bool write_text_file(const std::string& path, const std::string& text) {
  ftlens::OutputFile out(path);
  if (out.ok()) std::fwrite(text.data(), 1, text.size(), out.get());
  const ftlens::Status written = out.commit();
  if (!written.ok()) std::fprintf(stderr, "ftlens: %s\n", written.message().c_str());
  return written.ok();
}

std::optional<nlohmann::json> read_baseline(const std::string& path) {
  nlohmann::json baseline;
  if (path.empty()) return baseline;
  std::ifstream in(path);
  baseline = nlohmann::json::parse(in, nullptr, false);
  if (!in || baseline.is_discarded() || !baseline.contains("traces") || !baseline["traces"].is_array()) {
    std::fprintf(stderr, "ftlens: %s: not a scan report (no \"traces\")\n", path.c_str());
    return std::nullopt;
  }
  // What the comparison reads: each trace's path and its findings'
  // fingerprints (older reports may lack the rest).
  for (const auto& t : baseline["traces"]) {
    bool ok = t.is_object() && (!t.contains("path") || t["path"].is_string()) &&
              (!t.contains("findings") || t["findings"].is_array());
    if (ok && t.contains("findings"))
      for (const auto& f : t["findings"]) ok = ok && f.is_object() && (!f.contains("fingerprint") || f["fingerprint"].is_string());
    if (!ok) {
      std::fprintf(stderr, "ftlens: %s: not a scan report (a trace entry with a path, findings or fingerprint of the wrong type)\n",
                   path.c_str());
      return std::nullopt;
    }
  }
  return baseline;
}

// What scan and merge do with a finished report: write it and its JUnit and
// HTML forms, print the summary, and choose the exit code.
int deliver_scan_report(const nlohmann::ordered_json& report, const ScanArgs& args, bool empty_is_ok) {
  if (!args.report.empty() &&
      !write_text_file(args.report, report.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n"))
    return kExitUnusable;
  const auto fail_at = ftlens::severity_from_name(args.fail_on == "new" ? "warning" : args.fail_on.empty() ? "error" : args.fail_on);
  if (!args.junit.empty() && !write_text_file(args.junit, ftlens::build_junit(report, *fail_at))) return kExitUnusable;
  if (!args.html.empty()) {
    // Links relative to the page, so the folder can be moved or served.
    auto page = report;
    const auto base = std::filesystem::absolute(args.html).parent_path();
    for (auto& t : page["traces"])
      if (t.contains("perfetto"))
        t["perfetto"] = std::filesystem::relative(std::filesystem::absolute(t["perfetto"].get<std::string>()), base).string();
    if (!write_text_file(args.html, ftlens::build_scan_html(page))) return kExitUnusable;
  }
  ftlens::write_scan_summary(report, stdout);

  const auto& scan = report["scan"];
  if (scan["analyzed"].get<size_t>() == 0 && !(empty_is_ok && scan["traces"].get<size_t>() == 0)) return kExitUnusable;
  if (args.fail_on == "new") {
    for (const auto& f : report["comparison"]["new"])
      if (f["severity"] != "info") return kExitFindings;
    return kExitOk;
  }
  if (args.fail_on.empty()) return kExitOk;
  for (const auto& t : report["traces"])
    if (t["ok"].get<bool>())
      for (const auto& f : t["findings"])
        if (ftlens::severity_from_name(f["severity"].get<std::string>()).value_or(ftlens::Severity::kInfo) >= *fail_at)
          return kExitFindings;
  return kExitOk;
}

int run_scan(ftlens::ScanOptions options, const ScanArgs& args) {
  std::optional<ftlens::Shard> shard;
  if (!args.shard.empty()) {
    shard = ftlens::parse_shard(args.shard);
    if (!shard) {
      std::fprintf(stderr, "ftlens: --shard %s: expected K/N with 1 <= K <= N\n", args.shard.c_str());
      return kExitUnusable;
    }
    if (!args.baseline.empty()) {
      std::fprintf(stderr, "ftlens: --baseline compares the whole scan: give it to ftlens merge, not to a shard\n");
      return kExitUnusable;
    }
  }
  const auto baseline = read_baseline(args.baseline);
  if (!baseline) return kExitUnusable;
  std::vector<std::string> missing, relative;
  std::vector<std::string> traces = ftlens::find_traces(options.roots, &missing, &relative);
  for (const std::string& m : missing) std::fprintf(stderr, "ftlens: %s: no such file or directory\n", m.c_str());
  if (traces.empty()) {
    std::fprintf(stderr, "ftlens: no trace found under %s\n", options.roots.front().c_str());
    return kExitUnusable;
  }
  const size_t found = traces.size();
  nlohmann::ordered_json positions = nlohmann::ordered_json::array();
  if (shard) {
    std::vector<std::string> mine;
    for (size_t i = 0; i < traces.size(); ++i)
      if (ftlens::in_shard(relative[i], *shard)) {
        mine.push_back(traces[i]);
        positions.push_back(i);
      }
    traces = std::move(mine);
  }
  options.progress = ::isatty(2) != 0;
  if (!options.perfetto_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.perfetto_dir, ec);
    if (ec) {
      std::fprintf(stderr, "ftlens: %s: cannot create: %s\n", options.perfetto_dir.c_str(), ec.message().c_str());
      return kExitUnusable;
    }
  }
  const std::vector<ftlens::ScanEntry> entries = ftlens::scan(options, traces);
  std::vector<ftlens::ScannedTrace> scanned;
  for (const auto& e : entries) scanned.push_back({e.path, e.ok, e.error, e.ok ? &e.result : nullptr, e.perfetto});
  auto report = ftlens::build_scan_report(scanned, ftlens::fingerprint, args.baseline.empty() ? nullptr : &*baseline);
  if (shard)
    report["shard"] = {{"index", shard->index}, {"count", shard->count}, {"found", found}, {"positions", std::move(positions)}};
  // A shard may hold no trace at all; the merge needs its (empty) part.
  return deliver_scan_report(report, args, shard.has_value());
}

int run_merge(const std::vector<std::string>& parts, const ScanArgs& args) {
  const auto baseline = read_baseline(args.baseline);
  if (!baseline) return kExitUnusable;
  ftlens::MergedEntries merged = ftlens::merge_shard_entries(parts);
  if (!merged.error.empty()) {
    std::fprintf(stderr, "ftlens: merge: %s\n", merged.error.c_str());
    return kExitUnusable;
  }
  auto report = ftlens::assemble_scan_report(std::move(merged.entries), args.baseline.empty() ? nullptr : &*baseline);
  return deliver_scan_report(report, args, false);
}

int run(int argc, char** argv) {
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
  // Built only when help is printed: it instantiates every detector.
  analyze->footer([] { return "Detector options (--set DETECTOR.KEY=VALUE):\n" + ftlens::describe_detector_options(); });

  ftlens::AnalyzeOptions export_options;
  ExportArgs export_args;
  CLI::App* exporter = app.add_subcommand("export", "write the full timeline as Chrome JSON for the Perfetto UI");
  exporter->add_option("TRACE", export_options.trace, "trace file, or - for stdin")->required();
  exporter->add_option("-o,--output", export_args.output, "the JSON file to write")->required();
  exporter->add_flag("--flows", export_args.flows, "draw wakeups as arrows from waker to wakee (one event pair per wakeup)");
  exporter->add_flag("--no-handlers", export_args.no_handlers, "leave out hard-irq and softirq slices");
  exporter->add_flag("--by-task", export_args.by_task, "also one process per task group with a track per task (where it ran)");
  exporter->add_option("--from", export_args.from, "start of the window, in trace seconds (as the trace prints them)");
  exporter->add_option("--to", export_args.to, "end of the window, in trace seconds");
  exporter->add_option("--cpus", export_args.cpus, "only these CPUs, e.g. 0,2-3");
  exporter->add_option("--around", export_args.around, "a finding id (F3): export the window around it, on its CPUs");
  exporter->add_option("--instance", export_options.instance, "trace.dat: this buffer instance instead of the top buffer");
  exporter->add_option("--set", export_options.sets, "override one detector option, e.g. non-preempted.error=5s");
  exporter->add_option("--config", export_options.config_path, "JSON file of detector options");

  ftlens::ScanOptions scan_options;
  ScanArgs scan_args;
  CLI::App* scanner = app.add_subcommand("scan", "analyze every trace under directories, in parallel, into one report");
  scanner->add_option("DIR_OR_FILE", scan_options.roots, "directories (searched recursively, traces found by content) and files")
      ->required();
  scanner->add_option("-j,--jobs", scan_options.jobs, "traces analyzed at once (default: one per core)");
  scanner->add_option("--report", scan_args.report, "write the aggregate JSON report here");
  scanner->add_option("--junit", scan_args.junit, "write JUnit XML here (a testcase per trace)");
  scanner->add_option("--html", scan_args.html, "write a static HTML summary here (sortable tables)");
  scanner->add_option("--perfetto-dir", scan_options.perfetto_dir, "write each trace's Perfetto JSON here; the HTML links to them");
  scanner->add_option("--baseline", scan_args.baseline, "a previous scan report: say what is new, fixed, still present");
  scanner->add_option("--fail-on", scan_args.fail_on, "exit 1 on findings of this severity, or on new findings (with --baseline)")
      ->check(CLI::IsMember({"info", "warning", "error", "new"}));
  scanner->add_option("--set", scan_options.analyze.sets, "override one detector option, e.g. non-preempted.error=5s");
  scanner->add_option("--config", scan_options.analyze.config_path, "JSON file of detector options");
  scanner->add_option("--shard", scan_args.shard,
                      "K/N: analyze only slice K of N (by a hash of each trace's path under its root; the same on every "
                      "machine); combine the N reports with ftlens merge");

  ftlens::RecordCommand record_command;
  std::string record_events = "default";
  CLI::App* recorder = app.add_subcommand(
      "record", "record the running kernel to a trace.dat with libtracefs (root); --live: detectors watch while it records");
  recorder->add_option("-o,--output", record_command.recording.output, "the trace.dat to write")->capture_default_str();
  recorder->add_option("--seconds", record_command.seconds, "stop after this long (default: at Ctrl-C)");
  recorder->add_option("--events", record_events,
                       "preset (default: every event a detector reads; light: sched, workqueue, irq) or a list "
                       "system:event,system:*")
      ->capture_default_str();
  recorder->add_option("--buffer-kb", record_command.recording.buffer_kb, "ring buffer per CPU in KiB (default: as it is)");
  recorder->add_option("--file-version", record_command.recording.file_version, "trace.dat version: 7 (compressed) or 6")
      ->check(CLI::IsMember({6, 7}))
      ->capture_default_str();
  recorder->add_flag("--live", record_command.live, "run the detectors on the events as they arrive and print findings");
  recorder->add_flag("--json", record_command.json, "with --live: one JSON object per finding per line");
  recorder->add_option("--check-every", record_command.check_every, "with --live: seconds between checks")->capture_default_str();
  recorder->add_option("--set", record_command.sets, "override one detector option, e.g. non-preempted.error=5s");
  recorder->add_option("--config", record_command.config_path, "JSON file of detector options");

  std::vector<std::string> merge_parts;
  ScanArgs merge_args;
  CLI::App* merger = app.add_subcommand("merge", "combine the reports of ftlens scan --shard K/N into the report of one scan");
  merger->add_option("PART", merge_parts, "the shard reports, all N of them, in any order")->required();
  merger->add_option("-o,--report", merge_args.report, "write the combined JSON report here")->required();
  merger->add_option("--junit", merge_args.junit, "write JUnit XML here (a testcase per trace)");
  merger->add_option("--html", merge_args.html, "write a static HTML summary here");
  merger->add_option("--baseline", merge_args.baseline, "a previous scan report: say what is new, fixed, still present");
  merger->add_option("--fail-on", merge_args.fail_on, "exit 1 on findings of this severity, or on new findings (with --baseline)")
      ->check(CLI::IsMember({"info", "warning", "error", "new"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUnusable;
  }
  if (analyze->parsed()) return run_analyze(options, report_path, fail_on);
  if (exporter->parsed()) return run_export(export_options, export_args);
  if (scanner->parsed()) {
    if (scan_args.fail_on == "new" && scan_args.baseline.empty()) {
      std::fprintf(stderr, "ftlens: --fail-on new needs --baseline\n");
      return kExitUnusable;
    }
    return run_scan(scan_options, scan_args);
  }
  if (recorder->parsed()) {
    record_command.recording.events = ftlens::recording_events(record_events);
    if (record_command.recording.events.empty()) {
      std::fprintf(stderr, "ftlens: --events %s: not a preset (default, light) nor a list of system:event\n",
                   record_events.c_str());
      return kExitUnusable;
    }
    return ftlens::run_record(record_command);
  }
  if (merger->parsed()) {
    if (merge_args.fail_on == "new" && merge_args.baseline.empty()) {
      std::fprintf(stderr, "ftlens: --fail-on new needs --baseline\n");
      return kExitUnusable;
    }
    return run_merge(merge_parts, merge_args);
  }
  return kExitUnusable;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout (`| head`) must be a failed write we can see, not a
  // silent death by SIGPIPE: finish_stdout() then ends a summary quietly and
  // `--report -` reports it.
  std::signal(SIGPIPE, SIG_IGN);
  return ftlens::finish_stdout(run(argc, argv));
}
