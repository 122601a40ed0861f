#include <doctest/doctest.h>

#include "parser/event.h"
#include "parser/payload_parser.h"
#include "parser/string_pool.h"

using namespace ftlens;

namespace {

struct Parsed {
  StringPool pool;
  Event event;
  CpuMask targets;
  bool ok = false;
  Parsed(const char* name, const char* payload) {
    event.type = event_type_from_name(name);
    ok = parse_payload(payload, pool, &event, &targets);
  }
  std::string_view str(StrId id) const { return pool.view(id); }
};

}  // namespace

TEST_CASE("payload.malformed payloads of known events are rejected") {
  const char* rows[][2] = {
      {"sched_switch", "prev_comm=a prev_pid=x prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120"},
      {"sched_switch", "prev_comm=a prev_pid=1 prev_prio=120 prev_state=S"},
      {"sched_wakeup", "comm=a pid=1 prio=120"},
      {"workqueue_execute_start", "work struct zz: function f"},
      {"irq_handler_entry", "irq=abc name=x"},
      {"csd_queue_cpu", "cpu=1 callsite=x func=y"},
      {"cpuhp_enter", "cpu: x target: 1"},
  };
  for (auto& row : rows) {
    CAPTURE(row[1]);
    CHECK_FALSE(Parsed(row[0], row[1]).ok);
  }
}

TEST_CASE("payload.sched_switch with comms holding spaces") {
  Parsed p("sched_switch",
           "prev_comm=Web Content prev_pid=3343 prev_prio=120 prev_state=R+ ==> next_comm=swapper/0 next_pid=0 next_prio=120");
  REQUIRE(p.ok);
  CHECK(p.str(p.event.task.comm) == "Web Content");
  CHECK(p.event.task.pid == 3343);
  CHECK(p.event.prev_state == 'R');
  CHECK(p.event.preempted);
  CHECK(p.str(p.event.next.comm) == "swapper/0");
  CHECK(p.event.next.pid == 0);
  CHECK(p.event.next.prio == 120);
}

TEST_CASE("payload.wakeups in the current and the older (success=, state=) formats") {
  Parsed now("sched_wakeup", "comm=rcu_preempt pid=15 prio=120 target_cpu=001");
  REQUIRE(now.ok);
  CHECK(now.event.task.pid == 15);
  CHECK(now.event.target_cpu == 1);
  Parsed seed("sched_wakeup", "comm=netd pid=1145 prio=120 success=1 target_cpu=004 state=W");
  REQUIRE(seed.ok);
  CHECK(seed.str(seed.event.task.comm) == "netd");
  CHECK(seed.event.target_cpu == 4);
}

TEST_CASE("payload.the wakeup tracers' own switch and wakeup entries, as 3.x and later and as 2.6 print them") {
  StringPool pool;
  Event e;
  e.cpu = 3;
  e.comm = pool.intern("<idle>");
  REQUIRE(parse_ctx_wake_entry("     0:120:R ==> [003]  2389: 94:R sleep", pool, &e));
  CHECK(e.type == EventType::kSchedSwitch);
  CHECK(e.task.pid == 0);
  CHECK(e.task.prio == 120);
  CHECK(pool.view(e.task.comm) == "<idle>");  // the line's own task
  CHECK(e.prev_state == 'R');
  CHECK(e.next.pid == 2389);
  CHECK(e.next.prio == 94);
  CHECK(pool.view(e.next.comm) == "sleep");

  Event w;
  w.cpu = 1;
  REQUIRE(parse_ctx_wake_entry("0:120:R   + [003]  2389: 94:R sleep", pool, &w));
  CHECK(w.type == EventType::kSchedWakeup);
  CHECK(w.task.pid == 2389);
  CHECK(w.target_cpu == 3);

  Event old;  // 2.6.2x: no [cpu], no comm
  old.cpu = 1;
  REQUIRE(parse_ctx_wake_entry("  3997:120:R   +  4055:120:R", pool, &old));
  CHECK(old.type == EventType::kSchedWakeup);
  CHECK(old.task.pid == 4055);
  CHECK(old.target_cpu == 1);
  CHECK(old.task.comm == kNoStr);

  Event no;
  for (const char* other : {"ttwu_do_activate.constprop.87 <-try_to_wake_up", "0: trace_event_clock_sync: parent_ts=0.0",
                            "12:34", "1:2:R -> 3:4:S", "1:2:R ==> [x] 3:4:S"})
    CHECK_FALSE(parse_ctx_wake_entry(other, pool, &no));
  CHECK(no.type == EventType::kOther);
}

TEST_CASE("payload.migrate, fork and exit") {
  Parsed m("sched_migrate_task", "comm=dnsmasq pid=11779 prio=120 orig_cpu=5 dest_cpu=6 state=W");
  REQUIRE(m.ok);
  CHECK(m.event.source_cpu == 5);
  CHECK(m.event.target_cpu == 6);
  Parsed f("sched_process_fork", "comm=record_real.sh pid=3069 child_comm=record_real.sh child_pid=3076");
  REQUIRE(f.ok);
  CHECK(f.event.task.pid == 3069);
  CHECK(f.event.next.pid == 3076);
  Parsed e("sched_process_exit", "comm=seq pid=3352 prio=120 group_dead=true");
  REQUIRE(e.ok);
  CHECK(e.event.task.pid == 3352);
}

TEST_CASE("payload.workqueue events with 64-bit and 32-bit work pointers") {
  Parsed q("workqueue_queue_work",
           "work struct=0000000010064415 function=delayed_vfree_work workqueue=events req_cpu=256 cpu=1");
  REQUIRE(q.ok);
  CHECK(q.event.address == 0x10064415);
  CHECK(q.str(q.event.function) == "delayed_vfree_work");
  CHECK(q.str(q.event.site) == "events");
  CHECK(q.event.target_cpu == 1);
  Parsed a("workqueue_activate_work", "work struct 0000000010064415 function=delayed_vfree_work ");
  REQUIRE(a.ok);
  CHECK(a.str(a.event.function) == "delayed_vfree_work");
  Parsed s("workqueue_execute_start", "work struct 0xd8c3cb7c: function addrconf_dad_work");
  REQUIRE(s.ok);
  CHECK(s.event.address == 0xd8c3cb7c);
  CHECK(s.str(s.event.function) == "addrconf_dad_work");
  Parsed old_end("workqueue_execute_end", "work struct 0xd8c3cb7c");
  REQUIRE(old_end.ok);
  CHECK(old_end.event.address == 0xd8c3cb7c);
}

TEST_CASE("payload.irq, softirq and timers") {
  Parsed i("irq_handler_entry", "irq=30 name=arch_timer");
  REQUIRE(i.ok);
  CHECK(i.event.number == 30);
  CHECK(i.str(i.event.function) == "arch_timer");
  Parsed s("softirq_entry", "vec=7 [action=SCHED]");
  REQUIRE(s.ok);
  CHECK(s.event.number == 7);
  CHECK(s.str(s.event.function) == "SCHED");
  Parsed h("hrtimer_expire_entry", "hrtimer=0000000009124fe7 function=watchdog_timer_fn now=2182157995558");
  REQUIRE(h.ok);
  CHECK(h.str(h.event.function) == "watchdog_timer_fn");
  Parsed t("timer_expire_entry", "timer=00000000d7a704a8 function=process_timeout now=4295434024 baseclk=4295434024");
  REQUIRE(t.ok);
  CHECK(t.event.address == 0xd7a704a8);
}

TEST_CASE("payload.ipi and csd events") {
  Parsed c("csd_queue_cpu", "cpu=1 callsite=ttwu_queue_wakelist+0x11d/0x150 func=sched_ttwu_pending csd=0000000030f1b826");
  REQUIRE(c.ok);
  CHECK(c.event.target_cpu == 1);
  CHECK(c.str(c.event.function) == "sched_ttwu_pending");
  CHECK(c.event.address == 0x30f1b826);
  Parsed e("csd_function_entry", "func=flush_tlb_func, csd=0000000000000000");
  REQUIRE(e.ok);
  CHECK(e.str(e.event.function) == "flush_tlb_func");
  Parsed ip("ipi_send_cpu", "cpu=0 callsite=wakeup_preempt+0x55/0xa0 callback=0x0");
  REQUIRE(ip.ok);
  CHECK(ip.event.target_cpu == 0);
  Parsed mask("ipi_send_cpumask", "cpumask=00000000,00000005 callsite=smp_call_function_many_cond+0x1/0x2 callback=x");
  REQUIRE(mask.ok);
  CHECK(mask.event.cpumask == &mask.targets);
  CHECK(mask.event.targets(0));
  CHECK_FALSE(mask.event.targets(1));
  CHECK(mask.event.targets(2));
  Parsed raise("ipi_raise", "target_mask=00000000,00000010 (Function call interrupts)");
  REQUIRE(raise.ok);
  CHECK(raise.event.targets(4));
  CHECK_FALSE(raise.event.targets(0));
  CHECK_FALSE(ip.event.targets(0));  // ipi_send_cpu names its one target in target_cpu
  CHECK(ip.event.cpumask == nullptr);
  CHECK(raise.str(raise.event.function) == "Function call interrupts");
}

TEST_CASE("payload.lock contention and cpu hotplug") {
  Parsed b("contention_begin", "0000000063352138 (flags=SPIN|MUTEX)");
  REQUIRE(b.ok);
  CHECK(b.event.address == 0x63352138);
  CHECK(b.str(b.event.site) == "SPIN|MUTEX");
  Parsed e("contention_end", "0000000063352138 (ret=0)");
  REQUIRE(e.ok);
  Parsed h("cpuhp_enter", "cpu: 0001 target: 144 step: 236 (cpuhp_kick_ap_work)");
  REQUIRE(h.ok);
  CHECK(h.event.target_cpu == 1);
  CHECK(h.event.number == 144);
  CHECK(h.str(h.event.function) == "cpuhp_kick_ap_work");
  Parsed x("cpuhp_exit", "cpu: 0001  state: 234 step: 235 ret: 0");
  REQUIRE(x.ok);
  CHECK(x.event.number == 234);
}

TEST_CASE("payload.unknown events pass through as other") {
  CHECK(event_type_from_name("block_rq_issue") == EventType::kOther);
  CHECK(event_type_from_name("sched_switch") == EventType::kSchedSwitch);
  CHECK(event_type_name(EventType::kWorkStart) == "workqueue_execute_start");
}

TEST_CASE("payload.trace-cmd report's sched plugin formats") {
  Parsed s("sched_switch", "record_real.sh:2646 [120] S ==> swapper/0:0 [120]");
  REQUIRE(s.ok);
  CHECK(s.str(s.event.task.comm) == "record_real.sh");
  CHECK(s.event.task.pid == 2646);
  CHECK(s.event.prev_state == 'S');
  CHECK(s.str(s.event.next.comm) == "swapper/0");
  CHECK(s.event.next.pid == 0);
  Parsed p("sched_switch", "Web Content:3:4 [120] R+ ==> kworker/0:1:11 [100]");
  REQUIRE(p.ok);
  CHECK(p.str(p.event.task.comm) == "Web Content:3");
  CHECK(p.event.preempted);
  CHECK(p.str(p.event.next.comm) == "kworker/0:1");
  CHECK(p.event.next.prio == 100);
  Parsed w("sched_wakeup", "record_real.sh:2666 [120] CPU:001");
  REQUIRE(w.ok);
  CHECK(w.event.task.pid == 2666);
  CHECK(w.event.target_cpu == 1);
  Parsed old("sched_wakeup", "bash:3794 [120] success=1 CPU:003");
  REQUIRE(old.ok);
  CHECK(old.event.target_cpu == 3);
  CHECK_FALSE(Parsed("sched_switch", "a:1 [120] S => b:2 [120]").ok);
  CHECK_FALSE(Parsed("sched_wakeup", "a:x [120] CPU:001").ok);
}

TEST_CASE("payload.function symbols lose their offsets so every format names them alike") {
  Parsed h("hrtimer_expire_entry", "hrtimer=0xffff888627d1c6f8 now=210932046646 function=tick_nohz_handler/0x0");
  REQUIRE(h.ok);
  CHECK(h.str(h.event.function) == "tick_nohz_handler");
  Parsed c("csd_queue_cpu", "cpu=0 callsite=ttwu_queue_wakelist+0x11d func=sched_ttwu_pending csd=0xffff888100ca8038");
  REQUIRE(c.ok);
  CHECK(c.str(c.event.site) == "ttwu_queue_wakelist");
  Parsed n("csd_function_entry", "func=flush_tlb_func, csd=(nil)");
  REQUIRE(n.ok);
  CHECK(n.event.address == 0);
}
