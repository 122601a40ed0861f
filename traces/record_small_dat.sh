#!/usr/bin/env bash
# Records the small real trace.dat files the fuzzers start from and the
# malformed-input tests cut and corrupt (needs root and tracefs):
#   real_small_v7.dat       zstd-compressed v7 (trace-cmd extract's default)
#   real_small_v7_raw.dat   the same, converted to v7 without compression
#   real_small_v6.dat       the same, converted to v6
# A normal trace.dat carries the kernel's whole symbol table (5 MB here) and
# the format of every event (100+ systems), which makes opening one cost
# ~300 ms: too slow for a fuzzer. This one is recorded like any other, but
# trace-cmd extract runs in a private mount namespace that sees an empty
# /proc/kallsyms and only the formats of the events ftlens reads, so the file
# is ~20 KB and opens in a few ms. Everything else in it is as recorded.
# Usage: traces/record_small_dat.sh [OUTDIR] [SECONDS]
set -euo pipefail
out=$(realpath "${1:-$(dirname "$0")}")
secs=${2:-0.1}
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
[ -w $T/tracing_on ] || { echo "record_small_dat.sh: $T is not writable (need root)" >&2; exit 1; }

work=$(mktemp -d)
old_on=$(cat $T/tracing_on) old_kb=$(cat $T/buffer_size_kb) old_events=$(cat $T/set_event)
restore() {
  echo 0 > $T/tracing_on
  echo > $T/set_event
  for e in $old_events; do echo "$e" >> $T/set_event 2>/dev/null || true; done
  echo "$old_kb" > $T/buffer_size_kb
  echo "$old_on" > $T/tracing_on
  rm -rf "$work"
}
trap restore EXIT

mkdir "$work/events"
cp $T/events/header_page $T/events/header_event "$work/events/"
for system in sched workqueue irq ipi ftrace; do
  [ -d $T/events/$system ] || continue
  for dir in $T/events/$system/*/; do
    name=$(basename "$dir")
    [ -r "$dir/format" ] || continue
    mkdir -p "$work/events/$system/$name"
    cat "$dir/format" > "$work/events/$system/$name/format"
  done
done
: > "$work/kallsyms"

echo 0 > $T/tracing_on
echo > $T/trace
echo 64 > $T/buffer_size_kb
echo > $T/set_event
for e in sched:sched_switch sched:sched_wakeup sched:sched_waking sched:sched_migrate_task \
         workqueue:workqueue_queue_work workqueue:workqueue_activate_work \
         workqueue:workqueue_execute_start workqueue:workqueue_execute_end \
         irq:irq_handler_entry irq:irq_handler_exit irq:softirq_entry irq:softirq_exit \
         ipi:ipi_send_cpu ipi:ipi_send_cpumask ipi:ipi_entry ipi:ipi_exit; do
  echo "$e" >> $T/set_event 2>/dev/null || true
done
echo 1 > $T/tracing_on
# Some work on both CPUs so that every kind of event appears.
for cpu in 0 1; do taskset -c $cpu sh -c 'i=0; while [ $i -lt 300 ]; do i=$((i+1)); done' & done
sleep "$secs"
wait
echo 0 > $T/tracing_on

unshare -m sh -c "mount --bind '$work/kallsyms' /proc/kallsyms && mount --bind '$work/events' $T/events &&
                  cd '$work' && trace-cmd extract -o small.dat >/dev/null 2>&1"
cp "$work/small.dat" "$out/real_small_v7.dat"
trace-cmd convert --compression none -i "$out/real_small_v7.dat" -o "$out/real_small_v7_raw.dat" >/dev/null 2>&1
trace-cmd convert --file-version 6 -i "$out/real_small_v7.dat" -o "$out/real_small_v6.dat" >/dev/null 2>&1
ls -l "$out"/real_small_*.dat
