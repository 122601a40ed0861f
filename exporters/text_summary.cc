#include "exporters/text_summary.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporters/analysis_result.h"
#include "parser/pasted_text.h"
#include "parser/timestamp.h"
#include "util/counted.h"

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

unsigned long long ull(uint64_t n) { return static_cast<unsigned long long>(n); }

// What the input was, beyond its format: several recordings, cuts, text
// pasted from a web page, clocks going backwards, losses. One line each,
// only for what is there.
void write_input_shape(const AnalysisResult& r, const TimeStyle& style, std::FILE* out) {
  if (r.recordings.size() > 1) {
    std::fprintf(out, "  input: %zu recordings one after the other (the timestamps restart), each analyzed on its own:",
                 r.recordings.size());
    constexpr size_t kListed = 8;
    for (size_t i = 0; i < r.recordings.size(); ++i) {
      if (i == kListed) {
        std::fprintf(out, "; and %zu more", r.recordings.size() - kListed);
        break;
      }
      const RecordingSpan& rec = r.recordings[i];
      std::fprintf(out, "%s %zu) %s .. %s (%s)", i ? ";" : "", i + 1, format_trace_time(rec.first_ns, style).c_str(),
                   format_trace_time(rec.last_ns, style).c_str(), format_duration(rec.last_ns - rec.first_ns).c_str());
    }
    std::fprintf(out, "\n");
  }
  if (r.text.elisions)
    std::fprintf(out, "  input: %llu elision%s (\"...\", \"// snip\"): lines were left out there, on every CPU\n",
                 ull(r.text.elisions), r.text.elisions == 1 ? "" : "s");
  if (r.text.pasted_blank_lines)
    std::fprintf(out, "  input: %llu line%s held %s%s where the kernel prints spaces, read as spaces: pasted from a web page?\n",
                 ull(r.text.pasted_blank_lines), r.text.pasted_blank_lines == 1 ? "" : "s", describe_pasted_blank(r.text.pasted_blank_kinds),
                 (r.text.pasted_blank_kinds & (r.text.pasted_blank_kinds - 1)) ? " and other blanks" : "");
  if (r.text.quoted_lines)
    std::fprintf(out, "  input: %s quoted (\"> \"), read without the quote marks: from an email reply?\n",
                 counted(r.text.quoted_lines, "line").c_str());
  if (r.text.lost_markers)
    std::fprintf(out, "  input: %llu [LOST N EVENTS] marker%s: the ring buffer overflowed\n", ull(r.text.lost_markers),
                 r.text.lost_markers == 1 ? "" : "s");
  if (r.text.instance_lines) {
    std::string names;
    for (const std::string& name : r.text.instances) names += (names.empty() ? "" : ", ") + name;
    if (r.text.instances_not_listed) names += " and " + std::to_string(r.text.instances_not_listed) + " more";
    std::fprintf(out, "  input: %llu line%s of buffer instance%s %s, read with the top instance's on the same CPUs\n",
                 ull(r.text.instance_lines), r.text.instance_lines == 1 ? "" : "s",
                 r.text.instances.size() + r.text.instances_not_listed == 1 ? "" : "s", printable(names).c_str());
  }
  if (r.text.uninterpreted_payloads)
    std::fprintf(out, "  input: %llu event%s printed raw (the raw or hex trace_option): their CPU, task and time are read, their names and fields are not\n",
                 ull(r.text.uninterpreted_payloads), r.text.uninterpreted_payloads == 1 ? "" : "s");
  if (r.text.lost_markers_unknown)
    std::fprintf(out, "  input: %llu of them without a count ([LOST EVENTS]): how many events were lost there is unknown\n",
                 ull(r.text.lost_markers_unknown));
  if (const uint64_t back = r.model_stats.get(ModelStat::timestamps_backwards))
    std::fprintf(out, "  input: %llu event%s older than the event before %s on %s CPU (timestamps going backwards)\n",
                 ull(back), back == 1 ? "" : "s", back == 1 ? "it" : "them", back == 1 ? "its" : "their");
  // The input went beyond a cap: what was not followed is said, not lost.
  for (ModelStat stat : kCapStats)
    if (const uint64_t n = r.model_stats.get(stat))
      std::fprintf(out, "  limit: %llu %s: %s\n", ull(n), std::string(kModelStatInfo[static_cast<size_t>(stat)].name).c_str(),
                   std::string(kModelStatInfo[static_cast<size_t>(stat)].description).c_str());
}

// "most (400) with a no-break space (U+00A0) at column 18: pasted from a
// web page? (pid after the last '-' is not a number)".
void write_skip_cause(const TextTraceInfo& text, std::FILE* out) {
  const SkipCause* top = text.most_common_skip_cause();
  if (!top) return;
  const bool all = top->lines == text.skipped_lines;
  std::string count = all ? (text.skipped_lines == 1 ? "it" : "all") : "most (" + std::to_string(top->lines) + ")";
  if (!all && top->lines * 2 <= text.skipped_lines) count = "the most (" + std::to_string(top->lines) + ")";
  if (top->blank)
    std::fprintf(out, "    %s with %s at column %zu: pasted from a web page? (%s)\n", count.c_str(),
                 describe_pasted_blank(top->blank), top->column + 1, top->reason);
  else
    std::fprintf(out, "    %s: %s (column %zu)\n", count.c_str(), top->reason, top->column + 1);
}

}  // namespace

std::string not_judged_line(const std::vector<DetectorCoverage>& coverage) {
  // The detectors grouped by what they lacked, each group where its first
  // detector stands in report order.
  std::vector<std::pair<std::string_view, std::string>> groups;  // missing -> detectors
  for (const DetectorCoverage& c : coverage) {
    if (c.judged()) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == c.missing; });
    if (it == groups.end()) it = groups.insert(groups.end(), {c.missing, ""});
    if (!it->second.empty()) it->second += ", ";
    it->second += c.detector;
  }
  std::string line;
  for (const auto& [missing, detectors] : groups) {
    line += line.empty() ? "not judged: " : "; ";
    line += detectors + " (the trace has no " + std::string(missing) + ")";
  }
  return line;
}

std::string severity_counts(const AnalysisResult& r) {
  size_t counts[3] = {0, 0, 0};
  for (const Finding& f : r.findings) ++counts[static_cast<size_t>(f.severity)];
  return counted(counts[2], "error") + ", " + counted(counts[1], "warning") + ", " + std::to_string(counts[0]) + " info";
}

void write_text_summary(const AnalysisResult& r, std::FILE* out) {
  const TimeStyle style = r.time_style();

  // What held the text, outermost last: "systrace (atrace-zlib, gzip)".
  std::string wrappers = r.container;
  if (!r.compression.empty()) wrappers += (wrappers.empty() ? "" : ", ") + r.compression;
  const std::string format = wrappers.empty() ? r.format : r.format + " (" + wrappers + ")";
  const std::string path = printable(r.path);
  std::fprintf(out, "%s: %s, %s on %s, %s .. %s (%s)\n", path.c_str(), format.c_str(),
               counted(r.events, "event").c_str(), counted(r.cpus.size(), "CPU").c_str(), format_trace_time(r.first_ns, style).c_str(),
               format_trace_time(r.last_ns, style).c_str(), format_duration(r.last_ns - r.first_ns).c_str());
  if (!r.warning.empty()) std::fprintf(out, "  warning: %s\n", printable(r.warning).c_str());
  write_input_shape(r, style, out);
  if (r.text.skipped_lines || r.lost_events || r.text.malformed_payloads) {
    std::fprintf(out, "  input: %s skipped, %s lost in the ring buffer, %s unreadable\n",
                 counted(r.text.skipped_lines, "line").c_str(), counted(r.lost_events, "event").c_str(),
                 counted(r.text.malformed_payloads, "payload").c_str());
    write_skip_cause(r.text, out);
    for (const ParseIssue& issue : r.first_issues)
      std::fprintf(out, "    %s:%llu:%zu: %s\n", path.c_str(), static_cast<unsigned long long>(issue.line),
                   issue.column + 1, issue.reason);
  }
  std::fprintf(out, "%s\n", severity_counts(r).c_str());
  if (const std::string not_judged = not_judged_line(r.coverage); !not_judged.empty())
    std::fprintf(out, "%s\n", not_judged.c_str());

  // Root causes first: one line for the cause, one per consequence.
  for (const Finding& root : r.findings) {
    if (!root.root_cause) continue;
    std::fprintf(out, "\n%s: root cause %s %s on %s at %s\n    %s\n", root.group.c_str(), root.id.c_str(),
                 root.detector.c_str(), root.cpu ? ("CPU" + std::to_string(*root.cpu)).c_str() : "-",
                 format_trace_time(root.start, style).c_str(), printable(root.message).c_str());
    if (root.related.empty()) {
      std::fprintf(out, "    alone: nothing else the trace could judge goes with it\n");
      continue;
    }
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
                   f.id.c_str(), f.detector.c_str(), where.c_str(), format_trace_time(f.start, style).c_str(),
                   format_duration(f.duration).c_str(), f.end ? "" : " (open at trace end)");
      std::fprintf(out, "        %s\n", printable(f.message).c_str());
      if (f.details.contains("stack")) print_stack(out, f.details["stack"]);
      if (!f.group.empty() && !f.root_cause) std::fprintf(out, "        (part of %s)\n", f.group.c_str());
    }
  }
}

}  // namespace ftlens
