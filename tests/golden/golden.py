#!/usr/bin/env python3
"""Golden tests: ftlens's report, summary and Perfetto output on every trace in
traces/ and tests/malformed/, compared with the files checked in here.

  golden.py [--ftlens BIN] [--case NAME] [--update] [--list]

Each case runs `ftlens analyze FILE --report R --perfetto P [OPTIONS]` from the
folder that holds FILE (so the report names it by its bare name) and compares
  NAME.expected.json  the report, byte for byte (a unified diff on failure)
  NAME.expected.txt   the summary on stdout, then stderr and the exit code
  NAME.expected.perfetto.sha256  the Perfetto JSON's digest and size (too big
                      to check in; a changed digest names the case)
where NAME is the file's name, plus ".sensitive" for the variant run with low
thresholds, so that healthy recordings have findings to compare too.

--update rewrites the expected files from the binary at hand: run it after a
change that is meant to change the output, and say why in the commit.
Exit 0 when every case matches, 1 otherwise.
"""
import argparse
import difflib
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Low enough that healthy recordings yield findings; the same set the
# same-answer tests use.
SENSITIVE = ["--set", "non-preempted.warning=100ms", "--set", "non-preempted.starved=10ms",
             "--set", "long-work.warning=5ms", "--set", "watchdog-gap.warning=1s",
             "--set", "unterminated-work.warning=1ms"]

TRACE_ENDINGS = (".txt", ".dat", ".html", ".dmesg", ".log", ".gz", ".zst", ".json")


def cases():
    """(name, folder, file, options) for every golden case, in a fixed order."""
    found = []
    traces = os.path.join(ROOT, "traces")
    for f in sorted(os.listdir(traces)):
        if f == "README.md" or not f.endswith(TRACE_ENDINGS):
            continue
        found.append((f, traces, f, []))
        if f.startswith(("real_", "dev_")) and not f.endswith(".dmesg"):
            found.append((f + ".sensitive", traces, f, SENSITIVE))
    malformed = os.path.join(ROOT, "tests", "malformed")
    for f in sorted(os.listdir(malformed)):
        if f.endswith((".md", ".py")):
            continue
        found.append(("malformed_" + f, malformed, f, []))
    return found


def run_case(ftlens, folder, trace, options):
    """(report text, summary text, perfetto digest line) of one run."""
    with tempfile.TemporaryDirectory(prefix="ftlens-golden-") as tmp:
        report, perfetto = os.path.join(tmp, "report.json"), os.path.join(tmp, "perfetto.json")
        cmd = [ftlens, "analyze", trace, "--report", report, "--perfetto", perfetto] + options
        p = subprocess.run(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        summary = p.stdout.decode("utf-8", "backslashreplace")
        for line in p.stderr.decode("utf-8", "backslashreplace").splitlines():
            summary += "stderr: " + line + "\n"
        summary += "exit: %d\n" % p.returncode
        text = open(report, encoding="utf-8").read() if os.path.exists(report) else ""
        digest = "none\n"
        if os.path.exists(perfetto):
            data = open(perfetto, "rb").read()
            digest = "%s %d\n" % (hashlib.sha256(data).hexdigest(), len(data))
        return text, summary, digest


def expected_paths(name):
    base = os.path.join(HERE, name + ".expected")
    return base + ".json", base + ".txt", base + ".perfetto.sha256"


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ftlens", default=os.path.join(ROOT, "build", "cli", "ftlens"))
    ap.add_argument("--case", action="append", help="only this case (repeatable)")
    ap.add_argument("--update", action="store_true", help="rewrite the expected files")
    ap.add_argument("--list", action="store_true", help="print the case names")
    args = ap.parse_args()

    selected = [c for c in cases() if not args.case or c[0] in args.case]
    if args.list:
        print("\n".join(c[0] for c in selected))
        return 0
    if args.case and len(selected) != len(args.case):
        print("golden: no such case among %s" % args.case, file=sys.stderr)
        return 1
    ftlens = os.path.abspath(args.ftlens)
    failed = 0
    for name, folder, trace, options in selected:
        got = run_case(ftlens, folder, trace, options)
        paths = expected_paths(name)
        if args.update:
            for path, text in zip(paths, got):
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
            continue
        for path, text in zip(paths, got):
            want = read(path)
            if want == text:
                continue
            failed += 1
            rel = os.path.relpath(path, ROOT)
            if want is None:
                print("golden %s: %s is missing; run tests/golden/golden.py --update" % (name, rel))
                continue
            print("golden %s: output differs from %s:" % (name, rel))
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                                       rel, "ftlens output", n=2))
    if args.update:
        print("golden: wrote the expected files of %d cases" % len(selected))
        return 0
    print("golden: %d cases, %d mismatches" % (len(selected), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
