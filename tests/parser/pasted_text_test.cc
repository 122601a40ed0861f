// Trace lines as they come out of a web page or a chat, from seed 000's
// published post (its own bytes: U+00A0 where the kernel printed spaces).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parser/pasted_text.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

using namespace ftlens;

namespace {

#define NBSP "\xc2\xa0"

// Lines 55 and 76 of the post, as published.
const char* const kKworkerLine =
    "kworker/4:3-10711 [004]" NBSP " 1573.162099: sched_migrate_task:" NBSP " " NBSP "comm=dnsmasq pid=11779 prio=120 "
    "orig_cpu=5 dest_cpu=6 state=W";
const char* const kMigrationLine =
    "migration/1-11" NBSP " " NBSP " [001]" NBSP " 1595.638701: irq_handler_entry:" NBSP " " NBSP " irq=232 name=ovl1_2l" NBSP;

struct Collect final : EventSink {
  std::vector<Event> events;
  std::vector<std::string> payloads;
  std::vector<ParseIssue> issues;
  void on_event(const Event& e) override {
    events.push_back(e);
    payloads.emplace_back(e.payload);
    events.back().payload = {};
  }
  void on_malformed(const ParseIssue& i) override { issues.push_back(i); }
};

struct Parsed {
  StringPool pool;
  Collect sink;
  FtraceTextParser parser{pool, sink};
  explicit Parsed(const std::string& text) {
    parser.feed(text);
    parser.finish();
  }
};

}  // namespace

TEST_CASE("pasted text.an email reply's quote marks end at the first byte that is not a mark or a blank") {
  CHECK(after_quote_marks("> a", 0) == 2);
  CHECK(after_quote_marks("  > > >  kworker/0:1-9 [000]", 2) == 9);
  CHECK(after_quote_marks(">>> a", 0) == 4);
  CHECK(after_quote_marks(">", 0) == 1);
  // A '>' that starts a word is not a quote mark.
  CHECK(after_quote_marks(">foo-1 [000]", 0) == 0);
  CHECK(after_quote_marks("> >foo", 0) == 2);
  CHECK(after_quote_marks("a > b", 0) == 0);
}

TEST_CASE("pasted text.quoted trace lines are read as the lines themselves, and counted") {
  Parsed quoted("> # tracer: nop\n>\n> kworker/0:1-9 [000] .... 10.000001: workqueue_execute_end: work struct 0xff\n"
                "> > bash-20 [001] 10.000002: sched_waking: comm=a pid=3 prio=120 target_cpu=001\n");
  CHECK(quoted.parser.info().quoted_lines == 4);
  CHECK(quoted.parser.info().skipped_lines == 0);
  REQUIRE(quoted.sink.events.size() == 2);
  CHECK(quoted.pool.view(quoted.sink.events[0].comm) == "kworker/0:1");
  CHECK(quoted.sink.events[1].cpu == 1);
}

TEST_CASE("pasted text.no-break, figure, narrow and ideographic spaces and tabs become one space each") {
  std::string out;
  CHECK(plain_spaces("a" NBSP "b", &out) == kNoBreakSpace);
  CHECK(out == "a b");
  CHECK(plain_spaces("a\xe2\x80\x87" "b\xe2\x80\xaf" "c\xe3\x80\x80" "d\te", &out) ==
        (kFigureSpace | kNoBreakSpace | kIdeographicSpace | kTab));
  CHECK(out == "a b c d e");
  // A UTF-8 comm is not a blank: the line is left as it is.
  CHECK(plain_spaces("\xe4\xb8\xad\xe6\x96\x87-12 [000]", &out) == 0);
  CHECK(find_pasted_blank("kworker/4:3-10711 [004]" NBSP " 1573.162099:").column == 23);
}

TEST_CASE("pasted text.elision lines are cuts, a blogger's note is a comment, trace lines are neither") {
  for (const char* cut : {"// 생략", "  // 생략  ", "// skip", "//skip", "...", "  ...", "[...]", "<snip>", "(snip)",
                          "[snip]", "-- snip --", "// .. 생략..", "\xe2\x80\xa6", NBSP "..." NBSP, "// omitted", "(...)",
                          "// 중략", "// SNIP", "\t...\t"}) {
    CAPTURE(cut);
    CHECK(is_elision_line(cut));
  }
  for (const char* not_cut : {"// end of ftrace log", "//", ".", "snippet", "kworker/4:3-10711 [004]  1573.162047: x: ...",
                              "<...>-1234 [000] 1.000000: x: y", "# ..."}) {
    CAPTURE(not_cut);
    CHECK_FALSE(is_elision_line(not_cut));
  }
  CHECK(is_slash_comment_line("// end of ftrace log"));
  CHECK_FALSE(is_slash_comment_line("kworker/4:3-10711 [004]  1573.162047: x: y"));
}

TEST_CASE("pasted text.seed 000's kworker line with no-break spaces is read with its typed fields") {
  Parsed p(std::string(kKworkerLine) + "\n");
  REQUIRE(p.sink.events.size() == 1);
  const Event& e = p.sink.events[0];
  CHECK(p.pool.view(e.comm) == "kworker/4:3");
  CHECK(e.pid == 10711);
  CHECK(e.cpu == 4);
  CHECK(e.ts == 1'573'162'099'000);
  CHECK(e.type == EventType::kSchedMigrateTask);
  CHECK(e.task.pid == 11779);
  CHECK(e.target_cpu == 6);
  CHECK(p.sink.payloads[0] == "comm=dnsmasq pid=11779 prio=120 orig_cpu=5 dest_cpu=6 state=W");
  CHECK(p.parser.info().has_irq_flags == false);  // the no-break space is not a flags column
  CHECK(p.parser.info().pasted_blank_lines == 1);
  CHECK(p.parser.info().skipped_lines == 0);
}

TEST_CASE("pasted text.seed 000's migration/1 line is read, not skipped for its pid") {
  Parsed p(std::string(kMigrationLine) + "\n");
  REQUIRE(p.sink.events.size() == 1);
  const Event& e = p.sink.events[0];
  CHECK(p.pool.view(e.comm) == "migration/1");
  CHECK(e.pid == 11);
  CHECK(e.cpu == 1);
  CHECK(e.type == EventType::kIrqEntry);
  CHECK(e.number == 232);
  CHECK(p.pool.view(e.function) == "ovl1_2l");
  CHECK(p.parser.info().malformed_payloads == 0);
}

TEST_CASE("pasted text.tabs and a leading no-break space where the kernel printed spaces") {
  Parsed p(NBSP NBSP "bash-1977\t[000]\t1573.162047:\tsched_waking: comm=x pid=5 prio=120 target_cpu=001\n"
           "      bash-1977 [000] d..2.\t1573.162048: sched_waking: comm=x pid=5 prio=120 target_cpu=001\n");
  REQUIRE(p.sink.events.size() == 2);
  CHECK(p.pool.view(p.sink.events[0].comm) == "bash");
  CHECK(p.sink.events[0].task.pid == 5);
  CHECK(p.sink.events[1].ts == 1'573'162'048'000);
  CHECK(p.parser.info().pasted_blank_kinds == (kNoBreakSpace | kTab));
  CHECK(p.parser.info().pasted_blank_lines == 2);
}

TEST_CASE("pasted text.an elision is a cut marker for every CPU, counted apart from skipped lines") {
  Parsed p("kworker/4:3-10711 [004]  1573.176152: irq_handler_exit:     irq=270 ret=handled\n"
           "// 생략\n"
           "migration/1-11    [001]  1595.638701: irq_handler_entry:    irq=232 name=ovl1_2l\n"
           "// end of ftrace log\n");
  const TextTraceInfo& info = p.parser.info();
  CHECK(info.elisions == 1);
  CHECK(info.marker_lines == 1);
  CHECK(info.header_lines == 1);
  CHECK(info.skipped_lines == 0);
  CHECK(info.unaccounted_lines() == 0);
  REQUIRE(p.sink.events.size() == 3);
  CHECK(p.sink.events[1].type == EventType::kInputCut);
  CHECK(p.sink.events[1].cpu == -1);
}

TEST_CASE("pasted text.skipped lines keep their most common cause and the blank they held") {
  Parsed p("bash-12 [000] ...1 10.0: x: y\n"
           "not a trace line\n"
           "neither" NBSP "is this\n"
           "nor this\n");
  const TextTraceInfo& info = p.parser.info();
  CHECK(info.skipped_lines == 3);
  REQUIRE(info.skip_cause_count == 2);
  const SkipCause* top = info.most_common_skip_cause();
  REQUIRE(top);
  CHECK(std::string(top->reason) == "no [cpu] column");
  CHECK(top->lines == 2);
  CHECK(top->blank == 0);
  CHECK(info.skip_causes[1].blank == kNoBreakSpace);
  CHECK(info.skip_causes[1].column == 7);
}
