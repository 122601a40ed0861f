// The subcommands of ftlens. Each file in cli/ adds one to the app: its
// options, and what runs when it is the one given. cli/ reads the command
// line and calls analysis/; what the commands compute lives there.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analyze.h"
#include "analysis/progress_line.h"

namespace ftlens::cli {

// docs/CONTRACT.md exit codes.
constexpr int kExitOk = 0, kExitFindings = 1, kExitUnusable = 2;

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // after parsing, when `app` was given; returns the exit code
};

Command add_analyze_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_scan_command(CLI::App& app);
Command add_record_command(CLI::App& app);
Command add_merge_command(CLI::App& app);
Command add_help_command(CLI::App& app);  // after the others, which it describes

// A subcommand that does not exist, or an option the subcommand does not
// have, as the error to print (naming the closest one); none when the words
// are all known. Run when CLI11 refuses a command line, to say what it meant.
std::optional<std::string> misspelled_command_line(const CLI::App& app, int argc, char** argv);

// The detector options of a subcommand: --set (into `sets`), then --config
// (into `config_path`), which `config_help` describes.
void add_detector_settings(CLI::App* command, std::vector<std::string>* sets, std::string* config_path,
                           const std::string& config_help = "JSON file of detector options");

// An option given that the input turned out to have no use for (--instance
// on a text trace), as the error to print; none when all applied.
std::optional<std::string> option_not_for_input(const AnalyzeOptions& options, const AnalysisResult& result);

// What scan and merge write and how they fail.
struct ScanOutputs {
  std::string report, junit, html, baseline, fail_on;
};
// Writes `text` to `path` (a temporary file renamed into place); false,
// with one line on stderr, when that fails.
bool write_text_file(const std::string& path, const std::string& text);

// A progress line for reading `options.trace` when stderr is a terminal
// (null otherwise); it is fed through options.on_bytes_read. Clear it
// before printing anything else.
std::unique_ptr<ProgressLine> terminal_progress(const std::string& label, AnalyzeOptions& options);

// --fail-on of scan and merge: a severity, or "new" (needs --baseline).
void add_scan_fail_on(CLI::App* command, std::string* fail_on);
// "--fail-on new" without --baseline: says so on stderr and returns false.
bool fail_on_new_has_baseline(const ScanOutputs& outputs);
// What scan and merge do with a finished report: write it and its JUnit and
// HTML forms, print the summary, and choose the exit code.
// `analysis_ns`: each trace's analysis time, for the JUnit.
int deliver_scan_report(const nlohmann::ordered_json& report, const ScanOutputs& outputs, bool empty_is_ok,
                        const std::vector<int64_t>& analysis_ns);

}  // namespace ftlens::cli
