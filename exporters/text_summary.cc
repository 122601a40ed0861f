#include "exporters/text_summary.h"

#include <cstdio>
#include <string>
#include <string_view>

#include "exporters/analysis_result.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

// Comms and paths are whatever a process or a device chose; an escape
// sequence in one must not drive the reader's terminal. Control bytes are
// shown as \xNN.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
      continue;
    }
    char hex[5];
    std::snprintf(hex, sizeof hex, "\\x%02x", byte);
    out += hex;
  }
  return out;
}

// "stack at 818.254828 (bash-22871): schedule <- do_wait <- ..." : the
// stack the trace printed inside the finding, innermost first, up to 8 frames.
void print_stack(std::FILE* out, const nlohmann::ordered_json& stack) {
  constexpr size_t kShown = 8;
  std::string frames;
  size_t n = 0;
  for (const auto& frame : stack["frames"]) {
    if (n++ == kShown) {
      frames += " <- ...";
      break;
    }
    if (!frames.empty()) frames += " <- ";
    frames += frame.get<std::string>();
  }
  std::fprintf(out, "        %sstack at %s (%s): %s\n", stack["user"].get<bool>() ? "user " : "",
               format_timestamp(stack["ts_ns"].get<int64_t>(), 6).c_str(),
               printable(stack["task"].get<std::string>()).c_str(), printable(frames).c_str());
}

}  // namespace

void write_text_summary(const AnalysisResult& r, std::FILE* out) {
  const int digits = r.fraction_digits < 0 ? 6 : r.fraction_digits;
  size_t counts[3] = {0, 0, 0};
  for (const Finding& f : r.findings) ++counts[static_cast<size_t>(f.severity)];

  // What held the text, outermost last: "systrace (atrace-zlib, gzip)".
  std::string wrappers = r.container;
  if (!r.compression.empty()) wrappers += (wrappers.empty() ? "" : ", ") + r.compression;
  const std::string format = wrappers.empty() ? r.format : r.format + " (" + wrappers + ")";
  const std::string path = printable(r.path);
  std::fprintf(out, "%s: %s, %llu events on %zu CPUs, %s .. %s (%s)\n", path.c_str(), format.c_str(),
               static_cast<unsigned long long>(r.events), r.cpus.size(), format_timestamp(r.first_ns, digits).c_str(),
               format_timestamp(r.last_ns, digits).c_str(), format_duration(r.last_ns - r.first_ns).c_str());
  if (!r.warning.empty()) std::fprintf(out, "  warning: %s\n", printable(r.warning).c_str());
  if (r.text.skipped_lines || r.lost_events || r.text.malformed_payloads) {
    std::fprintf(out, "  input: %llu lines skipped, %llu events lost in the ring buffer, %llu payloads unreadable\n",
                 static_cast<unsigned long long>(r.text.skipped_lines),
                 static_cast<unsigned long long>(r.lost_events),
                 static_cast<unsigned long long>(r.text.malformed_payloads));
    for (const ParseIssue& issue : r.first_issues)
      std::fprintf(out, "    %s:%llu:%zu: %s\n", path.c_str(), static_cast<unsigned long long>(issue.line),
                   issue.column + 1, issue.reason);
  }
  std::fprintf(out, "%zu errors, %zu warnings, %zu info\n", counts[2], counts[1], counts[0]);

  // Root causes first: one line for the cause, one per consequence.
  for (const Finding& root : r.findings) {
    if (!root.root_cause) continue;
    std::fprintf(out, "\n%s: root cause %s %s on %s at %s\n    %s\n", root.group.c_str(), root.id.c_str(),
                 root.detector.c_str(), root.cpu ? ("CPU" + std::to_string(*root.cpu)).c_str() : "-",
                 format_timestamp(root.start, digits).c_str(), printable(root.message).c_str());
    std::fprintf(out, "    with:");
    for (const Finding& f : r.findings)
      if (f.group == root.group && &f != &root)
        std::fprintf(out, " %s %s%s;", f.id.c_str(), f.detector.c_str(), f.cpu ? (" CPU" + std::to_string(*f.cpu)).c_str() : "");
    std::fprintf(out, "\n");
  }

  for (int sev = 2; sev >= 0; --sev) {
    for (const Finding& f : r.findings) {
      if (static_cast<int>(f.severity) != sev) continue;
      std::string where = f.cpu ? "CPU" + std::to_string(*f.cpu) : std::string("-");
      std::fprintf(out, "\n%-7s %s %s  %s  at %s  for %s%s\n", std::string(severity_name(f.severity)).c_str(),
                   f.id.c_str(), f.detector.c_str(), where.c_str(), format_timestamp(f.start, digits).c_str(),
                   format_duration(f.duration).c_str(), f.end ? "" : " (open at trace end)");
      std::fprintf(out, "        %s\n", printable(f.message).c_str());
      if (f.details.contains("stack")) print_stack(out, f.details["stack"]);
      if (!f.group.empty() && !f.root_cause) std::fprintf(out, "        (part of %s)\n", f.group.c_str());
    }
  }
}

}  // namespace ftlens
