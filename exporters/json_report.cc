#include "exporters/json_report.h"

#include "exporters/analysis_result.h"
#include "exporters/output_file.h"
#include "parser/pasted_text.h"

namespace ftlens {

namespace {

using Json = nlohmann::ordered_json;

template <typename T>
Json or_null(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

}  // namespace

Json build_report(const AnalysisResult& r) {
  Json report;
  report["schema"] = 1;
  report["tool"] = {{"name", "ftlens"}, {"version", FTLENS_VERSION}};
  Json skipped = Json::array();
  for (const ParseIssue& issue : r.first_issues)
    skipped.push_back({{"line", issue.line}, {"column", issue.column + 1}, {"reason", issue.reason}});
  report["input"] = {{"path", r.path},
                     {"format", r.format},
                     {"compression", r.compression.empty() ? Json(nullptr) : Json(r.compression)},
                     {"bytes", r.bytes},
                     {"events", r.events},
                     {"cpus", r.cpus},
                     {"first_ns", r.first_ns},
                     {"last_ns", r.last_ns},
                     {"skipped_lines", r.text.skipped_lines},
                     {"lost_events", r.lost_events},
                     {"declared_cpus", r.declared_cpus},
                     {"lines", r.text.lines},
                     {"header_lines", r.text.header_lines},
                     {"marker_lines", r.text.marker_lines},
                     {"stack_frame_lines", r.text.stack_frame_lines},
                     {"function_graph", r.text.function_graph},
                     {"times_from_durations", r.text.times_from_durations},
                     {"long_lines", r.text.long_lines},
                     {"log_lines", r.text.log_lines},
                     {"irq_flags_column", r.text.has_irq_flags},
                     {"tgid_column", r.text.has_tgid},
                     {"malformed_payloads", r.text.malformed_payloads},
                     {"first_skipped", std::move(skipped)},
                     {"warning", r.warning.empty() ? Json(nullptr) : Json(r.warning)}};
  if (!r.instances.empty()) report["input"]["other_instances"] = r.instances;
  // What the input was: recordings one after the other, cuts, pasted text.
  Json& input = report["input"];
  input["segments"] = std::max<size_t>(r.recordings.size(), 1);
  input["clock"] = r.wall_clock ? "wall-clock" : "seconds";
  input["fraction_digits"] = r.time_style().fraction_digits;
  Json recordings = Json::array();
  for (const RecordingSpan& rec : r.recordings)
    recordings.push_back({{"first_ns", rec.first_ns}, {"last_ns", rec.last_ns}, {"events", rec.events}});
  input["recordings"] = std::move(recordings);
  input["elisions"] = r.text.elisions;
  input["lost_markers"] = r.text.lost_markers;
  input["lost_markers_unknown"] = r.text.lost_markers_unknown;
  input["uninterpreted_payloads"] = r.text.uninterpreted_payloads;
  input["clock_sync_lines"] = r.text.clock_sync_lines;
  input["print_continuation_lines"] = r.text.print_continuation_lines;
  input["latency_reports"] = r.text.latency_reports;
  input["instance_lines"] = r.text.instance_lines;
  input["instances"] = r.text.instances;
  input["instances_not_listed"] = r.text.instances_not_listed;
  input["pasted_blank_lines"] = r.text.pasted_blank_lines;
  Json blanks = Json::array();
  for (uint8_t kind = 1; kind != 0 && kind <= kTab; kind = static_cast<uint8_t>(kind << 1))
    if (r.text.pasted_blank_kinds & kind) blanks.push_back(pasted_blank_name(kind));
  input["pasted_blanks"] = std::move(blanks);
  input["quoted_lines"] = r.text.quoted_lines;
  Json causes = Json::array();
  for (size_t i = 0; i < r.text.skip_cause_count; ++i) {
    const SkipCause& c = r.text.skip_causes[i];
    causes.push_back({{"reason", c.reason},
                      {"blank", c.blank ? Json(pasted_blank_name(c.blank)) : Json(nullptr)},
                      {"column", c.column + 1},
                      {"lines", c.lines}});
  }
  input["skipped_causes"] = std::move(causes);
  if (!r.container.empty()) report["input"]["container"] = r.container;
  Json stats = Json::object();
  for (size_t i = 0; i < kModelStatInfo.size(); ++i) stats[std::string(kModelStatInfo[i].name)] = r.model_stats.values[i];
  report["stats"] = std::move(stats);
  Json coverage = Json::object();
  for (const DetectorCoverage& c : r.coverage) coverage[c.detector] = c.verdict();
  report["coverage"] = std::move(coverage);

  Json findings = Json::array();
  for (const Finding& f : r.findings) {
    findings.push_back({{"id", f.id},
                        {"detector", f.detector},
                        {"severity", severity_name(f.severity)},
                        {"cpu", or_null(f.cpu)},
                        {"pid", or_null(f.pid)},
                        {"comm", or_null(f.comm)},
                        {"start_ns", f.start},
                        {"end_ns", or_null(f.end)},
                        {"duration_ns", f.duration},
                        {"message", f.message},
                        {"details", f.details},
                        {"group", f.group.empty() ? Json(nullptr) : Json(f.group)},
                        {"root_cause", f.root_cause},
                        {"related", f.related}});
  }
  report["findings"] = std::move(findings);
  return report;
}

std::string render_report(const AnalysisResult& result) {
  // Comms are whatever a process chose: replace invalid UTF-8 rather than throw.
  return build_report(result).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Status write_report(const AnalysisResult& result, const std::string& path) {
  OutputFile out(path);
  if (!out.ok()) return out.commit();
  const std::string text = render_report(result);
  std::fwrite(text.data(), 1, text.size(), out.get());
  std::fputc('\n', out.get());
  return out.commit();
}

}  // namespace ftlens
