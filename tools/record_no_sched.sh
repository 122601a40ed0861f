#!/bin/bash
# Record a real trace that holds no sched events at all, only ext4 and block
# ones, the way a user tracing file-system work records (needs root).
# Usage: record_no_sched.sh OUT.txt [SECONDS]
# One writer process appends and fsyncs a file every 200 ms; it is pinned to
# CPU1 for the first 3 s and to CPU0 after that, so the trace shows the same
# task on two CPUs with no sched_switch between (what the model must not take
# for one task running on both). Only the events of this script and its
# children are kept (set_event_pid with event-fork: the machine is shared, and
# a busy one fills the trace with other tasks' I/O). Recorded in a tracefs
# instance of its own so that the top buffer's settings are left as they were.
set -euo pipefail
out=$1; secs=${2:-30}
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T
I=$T/instances/ftlens_no_sched
mkdir -p $I
trap 'echo 0 > $I/tracing_on; rmdir $I' EXIT
echo 0 > $I/tracing_on
echo 4096 > $I/buffer_size_kb
echo 1 > $I/options/event-fork
echo $$ > $I/set_event_pid
for e in ext4:ext4_sync_file_enter ext4:ext4_sync_file_exit \
         ext4:ext4_writepages ext4:ext4_writepages_result block:block_rq_issue block:block_rq_complete; do
  echo "$e" >> $I/set_event
done
work=$(mktemp -d)
echo 1 > $I/tracing_on
python3 - "$work/data" "$secs" <<'EOF'
import os, sys, time
path, secs = sys.argv[1], float(sys.argv[2])
start = time.monotonic()
with open(path, "ab") as f:
    while (now := time.monotonic() - start) < secs:
        os.sched_setaffinity(0, {1} if now < 3 else {0})
        f.write(b"x" * 4096)
        f.flush()
        os.fsync(f.fileno())
        time.sleep(0.2)
EOF
echo 0 > $I/tracing_on
cp $I/trace "$out"
rm -rf "$work"
wc -l "$out"
