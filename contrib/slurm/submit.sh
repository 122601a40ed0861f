#!/usr/bin/env bash
# Submits a nightly ftlens scan of an archive to Slurm: an array job of N
# shards and a merge job that starts when all of them succeeded. Prints the
# two job ids. The knobs a lab sets:
#   -a ARCHIVE     directories/files to scan (quote several: -a "/srv/a /srv/b")
#   -o OUT         shared folder for the parts and scan.json/.xml/.html
#   -n SHARDS      array size (default 8)
#   -c CPUS        cpus per shard task (default 2; ftlens scan -j)
#   -p PARTITION   Slurm partition (default: the cluster's default)
#   -t TIME        time limit per shard task (default 01:00:00)
#   -b BASELINE    last night's scan.json, to report new/fixed findings
#   -f FTLENS      the ftlens binary, on a path every node sees (default: ftlens on PATH)
#   -x "ARGS"      more ftlens scan options, e.g. "--set non-preempted.error=5s --fail-on error"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=8 cpus=2 partition="" time=01:00:00 baseline="" ftlens=ftlens extra="" archive="" out=""
while getopts "a:o:n:c:p:t:b:f:x:" opt; do
  case $opt in
    a) archive=$OPTARG ;; o) out=$OPTARG ;; n) shards=$OPTARG ;; c) cpus=$OPTARG ;; p) partition=$OPTARG ;;
    t) time=$OPTARG ;; b) baseline=$OPTARG ;; f) ftlens=$OPTARG ;; x) extra=$OPTARG ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
  esac
done
[ -n "$archive" ] && [ -n "$out" ] || { sed -n '2,15p' "$0" >&2; exit 2; }
mkdir -p "$out"
common=(--parsable --chdir="$out" --export="ALL,FTLENS=$ftlens,ARCHIVE=$archive,OUT=$out,SHARDS=$shards,BASELINE=$baseline,FTLENS_SCAN_ARGS=$extra")
[ -n "$partition" ] && common+=(--partition="$partition")
scan=$(sbatch "${common[@]}" --array="1-$shards" --cpus-per-task="$cpus" --time="$time" "$here/ftlens-scan.sbatch")
scan=${scan%%;*}
merge=$(sbatch "${common[@]}" --dependency="afterok:$scan" --kill-on-invalid-dep=yes --time="$time" "$here/ftlens-merge.sbatch")
echo "$scan ${merge%%;*}"
