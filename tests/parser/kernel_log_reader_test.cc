// Kernel logs as users hold them: every prefix form, records run together,
// pasted spaces, and hostile input counted and skipped.
#include "parser/kernel_log_reader.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

using namespace ftlens;

namespace {

struct Collected final : EventSink, LogRecordSink {
  struct Record {
    uint64_t line;
    TimeNs at;
    int32_t cpu, pid;
    std::string comm, text;
    bool stamped;
  };
  std::vector<Record> records;
  uint64_t events = 0;
  void on_event(const Event&) override { ++events; }
  void on_malformed(const ParseIssue&) override {}
  void on_log_record(const LogRecord& r) override {
    records.push_back({r.line, r.at, r.cpu, r.pid, std::string(r.comm), std::string(r.text), r.stamped});
  }
};

struct Read {
  StringPool pool;
  Collected got;
  KernelLogInfo info;
  explicit Read(std::string_view text, size_t chunk = 0) {
    KernelLogReader reader(pool, got, got);
    if (chunk == 0) reader.feed(text);
    else
      for (size_t at = 0; at < text.size(); at += chunk) reader.feed(text.substr(at, chunk));
    reader.finish();
    info = reader.info();
  }
};

LogPrefix prefix_of(std::string_view line) {
  LogPrefix p;
  REQUIRE(parse_log_prefix(line, &p));
  return p;
}

}  // namespace

TEST_CASE("kernel-log.every prefix form gives the record's time and message") {
  struct Row {
    std::string_view line;
    TimeNs at;
    int32_t cpu;
    int32_t pid;
    std::string_view message;
  };
  const TimeNs dec1_132644 = ((334LL * 24 + 13) * 60 + 26) * 60 * 1'000'000'000 + 44LL * 1'000'000'000;
  const Row rows[] = {
      {"[  254.202183] Unable to handle kernel NULL pointer", 254202183000, -1, -1, "Unable to handle kernel NULL pointer"},
      {"[ 254.202183] Mem abort info:", 254202183000, -1, -1, "Mem abort info:"},
      {"<4>[  254.202183] Call trace:", 254202183000, -1, -1, "Call trace:"},
      {"360.462046] watchdog: BUG: soft lockup", 360462046000, -1, -1, "watchdog: BUG: soft lockup"},
      {"[73669.590105 / 12-01 13:26:44.379][0] BUG: workqueue lockup", 73669590105000, 0, -1, "BUG: workqueue lockup"},
      {"1 [73669.590105 / 12-01 13:26:44.379][2] kernel BUG at x.c:1!", 73669590105000, 2, -1, "kernel BUG at x.c:1!"},
      {"[ 1573.162047] (4)[10711:kworker/4:3]ipv6: start", 1573162047000, 4, 10711, "ipv6: start"},
      {"[   12.000001] [  T231] hung_task: x", 12000001000, -1, 231, "hung_task: x"},
      {"[   12.000001] [    C3] NMI backtrace", 12000001000, 3, -1, "NMI backtrace"},
      {"[Tue Dec  1 13:26:44 2026] rcu: INFO: stall", dec1_132644, -1, -1, "rcu: INFO: stall"},
      {"Dec 01 13:26:44 node7 kernel: csd: Detected", dec1_132644, -1, -1, "csd: Detected"},
      {"Dec  1 13:26:44 host kernel: [73669.590105] BUG: x", 73669590105000, -1, -1, "BUG: x"},
      {"[  360.462046] node7 kernel: watchdog: y", 360462046000, -1, -1, "watchdog: y"},
      {"12-01 13:26:44.379     0     0 E kernel  : [73669.590105] BUG: z", 73669590105000, -1, -1, "BUG: z"},
      {"12-01 13:26:44.379     0     0 E kernel  : no stamp", dec1_132644 + 379'000'000, -1, -1, "no stamp"},
      {"2026-12-01T13:26:44.123456+00:00 host kernel: iso", dec1_132644 + 123'456'000, -1, -1, "iso"},
      {"\x1b[0m\x1b[1;31m[   12.000001] serial console colours", 12000001000, -1, -1, "serial console colours"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.line);
    LogPrefix p = prefix_of(row.line);
    CHECK(p.at == row.at);
    CHECK(p.cpu == row.cpu);
    CHECK(p.pid == row.pid);
    CHECK(row.line.substr(p.length) == row.message);
  }
  CHECK(prefix_of("[ 1573.162047] (4)[10711:kworker/4:3]x").comm == "kworker/4:3");
}

TEST_CASE("kernel-log.lines that are no record are not taken for one") {
  for (std::string_view line : {"linux-fATqUY login: [ME] Fault detect start!", "[0000000000000000] pgd=0000000000000000",
                                "[1573221067182] [UN]  PID: 1043", "12 static void wq_watchdog_timer_fn(unsigned long data)",
                                "  kworker/4:3-10711 [004]  1573.162047: workqueue_execute_start: work", "Dec is a month",
                                "[<ffff000008123456>] func+0x1c/0x38", "see [1.5] above"}) {
    CAPTURE(line);
    LogPrefix p;
    CHECK_FALSE(parse_log_prefix(line, &p));
  }
}

TEST_CASE("kernel-log.records run together on one line are split at their prefixes") {
  Read r("360.462046] watchdog: BUG: soft lockup - CPU#35 stuck for 22s! [docker-containe:29506] [ 360.473208] Modules "
         "linked in: pt_MASQUERADE(E) [ 360.565132] CPU: 35 PID: 29506 Comm: docker-containe #1[ 360.595535] pstate: "
         "80000005 [ 360.777504] Call trace: [ 360.784282] smp_call_function_many+0x308/0x370\n");
  REQUIRE(r.got.records.size() == 6);
  CHECK(r.got.records[0].text == "watchdog: BUG: soft lockup - CPU#35 stuck for 22s! [docker-containe:29506]");
  CHECK(r.got.records[2].text == "CPU: 35 PID: 29506 Comm: docker-containe #1");
  CHECK(r.got.records[3].at == 360595535000);
  CHECK(r.got.records[5].text == "smp_call_function_many+0x308/0x370");
  CHECK(r.info.joined_records == 5);
  for (const auto& rec : r.got.records) CHECK(rec.line == 1);
}

TEST_CASE("kernel-log.text before the first record of a line is handed on unstamped") {
  Read r("linux-fATqUY login: [ME] Fault detect start!\n[ME] Fault detect start!\n\n[ 254.202183] Unable to handle\n");
  REQUIRE(r.got.records.size() == 3);
  CHECK_FALSE(r.got.records[0].stamped);
  CHECK(r.got.records[2].stamped);
  CHECK(r.got.records[2].line == 4);
  CHECK(r.info.blank_lines == 1);
}

TEST_CASE("kernel-log.no-break and other Unicode spaces pasted from a web page are spaces") {
  Read r("1 [73669.590105 / 12-01 13:26:44.379][0]\xC2\xA0 BUG: stuck for\xC2\xA0 115s! a\xE2\x80\xAF" "b\xE3\x80\x80" "c\n");
  REQUIRE(r.got.records.size() == 1);
  CHECK(r.got.records[0].text == " BUG: stuck for  115s! a b c");  // the paste's two spaces, one taken by the prefix
  CHECK(r.got.records[0].cpu == 0);
  CHECK(r.info.unicode_space_lines == 1);
}

TEST_CASE("kernel-log.a log quoted in an email reply is read without its quote marks") {
  const std::string log =
      "> [ 2210.410125] watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:215]\n"
      "> > [ 2210.410200] CPU: 3 PID: 215 Comm: kworker/3:1 Not tainted 6.1.0 #1\n"
      ">\n";
  CHECK(looks_like_kernel_log(log));
  Read r(log);
  REQUIRE(r.got.records.size() == 2);
  CHECK(r.got.records[0].at == 2210'410'125'000);
  CHECK(r.got.records[0].text == "watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:215]");
  CHECK(r.got.records[1].stamped);
  CHECK(r.info.quoted_lines == 3);
  CHECK(r.info.blank_lines == 1);  // a quote mark alone is a blank line of the reply
}

TEST_CASE("kernel-log.lines of an ftrace dump pasted without its head are read as the dump, and the log goes on after them") {
  const std::string log =
      "[10612.026812]   <idle>-0         1d..2. 10608102968us : sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 "
      "prev_state=R ==> next_comm=migration/1 next_pid=24 next_prio=0\n"
      "[10612.028498] CPU:0 [LOST 41556131 EVENTS]\n"
      "[10612.030666] rcu_tort-75        0dNh3. 10612062717us : sched_wakeup: comm=rcuc/0 pid=19 prio=97 target_cpu=000\n"
      "[10612.151370] rcu: INFO: rcu_preempt self-detected stall on CPU\n";
  Read r(log);
  CHECK(r.info.dumps == 1);
  CHECK(r.info.dump_lines == 3);
  CHECK(r.got.events >= 2);
  REQUIRE(r.got.records.size() == 1);  // the log after the dump's lines
  CHECK(r.got.records[0].text == "rcu: INFO: rcu_preempt self-detected stall on CPU");
}

TEST_CASE("kernel-log.a record cut between chunks is read as one") {
  const std::string text = "[   1.000000] first record\n[   2.000000] second record that is longer\n[   3.000000] third";
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{7}, size_t{16}}) {
    CAPTURE(chunk);
    Read r(text, chunk);
    REQUIRE(r.got.records.size() == 3);
    CHECK(r.got.records[1].text == "second record that is longer");
    CHECK(r.got.records[2].at == 3'000'000'000);
  }
}

TEST_CASE("kernel-log.hostile input: a line of megabytes, binary junk, prefixes alone are counted and skipped") {
  std::string text = "[   1.000000] before\n";
  text += "[   1.500000] " + std::string(3 << 20, 'x') + "\n";
  text += std::string("\x00\x01\x02\x03\x04\x05\x06\x07junk\x00\x00\x00", 15) + "\n";
  for (int i = 0; i < 1000; ++i) text += "[   2.000000] ";
  text += "\n[   2.000000]\n<4>[   2.000001] \n[   3.000000] after\n";
  Read r(text, 4096);
  CHECK(r.info.long_lines == 1);
  CHECK(r.info.binary_lines == 1);
  CHECK(r.info.empty_records >= 1000);
  REQUIRE(r.got.records.size() == 2);
  CHECK(r.got.records[0].text == "before");
  CHECK(r.got.records[1].text == "after");
  CHECK(r.got.records[1].line == 7);
}

TEST_CASE("kernel-log.an ftrace dump inside a log goes to the ftrace parser, the rest are records") {
  Read r("[  205.000000] x\n[  205.743790] BUG: unable to handle page fault\n[  205.743790] Dumping ftrace buffer:\n"
         "[  205.743790] ---------------------------------\n"
         "[  205.743790]   <idle>-0         1d.h1.    0us : hrtimer_expire_entry: hrtimer=00000000 function=f now=1\n"
         "[  205.743790] ---------------------------------\n[  206.000000] after the dump\n");
  CHECK(r.got.events == 1);
  CHECK(r.info.dumps == 1);
  REQUIRE(r.got.records.size() == 3);
  CHECK(r.got.records[2].text == "after the dump");
}

TEST_CASE("kernel-log.sniffing: a log after a login prompt is a log; ftrace text and prose are not") {
  CHECK(looks_like_kernel_log("linux-fATqUY login: [ME] Fault detect start!\n[ 254.202183] Unable to handle\n"));
  CHECK(looks_like_kernel_log("# journalctl -k\nDec 01 13:26:44 node7 kernel: hello\n"));
  CHECK_FALSE(looks_like_kernel_log("# tracer: nop\n#\n  <idle>-0 [001] d.h1. 98.000001: irq_handler_entry: irq=1 name=x\n"));
  CHECK_FALSE(looks_like_kernel_log("  a-1 [000] ...1. 1.000000: x: y\n  a-1 [000] ...1. 1.000001: x: y\n[   1.000000] z\n"));
  CHECK_FALSE(looks_like_kernel_log("Just prose.\nMore prose about CPUs.\n"));
}

TEST_CASE("kernel-log.a paste indented as a code block or under a heading is read past its blanks") {
  CHECK(prefix_of("    May 17 18:48:11 kernel: [ 6141.921740] INFO: task").at == 6141'921740'000);
  const std::string deep = std::string(18, ' ') + "[ 5300.443503] NMI watchdog: Watchdog detected hard LOCKUP on cpu 3";
  const LogPrefix p = prefix_of(deep);
  CHECK(p.at == 5300'443503'000);
  CHECK(deep.substr(p.length) == "NMI watchdog: Watchdog detected hard LOCKUP on cpu 3");
}

TEST_CASE("kernel-log.syslog without a host name is read like syslog with one") {
  const LogPrefix p = prefix_of("May 17 18:48:11 kernel: hung_task: x");
  CHECK(p.clock == LogClock::kWallClock);
  CHECK(p.fraction_digits == 0);
}

TEST_CASE("kernel-log.syslogd's console broadcast of a record is read, its header line is prose") {
  Read r("Message from syslogd@plot-071 at Jun 17 13:06:42 ...\n"
         " kernel:[405108.698255] watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [chia_plot:29632]\n");
  REQUIRE(r.got.records.size() == 2);
  CHECK_FALSE(r.got.records[0].stamped);
  CHECK(r.got.records[1].at == 405108'698255'000);
  CHECK(r.got.records[1].text == "watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [chia_plot:29632]");
  CHECK(looks_like_kernel_log("Message from syslogd@jagalan at Feb 13 09:02:19 ..\nkernel:[45516.131642] BUG: soft\n"));
}

TEST_CASE("kernel-log.a /dev/kmsg record is read alone and inside syslog, its time in microseconds") {
  const std::string line = "May 25 07:29:42 x 0,16627,40311380557,-,caller=C0;BUG: workqueue lockup - pool cpus=3";
  LogPrefix p = prefix_of(line);
  CHECK(p.at == 40311'380557'000);
  CHECK(p.clock == LogClock::kSeconds);
  CHECK(line.substr(p.length) == "BUG: workqueue lockup - pool cpus=3");
  const std::string raw = "6,16628,40311381019,-;Showing busy workqueues and worker pools:";
  p = prefix_of(raw);
  CHECK(p.at == 40311'381019'000);
  CHECK(raw.substr(p.length) == "Showing busy workqueues and worker pools:");
  LogPrefix none;
  CHECK_FALSE(parse_log_prefix("1,2,3 and more;", &none));
  CHECK_FALSE(parse_log_prefix("May 25 07:29:42 x 1,2;not kmsg", &none));
}

TEST_CASE("kernel-log.dmesg -H: a relative time counts from the record before, a minute line is a wall clock") {
  Read r("[Mar 8 17:07] ------------[ cut here ]------------\n[  +0.000005] kernel BUG at mm/uksm.c:3328!\n"
         "[  +0.000010] invalid opcode: 0000 [#1] SMP PTI\n");
  REQUIRE(r.got.records.size() == 3);
  const TimeNs mar8_1707 = (((31LL + 28 + 7) * 24 + 17) * 60 + 7) * 60 * 1'000'000'000;
  CHECK(r.got.records[0].at == mar8_1707);
  CHECK(r.got.records[1].at == mar8_1707 + 5'000);
  CHECK(r.got.records[2].at == mar8_1707 + 15'000);
  CHECK(r.got.records[2].text == "invalid opcode: 0000 [#1] SMP PTI");
  CHECK(r.info.clock == LogClock::kWallClock);
  LogPrefix none;
  CHECK_FALSE(parse_log_prefix("[Mar is a month]", &none));
  CHECK_FALSE(parse_log_prefix("[+x] list item", &none));
}

TEST_CASE("kernel-log.logcat -b kernel tagged 'Kernel' is read like 'kernel'") {
  const std::string line = "10-02 20:34:17.586  2461  2461 W Kernel  : [15159.873157] Call trace:";
  const LogPrefix p = prefix_of(line);
  CHECK(p.at == 15159'873157'000);
  CHECK(line.substr(p.length) == "Call trace:");
}

TEST_CASE("kernel-log.a log without any prefix is a kernel log when it holds report lines and no ftrace line") {
  CHECK(looks_like_kernel_log("```\nINFO: task DDRace64-Server:27090 blocked for more than 120 seconds.\n"
                              "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n"));
  CHECK(looks_like_kernel_log("Example:\nNMI watchdog: Watchdog detected hard LOCKUP on cpu 0\n"));
  CHECK(looks_like_kernel_log("smp: csd: Detected non-responsive CSD lock (#1) on CPU#18, waiting\n"));
  CHECK_FALSE(looks_like_kernel_log("Just prose about a soft lockup.\nNothing the kernel printed.\n"));
  CHECK_FALSE(looks_like_kernel_log("  a-1 [000] ...1. 1.000000: x: y\nkernel BUG at x.c:1!\n"));
  Read r("INFO: task a:1 blocked for more than 120 seconds.\nCall Trace:\n");
  REQUIRE(r.got.records.size() == 2);
  CHECK_FALSE(r.got.records[0].stamped);
  CHECK(r.got.records[0].text == "INFO: task a:1 blocked for more than 120 seconds.");
}

TEST_CASE("kernel-log.a log quoted with '| ' in the first column is read without the marks, a table row is not") {
  Read r("| smp: csd: Detected non-responsive CSD lock (#1) on CPU#0, waiting 5000001136 ns\n"
         "| [   12.000001] Sending NMI from CPU 0 to CPUs 1:\n| a | b |\n");
  REQUIRE(r.got.records.size() == 3);
  CHECK(r.got.records[0].text == "smp: csd: Detected non-responsive CSD lock (#1) on CPU#0, waiting 5000001136 ns");
  CHECK(r.got.records[1].at == 12'000001'000);
  CHECK(r.got.records[2].text == "| a | b |");
  CHECK(r.info.quoted_lines == 2);
}
