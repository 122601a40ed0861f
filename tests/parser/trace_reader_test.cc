#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "parser/string_pool.h"
#include "parser/trace_reader.h"

using namespace ftlens;

namespace {

struct Count final : EventSink {
  size_t events = 0, issues = 0;
  void on_event(const Event&) override { ++events; }
  void on_malformed(const ParseIssue&) override { ++issues; }
};

std::string temp_file(const std::string& name, const std::string& content) {
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/ftlens_reader_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("reader.formats are recognised from their first bytes") {
  CHECK(sniff_format("") == InputFormat::kEmpty);
  CHECK(sniff_format(std::string("\x17\x08\x44tracing6", 11)) == InputFormat::kTraceDat);
  CHECK(sniff_format("\x1f\x8b\x08") == InputFormat::kGzip);
  CHECK(sniff_format("\x28\xb5\x2f\xfd") == InputFormat::kZstd);
  CHECK(sniff_format(std::string("ab\0cd", 5)) == InputFormat::kBinaryUnknown);
  CHECK(sniff_format("# tracer: nop\n") == InputFormat::kFtraceText);
}

TEST_CASE("reader.unusable inputs fail with one line naming the file") {
  StringPool pool;
  Count sink;
  auto missing = read_trace("/nonexistent/trace.txt", {}, pool, sink);
  CHECK_FALSE(missing.ok);
  CHECK(missing.error.find("/nonexistent/trace.txt: cannot open") == 0);

  auto junk = read_trace(temp_file("junk", std::string("\x01\x02\0\0binary", 10)), {}, pool, sink);
  CHECK_FALSE(junk.ok);
  CHECK(junk.error.find("binary data") != std::string::npos);

  auto text = read_trace(temp_file("notrace", "hello\nworld\n"), {}, pool, sink);
  CHECK_FALSE(text.ok);
  CHECK(text.error.find("no ftrace events found (line 1: no [cpu] column)") != std::string::npos);

  auto empty = read_trace(temp_file("empty", ""), {}, pool, sink);
  CHECK_FALSE(empty.ok);
  CHECK(empty.error.find("empty input") != std::string::npos);
}

TEST_CASE("reader.text trace larger than one chunk is read completely") {
  std::string content;
  const std::string line = "  a-1 [000] .... 5.000000: x: y\n";
  while (content.size() < 3 * (1 << 20) + 100) content += line;
  StringPool pool;
  Count sink;
  auto r = read_trace(temp_file("big", content), {}, pool, sink);
  REQUIRE(r.ok);
  CHECK(r.bytes == content.size());
  CHECK(sink.events == content.size() / line.size());
  CHECK(r.text.events == sink.events);
}
