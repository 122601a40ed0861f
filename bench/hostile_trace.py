#!/usr/bin/env python3
"""Writes a kernel-text trace shaped to grow one per-item structure without
bound, for the memory-bounded-by-configuration check (docs/hostile-input.md):

  python3 bench/hostile_trace.py SHAPE COUNT OUT.txt
  python3 bench/hostile_trace.py --measure SHAPE COUNT [FTLENS]

Shapes:
  open-work     COUNT work items, each started by a distinct worker, never ended
  woken-never-run  COUNT distinct tasks woken and never switched in
  d-state       COUNT distinct tasks switched out in D state and never back
  comms         COUNT distinct task names, each running once
  ipi           COUNT IPIs sent to CPU 1, never run there
  contention    COUNT distinct tasks entering lock contention, never leaving it

--measure writes the trace to a temporary file, runs
`ftlens analyze FILE --report R.json` under /usr/bin/time and prints the
peak RSS and the report size beside the goals (64 MiB, 5 MB) as ratios.
"""
import os
import subprocess
import sys
import tempfile

GOAL_RSS_KIB = 64 * 1024
GOAL_REPORT_BYTES = 5 * 1000 * 1000
SHAPES = ("open-work", "woken-never-run", "d-state", "comms", "ipi", "contention")


def line(comm, pid, cpu, ns, text):
    sec, frac = divmod(ns, 1_000_000_000)
    return f"{comm:>16}-{pid:<7} [{cpu:03d}] ..... {sec:6d}.{frac // 1000:06d}: {text}\n"


def write(shape, count, out):
    """Two CPUs, a microsecond apart per item; pids from 1000 up."""
    ns = 1_000_000_000
    step = 1000
    out.write("# tracer: nop\n#\n")
    for i in range(count):
        pid = 1000 + i
        cpu = i & 1
        if shape == "open-work":
            out.write(line(f"kworker/{cpu}:{i}", pid, cpu, ns,
                           f"workqueue_execute_start: work struct {0x10000000 + i:016x}: function hostile_work_fn"))
        elif shape == "woken-never-run":
            out.write(line("waker", 10, cpu, ns,
                           f"sched_wakeup: comm=sleeper{i} pid={pid} prio=120 target_cpu={cpu:03d}"))
        elif shape == "d-state":
            out.write(line(f"dtask{i}", pid, cpu, ns,
                           f"sched_switch: prev_comm=dtask{i} prev_pid={pid} prev_prio=120 prev_state=D"
                           f" ==> next_comm=swapper/{cpu} next_pid=0 next_prio=120"))
        elif shape == "comms":
            out.write(line(f"comm{i}", pid, cpu, ns,
                           f"sched_switch: prev_comm=comm{i} prev_pid={pid} prev_prio=120 prev_state=S"
                           f" ==> next_comm=swapper/{cpu} next_pid=0 next_prio=120"))
        elif shape == "ipi":
            out.write(line("sender", 10, 0, ns, "ipi_send_cpu: cpu=1 callsite=hostile_send+0x0/0x10 callback=0x0"))
            # CPU 1 runs (its IPIs are judged), never the IPIs.
            if i % 100 == 0:
                out.write(line("busy", 20, 1, ns, "sched_waking: comm=x pid=5 prio=120 target_cpu=001"))
        elif shape == "contention":
            out.write(line("waiter", pid, cpu, ns, f"contention_begin: {0x20000000 + i:016x} (flags=SPIN|MUTEX)"))
        ns += step
    # A last event far later, so that every open item is old at the end.
    out.write(line("swapper/0", 0, 0, ns + 60_000_000_000, "sched_wakeup: comm=last pid=1 prio=120 target_cpu=000"))


def measure(shape, count, ftlens):
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "t.txt")
        report = os.path.join(tmp, "r.json")
        with open(trace, "w") as out:
            write(shape, count, out)
        timed = subprocess.run(["/usr/bin/time", "-f", "%M %e", ftlens, "analyze", trace, "--report", report],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        rss_kib, secs = timed.stderr.strip().splitlines()[-1].split()
        rss_kib = int(rss_kib)
        size = os.path.getsize(report) if os.path.exists(report) else 0
        print(f"{shape} x{count}: trace {os.path.getsize(trace) / 1e6:.1f} MB, {float(secs):.1f} s, exit {timed.returncode}")
        print(f"  peak RSS {rss_kib / 1024:.1f} MiB  ({rss_kib / GOAL_RSS_KIB:.2f}x the 64 MiB goal)")
        print(f"  report   {size / 1e6:.2f} MB   ({size / GOAL_REPORT_BYTES:.2f}x the 5 MB goal)")
        return rss_kib <= GOAL_RSS_KIB and size <= GOAL_REPORT_BYTES


def main(argv):
    if len(argv) >= 3 and argv[0] == "--measure":
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        ftlens = argv[3] if len(argv) > 3 else os.path.join(root, "build", "cli", "ftlens")
        return 0 if measure(argv[1], int(argv[2]), ftlens) else 1
    if len(argv) != 3 or argv[0] not in SHAPES:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[2], "w") as out:
        write(argv[0], int(argv[1]), out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
