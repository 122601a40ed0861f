#include "cli/record.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/analysis.h"
#include "cli/pipeline.h"
#include "detectors/detector.h"
#include "exporters/json_report.h"
#include "parser/string_pool.h"

namespace ftlens {

namespace {

std::atomic<bool> g_stop{false};

void request_stop(int) { g_stop = true; }

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What the detectors would report if the trace ended now. The model and the
// detectors are forked: the child closes every open span and collects the
// findings on its copy and sends them back as JSON, the parent's state is
// untouched and recording goes on. Every detector works live this way,
// unchanged, with exactly the findings a later `analyze` would give for the
// trace up to this point.
nlohmann::ordered_json findings_if_ended_now(Pipeline& pipeline) {
  int fds[2];
  if (pipe(fds) != 0) return nlohmann::ordered_json::array();
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    return nlohmann::ordered_json::array();
  }
  if (child == 0) {
    close(fds[0]);
    AnalysisResult result;
    pipeline.finish(result);
    const std::string text =
        build_report(result)["findings"].dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  auto parsed = nlohmann::ordered_json::parse(text, nullptr, false);
  return parsed.is_array() ? parsed : nlohmann::ordered_json::array();
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

}  // namespace

int run_record(const RecordCommand& command) {
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  if (auto err = configure_detectors(detectors, command.config_path, command.sets)) {
    std::fprintf(stderr, "ftlens: %s\n", err->c_str());
    return 2;
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
    return 2;
  }
  std::unique_ptr<TracefsRecording> recording = std::move(started).value();

  Pipeline pipeline(detectors, nullptr);
  if (command.live) recording->decode_into(strings, pipeline);
  const auto start = Clock::now();
  std::fprintf(stderr, "ftlens: recording %zu events on %d CPUs from %s to %s%s\n",
               command.recording.events.size() - skipped.size(), recording->stats().cpus,
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
      if (!pipeline.model().empty()) reporter.report(findings_if_ended_now(pipeline));
    }
  }
  const double elapsed = seconds_since(start);
  const Status finished = recording->finish();
  if (command.live && !pipeline.model().empty()) reporter.report(findings_if_ended_now(pipeline));
  if (!finished.ok()) {
    std::fprintf(stderr, "ftlens: record: %s\n", finished.message().c_str());
    return 2;
  }
  const RecordingStats& stats = recording->stats();
  std::fprintf(stderr, "ftlens: wrote %s: %.1f s, %llu pages (%.1f MB) from %d CPUs, %llu events lost in the ring buffer",
               command.recording.output.c_str(), elapsed, static_cast<unsigned long long>(stats.pages),
               static_cast<double>(stats.bytes) / 1e6, stats.cpus, static_cast<unsigned long long>(stats.lost_events));
  if (command.live)
    std::fprintf(stderr, "; %llu events analyzed live (%.0f/s), %zu findings reported",
                 static_cast<unsigned long long>(stats.events), static_cast<double>(stats.events) / elapsed,
                 reporter.printed());
  std::fprintf(stderr, "\n");
  return 0;
}

}  // namespace ftlens
