// One line of the function_graph tracer's text split into its columns. Plain
// views into the input buffer, valid only while the line is being handled.
//
//    0)               |  sys_open() {                      an entry
//    0)   1.382 us    |    __might_sleep();                a leaf call (entry and return in one)
//    0) + 63.167 us   |  } /* cpdma_ctlr_int_ctrl */       a return (funcgraph-tail names it)
//    0)   0.180 us    |    kfree(); /* = 0x0 */            funcgraph-retval
//    0)               |  /* sched_switch: prev_comm=... */ a trace event printed as a comment
//    0)   ==========> |                                     funcgraph-irqs: an interrupt begins
//  418.290163 |   1)    bash-1977    |   0.541 us    |  f();   funcgraph-abstime, funcgraph-proc
//      1190 us |   0)  stress--204  |  .n..1.. |   3.000 us  |  f();
//                  a latency tracer's display-graph: microseconds since the
//                  trace began, and the latency-format flags column
//  ------------------------------------------              the rule around a task-switch banner
//    1)   bash-1234    =>  kworker-5                        the banner itself
#pragma once

#include <cstdint>
#include <string_view>

namespace ftlens {

struct FuncgraphLine {
  enum Kind : uint8_t {
    kEntry,     // "func() {"
    kLeaf,      // "func();" with its duration
    kReturn,    // "}" with the duration of the call it closes
    kComment,   // "/* ... */": a trace event or a trace_printk
    kIrqEnter,  // "==========>"
    kIrqExit,   // "<=========="
    kBanner,    // "prev-pid => next-pid": the CPU switched tasks
    kRule,      // the dashed rule above and below a banner
  };
  Kind kind = kEntry;
  int64_t abstime_ns = -1;  // funcgraph-abstime: "seconds.micros |" before the CPU, else -1
  int64_t reltime_ns = -1;  // a latency tracer's "1190 us |" before the CPU (us since the trace began), else -1
  int32_t cpu = -1;         // -1 on a rule, and when funcgraph-cpu is off
  // funcgraph-proc's column, or the banner's next task; empty if none.
  std::string_view comm;
  int32_t pid = -1;
  std::string_view lat_flags;  // latency-format's flags column (".n..1..", "dNh2."); empty if none
  std::string_view prev_comm;  // kBanner: the task switched out
  int32_t prev_pid = -1;
  int64_t duration_ns = -1;  // kLeaf and kReturn, when printed
  char mark = ' ';           // funcgraph-overhead: ' ', '+', '!', '#', '*', '@', '$'
  uint32_t depth = 0;        // nesting as indented (0 = outermost)
  std::string_view function;  // kEntry, kLeaf; kReturn with funcgraph-tail ("" otherwise)
  std::string_view retval;    // funcgraph-retval: "0x0", "-22"; "" if not printed
  std::string_view comment;   // kComment: the text between "/* " and " */"
};

struct FuncgraphError {
  const char* reason = nullptr;  // nullptr when the line tokenized
  size_t column = 0;
  explicit operator bool() const { return reason != nullptr; }
};

// True when `line` starts the way only function_graph lines do: optional
// abstime or relative time, then "<digits>) ". Cheap; for sniffing the format.
bool looks_like_funcgraph_line(std::string_view line);

[[nodiscard]] FuncgraphError tokenize_funcgraph_line(std::string_view line, FuncgraphLine* out);

// The part after the CPU and proc columns: "[mark] duration |  call text".
// trace-cmd report prints just this as the payload of its funcgraph_entry and
// funcgraph_exit events. Fills duration, mark, depth, kind and the call fields.
[[nodiscard]] FuncgraphError tokenize_funcgraph_call(std::string_view text, FuncgraphLine* out);

// " 1.382 us " (blanks around it allowed) -> 1382 ns. The kernel prints
// microseconds with up to three decimals, fewer once the integer part has
// more than four digits, none past six.
bool parse_funcgraph_duration(std::string_view text, int64_t* ns);

}  // namespace ftlens
