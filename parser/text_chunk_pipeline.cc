#include "parser/text_chunk_pipeline.h"

#include <algorithm>  // max
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <string.h>  // memchr, memcpy, memrchr (GNU)
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "parser/byte_source.h"
#include "parser/event.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

namespace ftlens {

namespace {

// Read ahead of the chunk being handed over: enough that neither thread
// waits for the other. Few, because on this VM every page touched for the
// first time costs 12-15 us (the host backs it): 6 chunks of 128 KiB took
// 1029 page faults on a 33 MB trace and 65.7 ms, 4 of 64 KiB 562 and 49.8 ms
// (3 of 64 KiB: 48.2 ms, but 147.8 ms instead of 144.8 ms on 133 MB).
constexpr size_t kChunksInFlight = 4;

// Longer than a chunk's read or hand-over, far shorter than parsing one.
constexpr std::chrono::microseconds kSpinBeforeSleeping{100};

inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class NoSink final : public EventSink {
 public:
  void on_event(const Event&) override {}
  void on_malformed(const ParseIssue&) override {}
};

// Whole lines of the input and what one thread made of them.
struct Chunk {
  std::vector<char> bytes;
  size_t size = 0;

  std::vector<Event> events;  // payload views point into `bytes`
  struct Deferred {
    uint32_t before_event;  // index of the event that follows it
    uint32_t offset, length;
  };
  std::vector<Deferred> deferred;
  struct BadPayload {
    uint32_t event;
    uint32_t column;
  };
  std::vector<BadPayload> bad_payloads;
  // Event::cpumask points into the parsing thread's parser, which reuses it
  // line after line: each one is kept here and pointed to at hand-over.
  struct Targets {
    uint32_t event;
    CpuMask mask;
  };
  std::vector<Targets> targets;
  // After event `event` the parsing thread's pool held `size` strings: the
  // ones it added were first named there.
  struct Named {
    uint32_t event;
    StrId size;
  };
  std::vector<Named> named;
  unsigned parsed_by = 0;
  bool parsed = false;  // under ChunkQueue::mutex
};

// One per parsing thread: its pool and parser, and (used by the handing-over
// thread only) which id of the trace's pool each of its strings has.
struct ParseContext {
  explicit ParseContext(const FtraceTextParser& counting) { parser.read_lines_like(counting); }
  StringPool pool;
  NoSink no_sink;
  FtraceTextParser parser{pool, no_sink};
  std::vector<StrId> to_trace_pool{kNoStr};
};

void parse_chunk(Chunk& chunk, ParseContext& context) {
  chunk.events.clear();
  chunk.deferred.clear();
  chunk.bad_payloads.clear();
  chunk.targets.clear();
  chunk.named.clear();
  const char* const begin = chunk.bytes.data();
  const char* const end = begin + chunk.size;
  StrId named = static_cast<StrId>(context.pool.size());
  for (const char* p = begin; p < end;) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = nl ? nl : end;
    const std::string_view line(p, static_cast<size_t>(line_end - p));
    const auto index = static_cast<uint32_t>(chunk.events.size());
    Event& event = chunk.events.emplace_back();
    const LoneLine how = context.parser.parse_lone_line(line, &event);
    if (how.kind == LoneLine::kDefer) {
      chunk.events.pop_back();
      chunk.deferred.push_back({index, static_cast<uint32_t>(p - begin), static_cast<uint32_t>(line.size())});
    } else {
      if (how.kind == LoneLine::kBadPayload) chunk.bad_payloads.push_back({index, how.column});
      if (event.cpumask) {
        chunk.targets.push_back({index, *event.cpumask});
        event.cpumask = nullptr;
      }
      if (const auto size = static_cast<StrId>(context.pool.size()); size != named) {
        chunk.named.push_back({index, size});
        named = size;
      }
    }
    p = nl ? nl + 1 : end;
  }
}

StrId to_trace(const std::vector<StrId>& map, StrId id) { return id < map.size() ? map[id] : kNoStr; }

// In input order, on the calling thread: what `chunk` holds goes to the
// counting parser as if it had parsed the lines itself. A deferred line
// after which lines are no longer independent (`# tracer: function_graph`
// in the middle of a trace) ends that: the rest of the chunk is fed to the
// counting parser as text, and false returned.
bool hand_over(Chunk& chunk, ParseContext& context, FtraceTextParser& counting, StringPool& pool) {
  size_t deferred = 0, bad = 0, named = 0, targets = 0;
  auto deferred_lines_before = [&](size_t event) {
    for (; deferred < chunk.deferred.size() && chunk.deferred[deferred].before_event == event; ++deferred) {
      const Chunk::Deferred& d = chunk.deferred[deferred];
      counting.take_deferred_line(std::string_view(chunk.bytes.data() + d.offset, d.length));
      if (!counting.lines_independent()) {
        const size_t rest = std::min<size_t>(chunk.size, size_t{d.offset} + d.length + 1);
        counting.feed(std::string_view(chunk.bytes.data() + rest, chunk.size - rest));
        return false;
      }
    }
    return true;
  };
  std::vector<StrId>& map = context.to_trace_pool;
  for (size_t i = 0; i < chunk.events.size(); ++i) {
    if (!deferred_lines_before(i)) return false;
    if (named < chunk.named.size() && chunk.named[named].event == i) {
      // In the order the parsing thread met them, which is the order the
      // counting parser would have: the trace's ids come out the same.
      for (auto id = static_cast<StrId>(map.size()); id < chunk.named[named].size; ++id)
        map.push_back(pool.intern(context.pool.view(id)));
      ++named;
    }
    Event& e = chunk.events[i];
    e.comm = to_trace(map, e.comm);
    e.name = to_trace(map, e.name);
    e.task.comm = to_trace(map, e.task.comm);
    e.next.comm = to_trace(map, e.next.comm);
    e.function = to_trace(map, e.function);
    e.site = to_trace(map, e.site);
    if (targets < chunk.targets.size() && chunk.targets[targets].event == i) e.cpumask = &chunk.targets[targets++].mask;
    LoneLine how{LoneLine::kEvent, 0};
    if (bad < chunk.bad_payloads.size() && chunk.bad_payloads[bad].event == i)
      how = {LoneLine::kBadPayload, chunk.bad_payloads[bad++].column};
    counting.take_lone_event(e, how);
  }
  return deferred_lines_before(chunk.events.size());
}

ssize_t feed_plainly(ByteSource& source, FtraceTextParser& counting, size_t chunk_bytes) {
  std::vector<char> buf(chunk_bytes);
  ssize_t n;
  while ((n = read_full(source, buf.data(), buf.size())) > 0) counting.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
  return n;
}

// The chunks in flight and the input they come from. A thread that takes a
// chunk reads it itself (under the lock, the reads stay in order) so that the
// text it parses is in its own core's cache: on this VM's EPYC, 174-179 ms
// for 133 MB with every chunk read by the calling thread, 157 ms this way.
class ChunkRing {
 public:
  ChunkRing(ByteSource& source, std::string partial, size_t chunk_bytes)
      : source_(source), partial_(std::move(partial)), chunk_bytes_(chunk_bytes) {}

  // The calling thread's loop: hand the next chunk over as soon as it is
  // parsed, parse one itself while it is not.
  void run_handing_over(ParseContext& context, std::vector<std::unique_ptr<ParseContext>>& contexts,
                        FtraceTextParser& counting, StringPool& pool) {
    std::unique_lock lock(mutex_);
    for (;;) {
      Chunk& head = slot(handed_);
      if (handed_ < read_ && head.parsed) {
        lock.unlock();
        const bool text_only = text_only_;
        if (text_only) counting.feed(std::string_view(head.bytes.data(), head.size));
        const bool independent = text_only || hand_over(head, *contexts[head.parsed_by], counting, pool);
        lock.lock();
        // What is read from now on is the counting parser's alone: the
        // chunks already read go to it as text, no more are read here.
        if (!independent) text_only_ = true;
        ++handed_;
        changed();  // a slot is free
      } else if (Chunk* chunk = read_next(lock)) {
        parse_taken(lock, *chunk, context, 0);
      } else if (handed_ == read_ && !reading_ && reading_done()) {
        return;
      } else if (!(handed_ < read_ && slot(handed_).parsed)) {  // read_next() may have let go of the lock
        wait_for_change(lock);
      }
    }
  }
  // A helper thread's loop: read and parse chunks while there is room.
  void run_parsing(ParseContext& context, unsigned me) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (Chunk* chunk = read_next(lock)) parse_taken(lock, *chunk, context, me);
      else if (reading_done()) return;
      else wait_for_change(lock);  // for a free slot or the other thread's read
    }
  }

  ssize_t status() const { return status_; }

  // Under the lock: what a waiting thread may be waiting for has happened.
  void changed() {
    changes_.store(changes_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    wake_.notify_all();
  }
  // Returns, with the lock held, once changed() was called (or spuriously).
  // It spins a while first: what the other thread is doing (a read, a
  // hand-over) takes 10-60 us, and on this VM a thread put to sleep takes
  // about as long again to run once woken: parsing alone, the helper slept
  // 70 times per 33 MB and lost 4.6-7.9 of 27 ms.
  void wait_for_change(std::unique_lock<std::mutex>& lock) {
    const uint64_t seen = changes_.load(std::memory_order_relaxed);
    lock.unlock();
    const auto until = std::chrono::steady_clock::now() + kSpinBeforeSleeping;
    for (unsigned i = 1; changes_.load(std::memory_order_acquire) == seen; ++i) {
      if (i % 64 == 0 && std::chrono::steady_clock::now() > until) break;
      spin_pause();
    }
    lock.lock();
    if (changes_.load(std::memory_order_relaxed) == seen) wake_.wait(lock);
  }
  bool long_line() const { return long_line_; }
  bool text_only() const { return text_only_; }
  std::string& partial() { return partial_; }

 private:
  Chunk& slot(uint64_t seq) { return chunks_[seq % kChunksInFlight]; }
  bool reading_done() const { return status_ <= 0 || long_line_ || text_only_; }

  // Under the lock: the next chunk of whole lines, or null when there is no
  // free slot, nothing more to read or the other thread is reading. The read
  // itself is done without the lock, so that the other thread can hand over
  // or take a parsed chunk meanwhile (with the read under the lock, 145 of
  // 1030 lockings waited, 2.5-4.2 ms on a 33 MB trace); one read at a time
  // keeps them in input order.
  Chunk* read_next(std::unique_lock<std::mutex>& lock) {
    if (reading_ || reading_done() || read_ - handed_ >= kChunksInFlight) return nullptr;
    Chunk& chunk = slot(read_);
    reading_ = true;
    lock.unlock();
    chunk.bytes.resize(partial_.size() + chunk_bytes_);
    // Once, at about the events a chunk holds: growing by doubling would
    // touch twice the pages.
    if (chunk.events.capacity() == 0) chunk.events.reserve(chunk_bytes_ / 40);
    std::memcpy(chunk.bytes.data(), partial_.data(), partial_.size());
    const ssize_t status = read_full(source_, chunk.bytes.data() + partial_.size(), chunk_bytes_);
    chunk.size = partial_.size() + static_cast<size_t>(std::max<ssize_t>(status, 0));
    partial_.clear();
    bool long_line = false;
    if (status > 0) {
      // The last line may go on in the next read.
      const char* data = chunk.bytes.data();
      if (const void* last_nl = ::memrchr(data, '\n', chunk.size)) {
        const auto whole = static_cast<size_t>(static_cast<const char*>(last_nl) - data) + 1;
        partial_.assign(data + whole, chunk.size - whole);
        chunk.size = whole;
      } else {  // a line longer than a chunk: the plain loop reads the rest
        partial_.assign(data, chunk.size);
        long_line = true;
      }
    }
    // At the end (or a read error) the unterminated last line is a line, as
    // the plain parser's finish() takes it.
    const bool none = long_line || (status <= 0 && chunk.size == 0);
    lock.lock();
    reading_ = false;
    status_ = status;
    long_line_ = long_line;
    changed();
    if (none) return nullptr;
    chunk.parsed = false;
    ++read_;
    return &chunk;
  }

  void parse_taken(std::unique_lock<std::mutex>& lock, Chunk& chunk, ParseContext& context, unsigned me) {
    lock.unlock();
    parse_chunk(chunk, context);
    lock.lock();
    chunk.parsed_by = me;
    chunk.parsed = true;
    changed();
  }

  ByteSource& source_;
  std::string partial_;
  const size_t chunk_bytes_;
  ssize_t status_ = 1;
  bool long_line_ = false;
  bool text_only_ = false;  // lines stopped being independent: the plain loop reads the rest
  bool reading_ = false;  // a thread is reading the next chunk (it alone uses partial_)
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> changes_{0};  // written under mutex_, read without it while spinning
  std::array<Chunk, kChunksInFlight> chunks_;
  uint64_t read_ = 0;    // chunks read (and taken for parsing)
  uint64_t handed_ = 0;  // chunks handed over to the counting parser
};

}  // namespace

ssize_t feed_text_in_chunks(ByteSource& source, FtraceTextParser& counting, StringPool& pool, unsigned threads,
                            size_t chunk_bytes) {
  chunk_bytes = std::max<size_t>(chunk_bytes, 1);
  if (threads < 2) return feed_plainly(source, counting, chunk_bytes);
  std::vector<std::unique_ptr<ParseContext>> contexts;
  for (unsigned i = 0; i < threads; ++i) contexts.push_back(std::make_unique<ParseContext>(counting));
  ChunkRing ring(source, counting.take_partial_line(), chunk_bytes);
  std::vector<std::thread> helpers;
  try {
    for (unsigned i = 1; i < threads; ++i)
      helpers.emplace_back([&ring, &context = *contexts[i], i] { ring.run_parsing(context, i); });
  } catch (const std::system_error&) {
    // No thread to be had: the calling thread alone still reads every chunk.
  }
  ring.run_handing_over(*contexts[0], contexts, counting, pool);
  for (std::thread& t : helpers) t.join();
  if (!ring.long_line() && !(ring.text_only() && ring.status() > 0)) return ring.status();
  counting.feed(ring.partial());
  return feed_plainly(source, counting, chunk_bytes);
}

}  // namespace ftlens
