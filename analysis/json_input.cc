#include "analysis/json_input.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace ftlens {

namespace {

// The line where `text` first nests deeper than `max_depth`, or 0. Brackets
// inside strings do not count.
uint64_t line_too_deep(std::string_view text, int max_depth) {
  int depth = 0;
  uint64_t line = 1;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (in_string) {
      if (c == '\\') ++i;  // the escaped character, a quote included
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return line;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return 0;
}

}  // namespace

Expected<std::string> read_json_text(const std::string& path, const JsonInputLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::kIo, path + ": cannot open the " + std::string(limits.what) + ": " + std::strerror(errno));
  // Read in chunks and at most one byte past the limit, whatever the file
  // claims to be (a FIFO or /dev/zero has no size).
  std::string text;
  char chunk[64 * 1024];
  while (text.size() <= limits.max_bytes && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, static_cast<size_t>(in.gcount()));
  if (in.bad()) return Status(ErrorCode::kIo, path + ": read error in the " + std::string(limits.what));
  if (text.size() > limits.max_bytes)
    return Status(ErrorCode::kBadInput, path + ": a " + std::string(limits.what) + " of more than " +
                                            std::to_string(limits.max_bytes >> 20) + " MiB is refused");
  if (const uint64_t line = line_too_deep(text, limits.max_depth))
    return Status(ErrorCode::kBadInput, path + ": line " + std::to_string(line) + ": JSON nested deeper than " +
                                            std::to_string(limits.max_depth) + " levels is not a " +
                                            std::string(limits.what));
  return text;
}

Status json_syntax_error(const std::string& path, const JsonInputLimits& limits, const std::exception& parse_error) {
  // nlohmann says "[json.exception.parse_error.101] parse error at line 1,
  // column 5: syntax error ..."; the id is noise to the user.
  std::string why = parse_error.what();
  if (size_t at = why.find("] "); why.starts_with("[json.exception") && at != std::string::npos) why.erase(0, at + 2);
  return Status(ErrorCode::kBadInput, path + ": not a JSON " + std::string(limits.what) + " (" + why + ")");
}

}  // namespace ftlens
