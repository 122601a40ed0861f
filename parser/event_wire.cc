#include "parser/event_wire.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "parser/string_pool.h"

namespace ftlens {

namespace {

// An Event without its pointers, every field at its natural alignment.
struct WireEvent {
  int64_t ts;
  int64_t number;
  uint64_t address;
  int32_t cpu, pid, tgid;
  uint32_t comm, name;
  int32_t target_cpu, source_cpu;
  uint32_t function, site;
  uint32_t task_comm;
  int32_t task_pid, task_prio;
  uint32_t next_comm;
  int32_t next_pid, next_prio;
  uint8_t type, irq_flags;
  char prev_state;
  uint8_t flags;
};
static_assert(sizeof(WireEvent) == 88 && std::is_trivially_copyable_v<WireEvent>);

constexpr uint8_t kPreempted = 1, kHasMask = 2, kHasPayload = 4;

// 256 KiB: one write() per ~3000 events, and the pipe (1 MiB when the
// kernel allows it) holds four of them.
constexpr size_t kWriteBuffer = WireBuffer::kBytes;
// No string, payload or log line a decoder makes is near this; a size
// beyond it is a broken stream, not a big string.
constexpr uint32_t kMaxText = 16u << 20;

template <class T>
T load(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

}  // namespace

std::string_view WireBuffer::undelivered(uint64_t received) const {
  const uint64_t from = base.load(std::memory_order_acquire);
  const uint64_t valid = std::min<uint64_t>(committed.load(std::memory_order_acquire), kBytes);
  if (received < from || received >= from + valid) return {};
  return std::string_view(data + (received - from), from + valid - received);
}

EventWireWriter::EventWireWriter(const StringPool& pool, Flush deliver, void* context, WireBuffer* shared)
    : pool_(pool), flush_(deliver), context_(context), shared_(shared) {
  if (!shared_) own_.resize(kWriteBuffer);
  buffer_ = shared_ ? shared_->data : own_.data();
}

bool EventWireWriter::flush() {
  if (delivered_ && used_ > 0) delivered_ = flush_(buffer_, used_, context_);
  if (shared_) {
    // In this order: a writer that dies between the two stores leaves
    // nothing to read twice.
    shared_->committed.store(0, std::memory_order_release);
    shared_->base.store(shared_->base.load(std::memory_order_relaxed) + used_, std::memory_order_release);
  }
  used_ = 0;
  return delivered_;
}

void EventWireWriter::put(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    if (used_ == kWriteBuffer) flush();
    const size_t n = std::min(size, kWriteBuffer - used_);
    std::memcpy(buffer_ + used_, p, n);
    used_ += n;
    p += n;
    size -= n;
  }
}

void EventWireWriter::put_text(std::string_view text) {
  const auto size = static_cast<uint32_t>(std::min<size_t>(text.size(), kMaxText));
  put(&size, sizeof size);
  put(text.data(), size);
}

void EventWireWriter::define_new_strings() {
  for (; strings_sent_ < pool_.size(); ++strings_sent_) {
    const char tag = 'S';
    put(&tag, 1);
    put_text(pool_.view(static_cast<StrId>(strings_sent_)));
    commit();
  }
}

void EventWireWriter::on_event(const Event& e) {
  if (pool_.size() > strings_sent_) define_new_strings();
  WireEvent w;
  w.ts = e.ts;
  w.number = e.number;
  w.address = e.address;
  w.cpu = e.cpu;
  w.pid = e.pid;
  w.tgid = e.tgid;
  w.comm = e.comm;
  w.name = e.name;
  w.target_cpu = e.target_cpu;
  w.source_cpu = e.source_cpu;
  w.function = e.function;
  w.site = e.site;
  w.task_comm = e.task.comm;
  w.task_pid = e.task.pid;
  w.task_prio = e.task.prio;
  w.next_comm = e.next.comm;
  w.next_pid = e.next.pid;
  w.next_prio = e.next.prio;
  w.type = static_cast<uint8_t>(e.type);
  w.irq_flags = e.irq_flags;
  w.prev_state = e.prev_state;
  w.flags = static_cast<uint8_t>((e.preempted ? kPreempted : 0) | (e.cpumask ? kHasMask : 0) |
                                 (e.payload.empty() ? 0 : kHasPayload));
  // The common case in one piece: tag and event side by side in the buffer.
  if (used_ + 1 + sizeof w > kWriteBuffer) flush();
  buffer_[used_] = 'E';
  std::memcpy(buffer_ + used_ + 1, &w, sizeof w);
  used_ += 1 + sizeof w;
  if (e.cpumask) put(e.cpumask->words.data(), sizeof e.cpumask->words);
  if (!e.payload.empty()) put_text(e.payload);
  commit();
}

void EventWireWriter::on_malformed(const ParseIssue& issue) {
  const char tag = 'M';
  const uint64_t line = issue.line, column = issue.column;
  put(&tag, 1);
  put(&line, sizeof line);
  put(&column, sizeof column);
  put_text(issue.reason ? issue.reason : "");
  commit();
}

void EventWireWriter::on_log_line(uint64_t line, TimeNs at, std::string_view text) {
  const char tag = 'L';
  const int64_t ns = at;
  put(&tag, 1);
  put(&line, sizeof line);
  put(&ns, sizeof ns);
  put_text(text);
  commit();
}

void EventWireWriter::finish(std::string_view result) {
  const char tag = 'R';
  put(&tag, 1);
  put_text(result);
  commit();
  flush();
}

EventWireReader::EventWireReader(StringPool& pool, EventSink& sink) : pool_(pool), sink_(sink), ids_{kNoStr} {}

bool EventWireReader::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

StrId EventWireReader::map(StrId id) {
  if (id >= ids_.size()) {
    fail("an event names string " + std::to_string(id) + " before it was defined");
    return kNoStr;
  }
  return ids_[id];
}

namespace {
constexpr size_t kBroken = static_cast<size_t>(-1);
}

size_t EventWireReader::decode(std::string_view bytes) {
  if (bytes.empty()) return 0;
  const char* p = bytes.data();
  const size_t n = bytes.size();
  // A u32-sized text at `at`: its end, 0 if not all there, kBroken if too big.
  auto text_end = [&](size_t at) -> size_t {
    if (n < at + 4) return 0;
    const auto size = load<uint32_t>(p + at);
    if (size > kMaxText) return kBroken;
    return n < at + 4 + size ? 0 : at + 4 + size;
  };
  auto text_at = [&](size_t at) { return std::string_view(p + at + 4, load<uint32_t>(p + at)); };
  switch (p[0]) {
    case 'E': {
      if (n < 1 + sizeof(WireEvent)) return 0;
      const auto w = load<WireEvent>(p + 1);
      size_t end = 1 + sizeof(WireEvent);
      CpuMask mask;
      if (w.flags & kHasMask) {
        if (n < end + sizeof mask.words) return 0;
        std::memcpy(mask.words.data(), p + end, sizeof mask.words);
        end += sizeof mask.words;
      }
      std::string_view payload;
      if (w.flags & kHasPayload) {
        const size_t text = text_end(end);
        if (text == 0 || text == kBroken) return text;
        payload = text_at(end);
        end = text;
      }
      if (w.type >= static_cast<uint8_t>(EventType::kCount_)) {
        fail("an event of unknown type " + std::to_string(w.type));
        return kBroken;
      }
      // Every id known: one test for the six (an OR is at least their maximum).
      const StrId* ids = ids_.data();
      const bool known = (w.comm | w.name | w.function | w.site | w.task_comm | w.next_comm) < ids_.size();
      auto id = [&](StrId theirs) { return known ? ids[theirs] : map(theirs); };
      Event e;
      e.ts = w.ts;
      e.number = w.number;
      e.address = w.address;
      e.cpu = w.cpu;
      e.pid = w.pid;
      e.tgid = w.tgid;
      e.comm = id(w.comm);
      e.name = id(w.name);
      e.target_cpu = w.target_cpu;
      e.source_cpu = w.source_cpu;
      e.function = id(w.function);
      e.site = id(w.site);
      e.task = TaskRef{id(w.task_comm), w.task_pid, w.task_prio};
      e.next = TaskRef{id(w.next_comm), w.next_pid, w.next_prio};
      e.type = static_cast<EventType>(w.type);
      e.irq_flags = w.irq_flags;
      e.prev_state = w.prev_state;
      e.preempted = (w.flags & kPreempted) != 0;
      e.cpumask = (w.flags & kHasMask) ? &mask : nullptr;
      e.payload = payload;
      if (broken()) return kBroken;
      if (e.cpu >= 0 && e.cpu < kTrackedCpus) {
        if (static_cast<size_t>(e.cpu) >= last_ts_.size()) last_ts_.resize(static_cast<size_t>(e.cpu) + 1, -1);
        last_ts_[static_cast<size_t>(e.cpu)] = e.ts;
      }
      if (e.type != EventType::kLostEvents) ++events_;
      else if (e.number > 0) lost_events_ += static_cast<uint64_t>(e.number);
      sink_.on_event(e);
      return end;
    }
    case 'S': {
      const size_t end = text_end(1);
      if (end == 0 || end == kBroken) return end;
      ids_.push_back(pool_.intern(text_at(1)));
      return end;
    }
    case 'M': {
      const size_t end = text_end(17);
      if (end == 0 || end == kBroken) return end;
      reasons_.emplace_back(text_at(17));
      sink_.on_malformed(ParseIssue{load<uint64_t>(p + 1), static_cast<size_t>(load<uint64_t>(p + 9)),
                                    reasons_.back().c_str()});
      return end;
    }
    case 'L': {
      const size_t end = text_end(17);
      if (end == 0 || end == kBroken) return end;
      sink_.on_log_line(load<uint64_t>(p + 1), load<int64_t>(p + 9), text_at(17));
      return end;
    }
    case 'R': {
      const size_t end = text_end(1);
      if (end == 0 || end == kBroken) return end;
      result_ = std::string(text_at(1));
      has_result_ = true;
      return end;
    }
    default:
      fail("a message of unknown kind " + std::to_string(static_cast<unsigned char>(p[0])));
      return kBroken;
  }
}

bool EventWireReader::feed(std::string_view bytes) {
  if (broken()) return false;
  if (has_result_ && !bytes.empty()) return fail("bytes after the end of the stream");
  // A message cut by the last feed: completed a little at a time, so that
  // only its own bytes are copied, not the whole of this feed.
  while (!pending_.empty() && !bytes.empty()) {
    const size_t before = pending_.size();
    const size_t take = std::min<size_t>(bytes.size(), 4096);
    pending_.append(bytes.data(), take);
    const size_t used = decode(pending_);
    if (used == kBroken) {
      if (error_.empty()) fail("a text of more than 16 MiB");
      return false;
    }
    if (used == 0) {
      bytes.remove_prefix(take);
      continue;
    }
    bytes.remove_prefix(used - before);
    pending_.clear();
  }
  while (!bytes.empty()) {
    if (has_result_) return fail("bytes after the end of the stream");
    const size_t used = decode(bytes);
    if (used == kBroken) {
      if (error_.empty()) fail("a text of more than 16 MiB");
      return false;
    }
    if (used == 0) {
      pending_.assign(bytes.data(), bytes.size());
      break;
    }
    bytes.remove_prefix(used);
  }
  return !broken();
}

}  // namespace ftlens
