#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "parser/event_wire.h"
#include "parser/isolated_dat_reader.h"
#include "parser/string_pool.h"
#include "parser/trace_dat_reader.h"

using namespace ftlens;

namespace {

// An event as the parent sees it: every string by its text.
struct SeenEvent {
  Event event;
  std::string comm, name, task_comm, next_comm, function, site, payload;
  bool has_mask = false;
  CpuMask mask;
};

struct Collect final : EventSink {
  explicit Collect(const StringPool& p) : pool(p) {}
  void on_event(const Event& e) override {
    SeenEvent s{e,
                std::string(pool.view(e.comm)),
                std::string(pool.view(e.name)),
                std::string(pool.view(e.task.comm)),
                std::string(pool.view(e.next.comm)),
                std::string(pool.view(e.function)),
                std::string(pool.view(e.site)),
                std::string(e.payload), false, CpuMask{}};
    if (e.cpumask) s.has_mask = true, s.mask = *e.cpumask;
    events.push_back(s);
  }
  void on_malformed(const ParseIssue& issue) override { reasons.push_back(std::to_string(issue.line) + ":" + issue.reason); }
  void on_log_line(uint64_t line, TimeNs at, std::string_view text) override {
    logs.push_back(std::to_string(line) + "@" + std::to_string(at) + ":" + std::string(text));
  }
  const StringPool& pool;
  std::vector<SeenEvent> events;
  std::vector<std::string> reasons, logs;
};

bool to_string(const char* data, size_t size, void* context) {
  static_cast<std::string*>(context)->append(data, size);
  return true;
}

}  // namespace

TEST_CASE("event wire.every field, string, mask and payload arrives as sent, into the reader's own string ids") {
  StringPool theirs;
  std::string bytes;
  EventWireWriter writer(theirs, to_string, &bytes);
  CpuMask mask;
  mask.set(3);
  mask.set(511);
  Event e;
  e.ts = 123456789012345;
  e.cpu = 1;
  e.pid = 42;
  e.tgid = 40;
  e.comm = theirs.intern("kworker/1:2");
  e.name = theirs.intern("ipi_send_cpumask");
  e.type = EventType::kIpiSendCpumask;
  e.irq_flags = Event::kIrqsOff | Event::kInHardirq;
  e.prev_state = 'D';
  e.preempted = true;
  e.task = TaskRef{theirs.intern("a"), 7, 120};
  e.next = TaskRef{theirs.intern("b"), 8, 99};
  e.target_cpu = 5;
  e.source_cpu = 6;
  e.number = -3;
  e.address = 0xffff888012345678;
  e.function = theirs.intern("smp_call_function_many_cond");
  e.site = theirs.intern("generic_exec_single");
  e.cpumask = &mask;
  e.payload = "a console line";
  writer.on_event(e);
  Event second;
  second.ts = 5;
  second.comm = e.comm;  // defined once, used again
  writer.on_event(second);
  writer.on_malformed(ParseIssue{9, 3, "bad record"});
  writer.on_log_line(11, -1, "a log line");
  writer.finish("the end");

  StringPool ours;
  ours.intern("something the parent interned before");  // so that its ids differ from the writer's
  Collect sink(ours);
  EventWireReader reader(ours, sink);
  // A byte at a time: every message is cut somewhere.
  for (char c : bytes) REQUIRE(reader.feed(std::string_view(&c, 1)));
  REQUIRE(reader.has_result());
  CHECK(reader.result() == "the end");
  CHECK(reader.events() == 2);
  REQUIRE(sink.events.size() == 2);
  const SeenEvent& s = sink.events[0];
  CHECK(s.event.ts == e.ts);
  CHECK(s.event.cpu == 1);
  CHECK(s.event.pid == 42);
  CHECK(s.event.tgid == 40);
  CHECK(s.comm == "kworker/1:2");
  CHECK(s.name == "ipi_send_cpumask");
  CHECK(s.event.type == EventType::kIpiSendCpumask);
  CHECK(s.event.irq_flags == (Event::kIrqsOff | Event::kInHardirq));
  CHECK(s.event.prev_state == 'D');
  CHECK(s.event.preempted);
  CHECK(s.task_comm == "a");
  CHECK(s.event.task.pid == 7);
  CHECK(s.event.task.prio == 120);
  CHECK(s.next_comm == "b");
  CHECK(s.event.next.pid == 8);
  CHECK(s.event.next.prio == 99);
  CHECK(s.event.target_cpu == 5);
  CHECK(s.event.source_cpu == 6);
  CHECK(s.event.number == -3);
  CHECK(s.event.address == 0xffff888012345678);
  CHECK(s.function == "smp_call_function_many_cond");
  CHECK(s.site == "generic_exec_single");
  REQUIRE(s.has_mask);
  CHECK(s.mask.test(3));
  CHECK(s.mask.test(511));
  CHECK_FALSE(s.mask.test(4));
  CHECK(s.payload == "a console line");
  CHECK(sink.events[1].comm == "kworker/1:2");
  CHECK_FALSE(sink.events[1].has_mask);
  CHECK(sink.events[1].payload.empty());
  CHECK(sink.events[0].event.comm == ours.intern("kworker/1:2"));
  CHECK(sink.reasons == std::vector<std::string>{"9:bad record"});
  CHECK(sink.logs == std::vector<std::string>{"11@-1:a log line"});
}

TEST_CASE("event wire.a string id never defined, an unknown message or bytes after the end break the stream") {
  StringPool pool;
  Collect sink(pool);
  {
    EventWireReader reader(pool, sink);
    std::string bytes(1 + 88, '\0');
    bytes[0] = 'E';
    bytes[1 + 36] = 7;  // comm (after ts, number, address, cpu, pid, tgid): id 7, never defined
    CHECK_FALSE(reader.feed(bytes));
    CHECK(reader.error().find("before it was defined") != std::string::npos);
  }
  {
    EventWireReader reader(pool, sink);
    CHECK_FALSE(reader.feed("Z"));
    CHECK(reader.broken());
  }
  {
    std::string bytes;
    EventWireWriter writer(pool, to_string, &bytes);
    writer.finish("done");
    EventWireReader reader(pool, sink);
    CHECK_FALSE(reader.feed(bytes + "S"));
  }
  CHECK(sink.events.empty());
}

TEST_CASE("isolated trace.dat reader.reads in a child exactly what the reader reads in this process") {
  const std::string path = std::string(FTLENS_TRACES) + "/real_small_v7_raw.dat";
  StringPool in_pool, out_pool;
  Collect in_sink(in_pool), out_sink(out_pool);
  const TraceDatResult in = read_trace_dat(path, "", in_pool, in_sink);
  const TraceDatResult out = read_trace_dat_isolated(path, "", dat_read_limits(86247, 0, 0), out_pool, out_sink);
  REQUIRE(in.status.ok());
  REQUIRE(out.status.ok());
  CHECK(out.events == in.events);
  CHECK(out.cpus == in.cpus);
  CHECK(out.instances == in.instances);
  CHECK(out.stopped.empty());
  REQUIRE(out_sink.events.size() == in_sink.events.size());
  for (size_t i = 0; i < in_sink.events.size(); ++i) {
    CHECK(out_sink.events[i].event.ts == in_sink.events[i].event.ts);
    CHECK(out_sink.events[i].comm == in_sink.events[i].comm);
    CHECK(out_sink.events[i].function == in_sink.events[i].function);
  }
}

TEST_CASE("isolated trace.dat reader.limits are sized from the file unless set") {
  const DatReadLimits small = dat_read_limits(1 << 20, 0, 0);
  CHECK(small.memory_bytes == (256u << 20) + (2u << 20));
  CHECK(small.cpu_seconds == 5);
  const DatReadLimits big = dat_read_limits(uint64_t{200} << 20, 0, 0);
  CHECK(big.memory_bytes == (uint64_t{656} << 20));
  CHECK(big.cpu_seconds == 105);
  const DatReadLimits set = dat_read_limits(1 << 20, 64, 2);
  CHECK(set.memory_bytes == (uint64_t{64} << 20));
  CHECK(set.cpu_seconds == 2);
}

namespace {

// Bodies for the child: what libtracecmd might do to it.
void send_events(StringPool& pool, EventSink& sink, int count) {
  for (int i = 0; i < count; ++i) {
    Event e;
    e.ts = 1000 + i;
    e.cpu = i % 2;
    e.comm = pool.intern("task");
    e.name = pool.intern("sched_switch");
    sink.on_event(e);
  }
}

TraceDatResult abort_in_headers(StringPool&, EventSink&, const DatPhaseHook& phase, void*) {
  phase(DatPhase::kHeaders);
  std::fputs("double free or corruption (!prev)\n", stderr);
  std::abort();
}

TraceDatResult abort_after_three_events(StringPool& pool, EventSink& sink, const DatPhaseHook& phase, void*) {
  phase(DatPhase::kEventData);
  send_events(pool, sink, 3);
  std::printf("said on stdout, never seen on ours\n");
  std::abort();
}

TraceDatResult spin(StringPool&, EventSink&, const DatPhaseHook& phase, void*) {
  phase(DatPhase::kEventData);
  volatile uint64_t turns = 0;
  for (;;) turns = turns + 1;
}

TraceDatResult grow(StringPool&, EventSink&, const DatPhaseHook& phase, void*) {
  phase(DatPhase::kFirstPages);
  for (;;) {
    auto* block = static_cast<char*>(std::malloc(1 << 20));
    if (block) std::memset(block, 1, 1 << 20);
  }
}

TraceDatResult segfault(StringPool&, EventSink&, const DatPhaseHook& phase, void*) {
  phase(DatPhase::kInstances);
  std::raise(SIGSEGV);
  return {};
}

TraceDatResult read_fine(StringPool& pool, EventSink& sink, const DatPhaseHook&, void*) {
  send_events(pool, sink, 5);
  TraceDatResult r;
  r.events = 5;
  r.cpus = 2;
  r.instances = "a,b";
  r.layout_warning = "f: a warning";
  return r;
}

TraceDatResult find_no_instance(StringPool&, EventSink&, const DatPhaseHook&, void*) {
  TraceDatResult r;
  r.status = Status(ErrorCode::kNotFound, "f.dat: no buffer instance named 'x'");
  r.instances = "a,b";
  return r;
}

DatReadLimits limits(uint64_t memory_mib, unsigned cpu_seconds) {
  DatReadLimits l;
  l.memory_bytes = memory_mib << 20;
  l.cpu_seconds = cpu_seconds;
  return l;
}

}  // namespace

TEST_CASE("isolated trace.dat reader.an abort while reading the headers is one line: what, with its own words, and where") {
  StringPool pool;
  Collect sink(pool);
  const TraceDatResult r = run_isolated("f.dat", limits(256, 5), abort_in_headers, nullptr, pool, sink);
  CHECK_FALSE(r.status.ok());
  CHECK(r.status.code() == ErrorCode::kBadInput);
  CHECK(r.status.message() == "f.dat: libtracecmd aborted (SIGABRT: double free or corruption (!prev)) while reading the headers");
  CHECK(sink.events.empty());
}

TEST_CASE("isolated trace.dat reader.events before an abort are kept, and every CPU is marked as breaking off there") {
  StringPool pool;
  Collect sink(pool);
  const TraceDatResult r = run_isolated("f.dat", limits(256, 5), abort_after_three_events, nullptr, pool, sink);
  CHECK(r.status.ok());
  CHECK(r.events == 3);
  CHECK(r.stopped.find("libtracecmd aborted (SIGABRT") == 0);
  CHECK(r.stopped.find("while reading the event data") != std::string::npos);
  CHECK(r.truncated_cpus == "0,1");
  REQUIRE(sink.events.size() == 5);
  CHECK(sink.events[2].comm == "task");
  CHECK(sink.events[3].event.type == EventType::kLostEvents);
  CHECK(sink.events[3].event.cpu == 0);
  CHECK(sink.events[3].event.ts == 1002);  // CPU 0's last event
  CHECK(sink.events[4].event.cpu == 1);
  CHECK(sink.events[4].event.ts == 1001);
}

TEST_CASE("isolated trace.dat reader.a spin is stopped at its CPU time limit") {
  StringPool pool;
  Collect sink(pool);
  const auto start = std::chrono::steady_clock::now();
  const TraceDatResult r = run_isolated("f.dat", limits(256, 1), spin, nullptr, pool, sink);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));  // 1 s of CPU on a busy machine
  CHECK(r.status.message() == "f.dat: libtracecmd was stopped after 1 s (its CPU time limit) while reading the event data");
}

TEST_CASE("isolated trace.dat reader.memory that grows without end is stopped at its limit") {
  StringPool pool;
  Collect sink(pool);
  const TraceDatResult r = run_isolated("f.dat", limits(48, 20), grow, nullptr, pool, sink);
  CHECK(r.status.message() == "f.dat: libtracecmd exceeded its 48 MiB memory limit while reading each CPU's first page");
}

TEST_CASE("isolated trace.dat reader.a crash names its signal and where it happened") {
  StringPool pool;
  Collect sink(pool);
  const TraceDatResult r = run_isolated("f.dat", limits(256, 5), segfault, nullptr, pool, sink);
#if defined(__SANITIZE_ADDRESS__)
  // ASan takes the SIGSEGV itself, reports it and aborts the child.
  CHECK(r.status.message().starts_with("f.dat: libtracecmd aborted (SIGABRT"));
  CHECK(r.status.message().ends_with(" while reading its buffer instances"));
#else
  CHECK(r.status.message() == "f.dat: libtracecmd/libtraceevent crashed (SIGSEGV) while reading its buffer instances");
#endif
}

TEST_CASE("isolated trace.dat reader.a reader that ends well gives its result whole") {
  StringPool pool;
  Collect sink(pool);
  const TraceDatResult r = run_isolated("f.dat", limits(256, 5), read_fine, nullptr, pool, sink);
  CHECK(r.status.ok());
  CHECK(r.events == 5);
  CHECK(r.cpus == 2);
  CHECK(r.instances == "a,b");
  CHECK(r.layout_warning == "f: a warning");
  CHECK(r.stopped.empty());
  CHECK(sink.events.size() == 5);
}

TEST_CASE("isolated trace.dat reader.a failure the reader returns comes back with its error code and message") {
  StringPool pool;
  Collect sink(pool);
  const TraceDatResult r = run_isolated("f.dat", limits(256, 5), find_no_instance, nullptr, pool, sink);
  CHECK(r.status.code() == ErrorCode::kNotFound);
  CHECK(r.status.message() == "f.dat: no buffer instance named 'x'");
  CHECK(r.instances == "a,b");
  CHECK(r.stopped.empty());
}
