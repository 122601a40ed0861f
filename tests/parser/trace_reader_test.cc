#include <doctest/doctest.h>
#include <traceevent/event-parse.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "parser/record_decoder.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"
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

TEST_CASE("reader.a trace.dat's progress goes past the first read to its whole size, read in the child or here") {
  // v6 (libtracecmd's iteration, by record offsets) and compressed v7 (its
  // own reader, chunk by chunk): real recordings of several MB.
  for (const char* name : {"dev_load-v6.dat", "dev_load.dat"}) {
    for (const char* isolation : {"1", "0"}) {
      const std::string file_name = name, isolated = isolation;
      CAPTURE(file_name);
      CAPTURE(isolated);
      setenv("FTLENS_DAT_ISOLATION", isolation, 1);
      const std::string path = std::string(FTLENS_TRACES) + "/" + name;
      std::ifstream file(path, std::ios::binary | std::ios::ate);
      const auto size = static_cast<uint64_t>(file.tellg());
      std::vector<uint64_t> told;
      ReadOptions options;
      options.on_bytes_read = [&told](uint64_t bytes) { told.push_back(bytes); };
      StringPool pool;
      Count sink;
      const ReadResult r = read_trace(path, options, pool, sink);
      unsetenv("FTLENS_DAT_ISOLATION");
      REQUIRE(r.status.ok());
      std::string reports;
      for (uint64_t b : told) reports += std::to_string(b) + " ";
      CAPTURE(reports);
      REQUIRE(told.size() >= 3);
      CHECK(std::is_sorted(told.begin(), told.end()));
      CHECK(told.back() == size);
      // Between the first read (128 KiB) and the end.
      CHECK(std::any_of(told.begin(), told.end(), [&](uint64_t b) { return b > told.front() && b < size; }));
    }
  }
}

TEST_CASE("reader.unusable inputs fail with one line naming the file") {
  StringPool pool;
  Count sink;
  auto missing = read_trace("/nonexistent/trace.txt", {}, pool, sink);
  CHECK(missing.status.code() == ErrorCode::kIo);
  CHECK(missing.status.message().find("/nonexistent/trace.txt: cannot open") == 0);

  auto junk = read_trace(temp_file("junk", std::string("\x01\x02\0\0binary", 10)), {}, pool, sink);
  CHECK(junk.status.code() == ErrorCode::kUnsupported);
  CHECK(junk.status.message().find("binary data") != std::string::npos);

  auto text = read_trace(temp_file("notrace", "hello\nworld\n"), {}, pool, sink);
  CHECK(text.status.code() == ErrorCode::kNotFound);
  CHECK(text.status.message().find("no ftrace events or kernel log records found (line 1 reads as neither: no kernel log prefix, no [cpu] column)") != std::string::npos);

  auto empty = read_trace(temp_file("empty", ""), {}, pool, sink);
  CHECK(empty.status.code() == ErrorCode::kNotFound);
  CHECK(empty.status.message().find("empty input") != std::string::npos);
}

TEST_CASE("reader.text trace larger than one chunk is read completely") {
  std::string content;
  const std::string line = "  a-1 [000] .... 5.000000: x: y\n";
  while (content.size() < 3 * (1 << 20) + 100) content += line;
  StringPool pool;
  Count sink;
  auto r = read_trace(temp_file("big", content), {}, pool, sink);
  REQUIRE(r.status.ok());
  CHECK(r.bytes == content.size());
  CHECK(sink.events == content.size() / line.size());
  CHECK(r.text.events == sink.events);
}

namespace {

// Every callback as one line of text, so two runs compare as vectors.
struct Transcript final : EventSink {
  StringPool& pool;
  std::vector<std::string> lines;
  explicit Transcript(StringPool& p) : pool(p) {}
  Transcript(const Transcript&) = delete;
  void on_event(const Event& e) override {
    lines.push_back("event " + std::to_string(e.ts) + " cpu" + std::to_string(e.cpu) + " " +
                    std::string(pool.view(e.comm)) + "-" + std::to_string(e.pid) + " " +
                    std::string(pool.view(e.name)) + " next=" + std::string(pool.view(e.next.comm)) + " [" +
                    std::string(e.payload) + "]");
  }
  void on_malformed(const ParseIssue& issue) override {
    lines.push_back("malformed line " + std::to_string(issue.line) + " col " + std::to_string(issue.column) + ": " +
                    issue.reason);
  }
  void on_log_line(uint64_t line, TimeNs at, std::string_view text) override {
    lines.push_back("log line " + std::to_string(line) + " at " + std::to_string(at) + ": " + std::string(text));
  }
};

// The same text parsed twice: once as one buffer, once through read_trace
// from a file (1 MiB reads, lines cut between them).
struct WholeVersusChunked {
  StringPool whole_pool, chunked_pool;
  Transcript whole{whole_pool}, chunked{chunked_pool};
  TextTraceInfo whole_info;
  ReadResult read;

  WholeVersusChunked(const std::string& name, const std::string& content) {
    FtraceTextParser parser(whole_pool, whole);
    parser.feed(content);
    parser.finish();
    whole_info = parser.info();
    read = read_trace(temp_file(name, content), {}, chunked_pool, chunked);
  }
};

}  // namespace

TEST_CASE("reader.a multi-megabyte trace read in chunks gives the sink exactly what one whole-buffer parse gives") {
  // Lines of many lengths, so that lines are cut at every kind of place
  // between chunks; malformed lines and lost-event markers among them.
  std::string content = "# tracer: nop\n#\n";
  for (int i = 0; content.size() < 3 * (1 << 20); ++i) {
    const std::string secs = std::to_string(100 + i / 1000000) + "." + std::to_string(1000000 + i % 1000000).substr(1);
    const std::string pad(static_cast<size_t>(i % 37), 'x');
    if (i % 997 == 0) content += "  broken line without columns " + pad + "\n";
    if (i % 1499 == 0) content += "CPU:1 [LOST " + std::to_string(i) + " EVENTS]\n";
    content += "  task" + pad + "-" + std::to_string(i % 50) + " [00" + std::to_string(i % 2) + "] d..2. " + secs +
               ": sched_switch: prev_comm=a" + pad + " prev_pid=" + std::to_string(i % 50) +
               " prev_prio=120 prev_state=S ==> next_comm=b" + pad + " next_pid=7 next_prio=120\n";
  }
  content += "  tail-1 [000] d..2. 999.000000: x: no newline at the end";

  WholeVersusChunked run("chunked", content);
  REQUIRE(run.read.status.ok());
  REQUIRE(run.chunked.lines.size() == run.whole.lines.size());
  for (size_t i = 0; i < run.chunked.lines.size(); ++i) REQUIRE(run.chunked.lines[i] == run.whole.lines[i]);
  CHECK(run.read.text.lines == run.whole_info.lines);
  CHECK(run.read.text.skipped_lines == run.whole_info.skipped_lines);
  CHECK(run.read.text.marker_lines == run.whole_info.marker_lines);
  CHECK(run.read.text.lost_events == run.whole_info.lost_events);
  CHECK(run.read.text.skipped_lines > 0);
}

TEST_CASE("reader.kernel log lines of a large dmesg keep their line numbers and text across chunks") {
  std::string content;
  for (int i = 0; content.size() < 2 * (1 << 20) + 4321; ++i)
    content += "[  " + std::to_string(10 + i / 1000) + "." + std::to_string(100000 + i % 1000) + "] log line " +
               std::string(static_cast<size_t>(i % 53), 'y') + " number " + std::to_string(i) + "\n";
  content += "[  99.000000] Dumping ftrace buffer:\n[  99.000000] ---------------------------------\n"
             "[  99.000001] <idle>-0 [001] d.h1. 98.000001: irq_handler_entry: irq=1 name=x\n"
             "[  99.000002] ---------------------------------\n";
  WholeVersusChunked run("chunked_dmesg", content);
  REQUIRE(run.read.status.ok());
  CHECK(run.read.format == "dmesg");
  CHECK(run.chunked.lines == run.whole.lines);
  CHECK(run.chunked.lines.size() > 20000);
}

TEST_CASE("reader.a lost-events marker from a binary record carries that record's time") {
  // The live recorder sorts a poll's events by time; a marker at time 0
  // would move before the events its CPU had before the loss.
  tep_handle* tep = tep_alloc();
  REQUIRE(tep);
  StringPool pool;
  struct Events final : EventSink {
    std::vector<Event> seen;
    void on_event(const Event& e) override { seen.push_back(e); }
    void on_malformed(const ParseIssue&) override {}
  } sink;
  {
    RecordDecoder decoder(tep, pool, sink);
    std::array<unsigned char, 16> data{};
    tep_record record{};
    record.ts = 1234567;
    record.cpu = 1;
    record.data = data.data();
    record.size = static_cast<int>(data.size());
    record.missed_events = 5;
    decoder.on_record(&record);
    CHECK(decoder.lost_events() == 5);
  }
  tep_free(tep);
  REQUIRE_FALSE(sink.seen.empty());
  CHECK(sink.seen[0].type == EventType::kLostEvents);
  CHECK(sink.seen[0].cpu == 1);
  CHECK(sink.seen[0].number == 5);
  CHECK(sink.seen[0].ts == 1234567);
}
