// Test helper: runs the ftlens binary and reads what it wrote.
#pragma once

#include <sys/wait.h>
#include <unistd.h>  // getpid

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace ftlens::testing {

struct Run {
  int exit_code = -1;  // -1 when killed by a signal (a crash)
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Per process: two test runs at once (two checkouts, a sanitizer build) must
// not read each other's outputs.
inline std::string scratch(const std::string& name) {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("ftlens_e2e_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// Runs a shell command; stdout and stderr are captured apart.
inline Run shell(const std::string& command) {
  const std::string out = scratch("stdout"), err = scratch("stderr");
  // In a subshell, so that the command's own redirections still apply.
  int status = std::system(("(" + command + ") >" + out + " 2>" + err).c_str());
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// `[NAME=VALUE...] run_ftlens ARGS [< stdin_file]`, killed after 120 s so
// that a hang fails.
inline Run run_ftlens(const std::string& args, const std::string& stdin_file = "", const std::string& environment = "") {
  std::string cmd = (environment.empty() ? "" : environment + " ") + "timeout 120 " + std::string(FTLENS_BINARY) + " " + args;
  if (!stdin_file.empty()) cmd += " <" + stdin_file;
  return shell(cmd);
}

inline nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(slurp(path)); }

}  // namespace ftlens::testing
