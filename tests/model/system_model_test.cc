#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "feed_text.h"
#include "model/system_model.h"

using namespace ftlens;

namespace {

struct Recorder final : TimelineListener {
  std::vector<TaskSpan> spans;
  std::vector<std::pair<WorkItem, TimeNs>> work;
  void on_task_span(const TaskSpan& s, const SystemModel&) override { spans.push_back(s); }
  void on_work_done(const WorkItem& w, TimeNs end, const SystemModel&) override { work.emplace_back(w, end); }
};

struct Fixture {
  StringPool pool;
  Recorder rec;
  SystemModel model{&rec};
  void run(std::string_view text, bool finish = true) {
    REQUIRE(testing::feed_text(pool, text, [&](const Event& e) { model.apply(e); }) == 0);
    if (finish) model.finish();
  }
};

}  // namespace

TEST_CASE("model.sched_switch closes the running task's span and opens the next") {
  Fixture f;
  f.run(
      "  a-10 [000] d..2. 1.000000: sched_switch: prev_comm=a prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=b next_pid=20 next_prio=120\n"
      "  b-20 [000] d..2. 3.000000: sched_switch: prev_comm=b prev_pid=20 prev_prio=120 prev_state=R+ ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
      "  <idle>-0 [000] d.h1. 4.000000: irq_handler_entry: irq=1 name=t\n");
  REQUIRE(f.rec.spans.size() == 3);
  CHECK(f.rec.spans[0].pid == 10);
  CHECK_FALSE(f.rec.spans[0].start_seen);  // running when the trace began
  CHECK(f.rec.spans[1].pid == 20);
  CHECK(f.rec.spans[1].start == 1000000000);
  CHECK(f.rec.spans[1].end == 3000000000);
  CHECK(f.rec.spans[1].start_seen);
  CHECK(f.rec.spans[1].end_seen);
  CHECK(f.rec.spans[2].idle());
  CHECK_FALSE(f.rec.spans[2].end_seen);  // cut by the trace end
  CHECK(f.model.cpu(0)->busy_until(4000000000) == 2000000000);  // b ran 1 s..3 s; a only at 1 s
  CHECK(f.model.stats().get(ModelStat::repaired_switches) == 0);
}

TEST_CASE("model.a missing switch is repaired from the event header and counted") {
  Fixture f;
  // migration/1 runs with no sched_switch into it, as on the real 6.18 kernel.
  f.run(
      "  <idle>-0 [001] dNh5. 1.000000: sched_wakeup: comm=migration/1 pid=21 prio=0 target_cpu=001\n"
      "  migration/1-21 [001] d..2. 1.000030: sched_switch: prev_comm=migration/1 prev_pid=21 prev_prio=0 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\n");
  CHECK(f.model.stats().get(ModelStat::repaired_switches) == 1);
  REQUIRE(f.rec.spans.size() == 3);
  CHECK(f.rec.spans[0].idle());
  CHECK(f.rec.spans[0].repaired);
  CHECK(f.rec.spans[1].pid == 21);
  CHECK(f.rec.spans[1].end_seen);
  CHECK(f.model.waiting().empty());  // migration/1 ran, so it is no longer waiting
}

TEST_CASE("model.work items are matched by worker and reported when done") {
  Fixture f;
  f.run(
      "  kworker/1:1-41 [001] ..... 1.000000: workqueue_execute_start: work struct 0000000010064415: function f\n"
      "  kworker/0:1-11 [000] ..... 1.500000: workqueue_execute_start: work struct 00000000000000aa: function g\n"
      "  kworker/1:1-41 [001] ..... 2.000000: workqueue_execute_end: work struct 0000000010064415: function f\n"
      "  kworker/0:2-12 [000] ..... 3.000000: workqueue_execute_end: work struct 00000000000000bb: function h\n",
      false);
  REQUIRE(f.rec.work.size() == 1);
  CHECK(f.rec.work[0].first.worker_pid == 41);
  CHECK(f.rec.work[0].first.work == 0x10064415);
  CHECK(f.rec.work[0].second == 2000000000);
  REQUIRE(f.model.open_work().size() == 1);
  CHECK(f.model.open_work_of(11) != nullptr);
  CHECK(f.model.open_work_of(11)->cpu == 0);
  CHECK(f.model.stats().get(ModelStat::work_end_without_start) == 1);
}

TEST_CASE("model.woken tasks wait on their target CPU until they run") {
  Fixture f;
  f.run(
      "  a-10 [000] d..2. 1.000000: sched_wakeup: comm=netd pid=1145 prio=120 target_cpu=001\n"
      "  a-10 [000] d..2. 1.100000: sched_wakeup: comm=other pid=77 prio=120 target_cpu=001\n"
      "  a-10 [000] d..2. 1.200000: sched_migrate_task: comm=other pid=77 prio=120 orig_cpu=1 dest_cpu=0\n"
      "  a-10 [000] d..2. 1.300000: sched_wakeup: comm=netd pid=1145 prio=120 target_cpu=001\n"
      "  b-11 [001] d..2. 2.000000: sched_switch: prev_comm=b prev_pid=11 prev_prio=120 prev_state=S ==> next_comm=other next_pid=77 next_prio=120\n",
      false);
  REQUIRE(f.model.waiting().size() == 1);
  const WaitingTask& netd = f.model.waiting().at(1145);
  CHECK(netd.cpu == 1);
  CHECK(netd.woken == 1000000000);  // a second wakeup does not restart the wait
}

TEST_CASE("model.irq nesting from handler events when there is no flags column") {
  Fixture f;
  f.run(
      "w-5 [002]  1.000000: workqueue_execute_start: work struct 0xd8c3cb7c: function addrconf_dad_work\n"
      "w-5 [002]  1.100000: hrtimer_expire_entry: hrtimer=00000000e83e45ef function=tick_nohz_handler now=1\n"
      "w-5 [002]  1.100001: sched_wakeup: comm=x pid=9 prio=120 target_cpu=002\n"
      "w-5 [002]  1.100002: hrtimer_expire_exit: hrtimer=00000000e83e45ef\n"
      "w-5 [002]  1.200000: irq_handler_entry: irq=30 name=arch_timer\n"
      "w-5 [002]  1.200001: irq_handler_exit: irq=30 ret=handled\n"
      "w-5 [002]  1.300000: irq_handler_exit: irq=30 ret=handled\n");
  REQUIRE(f.rec.spans.size() == 1);
  CHECK(f.rec.spans[0].task_events == 1);
  CHECK(f.rec.spans[0].irq_events == 6);
  CHECK(f.rec.spans[0].last_task_event == 1000000000);
  CHECK(f.model.stats().get(ModelStat::irq_exit_without_entry) == 1);
}

TEST_CASE("model.lost events are attributed to the spans they fall in") {
  Fixture f;
  f.run(
      "  a-10 [000] d..2. 1.000000: sched_waking: comm=x pid=9 prio=120 target_cpu=000\n"
      "CPU:0 [LOST 17 EVENTS]\n"
      "  a-10 [000] d..2. 2.000000: sched_switch: prev_comm=a prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=b next_pid=20 next_prio=120\n");
  REQUIRE(f.rec.spans.size() == 2);
  CHECK(f.rec.spans[0].lost_events == 17);
  CHECK(f.rec.spans[1].lost_events == 0);
  CHECK(f.model.cpu(0)->lost_events == 17);
}

TEST_CASE("model.trace end is the last event of any CPU") {
  Fixture f;
  f.run(
      "  a-10 [000] d..2. 1.000000: x: y\n"
      "  b-11 [001] d..2. 9.000000: x: y\n"
      "  a-10 [000] d..2. 2.000000: x: y\n");
  CHECK(f.model.first_event() == 1000000000);
  CHECK(f.model.last_event() == 9000000000);
  REQUIRE(f.rec.spans.size() == 2);
  CHECK(f.rec.spans[0].end == 9000000000);  // CPU0's task is open until the trace end
  CHECK(f.model.cpu(5) == nullptr);
}

TEST_CASE("model.an event repeated exactly right after itself is dropped and counted; the same event later is not") {
  Fixture f;
  std::vector<bool> used;
  const char* text =
      "  a-10 [000] ..... 1.000000: workqueue_execute_start: work struct 0000000000000001: function f\n"
      "  a-10 [000] ..... 1.000000: workqueue_execute_start: work struct 0000000000000001: function f\n"
      "  a-10 [000] ..... 1.000000: workqueue_execute_end: work struct 0000000000000001: function f\n"
      "  a-10 [000] ..... 2.000000: workqueue_execute_start: work struct 0000000000000001: function f\n";
  REQUIRE(testing::feed_text(f.pool, text, [&](const Event& e) { used.push_back(f.model.apply(e)); }) == 0);
  CHECK(used == std::vector<bool>{true, false, true, true});
  CHECK(f.model.stats().get(ModelStat::duplicate_events) == 1);
  CHECK(f.model.stats().get(ModelStat::work_start_while_open) == 0);  // the duplicate never reached the work model
  CHECK(f.rec.work.size() == 1);
}

TEST_CASE("model.a duplicate is an exact repeat: a payload that only shares a prefix, or grows past the last one, is not") {
  Fixture f;
  std::vector<bool> used;
  const std::string longer(300, 'y');  // past the remembered payload's first buffer
  const std::string text = "  a-10 [000] ..... 1.000000: custom: x\n"
                           "  a-10 [000] ..... 1.000000: custom: x" + longer + "\n"
                           "  a-10 [000] ..... 1.000000: custom: x" + longer + "\n"
                           "  a-10 [000] ..... 1.000000: custom: x\n"
                           "  a-10 [000] ..... 1.000000: custom: z\n"
                           "  a-10 [000] ..... 1.000000: custom: z\n";
  REQUIRE(testing::feed_text(f.pool, text, [&](const Event& e) { used.push_back(f.model.apply(e)); }) == 0);
  CHECK(used == std::vector<bool>{true, true, false, true, true, false});
  CHECK(f.model.stats().get(ModelStat::duplicate_events) == 2);
}

TEST_CASE("model.lost events become a data gap on their CPU from its last event to its next one") {
  Fixture f;
  f.run(
      "  a-10 [001] ..... 1.000000: workqueue_execute_start: work struct 0000000000000001: function f\n"
      "  b-20 [000] ..... 1.500000: workqueue_execute_start: work struct 0000000000000002: function g\n"
      "CPU:1 [LOST 7 EVENTS]\n"
      "CPU:1 [LOST 3 EVENTS]\n"
      "  a-10 [001] ..... 3.000000: workqueue_execute_end: work struct 0000000000000001: function f\n"
      "CPU:0 [LOST 5 EVENTS]\n");
  REQUIRE(f.model.data_gaps().size() == 2);
  const DataGap& cpu1 = f.model.data_gaps()[0];
  CHECK(cpu1.cpu == 1);
  CHECK(cpu1.from == 1'000'000'000);
  CHECK(cpu1.to == 3'000'000'000);
  CHECK(cpu1.lost == 10);
  const DataGap& cpu0 = f.model.data_gaps()[1];  // no event after it: open to the trace end
  CHECK(cpu0.cpu == 0);
  CHECK(cpu0.from == 1'500'000'000);
  CHECK(cpu0.to == 3'000'000'000);
  CHECK(cpu0.lost == 5);
}

namespace {
struct CallRecorder final : TimelineListener {
  std::vector<FunctionCall> calls;
  void on_function_call(const FunctionCall& c, const SystemModel&) override { calls.push_back(c); }
};
}  // namespace

TEST_CASE("model.function_graph calls nest per CPU and a call with no return stays open at the end") {
  StringPool pool;
  CallRecorder rec;
  SystemModel model(&rec);
  const char* text =
      "# tracer: function_graph\n"
      "  100.000000 |   1) kworker/1:3-10711 |               |  process_one_work() {\n"
      "  100.000001 |   1) kworker/1:3-10711 |   0.412 us    |    rtnl_lock();\n"
      "  100.000002 |   1) kworker/1:3-10711 |               |    __ipv6_dev_ac_inc() {\n"
      "  100.000010 |   0)    <idle>-0    |   1.000 us    |  tick_nohz_handler();\n"
      "  122.000000 |   0)    <idle>-0    |   2.000 us    |  tick_nohz_handler();\n";
  REQUIRE(testing::feed_text(pool, text, [&](const Event& e) { model.apply(e); }) == 0);
  model.finish();
  const CpuTimeline* cpu1 = model.cpu(1);
  REQUIRE(cpu1);
  REQUIRE(cpu1->functions.size == 2);
  CHECK(pool.view(cpu1->functions.open[1].function) == "__ipv6_dev_ac_inc");
  CHECK(cpu1->functions.open[1].depth == 1);
  CHECK(cpu1->functions.open[1].pid == 10711);
  // Leaves as they come, then the open calls at the end, outermost first.
  REQUIRE(rec.calls.size() == 5);
  CHECK(rec.calls[0].leaf);
  CHECK(rec.calls[0].duration() == 412);
  CHECK(pool.view(rec.calls[3].function) == "process_one_work");
  CHECK_FALSE(rec.calls[3].end_seen);
  CHECK(rec.calls[4].end == 122'000'000'000);  // the trace end: the last event's time
}

TEST_CASE("model.calls nested past the cap are counted, and their returns close nothing stored") {
  StringPool pool;
  CallRecorder rec;
  SystemModel model(&rec);
  std::string text;
  for (size_t i = 0; i < FunctionStack::kDepth + 3; ++i) text += " 0)               |  f() {\n";
  for (size_t i = 0; i < FunctionStack::kDepth + 4; ++i) text += " 0)   1.000 us    |  }\n";
  REQUIRE(testing::feed_text(pool, text, [&](const Event& e) { model.apply(e); }) == 0);
  model.finish();
  CHECK(model.stats().get(ModelStat::function_depth_capped) == 3);
  CHECK(model.stats().get(ModelStat::function_return_without_entry) == 1);
  CHECK(rec.calls.size() == FunctionStack::kDepth);
  CHECK(model.cpu(0)->functions.size == 0);
}

TEST_CASE("model.a cut in the input opens a data gap on every CPU seen so far, up to its next event") {
  Fixture f;
  f.run("  a-1 [000] ...1  10.000000: x: y\n"
        "  b-2 [001] ...1  10.100000: x: y\n"
        "// snip\n"
        "  a-1 [000] ...1  12.000000: x: y\n"
        "  c-3 [002] ...1  12.100000: x: y\n");
  const auto& gaps = f.model.data_gaps();
  REQUIRE(gaps.size() == 2);
  CHECK(gaps[0].cpu == 0);
  CHECK(gaps[0].from == 10'000'000'000);
  CHECK(gaps[0].to == 12'000'000'000);
  CHECK(gaps[0].cut);
  CHECK(gaps[1].cpu == 1);  // never heard of again: the gap runs to the end
  CHECK(gaps[1].to == 12'100'000'000);
  CHECK(gaps[1].lost == 0);
  CHECK(f.model.stats().get(ModelStat::cpu_out_of_range) == 0);
}

TEST_CASE("model.a CPU going back more than a second starts another recording; a CPU first seen does not") {
  Fixture f;
  f.run("  a-1 [000] ...1  10.000000: x: y\n"
        "  a-1 [000] ...1  12.000000: x: y\n", false);
  Event back;
  back.cpu = 0;
  back.ts = 10'500'000'000;
  CHECK(f.model.starts_new_recording(back));
  back.ts = 11'500'000'000;
  CHECK_FALSE(f.model.starts_new_recording(back));  // within the step
  back.cpu = 1;
  back.ts = 1'000'000'000;
  CHECK_FALSE(f.model.starts_new_recording(back));
}

TEST_CASE("model.a function_graph call or stack head going back more than a second starts another recording; a frame does not") {
  Fixture f;
  f.run("  a-1 [000] ...1  10.000000: x: y\n"
        "  a-1 [000] ...1  12.000000: x: y\n", false);
  Event back;
  back.cpu = 0;
  back.ts = 10'500'000'000;
  for (EventType type : {EventType::kFuncEntry, EventType::kFuncLeaf, EventType::kFuncReturn, EventType::kStackTrace}) {
    back.type = type;
    CHECK(f.model.starts_new_recording(back));
  }
  for (EventType type : {EventType::kStackFrame, EventType::kLostEvents, EventType::kBufferStarted, EventType::kInputCut}) {
    back.type = type;
    CHECK_FALSE(f.model.starts_new_recording(back));
  }
}

namespace {

// Whether two spans of one task (not the idle task, of which every CPU has
// one) overlap in time: a task that ran on two CPUs at once.
bool some_task_ran_on_two_cpus_at_once(const std::vector<TaskSpan>& spans) {
  for (size_t i = 0; i < spans.size(); ++i)
    for (size_t j = i + 1; j < spans.size(); ++j)
      if (!spans[i].idle() && spans[i].pid == spans[j].pid && spans[i].cpu != spans[j].cpu &&
          spans[i].start < spans[j].end && spans[j].start < spans[i].end)
        return true;
  return false;
}

}  // namespace

TEST_CASE("model.with no sched_switch at all, a task seen on a new CPU leaves the one it ran on") {
  Fixture f;
  // ext4 events only, as a user tracing file-system work records them: the
  // writer does I/O on CPU1, then (moved by the scheduler, untraced) on CPU0.
  f.run(
      "  python3-100 [001] ..... 1.000000: ext4_sync_file_enter: dev 254,0 ino 12 parent 11 datasync 0\n"
      "  python3-100 [001] ..... 2.000000: ext4_sync_file_exit: dev 254,0 ino 12 ret 0\n"
      "  python3-100 [000] ..... 3.000000: ext4_sync_file_enter: dev 254,0 ino 12 parent 11 datasync 0\n",
      false);
  CHECK(f.model.cpu(0)->current.pid == 100);
  CHECK(f.model.cpu(1)->current.pid == -1);  // who ran there after it is unknown
  f.run("  python3-100 [000] ..... 30.000000: ext4_sync_file_exit: dev 254,0 ino 12 ret 0\n");
  CHECK_FALSE(some_task_ran_on_two_cpus_at_once(f.rec.spans));
  REQUIRE(f.rec.spans.size() == 2);
  CHECK(f.rec.spans[0].cpu == 1);
  CHECK(f.rec.spans[0].end == 2000000000);  // its last event there, not the trace end
  CHECK(f.rec.spans[0].repaired);
  CHECK(f.rec.spans[1].cpu == 0);
  CHECK(f.model.stats().get(ModelStat::repaired_switches) == 1);
  // CPU1 was busy while the writer was known to run there, not to the end.
  CHECK(f.model.cpu(1)->busy_until(30000000000) == 1000000000);
}

TEST_CASE("model.a task switched in on one CPU while it still ran on another leaves the other (its switch out was lost)") {
  Fixture f;
  f.run(
      "  <idle>-0 [001] d..2. 1.000000: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=a next_pid=10 next_prio=120\n"
      "  a-10 [001] ..... 1.500000: ext4_sync_file_enter: dev 254,0 ino 12 parent 11 datasync 0\n"
      "  <idle>-0 [000] d..2. 2.000000: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=a next_pid=10 next_prio=120\n",
      false);
  // From 2 s on, a runs on CPU0 and no longer on CPU1.
  CHECK(f.model.cpu(0)->current.pid == 10);
  CHECK(f.model.cpu(1)->current.pid == -1);
  f.run(
      "  a-10 [000] d..2. 9.000000: sched_switch: prev_comm=a prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120\n"
      "  b-20 [001] ..... 9.500000: ext4_sync_file_enter: dev 254,0 ino 13 parent 11 datasync 0\n");
  CHECK_FALSE(some_task_ran_on_two_cpus_at_once(f.rec.spans));
  CHECK(f.model.stats().get(ModelStat::repaired_switches) == 1);  // one switch lost, counted once
}

TEST_CASE("model.the idle task runs on every CPU at once and is never moved") {
  Fixture f;
  f.run(
      "  <idle>-0 [001] d.h1. 1.000000: irq_handler_entry: irq=1 name=t\n"
      "  <idle>-0 [000] d.h1. 2.000000: irq_handler_entry: irq=1 name=t\n",
      false);
  CHECK(f.model.cpu(0)->current.pid == 0);
  CHECK(f.model.cpu(1)->current.pid == 0);
  CHECK(f.model.stats().get(ModelStat::repaired_switches) == 0);
}
