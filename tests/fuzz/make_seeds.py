#!/usr/bin/env python3
"""Cuts the real recordings in traces/ into small seed inputs, one folder per
fuzz target, so that the fuzzers start from real lines of every shape and not
from nothing. Small pieces (a header and a few dozen lines) keep each run
fast; the fuzzer finds the rest.

Usage: make_seeds.py TRACES_DIR MALFORMED_DIR OUT_DIR
"""
import gzip
import json
import os
import subprocess
import sys
import zlib

LINES_PER_SEED = 40
SEEDS_PER_FILE = 12
# A full recording carries the kernel's symbol table and every event format
# (~300 ms to open): only the small recordings are fuzzed as files, the big
# ones give report-text seeds.
MAX_DAT_SEED = 256 * 1024


def windows(lines, header):
    """A header plus evenly spaced runs of lines."""
    body = [l for l in lines if not l.startswith(b'#')]
    if not body:
        return []
    step = max(1, len(body) // SEEDS_PER_FILE)
    out = []
    for start in range(0, len(body), step):
        out.append(b''.join(header + body[start:start + LINES_PER_SEED]))
        if len(out) == SEEDS_PER_FILE:
            break
    return out


def read_lines(path):
    with open(path, 'rb') as f:
        return f.read().splitlines(keepends=True)


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)


# fuzz_containers.cc: the first byte picks the decoder (its value mod 3) and
# the sizes of the reads (its value / 3).
CONTAINER_SELECTOR = {'atrace': 0, 'html': 1, 'json': 2}


def container_seeds(name, data):
    """Small containers of the kinds in container_source.h, cut from a
    fixture of that kind: a window of its text, put back in the container."""
    if name.startswith('derived_atrace_z'):
        text = zlib.decompress(data.split(b'TRACE:\n', 1)[1])
        lines = text.splitlines(keepends=True)
        return 'atrace', [b'capturing trace... done\nTRACE:\n' + zlib.compress(w) for w in windows(lines, lines[:7])]
    if name.endswith('.json'):
        text = json.loads(data)['systemTraceEvents'].encode('utf-8', 'surrogateescape')
        lines = text.splitlines(keepends=True)
        return 'json', [json.dumps({'traceEvents': [{'ph': 'X', 'name': 'a'}],
                                    'systemTraceEvents': w.decode('utf-8', 'surrogateescape')}).encode()
                        for w in windows(lines, lines[:7])]
    lines = data.splitlines(keepends=True)
    start = next(i for i, l in enumerate(lines) if b'var linuxPerfData' in l and l.rstrip().endswith(b'"\\')) + 1
    end = next(i for i, l in enumerate(lines) if l.rstrip().endswith(b'";'))
    body = windows(lines[start:end], lines[start:start + 7])
    return 'html', [b''.join(lines[:start]) + w + b'";\n' + b''.join(lines[end + 1:]) for w in body]


def main():
    traces, malformed, out = sys.argv[1:4]
    kernel, report, dmesg, html, any_file, dat, kernel_log, containers = (
        os.path.join(out, t) for t in
        ('kernel_text', 'report_text', 'dmesg_dump', 'systrace_html', 'any_file', 'trace_dat', 'kernel_log',
         'containers'))
    for name in sorted(os.listdir(traces)):
        path = os.path.join(traces, name)
        stem = os.path.splitext(name)[0]
        if name.startswith('derived_atrace_z') or name.startswith('derived_systrace_legacy') or name.endswith('.json'):
            kind, seeds = container_seeds(name, open(path, 'rb').read())
            for i, seed in enumerate(seeds):
                write(containers, f'{stem}_{i:02}', bytes([CONTAINER_SELECTOR[kind] + 3 * (i * 7 % 80)]) + seed)
            write(any_file, name, seeds[0])
            write(any_file, name + '.gz', gzip.compress(seeds[1], mtime=0))
        elif name.endswith('.dat'):
            data = open(path, 'rb').read()
            if len(data) <= MAX_DAT_SEED:
                write(dat, name, data)
                write(any_file, name, data)
            text = subprocess.run(['trace-cmd', 'report', path], capture_output=True).stdout
            latency = subprocess.run(['trace-cmd', 'report', '-l', path], capture_output=True).stdout
            for i, seed in enumerate(windows(text.splitlines(keepends=True), [])):
                write(report, f'{stem}_{i:02}', seed)
            for i, seed in enumerate(windows(latency.splitlines(keepends=True), [])[:4]):
                write(report, f'{stem}_latency_{i:02}', seed)
        elif name.endswith('.html'):
            lines = read_lines(path)
            start = next(i for i, l in enumerate(lines) if l.startswith(b'# tracer'))
            for i, seed in enumerate(windows(lines[start:], [])):
                write(html, f'{stem}_{i:02}', seed)
            write(any_file, name, b''.join(lines[:5] + lines[start - 1:start + LINES_PER_SEED]) + b'</script>\n</html>\n')
        elif name.startswith('kernel_log_') or (name.endswith('.dmesg') and os.path.getsize(path) > 0):
            # Kernel logs alone: whole (they are small) and in windows.
            data = open(path, 'rb').read()
            write(kernel_log, name, data)
            write(any_file, name, data)
            for i, seed in enumerate(windows(read_lines(path), [])):
                write(kernel_log, f'{stem}_{i:02}', seed)
        elif name.startswith('derived_dmesg'):
            lines = read_lines(path)
            inside = [l for l in lines if b'Dumping ftrace' not in l]
            for i, seed in enumerate(windows(inside, [])):
                write(dmesg, f'{stem}_{i:02}', seed)
            write(any_file, name, b''.join(lines[:LINES_PER_SEED * 2]))
        elif name.endswith('.txt'):
            lines = read_lines(path)
            header = [l for l in lines[:20] if l.startswith(b'#')]
            seeds = windows(lines, header)
            for i, seed in enumerate(seeds):
                write(kernel, f'{stem}_{i:02}', seed)
            write(any_file, stem + '.txt', seeds[0])
            write(any_file, stem + '.txt.gz', gzip.compress(seeds[1], mtime=0))
            zst = subprocess.run(['zstd', '-q', '-c'], input=seeds[2], capture_output=True).stdout
            if zst:
                write(any_file, stem + '.txt.zst', zst)
    # trace-cmd report prints function_graph records as funcgraph_entry /
    # funcgraph_exit events; no recording here has them, so the shape is
    # written out (columns as trace-cmd's function_graph plugin prints them).
    write(report, 'funcgraph_report',
          b'cpus=2\n'
          b'            bash-1977  [000]  1573.162047: funcgraph_entry:                   |  do_sys_open() {\n'
          b'            bash-1977  [000]  1573.162048: funcgraph_entry:        0.234 us   |    getname();\n'
          b'            bash-1977  [000]  1573.162050: funcgraph_exit:       + 12.400 us  |  }\n'
          b'            bash-1977  [000]  1573.162051: <stack trace>\n'
          b' => do_sys_open (ffffffff8108a5b4)\n')
    # What users paste and concatenate: seed 000's lines as the post published
    # them with their no-break spaces made the other Unicode blanks and tabs,
    # and a window of a recording twice in a row (timestamps restart).
    pasted = read_lines(os.path.join(traces, 'pasted_seed000_post_excerpt.txt'))
    for blank, tag in ((b'\xe2\x80\x87', 'figure'), (b'\xe2\x80\xaf', 'narrow'), (b'\xe3\x80\x80', 'ideographic'),
                       (b'\t', 'tab')):
        write(kernel, f'pasted_seed000_{tag}_spaces', b''.join(l.replace(b'\xc2\xa0', blank) for l in pasted))
    light = windows(read_lines(os.path.join(traces, 'real_light30.txt')), [])
    write(kernel, 'concatenated_light30_twice', light[0] + light[0])
    write(kernel, 'concatenated_light30_cut_between', light[0] + b'[...]\n' + light[1])
    for name in sorted(os.listdir(malformed)) if os.path.isdir(malformed) else []:
        path = os.path.join(malformed, name)
        data = open(path, 'rb').read()
        if len(data) > 64 * 1024:
            continue
        for folder in (kernel, report, dmesg, html, any_file, kernel_log):
            write(folder, 'malformed_' + name, data)
        for selector in CONTAINER_SELECTOR.values():
            write(containers, f'malformed_{selector}_' + name, bytes([selector]) + data)
        if name.endswith('.dat'):
            write(dat, 'malformed_' + name, data)


if __name__ == '__main__':
    main()
