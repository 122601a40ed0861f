#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "parser/ftrace_line.h"
#include "parser/line_tokenizer.h"
#include "parser/timestamp.h"

using ftlens::FtraceLine;
using ftlens::parse_timestamp;
using ftlens::TokenizeError;
using ftlens::tokenize_ftrace_line;

TEST_CASE("tokenizer.malformed lines name the reason and the column") {
  struct Row {
    const char* line;
    std::string reason_part;
    size_t column;
  };
  const Row rows[] = {
      {"", "no [cpu] column", 0},
      {"garbage without brackets", "no [cpu] column", 0},
      {"bash [000] ...1 10.0: x: y", "expected comm-pid", 0},
      {"bash-12x [000] ...1 10.0: x: y", "pid after the last '-'", 5},
      {"bash-12 [000] ...1 notatime x: y", "expected timestamp", 19},
      {"bash-12 [000] ...1 10.0 x: y", "expected timestamp", 19},
      {"bash-12 (abc) [000] ...1 10.0: x: y", "tgid column is not a number", 9},
      {"bash-12 [000] ...1 10.0: : y", "empty event name", 25},
  };
  for (const Row& row : rows) {
    FtraceLine out;
    auto err = tokenize_ftrace_line(row.line, &out);
    CAPTURE(row.line);
    REQUIRE(err);
    CHECK(std::string(err.reason).find(row.reason_part) != std::string::npos);
    CHECK(err.column == row.column);
    // Only a missing "[cpu]" sends the line on to the latency format.
    CHECK((err.code == ftlens::ErrorCode::kNoCpuColumn) == (row.reason_part == "no [cpu] column"));
  }
}

TEST_CASE("tokenizer.line with irq-flags column") {
  FtraceLine l;
  REQUIRE_FALSE(tokenize_ftrace_line(
      "          <idle>-0       [001] d.h1.  2167.127287: irq_handler_entry: irq=36 name=virtio1-req.0", &l));
  CHECK(l.comm == "<idle>");
  CHECK(l.pid == 0);
  CHECK(l.cpu == 1);
  CHECK(l.tgid == -1);
  CHECK(l.irq_flags == "d.h1.");
  CHECK(l.timestamp == "2167.127287");
  CHECK(l.event_name == "irq_handler_entry");
  CHECK(l.payload == "irq=36 name=virtio1-req.0");
}

TEST_CASE("tokenizer.seed 000 line without irq-flags column") {
  FtraceLine l;
  REQUIRE_FALSE(tokenize_ftrace_line(
      "kworker/4:3-10711 [004]  1573.162047: workqueue_execute_start: work struct 0xd8c3cb7c: function addrconf_dad_work",
      &l));
  CHECK(l.comm == "kworker/4:3");
  CHECK(l.pid == 10711);
  CHECK(l.cpu == 4);
  CHECK(l.irq_flags.empty());
  CHECK(l.timestamp == "1573.162047");
  CHECK(l.event_name == "workqueue_execute_start");
  CHECK(l.payload == "work struct 0xd8c3cb7c: function addrconf_dad_work");
}

TEST_CASE("tokenizer.tgid column with a number and with dashes") {
  FtraceLine l;
  REQUIRE_FALSE(tokenize_ftrace_line("            bash-1977    (   1977) [000] ...1  100.000001: sched_waking: x", &l));
  CHECK(l.comm == "bash");
  CHECK(l.pid == 1977);
  CHECK(l.tgid == 1977);
  CHECK(l.irq_flags == "...1");
  REQUIRE_FALSE(tokenize_ftrace_line("     kworker/0:1-11      (-------) [000] d..2  5.5: sched_switch: x", &l));
  CHECK(l.comm == "kworker/0:1");
  CHECK(l.tgid == -1);
  CHECK(l.timestamp == "5.5");
}

TEST_CASE("tokenizer.comms with spaces, dashes, slashes and brackets") {
  FtraceLine l;
  REQUIRE_FALSE(tokenize_ftrace_line(" Binder:1234_2-5678  [002] .... 1.000000: sched_switch: x", &l));
  CHECK(l.comm == "Binder:1234_2");
  CHECK(l.pid == 5678);
  REQUIRE_FALSE(tokenize_ftrace_line("  Web Content-3-4-99 [003] .... 1.000000: x: y", &l));
  CHECK(l.comm == "Web Content-3-4");
  CHECK(l.pid == 99);
  REQUIRE_FALSE(tokenize_ftrace_line(" kworker/u8:2-123 [000] .... 1.000000: x: y", &l));
  CHECK(l.comm == "kworker/u8:2");
  REQUIRE_FALSE(tokenize_ftrace_line(" [weird]x-7 [000] .... 1.000000: x: y", &l));
  CHECK(l.comm == "[weird]x");
  CHECK(l.cpu == 0);
}

TEST_CASE("tokenizer.nanosecond and counter clock timestamps") {
  FtraceLine l;
  REQUIRE_FALSE(tokenize_ftrace_line(" a-1 [000] d..2. 2162.317831123: x: y", &l));
  CHECK(l.timestamp == "2162.317831123");
  REQUIRE_FALSE(tokenize_ftrace_line(" a-1 [000] d..2. 123456789012: x: y", &l));
  CHECK(l.timestamp == "123456789012");
  CHECK(l.irq_flags == "d..2.");
}

TEST_CASE("tokenizer.event with empty payload and function tracer lines") {
  FtraceLine l;
  REQUIRE_FALSE(tokenize_ftrace_line(" a-1 [000] .... 1.0: cpu_idle_miss:", &l));
  CHECK(l.event_name == "cpu_idle_miss");
  CHECK(l.payload.empty());
  REQUIRE_FALSE(tokenize_ftrace_line(" a-1 [000] .... 1.0: do_sys_open <-__x64_sys_openat", &l));
  CHECK(l.event_name == "function");
  CHECK(l.payload == "do_sys_open <-__x64_sys_openat");
}

TEST_CASE("tokenizer.latency format from ftrace_dump and trace-cmd report -l") {
  FtraceLine l;
  bool usecs = false;
  REQUIRE_FALSE(tokenize_latency_line("  <idle>-0         0d.h2 116787926us : hrtimer_expire_entry: hrtimer=1", &l, &usecs));
  CHECK(l.comm == "<idle>");
  CHECK(l.pid == 0);
  CHECK(l.cpu == 0);
  CHECK(l.irq_flags == "d.h2");
  CHECK(l.timestamp == "116787926");
  CHECK(usecs);
  CHECK(l.event_name == "hrtimer_expire_entry");
  CHECK(l.payload == "hrtimer=1");

  REQUIRE_FALSE(tokenize_latency_line("kworker/-7       12dN.2 42us+: sched_switch: x", &l, &usecs));
  CHECK(l.comm == "kworker/");
  CHECK(l.pid == 7);
  CHECK(l.cpu == 12);
  CHECK(l.irq_flags == "dN.2");

  REQUIRE_FALSE(tokenize_latency_line("record_r-4116    1d..2.  2180.317390: sched_wakeup_new: a:1 [120] CPU:001", &l, &usecs));
  CHECK_FALSE(usecs);
  CHECK(l.comm == "record_r");
  CHECK(l.timestamp == "2180.317390");
  CHECK(l.payload == "a:1 [120] CPU:001");

  CHECK(tokenize_latency_line("no time here", &l, &usecs));
  CHECK(tokenize_latency_line("bash-1 d..2 5us : x: y", &l, &usecs));  // no cpu digits
}

TEST_CASE("tokenizer.printk prefixes are removed, with level and caller id") {
  std::string_view a = "[  205.743790] Dumping ftrace buffer:";
  REQUIRE(ftlens::strip_printk_prefix(&a));
  CHECK(a == "Dumping ftrace buffer:");
  std::string_view b = "<4>[ 12.000001] [    T1] hello";
  REQUIRE(ftlens::strip_printk_prefix(&b));
  CHECK(b == "hello");
  std::string_view c = "[cpu] not a prefix";
  CHECK_FALSE(ftlens::strip_printk_prefix(&c));
  std::string_view d = "  bash-1 [000] .... 1.0: x: y";
  CHECK_FALSE(ftlens::strip_printk_prefix(&d));
}

TEST_CASE("tokenizer.lines in the kernel's fixed columns read the same as lines in other widths") {
  FtraceLine l;
  // "%16s-%-7d [%03d]": the shape the kernel prints for comms up to 15 bytes.
  REQUIRE_FALSE(tokenize_ftrace_line(
      "  record_real.sh-2646    [000] d..3.   210.951220: csd_function_entry: func=flush_tlb_func", &l));
  CHECK(l.comm == "record_real.sh");
  CHECK(l.pid == 2646);
  CHECK(l.cpu == 0);
  CHECK(l.tgid == -1);
  CHECK(l.irq_flags == "d..3.");
  CHECK(l.timestamp == "210.951220");
  CHECK(l.event_name == "csd_function_entry");
  CHECK(l.payload == "func=flush_tlb_func");

  REQUIRE_FALSE(tokenize_ftrace_line("          <idle>-1234567 [013] d.h1.  2.000000: x: y", &l));
  CHECK(l.comm == "<idle>");
  CHECK(l.pid == 1234567);
  CHECK(l.cpu == 13);

  // A pid of 8 digits and a 4-digit cpu push the columns right.
  REQUIRE_FALSE(tokenize_ftrace_line("          <idle>-12345678 [003] d.h1.  2.000000: x: y", &l));
  CHECK(l.comm == "<idle>");
  CHECK(l.pid == 12345678);
  CHECK(l.cpu == 3);
  REQUIRE_FALSE(tokenize_ftrace_line("          <idle>-0       [1000] d.h1.  2.000000: x: y", &l));
  CHECK(l.cpu == 1000);

  // Comms of 15 and 16 bytes with dashes: the pid is after the last '-'.
  REQUIRE_FALSE(tokenize_ftrace_line(" kworker/0:1-eve-42      [001] .... 1.000000: x: y", &l));
  CHECK(l.comm == "kworker/0:1-eve");
  CHECK(l.pid == 42);
  REQUIRE_FALSE(tokenize_ftrace_line("abcdefghijklmnop-q-42 [001] .... 1.000000: x: y", &l));
  CHECK(l.comm == "abcdefghijklmnop-q");
  CHECK(l.pid == 42);

  // A '[' inside the comm columns: the cpu column is still the " [digits]" one.
  REQUIRE_FALSE(tokenize_ftrace_line("            a[1]-42      [001] d..3.   1.000000: x: y", &l));
  CHECK(l.comm == "a[1]");
  CHECK(l.pid == 42);
  CHECK(l.cpu == 1);
  CHECK(tokenize_ftrace_line("          a [5]x-42      [001] d..3.   1.000000: x: y", &l));
}

TEST_CASE("tokenizer.random lines in the kernel's columns read as the general scan reads them shifted out of those columns") {
  // Comms with brackets, dashes, digits and spaces; pids of 0-9 digits with
  // stray bytes; cpus of 2-4 digits. 16 more leading spaces put a line out of
  // the fixed columns, so the general scan reads it: the columns must agree.
  const std::string comm_bytes = "ab-[]1 /:<>";
  const std::string pid_bytes = "0123456789 x";
  uint64_t state = 3;
  auto next = [&] { return (state = state * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  int fixed = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string comm(1 + next() % 15, 'a');
    for (char& c : comm) c = comm_bytes[next() % comm_bytes.size()];
    std::string pid(next() % 10, '1');
    for (char& c : pid) c = pid_bytes[next() % (next() % 8 ? 10 : pid_bytes.size())];
    std::string cpu(2 + next() % 3, '0');
    for (char& c : cpu) c = "0123456789"[next() % 10];
    std::string head = std::string(16 - comm.size(), ' ') + comm + "-" + pid;
    head += std::string(head.size() < 24 ? 24 - head.size() : 0, ' ');
    const std::string line = head + " [" + cpu + "] d..2.   12.345678: sched_waking: comm=a pid=1";
    const std::string shifted = std::string(16, ' ') + line;
    CAPTURE(line);
    FtraceLine a, b;
    const TokenizeError ea = tokenize_ftrace_line(line, &a), eb = tokenize_ftrace_line(shifted, &b);
    REQUIRE(bool(ea) == bool(eb));
    if (ea) continue;
    fixed += line.size() >= 32 && line[16] == '-' && line[25] == '[' && line[29] == ']';
    CHECK(a.comm == b.comm);
    CHECK(a.pid == b.pid);
    CHECK(a.cpu == b.cpu);
    CHECK(a.tgid == b.tgid);
    CHECK(a.irq_flags == b.irq_flags);
    CHECK(a.timestamp_ns == b.timestamp_ns);
    CHECK(a.event_name == b.event_name);
    CHECK(a.payload == b.payload);
  }
  CHECK(fixed > 20000);
}

TEST_CASE("tokenizer.the timestamp read in passing agrees with parse_timestamp and the token on every shape") {
  // Seconds of 0-11 digits, fractions of 0-10, stray bytes, and what follows
  // the ':' (a space, a tab, nothing, more text), in lines of both heads.
  const char* digits = "0123456789";
  uint64_t state = 7;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  int read_in_passing = 0, general = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string secs(next() % 12, '0'), frac(next() % 11, '0');
    for (char& c : secs) c = digits[(next() >> 33) % 10];
    for (char& c : frac) c = digits[(next() >> 33) % 10];
    if (next() % 16 == 0 && !frac.empty()) frac[(next() >> 33) % frac.size()] = "/:a."[(next() >> 33) % 4];
    std::string stamp = secs + (next() % 20 == 0 ? "" : ".") + frac;
    const char* after[] = {": sched_waking: comm=a pid=1", ":\tx: y", ":", ":x: y", ": e:"};
    std::string tail = after[(next() >> 33) % 5];
    std::string line = (next() % 2 ? "          <idle>-0       [001] d.h1. " : "  bash-1977 (1977) [000] ") +
                       std::string(next() % 3, ' ') + stamp + tail;
    CAPTURE(line);
    FtraceLine fast;
    TokenizeError err = tokenize_ftrace_line(line, &fast);
    if (fast.timestamp_digits < 0) {
      ++general;
      continue;
    }
    ++read_in_passing;
    REQUIRE_FALSE(err);
    // The token is what the general path cuts, and its value what parse_timestamp gives.
    CHECK(fast.timestamp == std::string_view(stamp));
    const auto parsed = parse_timestamp(fast.timestamp);
    REQUIRE(parsed.has_value());
    CHECK(parsed->ns == fast.timestamp_ns);
    CHECK(parsed->fraction_digits == fast.timestamp_digits);
  }
  CHECK(read_in_passing > 5000);
  CHECK(general > 5000);
}
