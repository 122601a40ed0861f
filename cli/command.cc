#include "cli/command.h"

#include <sys/stat.h>  // stat
#include <unistd.h>    // isatty

#include <cstdio>
#include <filesystem>

#include "detectors/finding.h"
#include "exporters/html_report.h"
#include "exporters/output_file.h"
#include "exporters/scan_report.h"

namespace ftlens::cli {

bool write_text_file(const std::string& path, const std::string& text) {
  OutputFile out(path);
  if (out.ok()) std::fwrite(text.data(), 1, text.size(), out.get());
  const Status written = out.commit();
  if (!written.ok()) std::fprintf(stderr, "ftlens: %s\n", written.message().c_str());
  return written.ok();
}

std::optional<std::string> option_not_for_input(const AnalyzeOptions& options, const AnalysisResult& result) {
  if (!options.instance.empty() && result.format != "trace-dat")
    return "--instance " + options.instance + ": " + result.path + " is " + result.format +
           ", and only a trace.dat has buffer instances";
  return std::nullopt;
}

void add_detector_settings(CLI::App* command, std::vector<std::string>* sets, std::string* config_path,
                           const std::string& config_help) {
  command->add_option("--set", *sets, "override one detector option, e.g. non-preempted.error=5s");
  command->add_option("--config", *config_path, config_help);
}

void add_scan_fail_on(CLI::App* command, std::string* fail_on) {
  command->add_option("--fail-on", *fail_on, "exit 1 on findings of this severity, or on new findings (with --baseline)")
      ->check(CLI::IsMember({"info", "warning", "error", "new"}));
}

bool fail_on_new_has_baseline(const ScanOutputs& outputs) {
  if (outputs.fail_on != "new" || !outputs.baseline.empty()) return true;
  std::fprintf(stderr, "ftlens: --fail-on new needs --baseline\n");
  return false;
}

std::unique_ptr<ProgressLine> terminal_progress(const std::string& label, AnalyzeOptions& options) {
  if (::isatty(STDERR_FILENO) == 0) return nullptr;
  struct stat st {};
  const uint64_t total =
      options.trace != "-" && ::stat(options.trace.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
  auto line = std::make_unique<ProgressLine>(label, total);
  options.on_bytes_read = [shown = line.get()](uint64_t bytes) { shown->update(bytes); };
  return line;
}

int deliver_scan_report(const nlohmann::ordered_json& report, const ScanOutputs& outputs, bool empty_is_ok,
                        const std::vector<int64_t>& analysis_ns) {
  if (!outputs.report.empty() &&
      !write_text_file(outputs.report, report.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n"))
    return kExitUnusable;
  const auto fail_at =
      severity_from_name(outputs.fail_on == "new" ? "warning" : outputs.fail_on.empty() ? "error" : outputs.fail_on);
  if (!outputs.junit.empty() && !write_text_file(outputs.junit, build_junit(report, *fail_at, analysis_ns))) return kExitUnusable;
  if (!outputs.html.empty()) {
    // Links relative to the page, so the folder can be moved or served.
    auto page = report;
    const auto base = std::filesystem::absolute(outputs.html).parent_path();
    for (auto& t : page["traces"])
      if (t.contains("perfetto"))
        t["perfetto"] = std::filesystem::relative(std::filesystem::absolute(t["perfetto"].get<std::string>()), base).string();
    if (!write_text_file(outputs.html, build_scan_html(page))) return kExitUnusable;
  }
  write_scan_summary(report, stdout);

  const auto& scan = report["scan"];
  if (scan["analyzed"].get<size_t>() == 0 && !(empty_is_ok && scan["traces"].get<size_t>() == 0)) return kExitUnusable;
  if (outputs.fail_on == "new") {
    for (const auto& f : report["comparison"]["new"])
      if (f["severity"] != "info") return kExitFindings;
    return kExitOk;
  }
  if (outputs.fail_on.empty()) return kExitOk;
  for (const auto& t : report["traces"])
    if (t["ok"].get<bool>())
      for (const auto& f : t["findings"])
        if (severity_from_name(f["severity"].get<std::string>()).value_or(Severity::kInfo) >= *fail_at) return kExitFindings;
  return kExitOk;
}

}  // namespace ftlens::cli
