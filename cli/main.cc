// ftlens: find what went wrong in a Linux ftrace dump. Each subcommand is a
// file in cli/ (command.h); main adds them, parses, and runs the one given.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "exporters/output_file.h"
#include "ftlens_version.h"  // generated: cli/version.h.in

namespace {

int run(int argc, char** argv) {
  using namespace ftlens::cli;
  CLI::App app{"ftlens: reads a Linux ftrace dump and reports what went wrong (stuck work, CPUs that stopped "
               "scheduling, missed watchdog kicks)",
               "ftlens"};  // named, so that usage says "ftlens analyze", not the path it was run by
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", std::string("ftlens ") + kVersion);
  // A bad option is one line on stderr, like every other ftlens error.
  // The help to see is that of the command given, when there is one.
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    const auto given = top->get_subcommands();
    if (given.empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
      // `ftlens` alone: what there is to run, as git and trace-cmd say it.
      std::string names;
      for (const CLI::App* command : top->get_subcommands({}))
        names += (names.empty() ? "" : ", ") + command->get_name();
      return "ftlens: a command is required: " + names + " (see ftlens help)\n";
    }
    return "ftlens: " + std::string(e.what()) + " (see ftlens help" + (given.empty() ? "" : " " + given[0]->get_name()) +
           ")\n";
  });
  const std::vector<Command> commands = {add_analyze_command(app), add_export_command(app), add_scan_command(app),
                                         add_record_command(app), add_merge_command(app), add_help_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A typo is named with what it likely meant, not as CLI11's "not expected".
    if (e.get_exit_code() != 0)
      if (auto misspelled = misspelled_command_line(app, argc, argv)) {
        std::fputs(misspelled->c_str(), stderr);
        return kExitUnusable;
      }
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUnusable;
  }
  for (const Command& command : commands)
    if (command.app->parsed()) return command.run();
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
