#include "exporters/html_report.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "exporters/finding_json.h"
#include "exporters/text_summary.h"
#include "exporters/xml_escape.h"
#include "util/counted.h"

namespace ftlens {

namespace {

using Json = nlohmann::ordered_json;

std::string escaped(std::string_view text) {
  std::string out;
  append_xml_escaped(out, text);
  return out;
}

std::string cell(std::string_view text, std::string_view sort_key = {}) {
  std::string out = "<td";
  if (!sort_key.empty()) out += " data-sort=\"" + escaped(sort_key) + "\"";
  return out + ">" + escaped(text) + "</td>";
}

int severity_rank(const Json& f) { return static_cast<int>(finding_severity(f)); }

int64_t end_of(const Json& f, int64_t trace_end) {
  return f["end_ns"].is_number_integer() ? f["end_ns"].get<int64_t>() : trace_end;
}


// The lanes: one per CPU the trace has events on or a finding names, and
// one on top for findings about no CPU.
std::vector<int64_t> lanes_of(const Json& input, const Json& findings, bool* cpu_less) {
  std::set<int64_t> cpus;
  if (input.contains("cpus") && input["cpus"].is_array())
    for (const Json& c : input["cpus"])
      if (c.is_number_integer()) cpus.insert(c.get<int64_t>());
  *cpu_less = false;
  for (const Json& f : findings) {
    if (f["cpu"].is_number_integer()) cpus.insert(f["cpu"].get<int64_t>());
    else *cpu_less = true;
  }
  return {cpus.begin(), cpus.end()};
}

// The timeline picture: x is trace time, a lane per CPU, a bar per finding
// (at least 2 px wide; findings that overlap in time get rows of their own
// in the lane, up to kRows), the root causes outlined and marked.
std::string timeline_svg(const Json& input, const Json& findings) {
  const TimeStyle style = time_style_of(input);
  constexpr int kWidth = 960, kLeft = 64, kRow = 9, kRows = 6, kPad = 6, kTop = 12, kAxis = 28;
  const int64_t first = input.value("first_ns", int64_t{0});
  const int64_t last = std::max(input.value("last_ns", int64_t{0}), first + 1);
  bool cpu_less = false;
  const std::vector<int64_t> cpus = lanes_of(input, findings, &cpu_less);
  const size_t lanes = cpus.size() + (cpu_less ? 1 : 0);
  auto x_of = [&](int64_t ns) {
    const double share = static_cast<double>(std::clamp(ns, first, last) - first) / static_cast<double>(last - first);
    return kLeft + static_cast<int>(share * (kWidth - kLeft - 8));
  };
  auto lane_of = [&](const Json& f) -> size_t {
    if (!f["cpu"].is_number_integer()) return 0;
    const auto it = std::lower_bound(cpus.begin(), cpus.end(), f["cpu"].get<int64_t>());
    return static_cast<size_t>(it - cpus.begin()) + (cpu_less ? 1 : 0);
  };
  // Rows inside each lane: a finding takes the first row free at its start.
  std::vector<std::vector<int>> row_ends(lanes);  // by lane: where each row's last bar ends (px)
  std::vector<std::pair<size_t, int>> placed;     // by finding: lane, row
  for (const Json& f : findings) {
    const size_t lane = lane_of(f);
    const int x0 = x_of(f["start_ns"].get<int64_t>()), x1 = std::max(x_of(end_of(f, last)), x0 + 2);
    auto& ends = row_ends[lane];
    int row = 0;
    while (row < static_cast<int>(ends.size()) && ends[static_cast<size_t>(row)] > x0) ++row;
    if (row >= kRows) row = kRows - 1;
    if (row == static_cast<int>(ends.size())) ends.push_back(x1);
    else ends[static_cast<size_t>(row)] = std::max(ends[static_cast<size_t>(row)], x1);
    placed.emplace_back(lane, row);
  }
  std::vector<int> lane_top(lanes + 1, kTop);
  for (size_t lane = 0; lane < lanes; ++lane)
    lane_top[lane + 1] = lane_top[lane] + kPad + kRow * std::max<int>(2, static_cast<int>(row_ends[lane].size()));
  const int height = lane_top[lanes] + kAxis;
  std::string svg = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) +
                    "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(height) + "\" role=\"img\">\n";
  for (size_t lane = 0; lane < lanes; ++lane) {
    const bool none = cpu_less && lane == 0;
    const std::string name = none ? "no CPU" : "CPU" + std::to_string(cpus[lane - (cpu_less ? 1 : 0)]);
    const int y = lane_top[lane], h = lane_top[lane + 1] - y - 2;
    svg += "<g class=\"lane\" data-lane=\"" + name + "\"><rect x=\"" + std::to_string(kLeft) + "\" y=\"" + std::to_string(y) +
           "\" width=\"" + std::to_string(kWidth - kLeft - 8) + "\" height=\"" + std::to_string(h) + "\" fill=\"" +
           (lane % 2 ? "#f4f4f4" : "#eaeaea") + "\"/><text x=\"4\" y=\"" + std::to_string(y + 13) +
           "\" font-size=\"12\">" + name + "</text></g>\n";
  }
  std::string marks;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Json& f = findings[i];
    const int rank = severity_rank(f);
    const bool root = f.value("root_cause", false);
    const int64_t start = f["start_ns"].get<int64_t>();
    const int x0 = x_of(start), x1 = std::max(x_of(end_of(f, last)), x0 + 2);
    const int y = lane_top[placed[i].first] + kPad / 2 + placed[i].second * kRow;
    const char* fill = rank == 2 ? "#d62728" : rank == 1 ? "#ff9f1a" : "#4c8fd6";
    svg += "<rect class=\"finding " + std::string(rank == 2 ? "error" : rank == 1 ? "warning" : "info") +
           (root ? " root-cause" : "") + "\" data-id=\"" + escaped(f["id"].get<std::string>()) + "\" x=\"" +
           std::to_string(x0) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(x1 - x0) + "\" height=\"" +
           std::to_string(kRow - 2) + "\" fill=\"" + fill + "\"" + (root ? " stroke=\"#000\" stroke-width=\"1.5\"" : "") +
           "><title>" +
           escaped(f["id"].get<std::string>() + " " + f["detector"].get<std::string>() + " at " + format_trace_time(start, style) + ": " +
                   f["message"].get<std::string>()) +
           "</title></rect>\n";
    if (root)
      marks += "<text class=\"root-mark\" x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(y - 1) +
               "\" font-size=\"10\">&#9660; " + escaped(f["id"].get<std::string>()) + " root cause</text>\n";
  }
  svg += marks;  // over the bars
  // The axis, in the trace's seconds.
  const int axis_y = lane_top[lanes] + 2;
  svg += "<g class=\"axis\"><line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(axis_y) + "\" x2=\"" +
         std::to_string(kWidth - 8) + "\" y2=\"" + std::to_string(axis_y) + "\" stroke=\"#333\"/>";
  constexpr int kTicks = 5;
  for (int i = 0; i <= kTicks; ++i) {
    const int64_t at = first + (last - first) / kTicks * i;
    const int x = x_of(at);
    svg += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(axis_y) + "\" x2=\"" + std::to_string(x) +
           "\" y2=\"" + std::to_string(axis_y + 4) + "\" stroke=\"#333\"/><text x=\"" + std::to_string(x) + "\" y=\"" +
           std::to_string(axis_y + 16) + "\" font-size=\"11\" text-anchor=\"" +
           (i == 0 ? "start" : i == kTicks ? "end" : "middle") + "\">" + format_trace_time(at, style) + "</text>";
  }
  return svg + "</g></svg>\n";
}

// The groups first: each root cause with the findings it explains.
std::string groups_html(const Json& findings, const TimeStyle& style) {
  std::string out;
  for (const Json& root : findings) {
    if (!root.value("root_cause", false)) continue;
    const std::string group = root["group"].get<std::string>();
    out += "<div class=\"group\"><p><b>" + escaped(group) + ": root cause " + escaped(root["id"].get<std::string>()) + " " +
           escaped(root["detector"].get<std::string>()) + " on " + finding_cpu_label(root) + " at " + format_trace_time(root["start_ns"].get<int64_t>(), style) +
           "</b><br>" + escaped(root["message"].get<std::string>()) + "</p><ul>";
    bool alone = true;
    for (const Json& f : findings) {
      if (&f == &root || !f["group"].is_string() || f["group"] != group) continue;
      alone = false;
      out += "<li class=\"" + f["severity"].get<std::string>() + "\">" + escaped(f["id"].get<std::string>()) + " " +
             escaped(f["detector"].get<std::string>()) + " on " + finding_cpu_label(f) + " at " + format_trace_time(f["start_ns"].get<int64_t>(), style) + ": " +
             escaped(f["message"].get<std::string>()) + "</li>";
    }
    if (alone) out += "<li>alone: nothing else the trace could judge goes with it</li>";
    out += "</ul></div>\n";
  }
  return out;
}

std::string perfetto_links(const std::string& perfetto, const std::string& title) {
  if (perfetto.empty()) return "";
  return "<p class=\"perfetto\"><a href=\"" + escaped(perfetto) + "\">Perfetto JSON</a> (open it at ui.perfetto.dev: "
         "\"Open trace file\") <button class=\"open-perfetto\" data-href=\"" + escaped(perfetto) + "\" data-title=\"" +
         escaped(title) + "\">Open in Perfetto UI</button></p>\n";
}

// One trace: its figures, timeline, groups and findings.
std::string trace_section(size_t index, const std::string& path, const Json& input, const Json& findings,
                          const std::string& perfetto) {
  const int64_t first = input.value("first_ns", int64_t{0}), last = input.value("last_ns", int64_t{0});
  const TimeStyle style = time_style_of(input);
  std::string h = "<section class=\"trace\" id=\"trace-" + std::to_string(index) + "\"><h2>" + escaped(path) + "</h2><p>" +
                  escaped(input.value("format", std::string())) + ", " + std::to_string(input.value("events", int64_t{0})) +
                  " events, " + format_trace_time(first, style) + " .. " + format_trace_time(last, style) + " (" + format_duration(last - first) + ")</p>\n";
  h += perfetto_links(perfetto, path);
  h += timeline_svg(input, findings);
  h += groups_html(findings, style);
  if (findings.empty()) return h + "<p>No findings.</p></section>\n";
  h += "<table class=\"sortable findings\"><thead><tr><th>id</th><th>severity</th><th>detector</th><th>CPU</th><th>task</th>"
       "<th>at</th><th>for</th><th>what</th></tr></thead><tbody>\n";
  for (const Json& f : findings) {
    const int64_t start = f["start_ns"].get<int64_t>(), duration = f["duration_ns"].get<int64_t>();
    h += "<tr class=\"" + f["severity"].get<std::string>() + "\">" + cell(f["id"].get<std::string>()) +
         cell(f["severity"].get<std::string>(), std::to_string(severity_rank(f))) + cell(f["detector"].get<std::string>()) +
         cell(finding_cpu_label(f)) + cell(f["comm"].is_string() ? f["comm"].get<std::string>() : "") +
         cell(format_trace_time(start, style), std::to_string(start)) + cell(format_duration(duration), std::to_string(duration)) +
         cell(f["message"].get<std::string>()) + "</tr>\n";
  }
  return h + "</tbody></table></section>\n";
}

constexpr std::string_view kStyle =
    "body{font-family:sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}th{cursor:pointer;background:#eee}"
    ".error{background:#fdd}.warning{background:#ffd}.failed{background:#eee;color:#900}"
    "section.trace{border-top:2px solid #999;margin-top:2em}svg.timeline{display:block;margin:0.5em 0}"
    ".group{border-left:4px solid #d62728;padding-left:0.8em;margin:0.5em 0}";

// Sorting by a header click, filtering the traces by text, and the Perfetto
// UI button: the UI answers 'PING' with 'PONG', then takes the trace as
// {perfetto: {buffer, title}}. The page marks itself ready for the test.
constexpr std::string_view kScript = R"JS(
for (const table of document.querySelectorAll("table.sortable")) {
  const heads = table.tHead.rows[0].cells;
  for (let i = 0; i < heads.length; i++) {
    heads[i].addEventListener("click", () => {
      const body = table.tBodies[0];
      const asc = heads[i].dataset.dir !== "asc";
      heads[i].dataset.dir = asc ? "asc" : "desc";
      const key = (r) => r.cells[i] ? (r.cells[i].dataset.sort ?? r.cells[i].textContent) : "";
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = key(a), y = key(b), nx = Number(x), ny = Number(y);
        const c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      for (const r of rows) body.appendChild(r);
    });
  }
}
const filter = document.getElementById("filter");
if (filter) {
  filter.addEventListener("input", () => {
    const text = filter.value.toLowerCase();
    for (const row of document.querySelectorAll("#traces tbody tr"))
      row.style.display = row.textContent.toLowerCase().includes(text) ? "" : "none";
  });
}
const ui = "https://ui.perfetto.dev";
for (const button of document.querySelectorAll("button.open-perfetto")) {
  button.addEventListener("click", async () => {
    const buffer = await (await fetch(button.dataset.href)).arrayBuffer();
    const win = window.open(ui);
    const ping = setInterval(() => win.postMessage("PING", ui), 50);
    window.addEventListener("message", function pong(event) {
      if (event.origin !== ui || event.data !== "PONG") return;
      clearInterval(ping);
      window.removeEventListener("message", pong);
      win.postMessage({perfetto: {buffer: buffer, title: button.dataset.title}}, ui);
    });
  });
}
document.body.dataset.ready = "1";
)JS";

std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escaped(title) + "</title><style>" +
         std::string(kStyle) + "</style></head><body>\n" + body + "<script>" + std::string(kScript) +
         "</script>\n</body></html>\n";
}

// A trace's worst root cause, for the traces table.
std::string worst_root(const Json& findings) {
  const Json* worst = nullptr;
  for (const Json& f : findings)
    if (f.value("root_cause", false) && (!worst || severity_rank(f) > severity_rank(*worst))) worst = &f;
  if (!worst) return "";
  return (*worst)["id"].get<std::string>() + " " + (*worst)["detector"].get<std::string>() + " on " + finding_cpu_label(*worst);
}

}  // namespace

std::string build_scan_html(const Json& report) {
  const auto& s = report["scan"];
  std::string h = "<h1>ftlens scan</h1><p>" + counted(s["traces"].get<size_t>(), "trace") + ", " +
                  std::to_string(s["analyzed"].get<int>()) + " analyzed, " + std::to_string(s["failed"].get<int>()) +
                  " could not be read.</p>\n";
  if (report.contains("comparison")) {
    const auto& c = report["comparison"];
    h += "<p>Against the baseline: " + std::to_string(c["new"].size()) + " new, " + std::to_string(c["fixed"].size()) +
         " fixed, " + std::to_string(c["still_present"].size()) + " still present.</p>\n";
  }
  h += "<h2>Traces</h2><p><input id=\"filter\" type=\"search\" placeholder=\"filter the traces\" size=\"40\"></p>"
       "<table class=\"sortable\" id=\"traces\"><thead><tr><th>trace</th><th>format</th><th>events</th>"
       "<th>root cause</th><th>errors</th><th>warnings</th><th>info</th><th>timeline</th></tr></thead><tbody>\n";
  std::string sections, findings;
  size_t index = 0;
  for (const auto& t : report["traces"]) {
    const std::string path = t["path"];
    ++index;
    if (!t["ok"].get<bool>()) {
      h += "<tr class=\"failed\">" + cell(path) + cell("unreadable") + "<td colspan=\"6\">" + escaped(t["error"].get<std::string>()) +
           "</td></tr>\n";
      continue;
    }
    int counts[3] = {0, 0, 0};
    const TimeStyle style = time_style_of(t["input"]);
    for (const auto& f : t["findings"]) {
      ++counts[severity_rank(f)];
      const int64_t start = f["start_ns"].get<int64_t>(), duration = f["duration_ns"].get<int64_t>();
      findings += "<tr class=\"" + f["severity"].get<std::string>() + "\">" + cell(path) + cell(f["id"].get<std::string>()) +
                  cell(f["detector"].get<std::string>()) +
                  cell(f["severity"].get<std::string>(), std::to_string(severity_rank(f))) + cell(finding_cpu_label(f)) +
                  cell(f["comm"].is_string() ? f["comm"].get<std::string>() : "") + cell(format_trace_time(start, style), std::to_string(start)) +
                  cell(format_duration(duration), std::to_string(duration)) + cell(f["message"].get<std::string>()) + "</tr>\n";
    }
    const std::string perfetto = t.contains("perfetto") ? t["perfetto"].get<std::string>() : "";
    const std::string anchor = "#trace-" + std::to_string(index);
    h += std::string("<tr class=\"") + (counts[2] ? "error" : counts[1] ? "warning" : "") + "\"><td><a href=\"" + anchor +
         "\">" + escaped(path) + "</a></td>" + cell(t["input"]["format"].get<std::string>()) +
         cell(std::to_string(t["input"]["events"].get<int64_t>())) + cell(worst_root(t["findings"])) +
         cell(std::to_string(counts[2])) + cell(std::to_string(counts[1])) + cell(std::to_string(counts[0])) + "<td>" +
         (perfetto.empty() ? "" : "<a href=\"" + escaped(perfetto) + "\">Perfetto JSON</a>") + "</td></tr>\n";
    sections += trace_section(index, path, t["input"], t["findings"], perfetto);
  }
  h += "</tbody></table>\n";
  h += "<h2>Findings</h2><table class=\"sortable\" id=\"findings\"><thead><tr><th>trace</th><th>id</th>"
       "<th>detector</th><th>severity</th><th>CPU</th><th>task</th><th>at</th><th>for</th><th>what</th>"
       "</tr></thead><tbody>\n" + findings + "</tbody></table>\n";
  if (report.contains("skipped") && !report["skipped"].empty()) {
    h += "<h2>Not analyzed</h2><table class=\"sortable\" id=\"skipped\"><thead><tr><th>file</th><th>why</th></tr></thead>"
         "<tbody>\n";
    for (const auto& f : report["skipped"]) h += "<tr>" + cell(f["path"].get<std::string>()) + cell(f["reason"].get<std::string>()) + "</tr>\n";
    h += "</tbody></table>\n";
  }
  return page("ftlens scan", h + sections);
}

std::string build_trace_html(const Json& report, const std::string& perfetto) {
  const Json& input = report["input"];
  const std::string path = input.value("path", std::string());
  int counts[3] = {0, 0, 0};
  for (const Json& f : report["findings"]) ++counts[severity_rank(f)];
  const std::string body = "<h1>ftlens: " + escaped(path) + "</h1><p>" + counted(static_cast<size_t>(counts[2]), "error") +
                           ", " + counted(static_cast<size_t>(counts[1]), "warning") + ", " + std::to_string(counts[0]) +
                           " info</p>\n" +
                           trace_section(1, path, input, report["findings"], perfetto);
  return page("ftlens: " + path, body);
}

}  // namespace ftlens
