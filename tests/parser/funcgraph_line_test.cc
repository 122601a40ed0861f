// function_graph lines as the kernel prints them; the well-formed ones are
// real lines (the kernel's Documentation/trace/ftrace.rst, mailing-list
// reports, and the renderings in traces/derived_funcgraph_*).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "parser/funcgraph_line.h"

using namespace ftlens;

namespace {

FuncgraphLine tokenize_ok(std::string_view line) {
  FuncgraphLine out;
  const FuncgraphError err = tokenize_funcgraph_line(line, &out);
  INFO(line, " -> ", err.reason ? err.reason : "");
  REQUIRE_FALSE(err);
  return out;
}

}  // namespace

TEST_CASE("funcgraph.malformed lines say what is wrong and where") {
  struct Row {
    std::string_view line;
    std::string_view reason;
    size_t column;
  };
  const Row rows[] = {
      {" 0)               ", "function_graph line without its '|' column", 3},
      {" x)   1.382 us    |  f();", "no 'N)' CPU column", 1},
      {" 0)   1.382 xs    |  f();", "task column is not comm-pid", 6},
      {" 0)   1.382 us    |  ", "function_graph line with no call after '|'", 21},
      {" 0)   1.382 us    |  f;", "call has no 'name('", 21},
      {" 0)   1.382 us    |  f()", "call is neither 'name() {' nor 'name();'", 21},
      {" 0)   1.382 us    |  } garbage", "text after '}' is not a comment", 22},
      {" 1)   bash-x  =>  kworker-5", "banner task is not comm-pid", 3},
  };
  for (const Row& row : rows) {
    FuncgraphLine out;
    const FuncgraphError err = tokenize_funcgraph_line(row.line, &out);
    INFO(row.line);
    REQUIRE(err);
    CHECK(std::string_view(err.reason) == row.reason);
    CHECK(err.column == row.column);
  }
}

TEST_CASE("funcgraph.an entry with no duration opens a call at its indentation") {
  const auto l = tokenize_ok(" 0)               |    do_sys_open() {");
  CHECK(l.kind == FuncgraphLine::kEntry);
  CHECK(l.cpu == 0);
  CHECK(l.function == "do_sys_open");
  CHECK(l.duration_ns == -1);
  CHECK(l.depth == 1);
  CHECK(l.abstime_ns == -1);
}

TEST_CASE("funcgraph.a leaf carries its duration in nanoseconds") {
  const auto l = tokenize_ok(" 0)   1.382 us    |          __might_sleep();");
  CHECK(l.kind == FuncgraphLine::kLeaf);
  CHECK(l.function == "__might_sleep");
  CHECK(l.duration_ns == 1382);
  CHECK(l.mark == ' ');
  CHECK(l.depth == 4);
}

TEST_CASE("funcgraph.overhead marks and funcgraph-tail name the returning function") {
  const auto l = tokenize_ok(" 0) + 63.167 us   |              } /* cpdma_ctlr_int_ctrl */");
  CHECK(l.kind == FuncgraphLine::kReturn);
  CHECK(l.mark == '+');
  CHECK(l.duration_ns == 63167);
  CHECK(l.function == "cpdma_ctlr_int_ctrl");
  const auto big = tokenize_ok(" 0) ! 130.000 us  |  }");
  CHECK(big.mark == '!');
  CHECK(big.duration_ns == 130000);
  CHECK(big.function.empty());
  for (char mark : std::string_view("#*@$")) {
    std::string line = " 1) ";
    line += mark;
    line += " 1234567 us  |  }";
    const auto m = tokenize_ok(line);
    CHECK(m.mark == mark);
    CHECK(m.duration_ns == 1234567000);
  }
}

TEST_CASE("funcgraph.funcgraph-retval gives the return value of leaves and returns") {
  const auto leaf = tokenize_ok(" 0)   0.180 us    |    kfree(); /* = 0x0 */");
  CHECK(leaf.kind == FuncgraphLine::kLeaf);
  CHECK(leaf.function == "kfree");
  CHECK(leaf.retval == "0x0");
  const auto ret = tokenize_ok(" 1)   2.000 us    |  } /* tick_nohz_handler = -22 */");
  CHECK(ret.function == "tick_nohz_handler");
  CHECK(ret.retval == "-22");
  const auto plain = tokenize_ok(" 1)   2.000 us    |  } /* = 0x0 */");
  CHECK(plain.function.empty());
  CHECK(plain.retval == "0x0");
}

TEST_CASE("funcgraph.funcgraph-abstime and funcgraph-proc add time and task columns") {
  const auto l = tokenize_ok("  185.742191 |   1)    <idle>-0    |               |  hrtimer_wakeup() {");
  CHECK(l.abstime_ns == 185'742'191'000);
  CHECK(l.cpu == 1);
  CHECK(l.comm == "<idle>");
  CHECK(l.pid == 0);
  CHECK(l.kind == FuncgraphLine::kEntry);
  const auto proc = tokenize_ok(" 0) memfd:sealed-91-1169 |   6.000 us    |  }");
  CHECK(proc.comm == "memfd:sealed-91");
  CHECK(proc.pid == 1169);
  CHECK(proc.duration_ns == 6000);
  const auto wide = tokenize_ok("13378.411865 |     0)               |      _raw_read_lock_irqsave() {");
  CHECK(wide.abstime_ns == 13'378'411'865'000);
  CHECK(wide.depth == 2);
}

TEST_CASE("funcgraph.a latency tracer's display-graph adds a relative time and the latency-format flags") {
  // Documentation/trace/ftrace.rst (irqsoff with display-graph), and a
  // wakeup_rt report with the 7-column flags of newer kernels.
  const auto l = tokenize_ok("        3 us |   0)   bash-1507    |  d..2 |   0.351 us    |              in_task_stack();");
  CHECK(l.reltime_ns == 3000);
  CHECK(l.abstime_ns == -1);
  CHECK(l.cpu == 0);
  CHECK(l.comm == "bash");
  CHECK(l.pid == 1507);
  CHECK(l.lat_flags == "d..2");
  CHECK(l.kind == FuncgraphLine::kLeaf);
  CHECK(l.duration_ns == 351);
  CHECK(l.function == "in_task_stack");
  const auto ret = tokenize_ok("     1772 us |   0)  stress--204   |  .n..1.. | ! 588.000 us  |        }");
  CHECK(ret.reltime_ns == 1'772'000);
  CHECK(ret.comm == "stress-");  // a comm ending in '-'
  CHECK(ret.pid == 204);
  CHECK(ret.lat_flags == ".n..1..");
  CHECK(ret.kind == FuncgraphLine::kReturn);
  CHECK(ret.mark == '!');
  // latency-format without funcgraph-proc: the flags right after the CPU.
  const auto no_proc = tokenize_ok(" 1)  dNh2. |   2.000 us    |    tcp_orphan_update();");
  CHECK(no_proc.lat_flags == "dNh2.");
  CHECK(no_proc.comm.empty());
  CHECK(no_proc.duration_ns == 2000);
  CHECK(looks_like_funcgraph_line("     1168 us |   0)  stress--204   |  .n..... |               |  unmap_region() {"));
}

TEST_CASE("funcgraph.trace events print as comments, '|' inside them included") {
  const auto l = tokenize_ok(
      " 1)               |  /* sched_switch: prev_comm=memfd:sealed-91 prev_pid=1169 prev_prio=120 prev_state=S ==> "
      "next_comm=swapper/1 next_pid=0 next_prio=120 */");
  CHECK(l.kind == FuncgraphLine::kComment);
  CHECK(l.comment.starts_with("sched_switch: prev_comm=memfd:sealed-91"));
  CHECK(l.comment.ends_with("next_prio=120"));
  const auto mark = tokenize_ok(" 0)               |  /* tracing_mark_write: B|1234|draw */");
  CHECK(mark.comment == "tracing_mark_write: B|1234|draw");
}

TEST_CASE("funcgraph.irq arrows, banners and rules") {
  CHECK(tokenize_ok(" 0)   ==========> |").kind == FuncgraphLine::kIrqEnter);
  CHECK(tokenize_ok(" 0)   <========== |").kind == FuncgraphLine::kIrqExit);
  CHECK(tokenize_ok("  180.7 |   0)    <idle>-0    |   ==========> |").kind == FuncgraphLine::kIrqEnter);
  CHECK(tokenize_ok(" ------------------------------------------").kind == FuncgraphLine::kRule);
  const auto b = tokenize_ok(" 0)   sleep-2430   => light.sh-2321 ");
  CHECK(b.kind == FuncgraphLine::kBanner);
  CHECK(b.prev_comm == "sleep");
  CHECK(b.prev_pid == 2430);
  CHECK(b.comm == "light.sh");
  CHECK(b.pid == 2321);
}

TEST_CASE("funcgraph.durations keep the kernel's precision and reject the rest") {
  int64_t ns = 0;
  CHECK(parse_funcgraph_duration("1.382 us", &ns));
  CHECK(ns == 1382);
  CHECK(parse_funcgraph_duration(" 12345.67 us ", &ns));
  CHECK(ns == 12'345'670);
  CHECK(parse_funcgraph_duration("123456.7 us", &ns));
  CHECK(ns == 123'456'700);
  CHECK(parse_funcgraph_duration("22000000 us", &ns));
  CHECK(ns == 22'000'000'000);
  CHECK_FALSE(parse_funcgraph_duration("1.3821 us", &ns));
  CHECK_FALSE(parse_funcgraph_duration("1. us", &ns));
  CHECK_FALSE(parse_funcgraph_duration("us", &ns));
  CHECK_FALSE(parse_funcgraph_duration("1.382 ms", &ns));
}

TEST_CASE("funcgraph.the sniffer knows function_graph lines from ordinary ones") {
  CHECK(looks_like_funcgraph_line(" 0)   1.382 us    |          __might_sleep();"));
  CHECK(looks_like_funcgraph_line("  185.742191 |   1)    <idle>-0    |  x"));
  CHECK_FALSE(looks_like_funcgraph_line("            bash-22871   [000] d..2.   818.252226: sched_switch: x"));
  CHECK_FALSE(looks_like_funcgraph_line(" => trace_event_raw_event_sched_switch"));
}
