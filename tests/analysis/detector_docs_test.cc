#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/detector_config.h"
#include "detectors/options.h"

using namespace ftlens;

namespace {

struct OptionRow {
  std::string name;           // "non-preempted.error"
  std::string default_value;  // as written: "20s", "20.000000s", "true", "comm:a,comm:b"
};

// "  non-preempted.error (default 20.000000s): span length ..." per option.
std::vector<OptionRow> options_in_help() {
  std::vector<OptionRow> rows;
  std::istringstream lines(describe_detector_options());
  for (std::string line; std::getline(lines, line);) {
    const size_t open = line.find(" (default "), close = line.find("): ");
    REQUIRE(open != std::string::npos);
    REQUIRE(close != std::string::npos);
    rows.push_back({line.substr(2, open - 2), line.substr(open + 10, close - open - 10)});
  }
  return rows;
}

// "| `non-preempted.error` | 20s | meaning |" per row of the table in
// docs/detectors.md.
std::vector<OptionRow> options_in_docs() {
  std::ifstream in(std::string(FTLENS_SOURCE_DIR) + "/docs/detectors.md");
  REQUIRE(in);
  std::vector<OptionRow> rows;
  auto unquote = [](std::string s) {
    if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
    return s;
  };
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("| `")) continue;
    const size_t a = line.find(" | "), b = line.find(" | ", a + 3);
    REQUIRE(b != std::string::npos);
    rows.push_back({unquote(line.substr(2, a - 2)), unquote(line.substr(a + 3, b - a - 3))});
  }
  return rows;
}

// The same value: durations compared in ns ("1s" is "1.000000s").
bool same_default(const std::string& docs, const std::string& help) {
  if (docs == help) return true;
  const auto a = parse_duration(docs), b = parse_duration(help);
  return a && b && *a == *b;
}

}  // namespace

TEST_CASE("docs.the option table in docs/detectors.md lists every detector option, in order, with its default") {
  const std::vector<OptionRow> help = options_in_help(), docs = options_in_docs();
  REQUIRE(help.size() > 10);
  for (size_t i = 0; i < std::max(help.size(), docs.size()); ++i) {
    CAPTURE(i);
    REQUIRE_MESSAGE(i < docs.size(), "docs/detectors.md has no row for ", help[i].name);
    REQUIRE_MESSAGE(i < help.size(), "docs/detectors.md lists ", docs[i].name, ", which no detector has");
    CHECK(docs[i].name == help[i].name);
    CHECK_MESSAGE(same_default(docs[i].default_value, help[i].default_value), docs[i].name, ": the docs say ",
                  docs[i].default_value, ", the detector ", help[i].default_value);
  }
}
