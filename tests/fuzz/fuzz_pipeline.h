// What every fuzz target checks besides "no crash, no sanitizer report": the
// input runs through the real pipeline (parser -> model -> all detectors ->
// correlation -> JSON report), every line is accounted for, and the report
// is valid JSON. A broken invariant aborts, so libFuzzer keeps the input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "cli/pipeline.h"
#include "detectors/detector.h"
#include "exporters/analysis_result.h"
#include "exporters/json_report.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

namespace ftlens::fuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// The report must be JSON that a consumer can read back.
inline void check_report(const AnalysisResult& result) {
  std::string text = render_report(result);
  if (nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false).is_discarded()) fail("report is not valid JSON");
}

// Feeds `prefix` then `data` to the text parser in chunks whose size the
// first input byte chooses (1..64 bytes, or all at once), so that lines cut
// anywhere between reads are exercised too.
inline void analyze_text(std::string_view prefix, const uint8_t* bytes, size_t size) {
  size_t chunk = size;
  if (size > 0) {
    chunk = bytes[0] < 192 ? size : static_cast<size_t>(bytes[0] - 191);
    ++bytes;
    --size;
  }
  std::string_view data(reinterpret_cast<const char*>(bytes), size);

  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  Pipeline pipeline(detectors, nullptr);
  FtraceTextParser parser(strings, pipeline);
  parser.feed(prefix);
  for (size_t at = 0; at < data.size(); at += chunk) parser.feed(data.substr(at, chunk == 0 ? data.size() : chunk));
  parser.finish();

  const TextTraceInfo& info = parser.info();
  if (info.unaccounted_lines() != 0) fail("a line was counted twice or not at all");
  AnalysisResult result;
  result.text = info;
  result.events = info.events;
  result.lost_events = info.lost_events;
  pipeline.finish(result);
  check_report(result);
}

}  // namespace ftlens::fuzz
