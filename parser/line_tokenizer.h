// Splits one line of kernel trace text into columns (comm-pid, tgid, cpu,
// irq flags, timestamp, event name, payload). Knows nothing of payloads.
#pragma once

#include <string_view>

namespace ftlens {

struct FtraceLine;

struct TokenizeError {
  const char* reason = nullptr;  // nullptr when the line tokenized
  size_t column = 0;             // 0-based byte offset of the problem
  explicit operator bool() const { return reason != nullptr; }
};

[[nodiscard]] TokenizeError tokenize_ftrace_line(std::string_view line, FtraceLine* out);

}  // namespace ftlens
