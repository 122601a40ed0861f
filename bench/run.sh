#!/usr/bin/env bash
# Throughput and memory of `ftlens analyze` on a large real text recording,
# beside `wc -l` (the read floor) and `trace-cmd report` of the same recording.
#
#   bash bench/run.sh [TRACE.txt [TRACE.dat]]
#
# Without arguments it records 30 s under load with ../shared/tools/record_real.sh
# into bench/data/ (root and tracefs needed); it never commits what it records.
# Prints each time, the ratios, and peak RSS. Targets (issue 9, for later):
# ftlens >= 0.25 x the throughput of wc -l; peak RSS flat in the trace size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ftlens=$root/build/cli/ftlens
[ -x "$ftlens" ] || bash "$root/.ci/setup"

need=()
for p in hyperfine trace-cmd time; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

txt=${1:-}
dat=${2:-}
if [ -z "$txt" ]; then
  mkdir -p "$here/data"
  txt=$here/data/load30.txt
  dat=$here/data/load30.dat
  if [ ! -s "$txt" ]; then
    echo "recording 30 s under load into $here/data (record_real.sh)" >&2
    BUF_KB=262144 bash "$root/../shared/tools/record_real.sh" "$here/data" load30 30 load >/dev/null
  fi
fi

bytes=$(stat -c %s "$txt")
lines=$(wc -l < "$txt")
cat "$txt" > /dev/null  # cached: every command reads from the page cache
echo "input: $txt, $((bytes / 1000000)) MB, $lines lines"

json=$(mktemp)
hyperfine --style none --warmup 2 --runs 10 --export-json "$json" \
  -n "wc -l" "wc -l $txt" \
  -n "ftlens analyze" "$ftlens analyze $txt --report /dev/null" \
  -n "ftlens analyze --perfetto" "$ftlens analyze $txt --report /dev/null --perfetto /tmp/ftlens_bench_perfetto.json" \
  -n "ftlens export --flows" "$ftlens export $txt -o /tmp/ftlens_bench_export.json --flows" \
  ${dat:+-n "ftlens analyze .dat" "$ftlens analyze $dat --report /dev/null"} \
  ${dat:+-n "trace-cmd report" "trace-cmd report $dat"} >/dev/null 2>&1 || true

rss=$( { /usr/bin/time -f %M "$ftlens" analyze "$txt" --report /dev/null >/dev/null; } 2>&1 | tail -1)
if [ -n "$dat" ]; then
  rss_dat=$( { /usr/bin/time -f %M "$ftlens" analyze "$dat" --report /dev/null >/dev/null; } 2>&1 | tail -1)
  echo "ftlens analyze .dat peak RSS:     $((rss_dat / 1024)) MiB"
fi
perfetto_bytes=$(stat -c %s /tmp/ftlens_bench_perfetto.json)
export_bytes=$(stat -c %s /tmp/ftlens_bench_export.json)
rss_export=$( { /usr/bin/time -f %M "$ftlens" export "$txt" -o /tmp/ftlens_bench_export.json --flows >/dev/null; } 2>&1 | tail -1)
python3 - "$json" "$bytes" "$lines" "$rss" "$perfetto_bytes" "$export_bytes" "$rss_export" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
size, lines, rss = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
perfetto_bytes, export_bytes, rss_export = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
for name, t in runs.items():
    print("%-28s %8.1f ms  %8.1f MB/s  %6.2f M lines/s" % (name, t * 1e3, size / t / 1e6, lines / t / 1e6))
a, wc = runs["ftlens analyze"], runs["wc -l"]
print("ftlens / wc -l throughput ratio:  %.3f  (target >= 0.25)" % (wc / a))
if "trace-cmd report" in runs:
    print("ftlens text / trace-cmd report:   %.3f  (time ratio, lower is better)" % (a / runs["trace-cmd report"]))
    print("ftlens .dat / trace-cmd report:   %.3f  (time ratio; target <= 0.2)" % (runs["ftlens analyze .dat"] / runs["trace-cmd report"]))
print("ftlens analyze peak RSS:          %.1f MiB" % (rss / 1024))
print("--perfetto JSON: %.1f MB (%.2f x input), export --flows: %.1f MB (%.2f x input)" %
      (perfetto_bytes / 1e6, perfetto_bytes / size, export_bytes / 1e6, export_bytes / size))
print("export --flows writes %.0f MB/s of JSON (target >= 300); peak RSS %.1f MiB" %
      (export_bytes / runs["ftlens export --flows"] / 1e6, rss_export / 1024))
PY
rm -f "$json"

# ftlens scan: the same 8 traces with one worker and with two.
scan_dir=$(mktemp -d)
for i in 1 2 3 4 5 6 7 8; do ln -s "$(readlink -f "$txt")" "$scan_dir/trace$i.txt"; done
scan_json=$(mktemp)
hyperfine --style none --warmup 1 --runs 5 --export-json "$scan_json" \
  -n "scan -j 1" "$ftlens scan $scan_dir -j 1" -n "scan -j 2" "$ftlens scan $scan_dir -j 2" >/dev/null 2>&1 || true
python3 - "$scan_json" "$(nproc)" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
print("scan of 8 traces: -j1 %.2f s, -j2 %.2f s: %.2fx (target >= 1.8 on 2 cores; this machine has %s)" %
      (runs["scan -j 1"], runs["scan -j 2"], runs["scan -j 1"] / runs["scan -j 2"], sys.argv[2]))
PY
rm -rf "$scan_dir" "$scan_json"

# Micro-benchmarks of the line tokenizer and the sched_switch payload grammars.
dpkg -s libbenchmark-dev >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libbenchmark-dev >/dev/null
cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DFTLENS_BUILD_BENCH=ON -DFTLENS_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-bench" -j"$(nproc)" --target parser_bench >/dev/null
"$root/build-bench/bench/parser_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null | grep median
