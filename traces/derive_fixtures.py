#!/usr/bin/env python3
"""Derives the seed-case fixtures from real recordings.

A healthy kernel will not give us a stuck work item or a CPU that stops
scheduling, so each fixture starts from a real recording made with
tools/record_real.sh and injects the anomaly by editing lines. The
output name starts with "derived_" and says what was injected.

Usage: derive_fixtures.py [TRACES_DIR]   (default: the folder of this script)
The output is deterministic; tests check that the committed fixtures match.
"""
import json
import os
import re
import sys
import zlib

LINE = re.compile(
    r"^(?P<task>\s*.+?-\d+)\s+(?P<cpu>\[\d+\])\s+(?P<flags>\S+)\s+(?P<ts>\d+\.\d+):\s(?P<name>\w+):\s?(?P<payload>.*)$")


def fmt_ts(ns):
    return "%d.%06d" % (ns // 1_000_000_000, ns % 1_000_000_000 // 1000)


def parse_ts(text):
    secs, frac = text.split(".")
    return int(secs) * 1_000_000_000 + int(frac.ljust(9, "0"))


def seed000_stuck_work(src_lines):
    """Seed 000: a kworker starts addrconf_dad_work on CPU1 and never ends it.

    From 5 s into the recording CPU1 stops scheduling: of CPU1's events only
    those in hardirq/softirq context are kept (the tick, softirqs, IPIs), all
    with the stuck kworker as the interrupted task; task-context events on
    CPU1, including the watchdog stopper migration/1, are dropped. netd is
    woken onto CPU1 and never runs. The irq-flags column is removed, as in the
    seed's dump, and the work pointer is 32-bit.
    """
    worker, work = "kworker/1:3-10711", "0xd8c3cb7c"
    out, events = [], []
    for line in src_lines:
        if line.startswith("#"):
            if "irqs-off" in line or "need-resched" in line or "hardirq/softirq" in line \
                    or "preempt-depth" in line or "migrate-disable" in line or line.startswith("#   ") \
                    or "delay" in line:
                continue  # the flags-column legend does not apply any more
            out.append(line)
            continue
        m = LINE.match(line)
        if not m:
            raise SystemExit("derive_fixtures: unexpected line: " + line)
        events.append(m)
    first = parse_ts(events[0]["ts"])
    stuck_at = first + 5_000_000_000
    running = None  # the task current on CPU1 right before stuck_at
    injected = False
    for m in events:
        ts = parse_ts(m["ts"])
        cpu = m["cpu"]
        task = m["task"].strip()
        if cpu == "[001]" and ts < stuck_at:
            running = task if m["name"] != "sched_switch" else \
                re.search(r"next_comm=(.+?) next_pid=(\d+)", m["payload"]).expand(r"\1-\2")
        if not injected and ts >= stuck_at:
            injected = True
            prev_comm, prev_pid = running.rsplit("-", 1)
            t = stuck_at - 20_000
            out.append("%17s [001]  %s: sched_switch: prev_comm=%s prev_pid=%s prev_prio=120 prev_state=S ==> "
                       "next_comm=kworker/1:3 next_pid=10711 next_prio=120" % (running, fmt_ts(t), prev_comm, prev_pid))
            out.append("%17s [001]  %s: workqueue_execute_start: work struct %s: function addrconf_dad_work"
                       % (worker, fmt_ts(stuck_at), work))
            out.append("%17s [001]  %s: sched_wakeup: comm=netd pid=1145 prio=120 target_cpu=001"
                       % (worker, fmt_ts(stuck_at + 93_000)))
        if cpu == "[001]" and ts >= stuck_at:
            in_irq = len(m["flags"]) > 2 and m["flags"][2] in "hsH"
            if not in_irq:
                continue
            task = worker
        else:
            task = m["task"]
        payload = (" " + m["payload"]) if m["payload"] else ""
        out.append("%17s %s  %s: %s:%s" % (task, cpu, m["ts"], m["name"], payload))
    return out


def window(src_lines, seconds):
    """The header and the last `seconds` of a kernel text recording."""
    header = [l for l in src_lines if l.startswith("#")]
    events = [(l, LINE.match(l)) for l in src_lines if not l.startswith("#")]
    last = parse_ts(events[-1][1]["ts"])
    return header, [(l, m) for l, m in events if parse_ts(m["ts"]) >= last - seconds * 1_000_000_000]


def dmesg_dump(src_lines):
    """The last 2 s of the recording as the kernel's ftrace_dump() prints it
    into the console log on an oops: latency format ("%8.8s-%-7d %3d" + irq
    flags, then microseconds since the buffer started and a delay mark),
    under printk time prefixes, between ordinary kernel log lines. No healthy
    kernel here oopses on demand (and this VM has no sysrq), so the dump is
    re-printed from a real recording."""
    _, events = window(src_lines, 2)
    start = parse_ts(events[0][1]["ts"])
    dump_at = parse_ts(events[-1][1]["ts"]) + 1_000_000
    stamp = "[%5d.%06d] " % (dump_at // 1_000_000_000, dump_at % 1_000_000_000 // 1000)
    out = ["[%5d.%06d] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex" % (start // 1_000_000_000 - 60, 123456),
           stamp + "BUG: unable to handle page fault for address: 0000000000000008",
           stamp + "Dumping ftrace buffer:",
           stamp + "---------------------------------"]
    marks = [(1_000_000_000, "$"), (100_000_000, "@"), (10_000_000, "*"), (1_000_000, "#"), (100_000, "!"), (10_000, "+")]
    for i, (line, m) in enumerate(events):
        ts = parse_ts(m["ts"])
        nxt = parse_ts(events[i + 1][1]["ts"]) if i + 1 < len(events) else ts
        mark = next((c for limit, c in marks if nxt - ts > limit), " ")
        comm, pid = m["task"].strip().rsplit("-", 1)
        cpu = int(m["cpu"][1:-1])
        usecs = (ts - start) // 1000
        payload = (" " + m["payload"]) if m["payload"] else ""
        out.append(stamp + "%8.8s-%-7d %3d%s %4dus%s: %s:%s" % (comm, int(pid), cpu, m["flags"], usecs, mark, m["name"], payload))
    out.append(stamp + "---------------------------------")
    out.append(stamp + "Kernel panic - not syncing: Fatal exception")
    return out


def systrace_text(src_lines, mark="ftlens-fixture"):
    """The last 2 s of the recording as atrace dumps it on Android: the
    ftrace text with the tgid column, plus a tracing_mark_write line named
    `mark` after the first event."""
    header, events = window(src_lines, 2)
    out = ["# tracer: nop",
           "#",
           "# entries-in-buffer/entries-written: %d/%d   #P:2" % (len(events) + 1, len(events) + 1),
           "#",
           "#                                      _-----=> irqs-off",
           "#           TASK-PID    TGID     CPU#  ||||    TIMESTAMP  FUNCTION",
           "#              | |        |        |   ||||       |         |"]
    first = events[0][1]
    for line, m in events:
        comm, pid = m["task"].strip().rsplit("-", 1)
        tgid = "(%7s)" % pid if pid != "0" else "(-------)"
        payload = (" " + m["payload"]) if m["payload"] else ""
        out.append("%16s-%-7s %s %s %s %s: %s:%s" % (comm, pid, tgid, m["cpu"], m["flags"], m["ts"], m["name"], payload))
        if m is first:
            out.append("%16s-%-7s %s %s %s %s: tracing_mark_write: B|%s|%s"
                       % (comm, pid, tgid, m["cpu"], m["flags"], m["ts"], pid, mark))
    return out


def systrace_html(src_lines):
    """The last 2 s of the recording as Android systrace writes it: an HTML
    page whose <script class="trace-data"> blocks hold a JSON block and the
    ftrace text with the tgid column, plus a tracing_mark_write line."""
    out = ["<!DOCTYPE html>", "<html>", "<head><title>systrace</title></head>", "<body>",
           '  <script class="trace-data" type="application/text">',
           '{"traceEvents": [], "systemTraceEvents": "see below"}',
           "  </script>",
           '  <script class="trace-data" type="application/text">']
    out += systrace_text(src_lines)
    out += ["  </script>", "</body>", "</html>"]
    return out


def atrace_z(src_lines):
    """`atrace -z` output as adb shell hands it over: atrace's status line,
    "TRACE:", then the text of systrace_text() compressed the way atrace
    does it (deflateInit with Z_DEFAULT_COMPRESSION: a zlib stream, RFC
    1950). The bytes are those of zlib 1.2.13 (Debian 12)."""
    text = ("\n".join(systrace_text(src_lines)) + "\n").encode("utf-8", "surrogateescape")
    return b"capturing trace... done\nTRACE:\n" + zlib.compress(text, 6)


def js_string_line(text):
    """One line of a JavaScript string literal as the legacy systrace page
    writes it: escaped, then `\\n\\` (a newline, a line continuation)."""
    return text.replace("\\", "\\\\").replace('"', '\\"') + "\\n\\"


def systrace_legacy_html(src_lines):
    """The last 2 s as the older systrace (before the trace-data blocks)
    wrote its page: the viewer's style and script inline in the head, then
    in the body a plain <script> whose `var linuxPerfData = "\\` string holds
    the text, a line of the file for each line of text, closed by `";`. The
    viewer's script is a stand-in that holds the words `var linuxPerfData`
    inside a regular expression, as the real one does. The mark's name has
    a quote and a backslash, so that the string has both escapes. The writer
    ended the string with a `trace_event_clock_sync` line of a dummy task at
    0.0 s (event name `0`), kept: a clock marker, not an event at 0 s."""
    out = ["<!DOCTYPE HTML>", "<html>", '<head i18n-values="dir:textdirection;">',
           "<title>Android System Trace</title>",
           '<style type="text/css">.timeline-track { display: -webkit-box; }</style>',
           '<script language="javascript">function isLegacy(lines) { '
           'return lines.some(function(l) { return /^  var linuxPerfData = "\\\\$/.test(l); }); }</script>',
           "<style>", "  .view {", "    overflow: hidden;", "    position: absolute;", "    top: 0;", "    bottom: 0;",
           "    left: 0;", "    right: 0;", "  }", "</style>", "</head>", "<body>",
           '  <div class="view">', "  </div>", "  <script>", '  var linuxPerfData = "\\']
    text = systrace_text(src_lines, mark='ftlens-fixture "legacy" C:\\trace')
    text.append("          dummy-0000  [000] 0.0: 0: trace_event_clock_sync: parent_ts=0.0")
    out += [js_string_line(line) for line in text[:-1]]
    out.append(js_string_line(text[-1])[:-1] + '";')
    out += ["  var timelineViewEl;", "  function onLoad() {", "    reload();", "  }",
            "  document.addEventListener('DOMContentLoaded', onLoad);", "  </script>", "</body>", "</html>"]
    return out


def trace_json(src_lines):
    """The last 2 s inside Chrome's trace JSON, as Catapult writes a trace of
    Chrome and the system together: browser events in "traceEvents", the
    ftrace text as one JSON string in "systemTraceEvents" after them, other
    fields as metadata. The mark's name has a quote, a tab and a non-ASCII
    character, so that the string has \\" \\t and \\u escapes."""
    text = "\n".join(systrace_text(src_lines, mark="ftlens-fixture \"json\"\tb\u00e9ta")) + "\n"
    chrome = [{"pid": 4242, "tid": 4242, "ts": 175736523 + 1000 * i, "ph": "X", "cat": "toplevel",
               "name": "ThreadControllerImpl::RunTask", "dur": 250, "args": {"src_file": "base/task.cc"}}
              for i in range(8)]
    return json.dumps({"traceEvents": chrome, "systemTraceEvents": text,
                       "metadata": {"clock-domain": "LINUX_CLOCK_MONOTONIC"}}, indent=None).splitlines()


def kernel_line(task, cpu, flags, ns, name, payload):
    """One line in the kernel's trace format, as the source recordings have it."""
    return "%16s %s %s %s: %s: %s" % (task, "[%03d]" % cpu, flags, fmt_ts(ns), name, payload)


def seed001_pool_stall(src_lines):
    """Seed 001: CPU1's bound workqueue pool stops starting work for > 115 s.

    10 s into a real 150 s idle recording, kworker/1:1 (the recording's own
    worker for CPU1's pool) starts disk_events_workfn and blocks in D state
    for good; from then on every event of CPU1's pool workers (their work,
    their switches in and out, their wakeups) is dropped, so work keeps being
    queued to the pool and nothing starts it. At 115 s the kernel's workqueue
    watchdog message is added as a printk:console event, as the kernel prints
    it into the trace.
    """
    worker, pid = "kworker/1:1", "11562"
    pool_worker = re.compile(r"kworker/1:\d+-\d+$")
    pool_comm = re.compile(r"(comm|prev_comm|next_comm)=kworker/1:\d+ ")
    header, events = [l for l in src_lines if l.startswith("#")], []
    for line in src_lines:
        if not line.startswith("#"):
            events.append(LINE.match(line))
    first = parse_ts(events[0]["ts"])
    stuck_at, report_at = first + 10_000_000_000, first + 10_000_000_000 + 115_000_000_000
    out = list(header)
    injected = reported = False
    for m in events:
        ts = parse_ts(m["ts"])
        if not injected and ts >= stuck_at:
            injected = True
            out.append(kernel_line("%s-%s" % (worker, pid), 1, ".....", stuck_at,
                                   "workqueue_execute_start", "work struct 00000000e1f0a6b2: function disk_events_workfn"))
            out.append(kernel_line("%s-%s" % (worker, pid), 1, "d..2.", stuck_at + 35_000, "sched_switch",
                                   "prev_comm=%s prev_pid=%s prev_prio=120 prev_state=D ==> next_comm=swapper/1 next_pid=0 next_prio=120"
                                   % (worker, pid)))
        if not reported and ts >= report_at:
            reported = True
            out.append(kernel_line("<idle>-0", 0, "d.h1.", report_at, "console",
                                   "BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 115s!"))
        if ts >= stuck_at and (pool_worker.match(m["task"].strip()) or pool_comm.search(m["payload"] + " ")):
            continue
        out.append(m.string)
    return out


def seed002_unanswered_ipi(src_lines):
    """Seed 002: CPU0 oopses twice and spins with interrupts off; CPU1's
    smp_call_function_many() waits for it forever.

    5 s into a real 30 s recording gen_seri_oops/0 runs on CPU0, prints the
    nested oops (printk:console events), and CPU0 produces nothing more. Half
    a second later docker-containe on CPU1 queues a cross-CPU call to CPU0
    (csd_queue_cpu + ipi_send_cpumask) and spins: of CPU1's events only those
    in interrupt context remain, shown as interrupting it. 22 s into the spin
    the soft-lockup watchdog's message is added on CPU1.
    """
    oopser, spinner = "gen_seri_oops/0-58147", "docker-containe-29506"
    header = [l for l in src_lines if l.startswith("#")]
    events = [LINE.match(l) for l in src_lines if not l.startswith("#")]
    first = parse_ts(events[0]["ts"])
    oops_at = first + 5_000_000_000
    call_at = oops_at + 500_000_000
    lockup_at = call_at + 22_000_000_000
    running = {0: None, 1: None}
    out = list(header)
    stage = 0
    for m in events:
        ts = parse_ts(m["ts"])
        cpu = int(m["cpu"][1:-1])
        if stage == 0 and ts >= oops_at - 2_000_000:
            stage = 1
            prev = running[0] or "swapper/0-0"
            prev_comm, prev_pid = prev.rsplit("-", 1)
            t = oops_at - 2_000_000
            out.append(kernel_line(prev, 0, "d..2.", t, "sched_switch",
                                   "prev_comm=%s prev_pid=%s prev_prio=120 prev_state=S ==> next_comm=gen_seri_oops/0 next_pid=58147 next_prio=120"
                                   % (prev_comm, prev_pid)))
            out.append(kernel_line(oopser, 0, "d..1.", t + 1_000_000, "console",
                                   "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000"))
            out.append(kernel_line(oopser, 0, "d..1.", t + 1_100_000, "console", "Internal error: Oops: 96000044 [#1] SMP"))
            out.append(kernel_line(oopser, 0, "d..1.", oops_at, "console",
                                   "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008"))
        if stage == 1 and ts >= call_at:
            stage = 2
            prev = running[1] or "swapper/1-0"
            prev_comm, prev_pid = prev.rsplit("-", 1)
            out.append(kernel_line(prev, 1, "d..2.", call_at - 30_000, "sched_switch",
                                   "prev_comm=%s prev_pid=%s prev_prio=120 prev_state=S ==> next_comm=docker-containe next_pid=29506 next_prio=120"
                                   % (prev_comm, prev_pid)))
            out.append(kernel_line(spinner, 1, "d..1.", call_at, "csd_queue_cpu",
                                   "cpu=0 callsite=smp_call_function_many_cond+0x308/0x370 func=do_sync_core csd=00000000a7c1e5d2"))
            out.append(kernel_line(spinner, 1, "d..1.", call_at + 2_000, "ipi_send_cpumask",
                                   "cpumask=00000000,00000001 callsite=smp_call_function_many_cond+0x308/0x370 callback=generic_smp_call_function_interrupt+0x0/0x10"))
        if stage == 2 and ts >= lockup_at:
            stage = 3
            out.append(kernel_line(spinner, 1, "d.h1.", lockup_at, "console",
                                   "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [docker-containe:29506]"))
        if m["name"] == "sched_switch":
            nm = re.search(r"next_comm=(.+?) next_pid=(\d+)", m["payload"])
            running[cpu] = "%s-%s" % (nm.group(1), nm.group(2))
        else:
            running[cpu] = m["task"].strip()
        if stage >= 1 and cpu == 0 and ts >= oops_at - 2_000_000:
            continue  # CPU0 is gone
        if stage >= 2 and cpu == 1:
            if not (len(m["flags"]) > 2 and m["flags"][2] in "hsH"):
                continue
            out.append("%16s %s %s %s: %s: %s" % (spinner, m["cpu"], m["flags"], m["ts"], m["name"], m["payload"]))
            continue
        out.append(m.string)
    return out


# --- function_graph text, rendered the way kernel/trace/trace_functions_graph.c
# prints it. The recording kernel has no function_graph tracer
# (CONFIG_FUNCTION_GRAPH_TRACER off), so the calls are the handlers the real
# recording shows, with their real entry times and durations: a work item's
# function, hrtimer and timer callbacks, cross-CPU calls and softirq actions.
# Every other event becomes a comment, as function_graph prints trace events;
# a CPU's task switch prints the kernel's banner.

SOFTIRQ_ACTION = {"TIMER": "run_timer_softirq", "NET_TX": "net_tx_action", "NET_RX": "net_rx_action",
                  "BLOCK": "blk_done_softirq", "IRQ_POLL": "irq_poll_softirq", "TASKLET": "tasklet_action",
                  "SCHED": "sched_balance_softirq", "HRTIMER": "hrtimer_run_softirq", "RCU": "rcu_core_si",
                  "HI": "tasklet_hi_action"}
CALL_ENTRY = {"workqueue_execute_start": "workqueue_execute_end", "hrtimer_expire_entry": "hrtimer_expire_exit",
              "timer_expire_entry": "timer_expire_exit", "csd_function_entry": "csd_function_exit",
              "softirq_entry": "softirq_exit"}
CALL_EXIT = {v: k for k, v in CALL_ENTRY.items()}


def call_name(name, payload):
    if name == "workqueue_execute_start":
        return payload.rsplit("function ", 1)[1].strip()
    if name == "softirq_entry":
        return SOFTIRQ_ACTION.get(re.search(r"action=(\w+)", payload).group(1), "handle_softirqs")
    m = re.search(r"(?:function|func)=([\w.]+)", payload)
    return m.group(1) if m else name


def graph_mark(ns):
    for limit, mark in ((1_000_000_000, "$"), (100_000_000, "@"), (10_000_000, "*"), (1_000_000, "#"),
                        (100_000, "!"), (10_000, "+")):
        if ns > limit:
            return mark
    return " "


def graph_duration(ns):
    usecs = str(ns // 1000)
    text = usecs
    if len(usecs) < 7:
        text += "." + ("%03d" % (ns % 1000))[: 7 - len(usecs)]
    return text + " us " + " " * max(0, 8 - len(text))


def graph_proc(task):
    spaces = max(0, 14 - len(task))
    return " " * (spaces // 2) + task + " " * (spaces - spaces // 2)


def render_funcgraph(events, abstime=False, proc=False, tail=False, retval=False, extra=None):
    """`events`: (ns, cpu, task, name, payload) in trace order. `extra`:
    (ns, cpu, task, kind, function) calls to add ("entry"/"return"/"leaf"
    with its duration in `function` as (name, ns))."""
    out = ["# tracer: function_graph", "#"]
    out.append("#     TIME        CPU  DURATION                  FUNCTION CALLS" if abstime else
               "# CPU  DURATION                  FUNCTION CALLS")
    out.append("#      |          |     |   |                     |   |   |   |" if abstime else
               "# |     |   |                     |   |   |   |")
    last_task, depth = {}, {}

    def prologue(ns, cpu, task):
        head = ""
        if abstime:
            head += "%5d.%06d |  " % (ns // 1_000_000_000, ns % 1_000_000_000 // 1000)
        head += " %d) " % cpu
        if proc:
            head += graph_proc(task) + " | "
        return head

    def line(ns, cpu, task, duration, text):
        if last_task.get(cpu, task) != task:
            out.append(" ------------------------------------------")
            out.append(" %d) %s => %s" % (cpu, graph_proc(last_task[cpu]), graph_proc(task)))
            out.append(" ------------------------------------------")
            out.append("")
        last_task[cpu] = task
        column = "              |  " if duration is None else graph_mark(duration) + " " + graph_duration(duration) + "|  "
        out.append(prologue(ns, cpu, task) + column + "  " * depth.get(cpu, 0) + text)

    # Pair every entry with its exit to know leaves and durations.
    open_calls, pairs = {}, {}
    for i, (ns, cpu, task, name, payload) in enumerate(events):
        if name in CALL_ENTRY:
            open_calls.setdefault((cpu, CALL_ENTRY[name]), []).append(i)
        elif name in CALL_EXIT and open_calls.get((cpu, name)):
            pairs[open_calls[(cpu, name)].pop()] = i
    closes = {j: i for i, j in pairs.items()}
    by_cpu_next = {}
    for i, e in enumerate(events):
        by_cpu_next.setdefault(e[1], []).append(i)
    next_on_cpu = {}
    for idx in by_cpu_next.values():
        for a, b in zip(idx, idx[1:]):
            next_on_cpu[a] = b
    skip = set()
    for i, (ns, cpu, task, name, payload) in enumerate(events):
        if i in skip:
            continue
        if i in pairs:
            j = pairs[i]
            function = call_name(name, payload)
            duration = events[j][0] - ns
            if next_on_cpu.get(i) == j:  # nothing in between: a leaf
                line(ns, cpu, task, duration, function + "();" + (" /* = 0x0 */" if retval else ""))
                skip.add(j)
            else:
                line(ns, cpu, task, None, function + "() {")
                depth[cpu] = depth.get(cpu, 0) + 1
            continue
        if i in closes:
            k = closes[i]
            depth[cpu] = depth.get(cpu, 0) - 1
            function = call_name(events[k][3], events[k][4])
            comment = [function] if tail else []
            if retval:
                comment.append("= 0x0")
            line(ns, cpu, task, ns - events[k][0], "}" + (" /* %s */" % " ".join(comment) if comment else ""))
            continue
        if name in CALL_EXIT or name == "softirq_raise":
            continue  # an exit whose entry is before the window; raise is noise
        if name == "irq_handler_entry":
            out.append(prologue(ns, cpu, task) + "  ==========> |")
        line(ns, cpu, task, None, "/* %s: %s */" % (name, payload))
        if name == "irq_handler_exit":
            out.append(prologue(ns, cpu, task) + "  <========== |")
    if extra:
        for ns, cpu, task, kind, function in extra:
            if kind == "entry":
                line(ns, cpu, task, None, function + "() {")
                depth[cpu] = depth.get(cpu, 0) + 1
            else:
                name, duration = function
                line(ns, cpu, task, duration, name + "();")
    return out


def recorded_events(src_lines, start_s, end_s):
    """(ns, cpu, task, name, payload) of the events between start_s and end_s
    seconds into the recording."""
    events = [LINE.match(l) for l in src_lines if not l.startswith("#")]
    events = [m for m in events if m]
    first = parse_ts(events[0]["ts"])
    return [(parse_ts(m["ts"]), int(m["cpu"][1:-1]), m["task"].strip(), m["name"], m["payload"]) for m in events
            if first + start_s * 1_000_000_000 <= parse_ts(m["ts"]) < first + end_s * 1_000_000_000]


def funcgraph_default(src_lines):
    """0.5 s of the recording with the default options (no times: each line
    has only its duration)."""
    return render_funcgraph(recorded_events(src_lines, 10.0, 10.5))


def funcgraph_proc_abstime_tail(src_lines):
    """The same 0.5 s with funcgraph-proc, funcgraph-abstime and funcgraph-tail."""
    return render_funcgraph(recorded_events(src_lines, 10.0, 10.5), abstime=True, proc=True, tail=True)


def funcgraph_retval(src_lines):
    """0.2 s with funcgraph-retval and funcgraph-abstime (return values are
    0x0: the recording has none)."""
    return render_funcgraph(recorded_events(src_lines, 12.0, 12.2), abstime=True, retval=True)


def funcgraph_stuck_cpu1(src_lines):
    """Seed 000 as function_graph would show it: 5 s in, kworker/1:3-10711 on
    CPU1 enters addrconf_dad_work and the chain down to __ipv6_dev_ac_inc
    never returns. After that CPU1 prints nothing (every later CPU1 line is
    cut); the trace ends 22 s later. To stay small, the window is 4.5 s to
    27 s and after 5.5 s only CPU0's work items and timer callbacks are kept."""
    events = recorded_events(src_lines, 4.5, 27.0)
    first = parse_ts([m for m in map(LINE.match, src_lines) if m][0]["ts"])
    hang = first + 5_000_000_000
    kept = []
    for e in events:
        ns, cpu, _, name, _ = e
        if cpu == 1 and ns >= hang:
            continue
        if ns >= hang + 500_000_000 and not (name.startswith("workqueue_execute") or name.startswith("timer_expire")):
            continue
        kept.append(e)
    task = "kworker/1:3-10711"
    chain = [(hang, 1, task, "entry", "process_one_work"),
             (hang + 1_000, 1, task, "entry", "addrconf_dad_work"),
             (hang + 2_000, 1, task, "leaf", ("rtnl_lock", 412)),
             (hang + 3_000, 1, task, "entry", "ipv6_ifa_notify"),
             (hang + 4_000, 1, task, "entry", "__ipv6_ifa_notify"),
             (hang + 5_000, 1, task, "entry", "addrconf_join_anycast"),
             (hang + 6_000, 1, task, "entry", "__ipv6_dev_ac_inc")]
    # The chain's lines go where CPU1's time puts them: before CPU0's later lines.
    before = [e for e in kept if e[0] < hang]
    after = [e for e in kept if e[0] >= hang]
    head = render_funcgraph(before, abstime=True, proc=True)
    body = render_funcgraph(after, abstime=True, proc=True)[4:]
    chain_lines = render_funcgraph([], abstime=True, proc=True, extra=chain)[4:]
    return head + chain_lines + body


LATENCY_LINE = re.compile(r"^(?P<task>.{8}-\d+)\s+(?P<cpu>\d+)(?P<flags>\S+)\s+(?P<us>\d+)us(?P<mark>.):\s(?P<rest>.*)$")


def irqsoff_cpu1(src_lines):
    """An irqsoff tracer's trace, which this kernel cannot record: the header
    block of the real latency-format recording with the irqsoff tracer's
    lines (its maximum, the task, where the section started and ended), and
    as the section CPU1's real lines in the 12 ms from its first one, with
    their times made relative to its start, as irqsoff prints them. The
    latency is the span of those lines (8.014 ms): a warning for
    latency-trace."""
    header, body = [], []
    for line in src_lines:
        (header if line.startswith("#") else body).append(line)
    cpu1 = [m for m in (LATENCY_LINE.match(l) for l in body) if m and m.group("cpu") == "1"]
    start = int(cpu1[0].group("us"))
    section = [m for m in cpu1 if int(m.group("us")) - start <= 12_000]
    latency = int(section[-1].group("us")) - start
    task = section[0].group("task").strip()
    out = []
    for line in header:
        if line.startswith("# tracer:"):
            line = "# tracer: irqsoff"
        elif " latency trace v" in line:
            line = line.replace("# nop latency", "# irqsoff latency")
        elif line.startswith("# latency:"):
            line = re.sub(r"latency: \d+ us, #\d+/\d+, CPU#\d+",
                          "latency: %d us, #%d/%d, CPU#1" % (latency, len(section), len(section)), line)
        elif line.startswith("#    | task:"):
            line = "#    | task: %s (uid:0 nice:0 policy:0 rt_prio:0)" % task
            out.append(line)
            out.append("#    -----------------")
            out.append("#  => started at: __schedule")
            out.append("#  => ended at:   _raw_spin_unlock_irq")
            continue
        elif line == "#    -----------------" and out and out[-1].startswith("#  => ended at"):
            continue
        out.append(line)
    for m in section:
        rel = int(m.group("us")) - start
        out.append("%s   %s%s %4dus%s: %s" % (m.group("task"), m.group("cpu"), m.group("flags"), rel, m.group("mark"),
                                            m.group("rest")))
    return out


def report_with_instance(src_lines):
    """trace-cmd report of a file recorded with a buffer instance, which this
    trace-cmd could not record here (`record -B` needs the function tracer):
    the real report's sched events stay in the top instance, every other
    event is put in an instance "irqs", and each line is prefixed as
    trace-read.c's print_handle_file() does when a file has instances: the
    instance's name right-aligned to the longest name, then ": ", or blanks
    for the top instance. Read with the top's, the events are the report's."""
    out = []
    for line in src_lines:
        m = re.match(r"^\s*\S.*?\[\d+\]\s+\d+\.\d+:\s+(\w+):", line)
        if not m:
            out.append(line)
        elif m.group(1).startswith("sched_"):
            out.append("%*s  " % (4, "") + line)
        else:
            out.append("%*s: " % (4, "irqs") + line)
    return out


FIXTURES = [
    # (output, source, transform)
    ("derived_seed000_stuck_work_cpu1.txt", "real_light30.txt", seed000_stuck_work),
    ("derived_seed001_wq_pool_stall_cpu1.txt", "real_idle150.txt", seed001_pool_stall),
    ("derived_seed002_unanswered_ipi_cpu0.txt", "real_light30.txt", seed002_unanswered_ipi),
    ("derived_dmesg_dump_light30_last2s.txt", "real_light30.txt", dmesg_dump),
    ("derived_systrace_light30_last2s.html", "real_light30.txt", systrace_html),
    ("derived_atrace_z_light30_last2s.txt", "real_light30.txt", atrace_z),
    ("derived_systrace_legacy_light30_last2s.html", "real_light30.txt", systrace_legacy_html),
    ("derived_trace_json_light30_last2s.json", "real_light30.txt", trace_json),
    ("derived_funcgraph_light30_default.txt", "real_light30.txt", funcgraph_default),
    ("derived_funcgraph_light30_proc_abstime_tail.txt", "real_light30.txt", funcgraph_proc_abstime_tail),
    ("derived_funcgraph_light30_retval.txt", "real_light30.txt", funcgraph_retval),
    ("derived_funcgraph_stuck_cpu1_22s.txt", "real_light30.txt", funcgraph_stuck_cpu1),
    ("derived_irqsoff_8ms_cpu1_from_latency_format.txt", "real_latency_format_sched.txt", irqsoff_cpu1),
    ("derived_report_instance_irqs_small_v7.txt", "real_report_nanoseconds_small_v7.txt", report_with_instance),
]


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for output, source, transform in FIXTURES:
        with open(os.path.join(here, source), encoding="utf-8", errors="surrogateescape") as f:
            src = f.read().splitlines()
        lines = transform(src)
        if isinstance(lines, bytes):  # a binary container
            with open(os.path.join(here, output), "wb") as f:
                f.write(lines)
            print("wrote", output, len(lines), "bytes")
            continue
        with open(os.path.join(here, output), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\n".join(lines) + "\n")
        print("wrote", output, len(lines), "lines")


if __name__ == "__main__":
    main()
