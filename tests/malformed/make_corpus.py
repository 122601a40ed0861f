#!/usr/bin/env python3
"""Writes the malformed-input corpus: what traces from crashed devices,
flaky consoles and hostile processes look like. Every case starts from a
real recording (traces/real_light30.txt: its 12 header lines and a window of
400 event lines) and breaks one thing, named in the file name. The exact
outcome each case must have is asserted in tests/e2e/malformed_test.cc;
README.md here lists them. Cases too big to commit (a 4 MB line, trace.dat
files cut at many offsets) are made by that test at run time.

Usage: make_corpus.py [OUT_DIR]   (default: this folder). Deterministic.
"""
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRACES = os.path.join(HERE, '..', '..', 'traces')
WINDOW = 400
LINE = re.compile(rb'^(?P<task>\s*.+?-\d+)\s+\[(?P<cpu>\d+)\]\s+(?P<flags>\S+)\s+(?P<ts>\d+\.\d+): ')


def source():
    with open(os.path.join(TRACES, 'real_light30.txt'), 'rb') as f:
        lines = f.read().splitlines(keepends=True)
    header = lines[:12]
    return header, lines[12:12 + WINDOW]


def cpu_of(line):
    m = LINE.match(line)
    return int(m.group('cpu')) if m else None


def set_ts(line, ts):
    m = LINE.match(line)
    return line[:m.start('ts')] + ts + line[m.end('ts'):]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    os.makedirs(out, exist_ok=True)
    header, body = source()

    def write(name, data):
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)

    write('reference_window_light30.txt', b''.join(header + body))
    write('empty.txt', b'')
    write('only_headers.txt', b''.join(header))
    rng = random.Random(1)
    write('binary_garbage.txt', bytes(rng.getrandbits(8) for _ in range(4096)))

    # NUL inside a comm (kept: comms are arbitrary bytes), inside a payload
    # (the typed fields cannot be read: header kept) and inside a timestamp
    # (the line is skipped).
    nul = list(body)
    nul[10] = nul[10].replace(b'record_real.sh-2322', b'record\x00real-2322', 1)
    i = next(i for i in range(20, WINDOW) if b'sched_switch:' in nul[i])
    nul[i] = nul[i].replace(b'prev_pid=', b'prev_pid=\x00', 1)
    m = LINE.match(nul[30])
    nul[30] = nul[30][:m.start('ts') + 2] + b'\x00' + nul[30][m.start('ts') + 3:]
    write('nul_bytes_in_lines.txt', b''.join(header + nul))

    write('crlf_line_endings.txt', b''.join(l.rstrip(b'\n') + b'\r\n' for l in header + body))

    # The capture stops inside the last line's timestamp (a full disk, a
    # copy interrupted): no final newline, and that line does not parse.
    write('cut_inside_last_line.txt', b''.join(header + body[:-1]) + body[-1][:LINE.match(body[-1]).start('ts') + 5])

    # One CPU1 event 1 ms older than the CPU1 event before it.
    back = list(body)
    cpu1 = [i for i, l in enumerate(back) if cpu_of(l) == 1]
    prev, cur = cpu1[40], cpu1[41]
    ts = LINE.match(back[prev]).group('ts')
    secs, frac = ts.split(b'.')
    ns = int(secs) * 10**9 + int(frac) * 1000 - 1_000_000
    back[cur] = set_ts(back[cur], b'%d.%06d' % (ns // 10**9, ns % 10**9 // 1000))
    write('timestamps_backwards_cpu1.txt', b''.join(header + back))

    # Five events repeated right after themselves (a console that resent lines).
    dup = []
    for i, l in enumerate(body):
        dup.append(l)
        if i in (50, 100, 150, 200, 250):
            dup.append(l)
    write('duplicate_events_x5.txt', b''.join(header + dup))

    # A kworker on CPU1 starts a work item it never ends, and the ring buffer
    # reports lost events on CPU1 in the middle of it.
    stuck = list(body)
    start = cpu1[20]
    m = LINE.match(stuck[start])
    stuck.insert(start + 1, b'     kworker/1:9-999     [001] ..... ' + m.group('ts') +
                 b': workqueue_execute_start: work struct 00000000deadbeef: function stuck_work_fn\n')
    lost_at = cpu1[len(cpu1) // 2] + 1
    stuck.insert(lost_at, b'CPU:1 [LOST 120 EVENTS]\n')
    write('lost_events_in_stuck_span_cpu1.txt', b''.join(header + stuck))
    # The same, but the kernel did not know how many were lost (its count
    # was -1): "CPU:1 [LOST EVENTS]".
    stuck[lost_at] = b'CPU:1 [LOST EVENTS]\n'
    write('lost_events_unknown_count_in_stuck_span_cpu1.txt', b''.join(header + stuck))

    # "#P:2" in the header, one event on CPU 7.
    beyond = list(body)
    beyond[cpu1[5]] = beyond[cpu1[5]].replace(b'[001]', b'[007]', 1)
    write('cpu_beyond_declared_p2.txt', b''.join(header + beyond))

    # Comms are whatever a process chose: quotes, backslashes, control bytes,
    # invalid UTF-8, in event headers, in sched_switch fields and in the worker
    # of a work item that never ends (so that they reach a finding).
    hostile = list(body)
    evil = [b'q"uo"te', b'back\\slash', b'ctl\x01\x1b[31m', b'bad\xff\xfeutf8']
    for n, i in enumerate(range(60, WINDOW, 60)):
        name = evil[n % len(evil)]
        hostile[i] = re.sub(rb'^(\s*).+?-(\d+)(\s+\[)', lambda mm: mm.group(1) + name + b'-' + mm.group(2) + mm.group(3),
                            hostile[i], count=1)
        hostile[i] = re.sub(rb'(prev_comm|next_comm|comm)=\S+', lambda mm: mm.group(1) + b'=' + name, hostile[i], count=1)
    m = LINE.match(hostile[start])
    hostile.insert(start + 1, b'  kw"\\\x1b\xff-998     [001] ..... ' + m.group('ts') +
                   b': workqueue_execute_start: work struct 00000000feedf00d: function evil_"fn\n')
    write('hostile_comms.txt', b''.join(header + hostile))

    # A trace.dat whose zstd-compressed CPU1 data has one byte flipped: the
    # block still decompresses (zstd frames here carry no checksum), into
    # records with event ids the file does not define.
    with open(os.path.join(TRACES, 'real_small_v7.dat'), 'rb') as f:
        dat = bytearray(f.read())
    dat[len(dat) - 400] ^= 0xff
    write('corrupt_zstd_block_cpu1_v7.dat', bytes(dat))

    # A trace.dat whose top buffer lists data for CPU 0 only while the file
    # counts 2 CPUs: the BUFFER option's CPU count (after the empty instance
    # name, the clock and the page size) set from 2 to 1. trace-cmd 3.2 and
    # later write such files (the count is of "CPUs with trace data");
    # libtracecmd 3.1.6 then reads past its CPU table when asked for CPU 1.
    with open(os.path.join(TRACES, 'real_small_v7.dat'), 'rb') as f:
        dat = bytearray(f.read())
    top_buffer = b'\0local\0' + (4096).to_bytes(4, 'little') + (2).to_bytes(4, 'little')
    assert dat.count(top_buffer) == 1, 'the top BUFFER option is not where it was'
    at = dat.find(top_buffer) + len(top_buffer) - 4
    dat[at:at + 4] = (1).to_bytes(4, 'little')
    write('buffer_lists_one_of_two_cpus_v7.dat', bytes(dat))

    # A trace.dat v6 whose CPU count (the 4 bytes before its "options  "
    # section) reads 0x7fffffff: libtracecmd 3.1.6 then walks that many CPUs
    # for every record in tracecmd_iterate_events while its memory grows by
    # gigabytes (trace-cmd report returns at once).
    with open(os.path.join(TRACES, 'real_small_v6.dat'), 'rb') as f:
        dat = bytearray(f.read())
    assert dat.count(b'options  \0') == 1, 'the v6 options section is not where it was'
    at = dat.find(b'options  \0') - 4
    assert int.from_bytes(dat[at:at + 4], 'little') == 2, 'the v6 CPU count is not where it was'
    dat[at:at + 4] = (0x7fffffff).to_bytes(4, 'little')
    write('cpu_count_0x7fffffff_spins_libtracecmd_v6.dat', bytes(dat))

    # The file header's page size (after the version string, the endianness
    # and the size of a long) set from 4 KiB to 1 MiB: libtracecmd reads each
    # CPU's data as one short page of that size and 25 of the 285 events are
    # lost without a word (uncompressed v7); the compressed v7 reader reads
    # pages of its buffer option's own page size, which disagrees.
    for recording, name in (('real_small_v7_raw.dat', 'page_size_1mib_v7_raw.dat'),
                            ('real_small_v7.dat', 'page_size_1mib_v7.dat')):
        with open(os.path.join(TRACES, recording), 'rb') as f:
            dat = bytearray(f.read())
        at = dat.index(b'\0', 10) + 3
        assert int.from_bytes(dat[at:at + 4], 'little') == 4096, 'the page size is not where it was'
        dat[at:at + 4] = (1 << 20).to_bytes(4, 'little')
        write(name, bytes(dat))


if __name__ == '__main__':
    main()
