// Test helper: runs trace text through the real parser into any EventSink, so
// that model and detector tests read like the traces they describe.
#pragma once

#include <string_view>

#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

namespace ftlens::testing {

template <typename OnEvent>
struct LambdaSink final : EventSink {
  explicit LambdaSink(OnEvent fn) : on(fn) {}
  void on_event(const Event& e) override { on(e); }
  void on_malformed(const ParseIssue&) override { ++malformed; }
  OnEvent on;
  int malformed = 0;
};

// Returns the number of malformed lines, which tests expect to be 0.
template <typename OnEvent>
int feed_text(StringPool& pool, std::string_view text, OnEvent on_event) {
  LambdaSink<OnEvent> sink(on_event);
  FtraceTextParser parser(pool, sink);
  parser.feed(text);
  parser.finish();
  return sink.malformed;
}

}  // namespace ftlens::testing
