#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

using namespace ftlens;

namespace {

struct Collect final : EventSink {
  std::vector<Event> events;
  std::vector<ParseIssue> issues;
  void on_event(const Event& e) override {
    events.push_back(e);
    events.back().payload = {};  // points into the parser's buffer
  }
  void on_malformed(const ParseIssue& i) override { issues.push_back(i); }
};

const char* const kTrace =
    "# tracer: nop\n"
    "#\n"
    "# entries-in-buffer/entries-written: 4/4   #P:2\n"
    "  bash-10 [000] d..2.  100.000001: sched_switch: prev_comm=bash prev_pid=10 prev_prio=120 prev_state=S ==> "
    "next_comm=swapper/0 next_pid=0 next_prio=120\n"
    "this line is not a trace line\n"
    "CPU:1 [LOST 42 EVENTS]\n"
    "##### CPU 1 buffer started ####\n"
    "  <idle>-0 [001] d.h1.  100.000200: irq_handler_entry: irq=1 name=timer\n"
    "  <idle>-0 [001] d.h1.  100.000300: sched_wakeup: comm=x pid=\n"
    "  <idle>-0 [001] d.h1.  100.000400: block_rq_issue: 8,0 W\r\n";

}  // namespace

TEST_CASE("text parser.headers, events, markers and bad lines are each accounted for") {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed(kTrace);
  parser.finish();
  const TextTraceInfo& info = parser.info();
  CHECK(info.declared_cpus == 2);
  CHECK(info.tracer == "nop");
  CHECK(info.lines == 10);
  CHECK(info.header_lines == 3);
  CHECK(info.events == 4);
  CHECK(info.skipped_lines == 1);
  CHECK(info.marker_lines == 2);
  CHECK(info.unaccounted_lines() == 0);
  CHECK(info.malformed_payloads == 1);
  CHECK(info.lost_events == 42);
  CHECK(info.fraction_digits == 6);
  CHECK(info.has_irq_flags);

  REQUIRE(sink.events.size() == 6);  // 4 events + LOST + buffer-started markers
  CHECK(sink.events[0].type == EventType::kSchedSwitch);
  CHECK(sink.events[1].type == EventType::kLostEvents);
  CHECK(sink.events[1].cpu == 1);
  CHECK(sink.events[1].number == 42);
  CHECK(sink.events[2].type == EventType::kBufferStarted);
  CHECK(sink.events[4].type == EventType::kOther);  // the malformed wakeup keeps only its header
  CHECK(pool.view(sink.events[4].name) == "sched_wakeup");
  CHECK(pool.view(sink.events[5].name) == "block_rq_issue");
  CHECK(sink.events[5].irq_flags == (Event::kIrqsOff | Event::kInHardirq));

  REQUIRE(sink.issues.size() == 2);
  CHECK(sink.issues[0].line == 5);
  CHECK(std::string(sink.issues[0].reason) == "no [cpu] column");
  CHECK(sink.issues[1].line == 9);
}

TEST_CASE("text parser.a loss marker without a count is a loss of unknown size on its CPU, not a skipped line") {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed(
      "  <idle>-0 [002] d.h1.  100.000200: irq_handler_entry: irq=1 name=timer\n"
      "CPU:2 [LOST EVENTS]\n"
      "CPU:3 [LOST 7 EVENTS]\n"
      "CPU:x [LOST EVENTS]\n"
      "  <idle>-0 [002] d.h1.  100.000400: irq_handler_exit: irq=1 ret=handled\n");
  parser.finish();
  const TextTraceInfo& info = parser.info();
  CHECK(info.lost_markers == 2);
  CHECK(info.lost_markers_unknown == 1);
  CHECK(info.lost_events == 7);
  CHECK(info.marker_lines == 2);
  CHECK(info.skipped_lines == 1);  // "CPU:x" names no CPU
  REQUIRE(sink.events.size() == 4);
  CHECK(sink.events[1].type == EventType::kLostEvents);
  CHECK(sink.events[1].cpu == 2);
  CHECK(sink.events[1].number == 0);
  CHECK(sink.events[2].number == 7);
}

// One line through the parser; the events it gave and what it counted.
struct OneLine {
  StringPool pool;
  Collect sink;
  TextTraceInfo info;
  explicit OneLine(const std::string& text) {
    FtraceTextParser parser(pool, sink);
    parser.feed(text);
    parser.finish();
    info = parser.info();
  }
};

TEST_CASE("text parser.trace-cmd report -l lines are read although the sched plugin's payload holds a [number]") {
  OneLine r("cpus=2\n"
            "  <idle>-0       0d..2.  9615.307381: sched_switch:         swapper/0:0 [120] R ==> bash:26735 [120]\n"
            "rcu_pree-15      1d..2.  9615.309687: sched_switch:         rcu_preempt:15 [120] W ==> bash:26736 [120]\n");
  CHECK(r.info.skipped_lines == 0);
  REQUIRE(r.sink.events.size() == 2);
  const Event& e = r.sink.events[1];
  CHECK(e.type == EventType::kSchedSwitch);
  CHECK(e.cpu == 1);
  CHECK(e.pid == 15);
  CHECK(r.pool.view(e.comm) == "rcu_pree");
  CHECK(e.ts == 9615309687000);
  CHECK(e.next.pid == 26736);
  CHECK(e.irq_flags == Event::kIrqsOff);
}

TEST_CASE("text parser.trace-cmd report's buffer instance prefix is read past and counted; a comm with ':' is no prefix") {
  OneLine r("cpus=2\n"
            "irqs:           <idle>-0     [000]  9615.307381: irq_handler_entry: irq=1 name=timer\n"
            "                <idle>-0     [000]  9615.307382: sched_switch:         swapper/0:0 [120] R ==> bash:26735 [120]\n"
            "      memfd:sealed-91 [001]  9615.307383: sched_waking: comm=a pid=1 prio=120 target_cpu=001\n");
  CHECK(r.info.skipped_lines == 0);
  CHECK(r.info.instance_lines == 1);
  REQUIRE(r.info.instances.size() == 1);
  CHECK(r.info.instances[0] == "irqs");
  REQUIRE(r.sink.events.size() == 3);
  CHECK(r.pool.view(r.sink.events[0].comm) == "<idle>");
  CHECK(r.sink.events[0].type == EventType::kIrqEntry);
  CHECK(r.pool.view(r.sink.events[2].comm) == "memfd:sealed");
}

TEST_CASE("text parser.trace-cmd report --ts-diff's delta before the event name is read past") {
  OneLine r("cpus=2\n"
            "          <idle>-0     [000]  9615.307381: (+76)    sched_switch:         swapper/0:0 [120] R ==> bash:26735 [120]\n");
  REQUIRE(r.sink.events.size() == 1);
  CHECK(r.sink.events[0].type == EventType::kSchedSwitch);
  CHECK(r.sink.events[0].next.pid == 26735);
}

TEST_CASE("text parser.trace-cmd report -w's wakeup latency summary after the events is its footer, not skipped lines") {
  OneLine r("cpus=8\n"
            "          <idle>-0     [001] dNh5. 162573.291142: sched_wakeup:         migration/1:23 [0] CPU:001\n"
            "\n"
            "Average wakeup latency: 139.568 usecs\n"
            "Maximum Latency: 220.583 usecs at timestamp: 162577.347038\n"
            "Minimum Latency: 75.902 usecs at timestamp: 162577.719121\n"
            "\n"
            "RT task timings:\n");
  CHECK(r.sink.events.size() == 1);
  CHECK(r.info.skipped_lines == 0);
  CHECK(r.sink.issues.empty());
}

TEST_CASE("text parser.trace-cmd report -R's raw workqueue payloads keep the work item and its function's address") {
  OneLine r("cpus=2\n"
            "          <idle>-0     [000]  9615.346689: workqueue_queue_work:  work=0xffff888627c27de8 "
            "function=0xffffffff81624310 workqueue=events req_cpu=256 cpu=0\n"
            "     kworker/0:1-11    [000]  9615.346700: workqueue_execute_start: work=0xffff888627c27de8 "
            "function=0xffffffff81624310\n");
  CHECK(r.info.malformed_payloads == 0);
  REQUIRE(r.sink.events.size() == 2);
  CHECK(r.sink.events[0].type == EventType::kWorkQueue);
  CHECK(r.sink.events[0].address == 0xffff888627c27de8);
  CHECK(r.pool.view(r.sink.events[0].site) == "events");
  CHECK(r.sink.events[1].type == EventType::kWorkStart);
  CHECK(r.pool.view(r.sink.events[1].function) == "0xffffffff81624310");
}

TEST_CASE("text parser.the raw and hex trace_options give counted events with their pid, CPU and time, uninterpreted") {
  OneLine r("# tracer: nop\n"
            "17077 1 758675577602 type: 372\n"
            "000042b5 00000001 000000b0aceb92c8 type: 372\n"
            "\n"
            "17077 x 758675577602 type: 372\n");
  CHECK(r.info.events == 2);
  CHECK(r.info.uninterpreted_payloads == 2);
  CHECK(r.info.skipped_lines == 1);
  REQUIRE(r.sink.events.size() == 2);
  for (const Event& e : r.sink.events) {
    CHECK(e.type == EventType::kUninterpreted);
    CHECK(e.pid == 17077);
    CHECK(e.cpu == 1);
    CHECK(e.name == kNoStr);
  }
  CHECK(r.sink.events[0].ts == 758675577602);
  CHECK(r.sink.events[1].ts == 0xb0aceb92c8);
}

TEST_CASE("text parser.the verbose latency format gives the task, CPU, kernel flags and microsecond time") {
  OneLine r("# tracer: nop\n"
            "         cc1plus   16918   0 1 00000002 00000008 [2be6e2e2] 16.616ms (+0.030ms): sched_switch: "
            "prev_comm=cc1plus prev_pid=16918 prev_prio=120 prev_state=R ==> next_comm=memfd:sealed-91 next_pid=11422 "
            "next_prio=120\n"
            " memfd:sealed 91   11422   1 9 00000002 00000009 [2be6e300] 16.646ms (+3.242ms): irq_handler_entry: irq=1 "
            "name=timer\n");
  CHECK(r.info.skipped_lines == 0);
  REQUIRE(r.sink.events.size() == 2);
  const Event& sw = r.sink.events[0];
  CHECK(sw.type == EventType::kSchedSwitch);
  CHECK(sw.pid == 16918);
  CHECK(sw.cpu == 0);
  CHECK(sw.ts == int64_t{0x2be6e2e2} * 1000);
  CHECK(sw.irq_flags == Event::kIrqsOff);
  CHECK(sw.next.pid == 11422);
  CHECK(r.pool.view(r.sink.events[1].comm) == "memfd:sealed 91");  // a comm with a blank
  CHECK(r.sink.events[1].irq_flags == (Event::kIrqsOff | Event::kInHardirq));
}

TEST_CASE("text parser.atrace's clock sync writes are clock markers, never events that stretch the trace") {
  OneLine r("# tracer: nop\n"
            "  surfaceflinger-601 [001] ...1  50265.000100: tracing_mark_write: B|601|onMessageReceived\n"
            "          <...>-2287 (-----) [000] ...1     0.000000: tracing_mark_write: trace_event_clock_sync: parent_ts=0.0\n"
            "          <...>-2287 (-----) [000] ...1 50265.000200: tracing_mark_write: trace_event_clock_sync: realtime_ts=1574378235452\n"
            "  surfaceflinger-601 [001] ...1  50265.000300: tracing_mark_write: E|601\n");
  CHECK(r.info.events == 2);
  CHECK(r.info.clock_sync_lines == 2);
  CHECK(r.info.marker_lines == 2);
  CHECK(r.info.unaccounted_lines() == 0);
  REQUIRE(r.sink.events.size() == 2);
  for (const Event& e : r.sink.events) CHECK(e.ts >= 50265000100);
}

TEST_CASE("text parser.a trace_marker write that held newlines is one event, its other lines not skipped") {
  OneLine r("# tracer: nop\n"
            "            bash-1977  [000] .....  100.000001: tracing_mark_write: first line\n"
            "second line of the same write\n"
            "\n"
            "third\n"
            "            bash-1977  [000] .....  100.000002: sched_waking: comm=a pid=1 prio=120 target_cpu=000\n"
            "not after a write: skipped\n");
  CHECK(r.info.events == 2);
  CHECK(r.info.print_continuation_lines == 2);
  CHECK(r.info.skipped_lines == 1);
  CHECK(r.info.unaccounted_lines() == 0);
}

TEST_CASE("text parser.chunk boundaries anywhere give the same events") {
  StringPool whole_pool;
  Collect whole;
  FtraceTextParser a(whole_pool, whole);
  a.feed(kTrace);
  a.finish();

  const std::string text = kTrace;
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{64}}) {
    StringPool pool;
    Collect pieces;
    FtraceTextParser b(pool, pieces);
    for (size_t i = 0; i < text.size(); i += chunk) b.feed(std::string_view(text).substr(i, chunk));
    b.finish();
    CAPTURE(chunk);
    REQUIRE(pieces.events.size() == whole.events.size());
    for (size_t i = 0; i < pieces.events.size(); ++i) {
      CHECK(pieces.events[i].ts == whole.events[i].ts);
      CHECK(pieces.events[i].type == whole.events[i].type);
      CHECK(pool.view(pieces.events[i].comm) == whole_pool.view(whole.events[i].comm));
    }
    CHECK(b.info().lines == a.info().lines);
  }
}

TEST_CASE("text parser.a last line without newline is still read") {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed("  a-1 [000] .... 5.000000: x: y");
  parser.finish();
  CHECK(parser.info().events == 1);
}

TEST_CASE("text parser.a line longer than the limit is skipped and counted, not buffered") {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  std::string huge(FtraceTextParser::kMaxLineBytes + 10, 'x');
  parser.feed("  a-1 [000] .... 5.000000: x: y\n");
  for (size_t i = 0; i < huge.size(); i += 4096) parser.feed(std::string_view(huge).substr(i, 4096));
  parser.feed("\n  a-1 [000] .... 6.000000: x: y\n");
  parser.finish();
  CHECK(parser.info().events == 2);
  CHECK(parser.info().long_lines == 1);
  CHECK(parser.info().skipped_lines == 1);
  REQUIRE(sink.issues.size() == 1);
  CHECK(sink.issues[0].line == 2);
}

TEST_CASE("text parser.a line over the limit that arrives in one piece gets the same verdict as one cut into pieces") {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  const std::string huge = "  a-1 [000] .... 5.500000: x: " + std::string(FtraceTextParser::kMaxLineBytes, 'x');
  parser.feed("  a-1 [000] .... 5.000000: x: y\n" + huge + "\n  a-1 [000] .... 6.000000: x: y\n");
  parser.finish();
  CHECK(parser.info().events == 2);
  CHECK(parser.info().long_lines == 1);
  REQUIRE(sink.issues.size() == 1);
  CHECK(sink.issues[0].line == 2);
  CHECK(std::string(sink.issues[0].reason) == "line longer than 1 MiB");
}

TEST_CASE("text parser.comms are interned once") {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed("  a-1 [000] .... 5.000000: x: y\n  a-1 [000] .... 6.000000: x: y\n  b-2 [000] .... 7.0: x: y\n");
  parser.finish();
  REQUIRE(sink.events.size() == 3);
  CHECK(sink.events[0].comm == sink.events[1].comm);
  CHECK(sink.events[0].comm != sink.events[2].comm);
}

TEST_CASE("text parser.dmesg: only lines inside the ftrace dump are trace lines") {
  StringPool pool;
  struct Logs final : EventSink {
    std::vector<Event> events;
    std::vector<std::string> logs;
    void on_event(const Event& e) override { events.push_back(e); }
    void on_malformed(const ParseIssue&) override { FAIL("no line should be malformed"); }
    void on_log_line(uint64_t, TimeNs at, std::string_view text) override {
      logs.emplace_back(text);
      times.push_back(at);
    }
    std::vector<TimeNs> times;
  } sink;
  FtraceTextParser parser(pool, sink);
  parser.feed(
      "[  100.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [spin:99]\n"
      "[  100.000001] Dumping ftrace buffer:\n"
      "[  100.000001] ---------------------------------\n"
      "[  100.000001] CPU:1 [LOST 5 EVENTS]\n"
      "[  100.000001]     spin-99        1d.h1. 1500us : irq_handler_entry: irq=1 name=timer\n"
      "[  100.000001]     spin-99        1d.h1. 1502us!: irq_handler_exit: irq=1 ret=handled\n"
      "[  100.000001] ---------------------------------\n"
      "[  100.000002] Kernel panic - not syncing: softlockup: hung tasks\n");
  parser.finish();
  CHECK(parser.info().flavor == "dmesg");
  CHECK(parser.info().dumps == 1);
  CHECK(parser.info().events == 2);
  CHECK(parser.info().lost_events == 5);
  CHECK(parser.info().log_lines == 2);
  REQUIRE(sink.logs.size() == 2);
  CHECK(sink.logs[0] == "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [spin:99]");
  CHECK(sink.times[0] == 100000000000);
  REQUIRE(sink.events.size() == 3);  // the LOST marker and two events
  CHECK(sink.events[1].ts == 1500000);
  CHECK(sink.events[1].cpu == 1);
  CHECK(pool.view(sink.events[1].comm) == "spin");
}

TEST_CASE("text parser.trace-cmd report header and systrace HTML are recognised") {
  StringPool pool;
  Collect report;
  FtraceTextParser a(pool, report);
  a.feed("cpus=4\n  bash-1 [002]  10.000001: sched_wakeup: x:5 [120] CPU:002\n");
  a.finish();
  CHECK(a.info().flavor == "trace-cmd-report");
  CHECK(a.info().declared_cpus == 4);
  CHECK(a.info().events == 1);
  CHECK(report.issues.empty());

  Collect html;
  FtraceTextParser b(pool, html);
  b.feed("<!DOCTYPE html>\n<script class=\"trace-data\" type=\"application/text\">\n{\"json\": 1}\n</script>\n"
         "<script class=\"trace-data\" type=\"application/text\">\n# tracer: nop\n"
         "  bash-1  (      1) [000] .... 1.000000: tracing_mark_write: B|1|x\n</script>\n</html>\n");
  b.finish();
  CHECK(b.info().flavor == "systrace-html");
  CHECK(b.info().events == 1);
  CHECK(b.info().has_tgid);
  CHECK(html.issues.empty());
  CHECK(b.info().unaccounted_lines() == 0);
}

TEST_CASE("text parser.an HTML line holding both the script tag and trace text is counted once") {
  StringPool pool;
  Collect html;
  FtraceTextParser parser(pool, html);
  parser.feed("<html>\n<script class=\"trace-data\"># tracer: nop\n"
              "  bash-1 [000] .... 1.000000: tracing_mark_write: B|1|x</script>\n   </script>\n");
  parser.finish();
  CHECK(parser.info().lines == 4);
  CHECK(parser.info().events == 1);
  CHECK(parser.info().header_lines == 1);  // "# tracer"
  CHECK(parser.info().log_lines == 2);     // <html>, and the closing tag outside any block
  CHECK(parser.info().unaccounted_lines() == 0);
}

TEST_CASE("text parser.a dmesg dump stamp too large for nanoseconds is a skipped line, not an overflow") {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed("[  100.000000] Dumping ftrace buffer:\n[  100.000000] ---------------------------------\n"
              "[  100.000000]   <idle>-0         1d.h3. 100000000000000092us : sched_waking: comm=x pid=2 prio=120 target_cpu=001\n"
              "[  100.000000]   <idle>-0         1d.h3.    3us : sched_waking: comm=x pid=2 prio=120 target_cpu=001\n");
  parser.finish();
  CHECK(parser.info().events == 1);
  CHECK(parser.info().skipped_lines == 1);
  REQUIRE(sink.issues.size() == 1);
  CHECK(sink.issues[0].line == 3);
}

TEST_CASE("parser.stack frames belong to the stack line before them and are not skipped") {
  // Real lines: options/stacktrace with sched_switch (traces/real_stacktrace_option.txt).
  const std::string text =
      "            bash-22871   [000] d..2.   818.252226: sched_switch: prev_comm=bash prev_pid=22871 prev_prio=120 "
      "prev_state=S ==> next_comm=bash next_pid=22873 next_prio=120\n"
      "            bash-22871   [000] d..2.   818.254828: <stack trace>\n"
      " => trace_event_raw_event_sched_switch\n"
      " => __traceiter_sched_switch\n"
      " => __schedule\n"
      "            true-23327   [001] d..2.   836.320852: <user stack trace>\n"
      " =>  <00007ffb4854b353>\n";
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed(text);
  parser.finish();
  CHECK(sink.issues.empty());
  CHECK(parser.info().events == 3);
  CHECK(parser.info().stack_frame_lines == 4);
  CHECK(parser.info().skipped_lines == 0);
  CHECK(parser.info().unaccounted_lines() == 0);
  REQUIRE(sink.events.size() == 7);
  CHECK(sink.events[1].type == EventType::kStackTrace);
  CHECK(sink.events[1].number == 0);
  CHECK(sink.events[2].type == EventType::kStackFrame);
  CHECK(sink.events[2].cpu == 0);
  CHECK(sink.events[2].pid == 22871);
  CHECK(pool.view(sink.events[2].function) == "trace_event_raw_event_sched_switch");
  CHECK(sink.events[4].number == 2);
  CHECK(sink.events[5].type == EventType::kStackTrace);
  CHECK(sink.events[5].number == 1);
  CHECK(pool.view(sink.events[6].function) == "<00007ffb4854b353>");
}

TEST_CASE("parser.function_graph without abstime: calls timed by their durations, events from comments") {
  const std::string text =
      "# tracer: function_graph\n"
      "#\n"
      "# CPU  DURATION                  FUNCTION CALLS\n"
      "# |     |   |                     |   |   |   |\n"
      " 1)               |  hrtimer_wakeup() {\n"
      " 1)               |    /* sched_waking: comm=memfd:sealed-91 pid=1169 prio=120 target_cpu=001 */\n"
      " 1)   6.000 us    |  }\n"
      " ------------------------------------------\n"
      " 1)    <idle>-0    => memfd:sealed-91-1169\n"
      " ------------------------------------------\n"
      "\n"
      " 1)               |  run_timer_softirq() {\n"
      " 1)   2.000 us    |    tcp_orphan_update();\n"
      " 1)   4.000 us    |  }\n";
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed(text);
  parser.finish();
  CHECK(sink.issues.empty());
  const TextTraceInfo& info = parser.info();
  CHECK(info.function_graph);
  CHECK(info.times_from_durations);
  CHECK(info.events == 6);
  CHECK(info.marker_lines == 1);
  CHECK(info.unaccounted_lines() == 0);
  REQUIRE(sink.events.size() == 6);
  CHECK(sink.events[0].type == EventType::kFuncEntry);
  CHECK(sink.events[0].ts == 0);
  CHECK(sink.events[1].type == EventType::kSchedWaking);
  CHECK(sink.events[1].task.pid == 1169);
  CHECK(sink.events[2].type == EventType::kFuncReturn);
  CHECK(sink.events[2].ts == 6000);
  CHECK(sink.events[3].pid == 1169);  // the banner switched CPU1 to memfd:sealed-91-1169
  CHECK(sink.events[3].ts == 6000);
  CHECK(sink.events[4].type == EventType::kFuncLeaf);
  CHECK(sink.events[4].number == 2000);
  CHECK(sink.events[5].ts == 10000);
}

TEST_CASE("parser.irqsoff with display-graph: graph lines on the relative clock, then the closing stack trace") {
  // Documentation/trace/ftrace.rst's example, cut as it is there.
  const std::string text =
      "# tracer: irqsoff\n"
      "#\n"
      "# irqsoff latency trace v1.1.5 on 4.20.0-rc6+\n"
      "# --------------------------------------------------------------------\n"
      "# latency: 3751 us, #274/274, CPU#0 | (M:desktop VP:0, KP:0, SP:0 HP:0 #P:4)\n"
      "#    -----------------\n"
      "#    | task: bash-1507 (uid:0 nice:0 policy:0 rt_prio:0)\n"
      "#    -----------------\n"
      "#  => started at: free_debug_processing\n"
      "#  => ended at:   return_to_handler\n"
      "#\n"
      "#   REL TIME      CPU  TASK/PID       ||||     DURATION                  FUNCTION CALLS\n"
      "#      |          |     |    |        ||||      |   |                     |   |   |   |\n"
      "        0 us |   0)   bash-1507    |  d... |   0.000 us    |  _raw_spin_lock_irqsave();\n"
      "        1 us |   0)   bash-1507    |  d..2 |               |    set_track() {\n"
      "        4 us |   0)   bash-1507    |  d..2 |   1.107 us    |    }\n"
      "[...]\n"
      "     3764 us |   0)   bash-1507    |  d..1 |   0.000 us    |    tracer_hardirqs_on();\n"
      "    bash-1507    0d..1 3792us : <stack trace>\n"
      " => free_debug_processing\n"
      " => __slab_free\n";
  OneLine r(text);
  const Collect& sink = r.sink;
  const TextTraceInfo& info = r.info;
  CHECK(sink.issues.empty());
  CHECK(info.events == 5);
  CHECK(info.elisions == 1);
  CHECK(info.stack_frame_lines == 2);
  CHECK_FALSE(info.times_from_durations);
  // The tracer's maximum, 4 graph lines with the cut among them, the stack
  // trace and its 2 frames.
  std::vector<EventType> types;
  for (const Event& e : sink.events) types.push_back(e.type);
  CHECK(types == std::vector<EventType>{EventType::kLatencyMax, EventType::kFuncLeaf, EventType::kFuncEntry,
                                        EventType::kFuncReturn, EventType::kInputCut, EventType::kFuncLeaf,
                                        EventType::kStackTrace, EventType::kStackFrame, EventType::kStackFrame});
  REQUIRE(sink.events.size() == 9);
  CHECK(sink.events[2].ts == 1000);
  CHECK(sink.events[2].pid == 1507);
  CHECK((sink.events[2].irq_flags & Event::kIrqsOff) != 0);
  CHECK(sink.events[3].ts == 4000);
  CHECK(sink.events[6].ts == 3'792'000);
}

TEST_CASE("parser.wakeup_rt's own switch and wakeup entries are context switches and wakeups") {
  // Documentation/trace/ftrace.rst's wakeup_rt example (latency format).
  OneLine r("# tracer: wakeup_rt\n"
            "#\n"
            "  <idle>-0       3d.h4    0us :      0:120:R   + [003]  2389: 94:R sleep\n"
            "  <idle>-0       3d.h4    1us+: ttwu_do_activate.constprop.87 <-try_to_wake_up\n"
            "  <idle>-0       3d..3    5us :      0:120:R ==> [003]  2389: 94:R sleep\n");
  CHECK(r.info.skipped_lines == 0);
  REQUIRE(r.sink.events.size() == 3);
  CHECK(r.sink.events[0].type == EventType::kSchedWakeup);
  CHECK(r.sink.events[0].task.pid == 2389);
  CHECK(r.sink.events[1].type == EventType::kOther);  // the function tracer's line
  CHECK(r.sink.events[2].type == EventType::kSchedSwitch);
  CHECK(r.sink.events[2].cpu == 3);
  CHECK(r.sink.events[2].next.pid == 2389);
  CHECK(r.pool.view(r.sink.events[2].name) == "sched_switch");
}

TEST_CASE("parser.trace-cmd report's funcgraph_entry and funcgraph_exit read as calls") {
  const std::string text =
      "cpus=2\n"
      "            bash-1977  [000]  1573.162047: funcgraph_entry:                   |  do_sys_open() {\n"
      "            bash-1977  [000]  1573.162048: funcgraph_entry:        0.234 us   |    getname();\n"
      "            bash-1977  [000]  1573.162050: funcgraph_exit:       + 12.400 us  |  }\n";
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed(text);
  parser.finish();
  CHECK(sink.issues.empty());
  REQUIRE(sink.events.size() == 3);
  CHECK(sink.events[0].type == EventType::kFuncEntry);
  CHECK(pool.view(sink.events[0].function) == "do_sys_open");
  CHECK(sink.events[1].type == EventType::kFuncLeaf);
  CHECK(sink.events[1].number == 234);
  CHECK(sink.events[2].type == EventType::kFuncReturn);
  CHECK(sink.events[2].number == 12400);
}

TEST_CASE("text parser.a nop recording after a function_graph one in the same file is read as event lines again") {
  const std::string text =
      "# tracer: function_graph\n#\n"
      " 1)   0.500 us    |  leaf();\n"
      "# tracer: nop\n#\n"
      "  sh-1 [001] d..2. 200.000002: sched_waking: comm=p pid=9 prio=120 target_cpu=001\n";
  StringPool pool;
  Collect sink;
  FtraceTextParser parser(pool, sink);
  parser.feed(text);
  parser.finish();
  CHECK(parser.info().skipped_lines == 0);
  CHECK(parser.info().function_graph);
  CHECK(parser.info().tracer == "nop");
  REQUIRE(!sink.events.empty());
  CHECK(sink.events.back().type == EventType::kSchedWaking);
  CHECK(parser.lines_independent());
}

TEST_CASE("text parser.a 2.6.26 latency header, printed without '#' between rules of dashes, gives the tracer's maximum") {
  // Documentation/ftrace.txt of 2.6.26 (irqsoff).
  OneLine r("# tracer: irqsoff\n"
            "#\n"
            "irqsoff latency trace v1.1.5 on 2.6.26-rc8\n"
            "--------------------------------------------------------------------\n"
            " latency: 50 us, #101/101, CPU#0 | (M:preempt VP:0, KP:0, SP:0 HP:0 #P:2)\n"
            "    -----------------\n"
            "    | task: ls-4339 (uid:0 nice:0 policy:0 rt_prio:0)\n"
            "    -----------------\n"
            " => started at: __alloc_pages_internal\n"
            " => ended at:   __alloc_pages_internal\n"
            "\n"
            "#  cmd     pid ||||| time  |   caller\n"
            "      ls-4339  0...1    0us+: get_page_from_freelist (__alloc_pages_internal)\n"
            "      ls-4339  0d..1    3us : rmqueue_bulk (get_page_from_freelist)\n");
  CHECK(r.info.skipped_lines == 0);
  CHECK(r.info.stack_frame_lines == 0);  // " => started at:" is the header's, not a frame
  CHECK(r.info.latency_reports == 1);
  REQUIRE(!r.sink.events.empty());
  const Event& max = r.sink.events[0];
  CHECK(max.type == EventType::kLatencyMax);
  CHECK(max.number == 50'000);
  CHECK(max.cpu == 0);
  CHECK(max.pid == 4339);
  CHECK(r.pool.view(max.function) == "__alloc_pages_internal");
}
