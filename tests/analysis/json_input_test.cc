#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "analysis/json_input.h"

using namespace ftlens;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("ftlens_json_input_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

constexpr JsonInputLimits kSmall{1024, 4, "test file"};

}  // namespace

TEST_CASE("json input.JSON nested 100k deep is a one-line error naming the file and line, not a stack overflow") {
  const std::string path = write_temp("deep.json", "{\"a\":\n" + std::string(100000, '[') + std::string(100000, ']') + "}");
  auto read = read_json_file<nlohmann::json>(path, kScanReportInput);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == ErrorCode::kBadInput);
  CHECK(read.status().message() == path + ": line 2: JSON nested deeper than 64 levels is not a scan report");
}

TEST_CASE("json input.brackets inside strings, escaped quotes included, do not count as nesting") {
  const std::string path = write_temp("strings.json", R"({"a": "[[[[[[\"[[[[[", "b": [[[1]]]})");
  auto read = read_json_file<nlohmann::ordered_json>(path, kSmall);
  REQUIRE(read.ok());
  CHECK((*read)["b"][0][0][0] == 1);
  CHECK_FALSE(read_json_file<nlohmann::json>(write_temp("five.json", "[[[[[1]]]]]"), kSmall).ok());
}

TEST_CASE("json input.a file over the size limit is refused without reading it whole") {
  const std::string path = write_temp("big.json", "[" + std::string(2000, ' ') + "]");
  auto read = read_json_file<nlohmann::json>(path, kSmall);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().message().find(path + ": a test file of more than") == 0);
}

TEST_CASE("json input.a syntax error and a missing file name the file in one line") {
  const std::string path = write_temp("cut.json", "{\"a\": [1, 2");
  auto cut = read_json_file<nlohmann::json>(path, kSmall);
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().message().find(path + ": not a JSON test file (parse error at line 1") == 0);
  CHECK(cut.status().message().find('\n') == std::string::npos);
  auto missing = read_json_file<nlohmann::json>(path + ".absent", kSmall);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kIo);
  CHECK(missing.status().message() == path + ".absent: cannot open the test file: No such file or directory");
}

TEST_CASE("json input.an integer field is read only when it is an integer inside its range") {
  const auto j = nlohmann::json::parse(R"({"n": 5, "neg": -3, "big": 18446744073709551615, "text": "1", "real": 1.5})");
  CHECK(json_integer_in(j["n"], 1, 10) == 5);
  CHECK(json_integer_in(j["neg"], -5, 0) == -3);
  CHECK_FALSE(json_integer_in(j["n"], 6, 10));
  CHECK_FALSE(json_integer_in(j["neg"], 0, 10));
  CHECK_FALSE(json_integer_in(j["big"], 0, INT64_MAX));
  CHECK_FALSE(json_integer_in(j["text"], 0, 10));
  CHECK_FALSE(json_integer_in(j["real"], 0, 10));
}
