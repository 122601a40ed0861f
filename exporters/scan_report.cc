#include "exporters/scan_report.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "exporters/finding_json.h"
#include "exporters/json_report.h"
#include "exporters/text_summary.h"
#include "exporters/xml_escape.h"
#include "parser/timestamp.h"
#include "util/counted.h"

namespace ftlens {

namespace {

using Json = nlohmann::ordered_json;

}  // namespace

Json scan_entry(const ScannedTrace& t, const std::function<std::string(const Finding&)>& fingerprint) {
  Json entry;
  entry["path"] = t.path;
  entry["ok"] = t.ok;
  if (!t.ok) {
    entry["error"] = t.error;
    return entry;
  }
  Json single = build_report(*t.result);
  entry["input"] = std::move(single["input"]);
  entry["coverage"] = std::move(single["coverage"]);
  if (!t.perfetto.empty()) entry["perfetto"] = t.perfetto;
  Json findings = std::move(single["findings"]);
  for (size_t i = 0; i < findings.size(); ++i) findings[i]["fingerprint"] = fingerprint(t.result->findings[i]);
  entry["findings"] = std::move(findings);
  return entry;
}

Status check_trace_entry(const nlohmann::json& entry) {
  const auto wrong = [](std::string what) { return Status(ErrorCode::kBadInput, std::move(what)); };
  auto is_string = [](const nlohmann::json& o, const char* key) { return o.contains(key) && o[key].is_string(); };
  auto is_int = [](const nlohmann::json& o, const char* key) { return o.contains(key) && o[key].is_number_integer(); };
  if (!entry.is_object() || !is_string(entry, "path") || !entry.contains("ok") || !entry["ok"].is_boolean())
    return wrong("a trace entry without a string \"path\" and a boolean \"ok\"");
  const std::string path = entry["path"];
  if (!entry["ok"].get<bool>())
    return is_string(entry, "error") ? ok_status() : wrong(path + ": failed entry without a string \"error\"");
  if (entry.contains("perfetto") && !entry["perfetto"].is_string()) return wrong(path + ": \"perfetto\" is not a string");
  const nlohmann::json input = entry.contains("input") ? entry["input"] : nlohmann::json();
  if (!input.is_object() || !is_string(input, "format") || !is_int(input, "events"))
    return wrong(path + ": \"input\" lacks a string \"format\" or an integer \"events\"");
  if (!entry.contains("findings") || !entry["findings"].is_array()) return wrong(path + ": \"findings\" is not an array");
  for (const auto& f : entry["findings"]) {
    const bool ok = f.is_object() && is_string(f, "detector") && is_string(f, "severity") && is_string(f, "fingerprint") &&
                    is_string(f, "id") && is_string(f, "message") && is_int(f, "start_ns") && is_int(f, "duration_ns") &&
                    f.contains("cpu") && (f["cpu"].is_null() || f["cpu"].is_number_integer()) && f.contains("comm") &&
                    (f["comm"].is_null() || f["comm"].is_string());
    if (!ok) return wrong(path + ": a finding lacks a field or has one of the wrong type");
  }
  return ok_status();
}

Status check_skipped_list(const nlohmann::json& skipped) {
  if (skipped.is_array())
    for (const auto& s : skipped)
      if (!s.is_object() || !s.contains("path") || !s["path"].is_string() || !s.contains("reason") || !s["reason"].is_string())
        return Status(ErrorCode::kBadInput, "\"skipped\" lists a file without a string \"path\" and \"reason\"");
  return skipped.is_array() ? ok_status() : Status(ErrorCode::kBadInput, "\"skipped\" is not an array");
}

Json assemble_scan_report(Json entries, Json skipped, const nlohmann::json* baseline, Json roots) {
  Json report;
  report["schema"] = 1;
  report["tool"] = {{"name", "ftlens"}, {"version", FTLENS_VERSION}};
  std::map<std::string, std::array<int, 3>> totals;  // detector -> info, warning, error
  size_t failed = 0;
  // path -> fingerprints in the baseline
  std::map<std::string, std::multiset<std::string>> before;
  if (baseline && baseline->contains("traces"))
    for (const auto& t : (*baseline)["traces"])
      for (const auto& f : t.value("findings", nlohmann::json::array()))
        if (f.contains("fingerprint")) before[t.value("path", "")].insert(f["fingerprint"].get<std::string>());
  // An unreadable trace is a finding of its own in the comparison: one that
  // became unreadable since the baseline (or is new and unreadable) is new.
  std::set<std::string> unreadable_before, traces_before;
  if (baseline && baseline->contains("traces"))
    for (const auto& t : (*baseline)["traces"]) {
      if (t.contains("ok") && t["ok"].is_boolean() && !t["ok"].get<bool>()) unreadable_before.insert(t.value("path", ""));
      traces_before.insert(t.value("path", ""));
    }
  Json fresh = Json::array(), fixed = Json::array(), still = Json::array();
  std::set<std::string> scanned, unreadable_now;

  for (const Json& entry : entries) {
    if (!entry["ok"].get<bool>()) {
      ++failed;
      const std::string path = entry["path"];
      unreadable_now.insert(path);
      if (!baseline) continue;
      Json ref = {{"path", path}, {"id", nullptr}, {"fingerprint", kUnreadableFingerprint}, {"severity", "error"}};
      (unreadable_before.contains(path) ? still : fresh).push_back(std::move(ref));
      continue;
    }
    const std::string path = entry["path"];
    scanned.insert(path);
    auto& seen = before[path];
    for (const Json& f : entry["findings"]) {
      const std::string severity = f["severity"], print = f["fingerprint"];
      auto sev = severity_from_name(severity).value_or(Severity::kInfo);
      ++totals[f["detector"].get<std::string>()][static_cast<size_t>(sev)];
      if (!baseline) continue;
      Json ref = {{"path", path}, {"id", f["id"]}, {"fingerprint", print}, {"severity", severity}};
      if (auto it = seen.find(print); it != seen.end()) {
        seen.erase(it);
        still.push_back(std::move(ref));
      } else {
        fresh.push_back(std::move(ref));
      }
    }
  }
  if (baseline) {
    // A trace of the baseline that tonight does not even look like one (it
    // was overwritten with binary data, say) could not be read either.
    for (const Json& file : skipped) {
      const std::string path = file["path"];
      if (!traces_before.contains(path) || unreadable_before.contains(path)) continue;
      unreadable_now.insert(path);
      fresh.push_back({{"path", path}, {"id", nullptr}, {"fingerprint", kUnreadableFingerprint}, {"severity", "error"}});
    }
    // Whatever the baseline had and tonight's scan of the same trace does not.
    for (const auto& [path, prints] : before)
      for (const std::string& print : prints)
        fixed.push_back({{"path", path}, {"fingerprint", print}, {"trace_scanned", scanned.contains(path)}});
    for (const std::string& path : unreadable_before)
      if (!unreadable_now.contains(path))
        fixed.push_back({{"path", path}, {"fingerprint", kUnreadableFingerprint}, {"trace_scanned", scanned.contains(path)}});
  }
  Json by_detector = Json::object();
  for (const auto& [detector, n] : totals) by_detector[detector] = {{"error", n[2]}, {"warning", n[1]}, {"info", n[0]}};
  report["scan"] = {{"traces", entries.size()}, {"analyzed", entries.size() - failed}, {"failed", failed},
                    {"skipped", skipped.size()}};
  if (roots.is_array() && !roots.empty()) report["scan"]["roots"] = std::move(roots);
  report["totals"] = std::move(by_detector);
  if (baseline) report["comparison"] = {{"new", std::move(fresh)}, {"fixed", std::move(fixed)}, {"still_present", std::move(still)}};
  report["traces"] = std::move(entries);
  report["skipped"] = std::move(skipped);
  return report;
}

namespace {

// Seconds as JUnit's xs:decimal, to the millisecond.
std::string junit_seconds(int64_t ns) {
  const int64_t ms = std::max<int64_t>(ns, 0) / 1'000'000;
  std::string frac = std::to_string(1000 + ms % 1000).substr(1);
  return std::to_string(ms / 1000) + "." + frac;
}

std::string finding_when(const Json& f, const TimeStyle& style) {
  return format_trace_time(f["start_ns"].get<int64_t>(), style);
}

// The failure of a trace: the root cause of its worst group (the most
// severe root cause, then the earliest), or its worst finding when no group
// holds one at `fail_at` or above; null when nothing reaches `fail_at`.
const Json* failure_of(const Json& findings, Severity fail_at) {
  const Json* worst_root = nullptr;
  const Json* worst = nullptr;
  const auto severity = finding_severity;
  bool failing = false;
  for (const Json& f : findings) {
    if (severity(f) >= fail_at) failing = true;
    if (!worst || severity(f) > severity(*worst)) worst = &f;
    if (f.value("root_cause", false) && (!worst_root || severity(f) > severity(*worst_root))) worst_root = &f;
  }
  if (!failing) return nullptr;
  return worst_root && severity(*worst_root) >= fail_at ? worst_root : worst;
}

// What the summary prints of a trace's findings: the groups with their root
// causes first, then every finding, the worst first.
std::string findings_text(const Json& findings, const TimeStyle& style) {
  std::string out;
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on
  // "literal" + string chains here.
  auto add = [&out](std::initializer_list<std::string_view> pieces) {
    for (std::string_view p : pieces) out.append(p);
  };
  auto text = [](const Json& f, const char* key) -> const std::string& { return f[key].get_ref<const std::string&>(); };
  for (const Json& root : findings) {
    if (!root.value("root_cause", false)) continue;
    const std::string& group = text(root, "group");
    add({group, ": root cause ", text(root, "id"), " ", text(root, "detector"), " on ", finding_cpu_label(root), " at ",
         finding_when(root, style), "\n    ", text(root, "message"), "\n"});
    bool alone = true;
    for (const Json& f : findings) {
      if (&f == &root || !f["group"].is_string() || f["group"] != group) continue;
      add({alone ? "    with: " : " ", text(f, "id"), " ", text(f, "detector"), f["cpu"].is_number_integer() ? " " : "",
           f["cpu"].is_number_integer() ? finding_cpu_label(f) : "", ";"});
      alone = false;
    }
    add({alone ? "    alone: nothing else the trace could judge goes with it\n" : "\n"});
  }
  for (const char* severity : {"error", "warning", "info"})
    for (const Json& f : findings) {
      if (f["severity"] != severity) continue;
      add({"\n", severity, " ", text(f, "id"), " ", text(f, "detector"), "  ", finding_cpu_label(f), "  at ", finding_when(f, style),
           "  for ", format_duration(f["duration_ns"].get<int64_t>()), f["end_ns"].is_null() ? " (open at trace end)" : "",
           "\n        ", text(f, "message"), "\n"});
      if (f["group"].is_string() && !f.value("root_cause", false)) add({"        (part of ", text(f, "group"), ")\n"});
    }
  return out;
}

struct JunitSuite {
  std::string name, cases;
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  int64_t ns = 0;
};

// The scan root a path was found under (the longest that holds it), or
// "ftlens scan" when the report does not list its roots.
size_t suite_of(const std::string& path, const std::vector<std::string>& roots) {
  size_t best = roots.size(), best_length = 0;
  for (size_t i = 0; i < roots.size(); ++i) {
    std::string root = roots[i];
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    const bool holds = path == root || (path.starts_with(root) && path.size() > root.size() && path[root.size()] == '/');
    if (holds && root.size() >= best_length) {
      best = i;
      best_length = root.size();
    }
  }
  return best;
}

}  // namespace

std::string build_junit(const Json& report, Severity fail_at, const std::vector<int64_t>& analysis_ns) {
  std::vector<std::string> roots;
  if (report.contains("scan") && report["scan"].contains("roots"))
    for (const Json& r : report["scan"]["roots"])
      if (r.is_string()) roots.push_back(r.get<std::string>());
  std::vector<JunitSuite> suites(roots.size() + 1);
  for (size_t i = 0; i < roots.size(); ++i) suites[i].name = roots[i];
  suites.back().name = "ftlens scan";
  auto open_case = [](JunitSuite& suite, const std::string& path, int64_t ns) {
    ++suite.tests;
    suite.ns += ns;
    suite.cases += "    <testcase classname=\"ftlens.scan\" name=\"";
    append_xml_escaped(suite.cases, path);
    suite.cases += "\" time=\"" + junit_seconds(ns) + "\">\n";
  };
  const Json& traces = report["traces"];
  for (size_t i = 0; i < traces.size(); ++i) {
    const Json& t = traces[i];
    const std::string path = t["path"].get<std::string>();
    JunitSuite& suite = suites[suite_of(path, roots)];
    open_case(suite, path, i < analysis_ns.size() ? analysis_ns[i] : 0);
    if (!t["ok"].get<bool>()) {
      ++suite.errors;
      suite.cases += "      <error type=\"unreadable\" message=\"";
      append_xml_escaped(suite.cases, t["error"].get<std::string>());
      suite.cases += "\"/>\n";
    } else if (const Json* failure = failure_of(t["findings"], fail_at)) {
      ++suite.failures;
      suite.cases += "      <failure type=\"" + (*failure)["detector"].get<std::string>() + "\" message=\"";
      append_xml_escaped(suite.cases, (*failure)["id"].get<std::string>() + " " + (*failure)["severity"].get<std::string>() +
                                          " " + (*failure)["detector"].get<std::string>() + " on " + finding_cpu_label(*failure) +
                                          ": " + (*failure)["message"].get<std::string>());
      suite.cases += "\">";
      append_xml_escaped(suite.cases, findings_text(t["findings"], time_style_of(t["input"])));
      suite.cases += "</failure>\n";
    }
    suite.cases += "    </testcase>\n";
  }
  // Reports from before "skipped" (merged parts of an older ftlens) have none.
  const Json none = Json::array();
  const Json& skipped = report.contains("skipped") ? report["skipped"] : none;
  for (const Json& s : skipped) {
    const std::string path = s["path"].get<std::string>();
    JunitSuite& suite = suites[suite_of(path, roots)];
    open_case(suite, path, 0);
    ++suite.skipped;
    suite.cases += "      <skipped message=\"";
    append_xml_escaped(suite.cases, s["reason"].get<std::string>());
    suite.cases += "\"/>\n    </testcase>\n";
  }
  JunitSuite all;
  std::string body;
  for (const JunitSuite& suite : suites) {
    if (suite.tests == 0 && !(&suite == &suites.back() && all.tests == 0 && roots.empty())) continue;
    all.tests += suite.tests;
    all.failures += suite.failures;
    all.errors += suite.errors;
    all.skipped += suite.skipped;
    all.ns += suite.ns;
    body += "  <testsuite name=\"";
    append_xml_escaped(body, suite.name);
    body += "\" tests=\"" + std::to_string(suite.tests) + "\" failures=\"" + std::to_string(suite.failures) +
            "\" errors=\"" + std::to_string(suite.errors) + "\" skipped=\"" + std::to_string(suite.skipped) +
            "\" time=\"" + junit_seconds(suite.ns) + "\">\n" + suite.cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ftlens scan\" tests=\"" +
         std::to_string(all.tests) + "\" failures=\"" + std::to_string(all.failures) + "\" errors=\"" +
         std::to_string(all.errors) + "\" skipped=\"" + std::to_string(all.skipped) + "\" time=\"" +
         junit_seconds(all.ns) + "\">\n" + body + "</testsuites>\n";
}

void write_scan_summary(const Json& report, std::FILE* out) {
  for (const auto& t : report["traces"]) {
    const std::string path = t["path"];
    if (!t["ok"].get<bool>()) {
      std::fprintf(out, "FAILED  %s\n", t["error"].get<std::string>().c_str());  // the error names the file
      continue;
    }
    int counts[3] = {0, 0, 0};
    for (const auto& f : t["findings"]) {
      const std::string sev = f["severity"];
      ++counts[sev == "error" ? 2 : sev == "warning" ? 1 : 0];
    }
    std::fprintf(out, "%-7s %s: %s, %s\n", counts[2] ? "ERROR" : counts[1] ? "WARN" : "ok", path.c_str(),
                 counted(static_cast<size_t>(counts[2]), "error").c_str(), counted(static_cast<size_t>(counts[1]), "warning").c_str());
  }
  const auto& s = report["scan"];
  std::fprintf(out, "\n%s, %d analyzed, %d could not be read\n", counted(s["traces"].get<size_t>(), "trace").c_str(), s["analyzed"].get<int>(),
               s["failed"].get<int>());
  if (report.contains("skipped") && !report["skipped"].empty()) {
    // The report lists them all; a folder of 10k other files is not 10k lines here.
    constexpr size_t kListed = 20;
    const auto& skipped = report["skipped"];
    std::fprintf(out, "%s looked at and not analyzed:\n", counted(skipped.size(), "other file").c_str());
    for (size_t i = 0; i < skipped.size() && i < kListed; ++i)
      std::fprintf(out, "  skipped %s: %s\n", skipped[i]["path"].get<std::string>().c_str(),
                   skipped[i]["reason"].get<std::string>().c_str());
    if (skipped.size() > kListed) std::fprintf(out, "  ... and %zu more (in the report)\n", skipped.size() - kListed);
  }
  if (report.contains("comparison")) {
    const auto& c = report["comparison"];
    std::fprintf(out, "against the baseline: %zu new, %zu fixed, %zu still present\n", c["new"].size(), c["fixed"].size(),
                 c["still_present"].size());
    for (const auto& f : c["new"]) {
      if (f["id"].is_null()) {  // the trace itself: it could not be read
        std::fprintf(out, "  new: %s could not be read\n", f["path"].get<std::string>().c_str());
        continue;
      }
      std::fprintf(out, "  new: %s %s (%s)\n", f["path"].get<std::string>().c_str(), f["id"].get<std::string>().c_str(),
                   f["fingerprint"].get<std::string>().c_str());
    }
  }
}



}  // namespace ftlens
