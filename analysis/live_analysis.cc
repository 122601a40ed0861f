#include "analysis/live_analysis.h"

#include <sys/wait.h>  // waitpid
#include <unistd.h>    // fork, pipe

#include <cstdio>

#include "analysis/detector_config.h"
#include "exporters/json_report.h"

namespace ftlens {

std::unique_ptr<LiveAnalysis> LiveAnalysis::create(const std::string& config_path, const std::vector<std::string>& sets,
                                                   std::string* error) {
  std::unique_ptr<LiveAnalysis> live(new LiveAnalysis());
  live->detectors_ = make_all_detectors(DetectorContext{live->strings_});
  ModelLimits limits;
  if (auto err = configure_detectors(live->detectors_, config_path, sets, &limits)) {
    *error = *err;
    return nullptr;
  }
  live->pipeline_ = std::make_unique<Pipeline>(live->detectors_, nullptr);
  live->pipeline_->set_model_limits(limits);
  return live;
}

nlohmann::ordered_json LiveAnalysis::findings_if_ended_now() {
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
    pipeline_->finish(result);
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

}  // namespace ftlens
