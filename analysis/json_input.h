// Reading the JSON files ftlens is handed (shard reports for `merge`, a
// `--baseline` scan report, a `--config` file): they come from other machines
// and from people, so they are read with limits on their size and nesting and
// every field used is type- and range-checked. A damaged or hostile file is a
// one-line error naming it (exit 2), never a stack overflow, an uncaught
// nlohmann::type_error or an allocation sized by a number in the file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace ftlens {

struct JsonInputLimits {
  uint64_t max_bytes = 0;
  // Arrays and objects inside each other. nlohmann's copy, dump and
  // destruction recurse, so 100k levels overflow the stack.
  int max_depth = 0;
  std::string_view what;  // "scan report", "config file": for the messages
};

// A scan report as `scan` writes it nests about 10 levels (a kernel report's
// busy workqueues the deepest); a night of 100k traces is some 100 MB.
inline constexpr JsonInputLimits kScanReportInput{512ull << 20, 64, "scan report"};
// {"detector": {"key": value or [values]}}.
inline constexpr JsonInputLimits kConfigInput{1ull << 20, 16, "config file"};

// The file's text, when it is at most `limits.max_bytes` long and no deeper
// than `limits.max_depth`; else kBadInput (kIo when it cannot be read)
// naming `path`, and the line for too deep.
Expected<std::string> read_json_text(const std::string& path, const JsonInputLimits& limits);

// The error of a text that read_json_text passed but nlohmann cannot parse.
Status json_syntax_error(const std::string& path, const JsonInputLimits& limits, const std::exception& parse_error);

// read_json_text, parsed. `Json` is nlohmann::json or nlohmann::ordered_json.
template <class Json>
Expected<Json> read_json_file(const std::string& path, const JsonInputLimits& limits) {
  Expected<std::string> text = read_json_text(path, limits);
  if (!text.ok()) return std::move(text).take_status();
  try {
    return Json::parse(*text);
  } catch (const typename Json::parse_error& e) {
    return json_syntax_error(path, limits, e);
  }
}

// `value` as an integer in [min, max] (min <= 0 <= max or 0 <= min), or
// nullopt: another type, or out of range.
template <class Json>
std::optional<int64_t> json_integer_in(const Json& value, int64_t min, int64_t max) {
  if (value.is_number_unsigned()) {
    const uint64_t u = value.template get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max) || static_cast<int64_t>(u) < min) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (!value.is_number_integer()) return std::nullopt;
  const int64_t i = value.template get<int64_t>();
  if (i < min || i > max) return std::nullopt;
  return i;
}

}  // namespace ftlens
