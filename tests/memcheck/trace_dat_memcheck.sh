#!/usr/bin/env bash
# Reads every committed trace.dat (real ones, the malformed corpus, the inputs
# of earlier fuzz crashes) with ftlens under valgrind's memcheck.
#
# Why valgrind and not only ASan: trace.dat is decoded inside Debian's
# libtracecmd and libtraceevent, which ASan does not instrument, so a read past
# a buffer there goes unseen unless it happens to fault. Memcheck sees every
# access. (libtracecmd 3.1.6 read past its CPU table for a buffer that lists
# fewer CPUs than the file counts: malformed/buffer_lists_one_of_two_cpus_v7.dat.)
#
# Reads and writes outside any buffer fail the test; so does a crash or an
# exit other than 0 (read) or 2 (refused). Uses of uninitialised bytes are not
# checked: a damaged compressed block decompresses into a buffer libtracecmd
# leaves partly unwritten, and ftlens reads those records as garbage (it
# reports them as records with unknown event ids), never past the buffer.
#
# Inputs listed in library_overreads.txt go out of bounds inside the
# libraries whatever ftlens does; they are skipped, by name.
#
# Usage: trace_dat_memcheck.sh FTLENS SUPPRESSIONS SKIP_LIST FILE...   Exit 77
# (CTest "skipped") when valgrind is not installed.
set -uo pipefail
ftlens=$1 suppressions=$2 skip_list=$3
shift 3
if ! command -v valgrind >/dev/null; then
  echo "valgrind is not installed (apt-get install valgrind): skipped" >&2
  exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0 checked=0
for trace in "$@"; do
  [ -s "$trace" ] || continue  # the empty placeholder that keeps a folder in git
  if reason=$(awk -v name="$(basename "$trace")" '$1 == name { $1 = ""; print; found = 1 } END { exit !found }' "$skip_list"); then
    echo "skip $trace:$reason"
    continue
  fi
  checked=$((checked + 1))
  # In ftlens's own process: the child that reads a trace.dat otherwise
  # (parser/isolated_dat_reader.h) would report what memcheck sees into its
  # own captured stderr, and end with memcheck's exit code as a failed read.
  FTLENS_DAT_ISOLATION=0 valgrind --quiet --error-exitcode=99 --undef-value-errors=no --leak-check=no --suppressions="$suppressions" \
    "$ftlens" analyze "$trace" --report "$scratch/report.json" >"$scratch/out" 2>&1
  status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
    echo "FAIL $trace: exit $status under memcheck" >&2
    grep -v '^ftlens' "$scratch/out" | head -40 >&2
    failed=$((failed + 1))
  else
    echo "ok   $trace (exit $status)"
  fi
done
echo "$checked trace.dat files read under memcheck, $failed with errors"
[ "$checked" -gt 0 ] && [ "$failed" -eq 0 ]
