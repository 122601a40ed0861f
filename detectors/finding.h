// A finding: what a detector concluded, with enough context for a person to
// find it in the trace and for a script to act on it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/event.h"

namespace ftlens {

enum class Severity : uint8_t { kInfo, kWarning, kError };
std::string_view severity_name(Severity severity);
std::optional<Severity> severity_from_name(std::string_view name);

struct Finding {
  std::string id;        // "F1", "F2", ... in report order; assigned by the pipeline
  std::string detector;  // CONTRACT.md detector id
  int cause_rank = 0;    // the detector's (Detector::cause_rank), set when it reports
  bool is_report = false;  // the detector's Detector::relays_reports(), set when it reports
  bool is_fold = false;    // counts the findings beyond max_findings (details.folded); about no CPU or task
  Severity severity = Severity::kInfo;
  std::optional<int32_t> cpu;
  // Other CPUs the finding is about, which correlation links it through (an
  // unanswered IPI: the CPUs of the senders it lists).
  std::vector<int32_t> related_cpus;
  std::optional<int32_t> pid;
  std::optional<std::string> comm;
  TimeNs start = 0;
  std::optional<TimeNs> end;  // nullopt: still open at the end of the trace
  TimeNs duration = 0;        // to `end`, or to the trace end when `end` is nullopt
  std::string message;        // one sentence: what and why
  nlohmann::ordered_json details = nlohmann::ordered_json::object();

  // Set by correlate_findings(): findings that share one root cause.
  std::string group;                  // "G1", ... or empty
  bool root_cause = false;            // this finding is the group's root cause
  std::vector<std::string> related;   // ids of the other findings in the group
};

}  // namespace ftlens
