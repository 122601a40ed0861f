// Kernel trace text parsed on two cores. Parsing a line is two thirds of
// analyzing it and needs nothing from the lines before it once the format and
// the first event are known, so the rest of the input is cut into chunks of
// whole lines that either thread parses into events, with its own string
// pool. The calling thread hands every chunk's results to the counting
// parser strictly in input order: the lines one thread could not read alone
// (headers, markers, damaged lines) go through that parser as they would
// without threads, the strings a chunk first named are imported into the
// trace's pool at the event that named them, so ids, counts, line numbers and
// every report are exactly those of one thread. Memory stays flat: a few
// chunks are in flight at once.
#pragma once

#include <sys/types.h>  // ssize_t

#include <cstddef>

namespace ftlens {

class ByteSource;
class FtraceTextParser;
class StringPool;

// Half the plain loop's reads: what the chunks in flight cost in memory
// touched for the first time matters more here than the number of chunks.
inline constexpr size_t kTextChunkBytes = 64 * 1024;

// Feeds the rest of `source` to `counting` (which uses `pool`), parsing on
// `threads` threads (1: the plain feed loop) in reads of `chunk_bytes`. Call it once
// counting.lines_independent(); the partial line the parser holds is taken
// over. Returns what the last read returned: 0 at the end, -1 on a read
// error (source.error() says why); what was read before is used either way.
// A line longer than a chunk makes the rest of the input go through the
// plain loop, where long lines are counted and skipped as always.
ssize_t feed_text_in_chunks(ByteSource& source, FtraceTextParser& counting, StringPool& pool, unsigned threads,
                            size_t chunk_bytes = kTextChunkBytes);

}  // namespace ftlens
