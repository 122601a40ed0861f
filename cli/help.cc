// ftlens help [COMMAND], and the "did you mean" for a mistyped subcommand
// or option: what trace-cmd, perf and git users expect of a command line.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "util/closest_name.h"

namespace ftlens::cli {

namespace {

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

// Every spelling of every option of `command`: --report, -o, --help, -h.
std::vector<std::string> option_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& l : option->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : option->get_snames()) names.push_back("-" + s);
  }
  return names;
}

std::string not_a_command(const CLI::App& app, const std::string& name) {
  return "ftlens: '" + name + "' is not a command." + did_you_mean(name, command_names(app)) + " (see ftlens help)\n";
}

}  // namespace

Command add_help_command(CLI::App& app) {
  auto topic = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand("help", "print the help of ftlens, or of one command");
  command->add_option("COMMAND", *topic, "the command to describe");
  return {command, [&app, topic] {
            if (topic->empty()) {
              // Not app.help(), which describes the command given: this one.
              std::fputs(app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal).c_str(), stdout);
              return kExitOk;
            }
            const auto names = command_names(app);
            if (std::find(names.begin(), names.end(), *topic) == names.end()) {
              std::fputs(not_a_command(app, *topic).c_str(), stderr);
              return kExitUnusable;
            }
            std::fputs(app.get_subcommand(*topic)->help(app.get_name()).c_str(), stdout);
            return kExitOk;
          }};
}

std::optional<std::string> misspelled_command_line(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return std::nullopt;  // no command, or a global option such as --version
  const std::string name = argv[1];
  const auto names = command_names(app);
  if (std::find(names.begin(), names.end(), name) == names.end()) return not_a_command(app, name);
  const CLI::App& command = *app.get_subcommand(name);
  const auto known = option_names(command);
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;  // what follows is operands
    if (arg.size() < 2 || arg[0] != '-' || std::isdigit(static_cast<unsigned char>(arg[1]))) continue;  // -1 is a value
    // --name=value and -jVALUE name the option by their start.
    const std::string option = arg[1] == '-' ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    if (std::find(known.begin(), known.end(), option) != known.end()) continue;
    return "ftlens " + name + ": unknown option '" + option + "'." + did_you_mean(option, known) + " (see ftlens help " +
           name + ")\n";
  }
  return std::nullopt;
}

}  // namespace ftlens::cli
