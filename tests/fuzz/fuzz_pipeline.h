// What every fuzz target checks besides "no crash, no sanitizer report": the
// input runs through the real pipeline (parser -> model -> all detectors ->
// correlation -> JSON report), every line is accounted for, and the report
// is valid JSON. A broken invariant aborts, so libFuzzer keeps the input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "analysis/pipeline.h"
#include "detectors/detector.h"
#include "exporters/analysis_result.h"
#include "exporters/json_report.h"
#include <fcntl.h>  // open

#include "parser/byte_source.h"
#include "parser/string_pool.h"
#include "parser/text_chunk_pipeline.h"
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

// Everything a text parser hands its sink, folded into one number, string
// ids included: two parses agree when their digests do.
class DigestSink final : public EventSink {
 public:
  explicit DigestSink(const StringPool& pool) : pool_(pool) {}
  void on_event(const Event& e) override {
    mix(1);
    for (int64_t v : {int64_t{e.ts}, int64_t{e.cpu}, int64_t{e.pid}, int64_t{e.tgid}, int64_t{e.comm}, int64_t{e.name},
                      int64_t{static_cast<uint8_t>(e.type)}, int64_t{e.irq_flags}, int64_t{e.task.comm},
                      int64_t{e.task.pid}, int64_t{e.task.prio}, int64_t{e.next.comm}, int64_t{e.next.pid},
                      int64_t{e.prev_state}, int64_t{e.preempted}, int64_t{e.target_cpu}, int64_t{e.source_cpu},
                      e.number, static_cast<int64_t>(e.address), int64_t{e.function}, int64_t{e.site}})
      mix(static_cast<uint64_t>(v));
    mix(e.cpumask != nullptr);
    if (e.cpumask)
      for (uint64_t w : e.cpumask->words) mix(w);
    mix(e.payload);
    mix(pool_.view(e.comm));
    mix(pool_.view(e.function));
  }
  void on_malformed(const ParseIssue& issue) override {
    mix(2);
    mix(issue.line);
    mix(issue.column);
    mix(std::string_view(issue.reason));
  }
  uint64_t digest() const { return h_; }

 private:
  void mix(uint64_t v) { h_ = (h_ ^ v) * 0x100000001B3ULL; }
  void mix(std::string_view s) {
    mix(s.size());
    for (char c : s) mix(static_cast<uint64_t>(static_cast<unsigned char>(c)));
  }
  const StringPool& pool_;
  uint64_t h_ = 0xCBF29CE484222325ULL;
};

// The chunk pipeline (parser/text_chunk_pipeline.h) on two threads must hand
// the sink exactly what one parser does. Lines are fed one at a time until
// the parser says they are independent, the rest goes through the pipeline
// in reads of 64..1087 bytes (so that small inputs make many chunks, and
// lines longer than a chunk send the rest back to the plain loop).
inline void check_chunks_agree(std::string_view prefix, std::string_view data) {
  StringPool plain_pool, chunked_pool;
  DigestSink plain(plain_pool), chunked(chunked_pool);
  FtraceTextParser one(plain_pool, plain), two(chunked_pool, chunked);
  one.feed(prefix);
  one.feed(data);
  one.finish();
  two.feed(prefix);
  size_t at = 0;
  while (at < data.size() && !two.lines_independent()) {
    const size_t nl = data.find('\n', at);
    const size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    two.feed(data.substr(at, end - at));
    at = end;
  }
  if (at < data.size()) {
    auto rest = with_prefix(std::string(data.substr(at)), open_fd_source(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
    if (feed_text_in_chunks(*rest, two, chunked_pool, 2, 64 + data.size() % 1024) != 0) fail("chunked read failed");
  }
  two.finish();
  if (plain.digest() != chunked.digest()) fail("two-thread chunked parse differs from the plain parse");
  const TextTraceInfo &a = one.info(), &b = two.info();
  if (a.lines != b.lines || a.events != b.events || a.skipped_lines != b.skipped_lines ||
      a.header_lines != b.header_lines || a.marker_lines != b.marker_lines || a.long_lines != b.long_lines ||
      a.malformed_payloads != b.malformed_payloads || a.lost_events != b.lost_events || a.has_tgid != b.has_tgid ||
      a.declared_cpus != b.declared_cpus || a.tracer != b.tracer || plain_pool.size() != chunked_pool.size())
    fail("two-thread chunked parse counts differ from the plain parse");
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
  Pipeline pipeline(detectors, nullptr, [&strings] { return make_all_detectors(DetectorContext{strings}); });
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
  check_chunks_agree(prefix, data);
}

}  // namespace ftlens::fuzz
