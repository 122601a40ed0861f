#!/usr/bin/env bash
# Integration test: a real single-node Slurm cluster (munged + slurmctld +
# slurmd from Debian, loopback only, everything in a temporary folder, torn
# down at the end) runs contrib/slurm/submit.sh over a folder of traces; the
# merged report must equal a local `ftlens scan` of the same folder byte for
# byte. Exit 77 (CTest: skipped) with the reason when Slurm cannot be started
# here. Usage: cluster_scan_test.sh FTLENS_BINARY SHARDS ROOT...
set -euo pipefail
ftlens=$(realpath "$1") shards=$2
shift 2
roots=()
for r in "$@"; do roots+=("$(realpath "$r")"); done
here=$(cd "$(dirname "$0")" && pwd)
contrib=$here/../../contrib/slurm

skip() { echo "SKIPPED: $*"; exit 77; }
for tool in munged slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (apt-get install munge slurmctld slurmd slurm-client)"
done
[ "$(id -u)" -eq 0 ] || skip "needs root: slurmd starts jobs as their owner"

work=$(mktemp -d /tmp/ftlens-slurm.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*"
  for log in "$work"/*.log "$work"/out/*.out; do [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }; done
  exit 1
}

# Free ports on loopback for the controller and the node daemon.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ctld_port=$(port) slurmd_port=$(port)
host=$(hostname -s)

mkdir -p "$work/state" "$work/spool" "$work/out" "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$work/munge"
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.sock" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/munge.seed" ||
  skip "munged did not start: $(tail -1 "$work/munged.log" 2>/dev/null)"
pids+=("$(cat "$work/munge/munged.pid")")

cat > "$work/slurm.conf" <<CONF
ClusterName=ftlenstest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ftlens Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF" -i || skip "slurmctld did not start: $(tail -1 "$work/slurmctld.log" 2>/dev/null)"
sleep 1
pids+=("$(cat "$work/slurmctld.pid" 2>/dev/null || echo 0)")
slurmd -f "$SLURM_CONF" -N "$host" || skip "slurmd did not start: $(tail -1 "$work/slurmd.log" 2>/dev/null)"
sleep 1
pids+=("$(cat "$work/slurmd.pid" 2>/dev/null || echo 0)")

# Wait for the node to register.
for _ in $(seq 1 30); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || skip "the node never became idle (state '$state'): $(tail -2 "$work/slurmd.log" 2>/dev/null)"

started=$(date +%s.%N)
read -r scan_job merge_job < <("$contrib/submit.sh" -a "${roots[*]}" -o "$work/out" -n "$shards" -c 1 -p ftlens \
                                -t 00:10:00 -f "$ftlens")
echo "submitted array job $scan_job ($shards shards) and merge job $merge_job"
for _ in $(seq 1 300); do
  [ -z "$(squeue -h -j "$scan_job,$merge_job" 2>/dev/null)" ] && break
  sleep 0.5
done
finished=$(date +%s.%N)
[ -z "$(squeue -h -j "$scan_job,$merge_job" 2>/dev/null)" ] || fail "jobs still queued after 150 s"
state=$(scontrol show job "$merge_job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
[ -f "$work/out/scan.json" ] || fail "the merge job wrote no scan.json ($state)"
echo "cluster scan with $shards shards: $(python3 -c "print(f'{$finished - $started:.2f}')") s from submit to merged report"

"$ftlens" scan "${roots[@]}" -j 1 --report "$work/local.json" >/dev/null
if ! cmp -s "$work/local.json" "$work/out/scan.json"; then
  diff <(python3 -m json.tool "$work/local.json") <(python3 -m json.tool "$work/out/scan.json") | head -20
  fail "the merged cluster report differs from the local scan"
fi
for k in $(seq 1 "$shards"); do [ -f "$work/out/part-$k-of-$shards.json" ] || fail "part $k missing"; done
[ -s "$work/out/scan.xml" ] && [ -s "$work/out/scan.html" ] || fail "JUnit or HTML missing"
echo "PASSED: merged report of $shards Slurm array tasks equals the local scan ($(python3 -c "
import json; s=json.load(open('$work/out/scan.json'))['scan']; print(s['traces'], 'traces')"))"
