// ftlens record: record the running kernel to a trace.dat with libtracefs,
// optionally with the detectors watching live.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "analysis/live_analysis.h"
#include "cli/command.h"
#include "parser/tracefs_recording.h"
#include "util/counted.h"

namespace ftlens::cli {

namespace {

std::atomic<bool> g_stop{false};

void request_stop(int) { g_stop = true; }

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int severity_rank(const std::string& severity) { return severity == "error" ? 2 : severity == "warning" ? 1 : 0; }

// Prints each finding once, when first seen, and again if its severity
// rises (a stuck CPU goes from warning to error while it stays stuck).
class LiveReporter {
 public:
  LiveReporter(bool json, Clock::time_point start) : json_(json), start_(start) {}

  void report(const nlohmann::ordered_json& findings) {
    for (const auto& f : findings) {
      const std::string key = f["detector"].get<std::string>() + "|" + f["cpu"].dump() + "|" + f["pid"].dump() + "|" +
                              f["start_ns"].dump();
      const int rank = severity_rank(f["severity"]);
      auto [it, fresh] = printed_.try_emplace(key, rank);
      if (!fresh && rank <= it->second) continue;
      it->second = rank;
      ++printed_count_;
      const double at = seconds_since(start_);
      if (json_) {
        nlohmann::ordered_json line = f;
        line.erase("id");
        line.erase("group");
        line.erase("root_cause");
        line.erase("related");
        line["seen_after_s"] = static_cast<double>(static_cast<int64_t>(at * 10)) / 10;
        std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
      } else {
        const std::string cpu = f["cpu"].is_null() ? "-" : "CPU" + f["cpu"].dump();
        std::printf("live +%.1fs  %-7s %s %s  %s\n", at, f["severity"].get<std::string>().c_str(),
                    f["detector"].get<std::string>().c_str(), cpu.c_str(), f["message"].get<std::string>().c_str());
      }
      std::fflush(stdout);
    }
  }
  size_t printed() const { return printed_count_; }

 private:
  bool json_;
  Clock::time_point start_;
  std::map<std::string, int> printed_;
  size_t printed_count_ = 0;
};

struct RecordArgs {
  RecordingOptions recording;
  std::string events = "default";  // --events as given
  double seconds = 0;            // 0: until Ctrl-C (SIGINT) or SIGTERM
  bool live = false;             // run the detectors while recording
  bool json = false;             // live findings as JSON lines on stdout
  double check_every = 1.0;      // seconds between live checks
  std::string config_path;       // detector options, as for analyze
  std::vector<std::string> sets;
};

int run_record(const RecordArgs& args) {
  RecordArgs command = args;
  command.recording.events = recording_events(command.events);
  if (command.recording.events.empty()) {
    std::fprintf(stderr, "ftlens: --events %s: not a preset (default, light) nor a list of system:event\n",
                 command.events.c_str());
    return kExitUnusable;
  }
  std::string config_error;
  auto analysis = LiveAnalysis::create(command.config_path, command.sets, &config_error);
  if (!analysis) {
    std::fprintf(stderr, "ftlens: %s\n", config_error.c_str());
    return kExitUnusable;
  }
  std::vector<std::string> skipped;
  // Ctrl-C and SIGTERM end the recording the normal way: the file is written
  // and the tracing state put back.
  g_stop = false;
  struct sigaction stop {};
  stop.sa_handler = request_stop;
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  sigaction(SIGHUP, &stop, nullptr);

  auto started = TracefsRecording::start(command.recording, &skipped);
  for (const std::string& s : skipped)
    std::fprintf(stderr, "ftlens: record: event %s does not exist on this kernel; skipped\n", s.c_str());
  if (!started.ok()) {
    std::fprintf(stderr, "ftlens: record: %s\n", started.status().message().c_str());
    return kExitUnusable;
  }
  std::unique_ptr<TracefsRecording> recording = std::move(started).value();

  if (command.live) recording->decode_into(analysis->strings(), analysis->pipeline());
  const auto start = Clock::now();
  std::fprintf(stderr, "ftlens: recording %s on %s from %s to %s%s\n",
               counted(command.recording.events.size() - skipped.size(), "event").c_str(),
               counted(static_cast<uint64_t>(recording->stats().cpus), "CPU").c_str(),
               std::string(recording->tracing_dir()).c_str(), command.recording.output.c_str(),
               command.seconds > 0 ? "" : " (Ctrl-C to stop)");

  LiveReporter reporter(command.json, start);
  auto last_check = start;
  // Each read returns the events buffered so far, as a (partly filled)
  // page: reading too often wastes file space, too rarely loses events when
  // the buffer fills. A poll that found a backlog polls again at once.
  const auto interval = std::chrono::milliseconds(command.live ? 100 : 250);
  while (!g_stop && (command.seconds <= 0 || seconds_since(start) < command.seconds)) {
    if (recording->poll() < 16) std::this_thread::sleep_for(interval);
    if (command.live && std::chrono::duration<double>(Clock::now() - last_check).count() >= command.check_every) {
      last_check = Clock::now();
      if (!analysis->empty()) reporter.report(analysis->findings_if_ended_now());
    }
  }
  const double elapsed = seconds_since(start);
  const Status finished = recording->finish();
  if (command.live && !analysis->empty()) reporter.report(analysis->findings_if_ended_now());
  if (!finished.ok()) {
    std::fprintf(stderr, "ftlens: record: %s\n", finished.message().c_str());
    return kExitUnusable;
  }
  const RecordingStats& stats = recording->stats();
  std::fprintf(stderr, "ftlens: wrote %s: %.1f s, %s (%.1f MB) from %s, %s lost in the ring buffer",
               command.recording.output.c_str(), elapsed, counted(stats.pages, "page").c_str(),
               static_cast<double>(stats.bytes) / 1e6, counted(static_cast<uint64_t>(stats.cpus), "CPU").c_str(),
               counted(stats.lost_events, "event").c_str());
  if (command.live)
    std::fprintf(stderr, "; %s analyzed live (%.0f/s), %s reported", counted(stats.events, "event").c_str(),
                 static_cast<double>(stats.events) / elapsed, counted(reporter.printed(), "finding").c_str());
  std::fprintf(stderr, "\n");
  return kExitOk;
}

}  // namespace

// CLI::Range lets NaN through (every comparison with it is false); "nan"
// seconds ended a recording at once.
const CLI::Validator kNotNan(
    [](std::string& text) { return std::isnan(std::strtod(text.c_str(), nullptr)) ? "not a number: " + text : std::string(); },
    "", "not NaN");

Command add_record_command(CLI::App& app) {
  auto args = std::make_shared<RecordArgs>();
  CLI::App* command = app.add_subcommand(
      "record", "record the running kernel to a trace.dat with libtracefs (root); --live: detectors watch while it records");
  command->add_option("-o,--output", args->recording.output, "the trace.dat to write")->capture_default_str();
  // Ranges said in words: CLI11 would print the year as 3.1536e+07.
  command->add_option("--seconds", args->seconds, "stop after this long, up to a year (default: at Ctrl-C)")
      ->check((kNotNan & CLI::Range(0.0, 365.0 * 24 * 3600)).description(""))
      ->type_name("SECONDS");
  command->add_option("--events", args->events,
                      "preset (default: every event a detector reads; light: sched, workqueue, irq) or a list "
                      "system:event,system:*")
      ->capture_default_str();
  // Up to 4 GiB per CPU: a larger number is a typo, not a ring buffer.
  command->add_option("--buffer-kb", args->recording.buffer_kb, "ring buffer per CPU in KiB, up to 4 GiB (default: as it is)")
      ->check(CLI::Range(0, 4 << 20).description(""))
      ->type_name("KIB");
  command->add_option("--file-version", args->recording.file_version, "trace.dat version: 7 (compressed) or 6")
      ->check(CLI::IsMember({6, 7}))
      ->capture_default_str();
  CLI::Option* live = command->add_flag("--live", args->live, "run the detectors on the events as they arrive and print findings");
  command->add_flag("--json", args->json, "with --live: one JSON object per finding per line")->needs(live);
  command->add_option("--check-every", args->check_every, "with --live: seconds between checks (0.01 to 3600)")
      ->check((kNotNan & CLI::Range(0.01, 3600.0)).description(""))
      ->type_name("SECONDS")
      ->capture_default_str()
      ->needs(live);
  add_detector_settings(command, &args->sets, &args->config_path);
  return {command, [args] { return run_record(*args); }};
}

}  // namespace ftlens::cli
