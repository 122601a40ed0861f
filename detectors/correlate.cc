#include "detectors/correlate.h"

#include <algorithm>
#include <numeric>
#include <set>

namespace ftlens {

namespace {

constexpr size_t kMaxCorrelated = 4000;
// Ids one finding lists in `related`: a group of a thousand findings on one
// CPU would list a million, the report growing with the square of the
// findings. Beyond, details.related_not_listed counts the rest.
constexpr size_t kMaxRelatedListed = 32;
// Findings on a CPU within this of each other's span count as overlapping
// (a kernel report is printed a little after what it reports).
constexpr TimeNs kSlack = 1'000'000'000;

// The CPUs a finding is about: its own and its related ones.
std::set<int32_t> cpus_of(const Finding& f) {
  std::set<int32_t> cpus(f.related_cpus.begin(), f.related_cpus.end());
  if (f.cpu) cpus.insert(*f.cpu);
  return cpus;
}

struct UnionFind {
  std::vector<size_t> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), size_t{0}); }
  size_t find(size_t x) { return parent[x] == x ? x : parent[x] = find(parent[x]); }
  void join(size_t a, size_t b) { parent[find(a)] = find(b); }
};

}  // namespace

void correlate_findings(std::vector<Finding>& findings, TimeNs trace_end) {
  const size_t n = std::min(findings.size(), kMaxCorrelated);
  std::vector<std::set<int32_t>> cpus(n);
  for (size_t i = 0; i < n; ++i) cpus[i] = cpus_of(findings[i]);
  auto span_end = [&](const Finding& f) { return f.end ? *f.end : trace_end; };
  auto overlap = [&](const Finding& a, const Finding& b) {
    return a.start <= span_end(b) + kSlack && b.start <= span_end(a) + kSlack;
  };
  auto share_cpu = [&](size_t i, size_t j) {
    for (int32_t c : cpus[i])
      if (cpus[j].contains(c)) return true;
    return false;
  };

  UnionFind groups(n);
  std::vector<std::vector<size_t>> explains(n);
  for (size_t i = 0; i < n; ++i) {
    if (findings[i].severity == Severity::kInfo) continue;
    for (size_t j = i + 1; j < n; ++j) {
      if (findings[j].severity == Severity::kInfo) continue;
      const Finding& a = findings[i];
      const Finding& b = findings[j];
      bool linked = share_cpu(i, j) && overlap(a, b);
      // A hung-task report names its task, not a CPU.
      if (!linked && a.pid && b.pid && *a.pid == *b.pid && (a.is_report || b.is_report))
        linked = overlap(a, b);
      if (!linked) continue;
      groups.join(i, j);
      if (a.is_report && !b.is_report) explains[i].push_back(j);
      if (b.is_report && !a.is_report) explains[j].push_back(i);
    }
  }

  // A watchdog's panic and the report it panicked for (the kernel-report
  // detector names it in details.caused_by_line): one problem, though the
  // panic names no CPU or task.
  for (size_t i = 0; i < n; ++i) {
    const Finding& p = findings[i];
    if (!p.is_report || !p.details.contains("caused_by_line")) continue;
    for (size_t j = 0; j < n; ++j)
      if (j != i && findings[j].is_report && findings[j].detector == p.detector &&
          findings[j].details.value("input_line", nlohmann::ordered_json()) == p.details["caused_by_line"] &&
          findings[j].details.value("source", std::string()) == p.details.value("source", std::string()) &&
          !findings[j].details.contains("caused_by_line")) {
        groups.join(i, j);
        break;
      }
  }

  std::vector<std::vector<size_t>> members(n);
  for (size_t i = 0; i < n; ++i) members[groups.find(i)].push_back(i);
  // Number groups in the order of their root causes in the report.
  std::vector<std::pair<size_t, size_t>> roots;  // (root finding, group rep)
  for (size_t rep = 0; rep < n; ++rep) {
    // A group is findings that explain each other; an error the trace
    // shows alone is its own root cause (a fragment that shows one stuck
    // work item and nothing else the trace could judge). A lone warning or
    // info is no group, nor a lone kernel report, nor the count of findings
    // beyond max_findings: it says what it is.
    const bool lone_cause = members[rep].size() == 1 && findings[rep].severity == Severity::kError &&
                            !findings[rep].is_report && !findings[rep].is_fold;
    if (members[rep].size() < 2 && !lone_cause) continue;
    size_t root = *std::min_element(members[rep].begin(), members[rep].end(), [&](size_t x, size_t y) {
      if (findings[x].cause_rank != findings[y].cause_rank) return findings[x].cause_rank < findings[y].cause_rank;
      // Among the kernel's reports, the CPU the others wait for is the cause.
      const bool ux = findings[x].is_report && findings[x].details.value("unanswering", false);
      const bool uy = findings[y].is_report && findings[y].details.value("unanswering", false);
      if (ux != uy) return ux;
      return findings[x].start < findings[y].start;
    });
    roots.emplace_back(root, rep);
  }
  std::sort(roots.begin(), roots.end());
  for (size_t g = 0; g < roots.size(); ++g) {
    const auto& [root, rep] = roots[g];
    // Built in two steps: GCC 12 warns falsely (-Wrestrict) on "G" + string.
    std::string name = "G";
    name += std::to_string(g + 1);
    findings[root].root_cause = true;
    for (size_t i : members[rep]) {
      findings[i].group = name;
      for (size_t j : members[rep])
        if (j != i && findings[i].related.size() < kMaxRelatedListed) findings[i].related.push_back(findings[j].id);
      if (const size_t others = members[rep].size() - 1; others > findings[i].related.size())
        findings[i].details["related_not_listed"] = others - findings[i].related.size();
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!findings[i].is_report) continue;
    nlohmann::ordered_json ids = nlohmann::ordered_json::array();
    for (size_t j : explains[i]) ids.push_back(findings[j].id);
    findings[i].details["explains"] = std::move(ids);
  }
}

}  // namespace ftlens
