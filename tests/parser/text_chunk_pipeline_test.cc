#include <doctest/doctest.h>
#include <fcntl.h>  // open

#include <string>
#include <vector>

#include "parser/byte_source.h"
#include "parser/string_pool.h"
#include "parser/text_chunk_pipeline.h"
#include "parser/text_trace_parser.h"

using namespace ftlens;

namespace {

// Every callback with the string ids themselves, not only their text: the
// ids must come out as one thread gives them (detectors key maps by them).
struct IdTranscript final : EventSink {
  StringPool& pool;
  std::vector<std::string> lines;
  explicit IdTranscript(StringPool& p) : pool(p) {}
  IdTranscript(const IdTranscript&) = delete;
  static std::string targets(const Event& e) {
    if (!e.cpumask) return " none";
    std::string out;
    for (int cpu = 0; cpu < 512; ++cpu)
      if (e.targets(cpu)) {
        out += ' ';
        out += std::to_string(cpu);
      }
    return out;
  }
  void on_event(const Event& e) override {
    auto id = [&](StrId s) { return std::to_string(s) + "=" + std::string(pool.view(s)); };
    lines.push_back("event " + std::to_string(e.ts) + " cpu" + std::to_string(e.cpu) + " pid" + std::to_string(e.pid) +
                    " tgid" + std::to_string(e.tgid) + " type" + std::to_string(static_cast<int>(e.type)) + " flags" +
                    std::to_string(e.irq_flags) + " comm " + id(e.comm) + " name " + id(e.name) + " task " +
                    id(e.task.comm) + "/" + std::to_string(e.task.pid) + " next " + id(e.next.comm) + "/" +
                    std::to_string(e.next.pid) + " fn " + id(e.function) + " site " + id(e.site) + " addr" +
                    std::to_string(e.address) + " n" + std::to_string(e.number) + " targets" + targets(e) + " [" + std::string(e.payload) + "]");
  }
  void on_malformed(const ParseIssue& issue) override {
    lines.push_back("malformed line " + std::to_string(issue.line) + " col " + std::to_string(issue.column) + ": " +
                    issue.reason);
  }
};

std::unique_ptr<ByteSource> source_of(const std::string& text) {
  return with_prefix(text, open_fd_source(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
}

struct Parsed {
  StringPool pool;
  IdTranscript sink{pool};
  TextTraceInfo info;
  ssize_t status = 0;
};

// One thread, as read_trace did before there were two.
void parse_plainly(const std::string& text, Parsed& out) {
  FtraceTextParser parser(out.pool, out.sink);
  parser.feed(text);
  parser.finish();
  out.info = parser.info();
}

// The head (up to and including the first event line) fed plainly, the rest
// through the chunk pipeline on `threads` threads.
void parse_in_chunks(const std::string& head, const std::string& rest, unsigned threads, Parsed& out,
                     size_t chunk_bytes = kTextChunkBytes) {
  FtraceTextParser parser(out.pool, out.sink);
  parser.feed(head);
  REQUIRE(parser.lines_independent());
  auto source = source_of(rest);
  out.status = feed_text_in_chunks(*source, parser, out.pool, threads, chunk_bytes);
  parser.finish();
  out.info = parser.info();
}

void check_same(const Parsed& plain, const Parsed& chunked) {
  for (size_t i = 0; i < std::min(plain.sink.lines.size(), chunked.sink.lines.size()); ++i)
    REQUIRE(chunked.sink.lines[i] == plain.sink.lines[i]);
  REQUIRE(chunked.sink.lines.size() == plain.sink.lines.size());
  CHECK(chunked.pool.size() == plain.pool.size());
  const TextTraceInfo &a = plain.info, &b = chunked.info;
  CHECK(b.flavor == a.flavor);
  CHECK(b.declared_cpus == a.declared_cpus);
  CHECK(b.tracer == a.tracer);
  CHECK(b.fraction_digits == a.fraction_digits);
  CHECK(b.has_irq_flags == a.has_irq_flags);
  CHECK(b.has_tgid == a.has_tgid);
  CHECK(b.lines == a.lines);
  CHECK(b.events == a.events);
  CHECK(b.header_lines == a.header_lines);
  CHECK(b.skipped_lines == a.skipped_lines);
  CHECK(b.malformed_payloads == a.malformed_payloads);
  CHECK(b.lost_events == a.lost_events);
  CHECK(b.long_lines == a.long_lines);
  CHECK(b.marker_lines == a.marker_lines);
  CHECK(b.unaccounted_lines() == 0);
}

std::string secs(int i) { return std::to_string(100 + i / 1000000) + "." + std::to_string(1000000 + i % 1000000).substr(1); }

// Several MiB of kernel trace text with everything a real dump can hold
// between its event lines: headers and markers, damaged lines, payloads that
// do not match, a latency-format line, CRLF, and new comms and symbols all
// the way through (so that strings are first named in chunks either thread
// parsed).
std::string mixed_trace_body(int lines) {
  std::string t;
  for (int i = 1; i <= lines; ++i) {
    const std::string pad(static_cast<size_t>(i % 29), 'x');
    const std::string cpu = "[00" + std::to_string(i % 2) + "]";
    const std::string comm = "task" + std::to_string(i % 5000);
    if (i % 997 == 0) t += "  broken line without columns " + pad + "\n";
    if (i % 1499 == 0) t += "CPU:1 [LOST " + std::to_string(i) + " EVENTS]\n";
    if (i % 2003 == 0) t += "##### CPU 1 buffer started ####\n";
    if (i % 3001 == 0) t += "# tracer: nop\n#P:" + std::to_string(2 + i % 3) + "\n\n";
    if (i % 1201 == 0) t += "  bad-" + std::to_string(i) + "     " + cpu + " d..2. " + secs(i) + ": sched_switch: nonsense\n";
    if (i % 1777 == 0) t += "  lat-9         1d.h2 " + std::to_string(i) + "us : irq_handler_exit: irq=1 ret=handled\n";
    if (i % 1303 == 0) t += "  time-1 " + cpu + " d..2. 12x.5: sched_waking: comm=a pid=1 prio=120 target_cpu=000\n";
    // Each with its own targets: a chunk must keep every event's, not the
    // parser's last one.
    if (i % 7 == 0)
      t += "  " + comm + "-3 " + cpu + " d..1. " + secs(i) + ": ipi_send_cpumask: cpumask=0000" +
           std::to_string(i % 10) + ",0000000" + std::to_string(i % 8) + " callsite=smp_call+0x1/0x2 callback=cb\n";
    if (i % 11 == 0) t += "  " + comm + "-3 " + cpu + " d..1. " + secs(i) + ": ipi_raise: target_mask=00000000,0000000" + std::to_string(1 + i % 9) + " (Function call interrupts)\n";
    if (i % 1009 == 0) t += "  " + comm + "-3 " + cpu + " d..1. " + secs(i) + ": ipi_send_cpumask: cpumask=zz callsite=a\n";
    if (i % 811 == 0) t += "Chrome_Child-77 " + cpu + " d..2. " + secs(i) + ": softirq_raise: vec=9 [action=RCU]\r\n";
    switch (i % 4) {
      case 0:
        t += "  " + comm + "-" + std::to_string(i % 50) + " " + cpu + " d..2. " + secs(i) + ": sched_switch: prev_comm=" +
             comm + " prev_pid=" + std::to_string(i % 50) + " prev_prio=120 prev_state=S ==> next_comm=n" +
             std::to_string(i % 7001) + " next_pid=7 next_prio=120\n";
        break;
      case 1:
        t += "  kworker/0:1-" + std::to_string(i % 90) + " " + cpu + " ..... " + secs(i) +
             ": workqueue_execute_start: work struct 0xffff" + std::to_string(i % 333) + ": function fn_" +
             std::to_string(i % 6007) + "\n";
        break;
      case 2:
        t += "  " + comm + "-" + std::to_string(i % 50) + " " + cpu + " d.h1. " + secs(i) +
             ": irq_handler_entry: irq=" + std::to_string(i % 40) + " name=dev" + std::to_string(i % 4001) + "\n";
        break;
      default:
        t += "  " + comm + "-" + std::to_string(i % 50) + " " + cpu + " d..2. " + secs(i) + ": custom_event_" +
             std::to_string(i % 3) + ": anything " + pad + "\n";
        break;
    }
  }
  return t;
}

const std::string kHead =
    "# tracer: nop\n#\n# entries-in-buffer/entries-written: 1/1   #P:2\n#\n"
    "  first-1 [000] d..2. 99.000001: sched_waking: comm=a pid=1 prio=120 target_cpu=000\n";

}  // namespace

TEST_CASE("chunks.kernel text parsed on two threads gives the sink exactly the events, issues, ids and counts of one") {
  const std::string body = mixed_trace_body(60000) + "  tail-1 [000] d..2. 999.000000: x: no newline at the end";
  REQUIRE(body.size() > 4 * (1 << 20));
  Parsed plain;
  parse_plainly(kHead + body, plain);
  for (size_t chunk_bytes : {kTextChunkBytes, size_t{1000}}) {
    CAPTURE(chunk_bytes);
    Parsed chunked;
    parse_in_chunks(kHead, body, 2, chunked, chunk_bytes);
    CHECK(chunked.status == 0);
    check_same(plain, chunked);
  }
  // What the mix holds, so that a body without it cannot pass.
  CHECK(plain.info.skipped_lines > 100);
  CHECK(plain.info.malformed_payloads > 40);
  CHECK(plain.info.marker_lines > 60);
  constexpr int kLastHeader = 60000 / 3001 * 3001;
  CHECK(plain.info.declared_cpus == 2 + kLastHeader % 3);  // the last "#P:" seen
  CHECK(plain.pool.size() > 20000);
}

TEST_CASE("chunks.one thread through the chunk pipeline is the plain loop") {
  const std::string body = mixed_trace_body(3000);
  Parsed plain, one;
  parse_plainly(kHead + body, plain);
  parse_in_chunks(kHead, body, 1, one);
  check_same(plain, one);
}

TEST_CASE("chunks.a line longer than a chunk, and one over the 1 MiB limit, are handled as one thread handles them") {
  std::string body = mixed_trace_body(4000);
  body += "  wide-1 [000] d..2. 500.000000: custom: " + std::string(300 * 1024, 'w') + "\n";  // > a 128 KiB chunk
  body += mixed_trace_body(4000);
  body += std::string(FtraceTextParser::kMaxLineBytes + 100, 'z') + "\n";  // skipped as too long
  body += mixed_trace_body(4000);
  Parsed plain, chunked;
  parse_plainly(kHead + body, plain);
  parse_in_chunks(kHead, body, 2, chunked);
  check_same(plain, chunked);
  CHECK(plain.info.long_lines == 1);
}

TEST_CASE("chunks.trace-cmd report text keeps its own header lines where they are") {
  std::string head = "cpus=2\n  first-1 [000]    99.000001: sched_waking: comm=a pid=1 prio=120 target_cpu=000\n";
  std::string body;
  for (int i = 1; i <= 30000; ++i) {
    if (i % 5000 == 0) body += "CPU 1 is empty\ncpus=" + std::to_string(i / 5000 + 1) + "\nversion = 7\n";
    body += "  task" + std::to_string(i % 300) + "-" + std::to_string(i % 40) + " [00" + std::to_string(i % 2) + "]    " +
            secs(i) + ": sched_wakeup: comm=t" + std::to_string(i % 900) + " pid=" + std::to_string(i % 40) +
            " prio=120 target_cpu=001\n";
  }
  Parsed plain, chunked;
  parse_plainly(head + body, plain);
  parse_in_chunks(head, body, 2, chunked);
  check_same(plain, chunked);
  CHECK(plain.info.flavor == "trace-cmd-report");
  CHECK(plain.info.declared_cpus == 7);
  CHECK(plain.info.header_lines == 19);
}

TEST_CASE("chunks.a trace with a tgid column keeps it noticed when it first appears in a later chunk") {
  // The first event has no tgid; later ones do, in chunks either thread reads.
  std::string body;
  for (int i = 1; i <= 20000; ++i)
    body += "  t-" + std::to_string(i % 30) + (i > 15000 ? " (   " + std::to_string(i % 30) + ")" : std::string()) +
            " [000] d..2. " + secs(i) + ": e: x\n";
  Parsed plain, chunked;
  parse_plainly(kHead + body, plain);
  parse_in_chunks(kHead, body, 2, chunked);
  check_same(plain, chunked);
  CHECK(plain.info.has_tgid);
}

TEST_CASE("chunks.dmesg and systrace HTML are not line-independent: they are never cut into chunks") {
  StringPool pool;
  IdTranscript sink(pool);
  FtraceTextParser dmesg(pool, sink);
  dmesg.feed("[    1.000000] Dumping ftrace buffer:\n[    1.000001] ---------------------------------\n"
             "[    1.000002]   <idle>-0         0d.h2 116787926us : hrtimer_expire_entry: hrtimer=1 function=f now=1\n");
  CHECK_FALSE(dmesg.lines_independent());
  FtraceTextParser html(pool, sink);
  html.feed("<!DOCTYPE html>\n<script class=\"trace-data\" type=\"application/text\">\n# tracer: nop\n"
            "  a-1 [000] d..2. 1.000000: x: y\n");
  CHECK_FALSE(html.lines_independent());
  FtraceTextParser kernel(pool, sink);
  kernel.feed("# tracer: nop\n#\n");
  CHECK_FALSE(kernel.lines_independent());  // no event yet: the columns are not known
  kernel.feed("  a-1 [000] d..2. 1.000000: x: y\n");
  CHECK(kernel.lines_independent());
}

TEST_CASE("chunks.pasted lines, and lines whose first byte is high but no blank, give the ids one thread gives") {
  // A line that starts with a byte >= 0x80 and holds a tab later is read
  // plain by the counting parser alone: the parsing thread must not name
  // the strings of its own reading of it (the prev_comm with a tab) first.
  std::string body;
  for (int i = 0; i < 3000; ++i) {
    const std::string n = std::to_string(i);
    body += "  \xe9     w" + n + "-" + n + " [000] d..2. " + std::to_string(100 + i) +
            ".000001: sched_switch: prev_comm=a\tb" + n + " prev_pid=" + n +
            " prev_prio=120 prev_state=S ==> next_comm=c" + n + " next_pid=7 next_prio=120\n";
    body += "  plain-" + n + " [001]\xc2\xa0 " + std::to_string(100 + i) + ".000002: sched_waking: comm=p" + n +
            " pid=9 prio=120 target_cpu=001\n";
    body += "  after-1 [000] d..2. " + std::to_string(100 + i) + ".000003: sched_waking: comm=q" + n +
            " pid=8 prio=120 target_cpu=000\n";
  }
  Parsed plain, chunked;
  parse_plainly(kHead + body, plain);
  parse_in_chunks(kHead, body, 2, chunked, 1000);
  check_same(plain, chunked);
  CHECK(plain.info.events == 1 + 3 * 3000);
}

TEST_CASE("chunks.an event parsed on the other thread ends a print that holds a tab, as one thread ends it") {
  // The print is left to the counting parser (its tab), the events after it
  // are not; a line that no parse reads, after them, is a skipped line and
  // not a line of the print's text on either path.
  std::string body;
  for (int i = 0; i < 2000; ++i) {
    const std::string t = std::to_string(100 + i);
    body += "  sh-1 [001] ..... " + t + ".000001: tracing_mark_write: B|1|step\tone\n";
    body += "  sh-1 [001] d..2. " + t + ".000002: sched_waking: comm=p pid=9 prio=120 target_cpu=001\n";
    body += "  sh-1 [001] ..... " + t + ".00000x: damaged line\n";
  }
  Parsed plain, chunked;
  parse_plainly(kHead + body, plain);
  parse_in_chunks(kHead, body, 2, chunked, 700);
  check_same(plain, chunked);
  CHECK(plain.info.skipped_lines == 2000);
  CHECK(plain.info.print_continuation_lines == 0);
}

TEST_CASE("chunks.a function_graph header in the middle of a trace leaves the rest to one parser, read as one thread reads it") {
  // Two recordings in one file, the second of the function_graph tracer: its
  // lines are not independent (the task and the open calls come from the
  // lines before), so they must not be parsed as event lines on the other
  // thread.
  std::string body;
  for (int i = 0; i < 1500; ++i)
    body += "  sh-1 [001] d..2. " + std::to_string(100 + i) + ".000002: sched_waking: comm=p pid=9 prio=120 target_cpu=001\n";
  body += "# tracer: function_graph\n#\n# CPU  DURATION                  FUNCTION CALLS\n# |     |   |                     |   |   |   |\n";
  for (int i = 0; i < 1500; ++i) {
    body += " 1)               |  do_work" + std::to_string(i % 7) + "() {\n";
    body += " 1)   0.500 us    |    leaf();\n";
    body += " 1)   1.500 us    |  }\n";
    // What a function_graph parse cannot read: it must be skipped on both paths.
    if (i % 100 == 0) body += "  sh-1 [001] d..2. 200.000002: sched_waking: comm=p pid=9 prio=120 target_cpu=001\n";
  }
  for (const size_t chunk_bytes : {size_t{700}, size_t{4096}, kTextChunkBytes}) {
    Parsed plain, chunked;
    parse_plainly(kHead + body, plain);
    parse_in_chunks(kHead, body, 2, chunked, chunk_bytes);
    check_same(plain, chunked);
    CHECK(chunked.status == 0);
    CHECK(plain.info.function_graph);
    CHECK(plain.info.skipped_lines == 15);
  }
}
