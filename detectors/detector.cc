#include "detectors/detector.h"

#include <algorithm>
#include <string>

namespace ftlens {

namespace {

// The worse of two findings: the more severe, then the longer, then the
// earlier (deterministic whatever the order they came in).
bool worse(const Finding& a, const Finding& b) {
  if (a.severity != b.severity) return a.severity > b.severity;
  if (a.duration != b.duration) return a.duration > b.duration;
  return a.start < b.start;
}

}  // namespace

std::vector<Option> Detector::all_options() {
  std::vector<Option> all = options();
  all.push_back({"max_findings",
                 "findings listed at most (a count); beyond it the worst (severity, then duration) are listed and "
                 "the rest fold into one finding that counts them by severity",
                 &max_findings_});
  return all;
}

void Detector::report(Finding finding) {
  finding.detector = std::string(id());
  finding.cause_rank = cause_rank();
  finding.is_report = relays_reports();
  if (findings_.size() < max_findings_) {
    findings_.push_back(std::move(finding));
    // Full: from now on the least bad one kept is the one a worse one replaces.
    if (findings_.size() == max_findings_) std::make_heap(findings_.begin(), findings_.end(), worse);
    return;
  }
  Finding* folded = &finding;
  if (!findings_.empty() && worse(finding, findings_.front())) {
    std::pop_heap(findings_.begin(), findings_.end(), worse);
    std::swap(findings_.back(), finding);
    std::push_heap(findings_.begin(), findings_.end(), worse);
  }
  const uint64_t before = folded_[0] + folded_[1] + folded_[2];
  const TimeNs end = folded->end.value_or(folded->start + folded->duration);
  folded_first_ = before == 0 ? folded->start : std::min(folded_first_, folded->start);
  folded_last_ = before == 0 ? end : std::max(folded_last_, end);
  ++folded_[static_cast<size_t>(folded->severity)];
  stats_.add(ModelStat::findings_folded);
}

std::vector<Finding> Detector::take_findings() {
  const uint64_t folded = folded_[0] + folded_[1] + folded_[2];
  std::vector<Finding> out = std::move(findings_);
  findings_.clear();
  if (folded == 0) return out;
  // The heap's order means nothing: the trace's does.
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.start != b.start ? a.start < b.start : worse(a, b);
  });
  Finding fold;
  fold.detector = std::string(id());
  fold.cause_rank = cause_rank();
  fold.is_report = relays_reports();
  fold.is_fold = true;
  const auto of = [&](Severity s) { return folded_[static_cast<size_t>(s)]; };
  fold.severity = of(Severity::kError) ? Severity::kError : of(Severity::kWarning) ? Severity::kWarning : Severity::kInfo;
  fold.start = folded_first_;
  fold.end = folded_last_;
  fold.duration = folded_last_ - folded_first_;
  const std::string name(id());
  fold.message = std::to_string(folded) + " more " + name + " findings (" + std::to_string(of(Severity::kError)) +
                 " error, " + std::to_string(of(Severity::kWarning)) + " warning, " +
                 std::to_string(of(Severity::kInfo)) + " info) not listed beyond the " + std::to_string(out.size()) +
                 " worst (" + name + ".max_findings)";
  fold.details["folded"] = {{"findings", folded},
                            {"error", of(Severity::kError)},
                            {"warning", of(Severity::kWarning)},
                            {"info", of(Severity::kInfo)},
                            {"listed", out.size()}};
  out.push_back(std::move(fold));
  folded_ = {};
  return out;
}

}  // namespace ftlens
