#include "string_pool.h"

#include <algorithm>  // clamp
#include <cstdlib>  // calloc, free
#include <cstring>  // memcpy
#include <new>      // bad_alloc

namespace ftlens {

namespace {
constexpr size_t kChunkBytes = 64 * 1024;
}

StringPool::StringPool(size_t max_strings)
    : segments_(static_cast<Entry**>(std::calloc(kMaxSegments, sizeof(Entry*)))),
      table_(1024),
      max_strings_(std::clamp<size_t>(max_strings, 2, kMaxSegments * kSegmentSize - 1)) {
  if (!segments_) throw std::bad_alloc();
  segments_[0] = new Entry[kSegmentSize];
  segments_[0][0] = Entry{"", 0};
  size_ = 1;  // id 0: the empty string
}

StringPool::~StringPool() {
  for (size_t s = 0; s < kMaxSegments && segments_[s]; ++s) delete[] segments_[s];
  std::free(segments_);
}

// Eight bytes at a time: comms and symbols are 5-40 bytes, and this runs for
// every comm and symbol that misses the recent-string cache.
uint32_t StringPool::hash_of(std::string_view text) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ text.size();
  const char* p = text.data();
  size_t n = text.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail) * 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 29;
  return static_cast<uint32_t>(h);
}

StrId StringPool::intern_new(std::string_view text) {
  const uint32_t hash = hash_of(text);
  const size_t mask = table_.size() - 1;
  size_t i = hash & mask;
  for (; table_[i].id != kNoStr; i = (i + 1) & mask)
    if (table_[i].hash == hash && view(table_[i].id) == text) return table_[i].id;

  if (size_ >= max_strings_) return not_kept_id();
  return store(text, i, hash);
}

// Beyond the cap: one id for them all, stored the first time (one entry
// past the cap), never in the table (a real string of the same text keeps
// its own id).
StrId StringPool::not_kept_id() {
  ++not_kept_;
  if (not_kept_id_ != kNoStr) return not_kept_id_;
  not_kept_id_ = store(kNotKeptText, table_.size(), 0);
  return not_kept_id_;
}

// Copies `text` into the chunks and gives it the next id; `slot` is its
// free table slot (for `hash`), or table_.size() for none.
StrId StringPool::store(std::string_view text, size_t slot, uint32_t hash) {
  if (chunks_.empty() || chunk_used_ + text.size() > chunk_size_) {
    chunk_size_ = std::max(kChunkBytes, text.size());
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(chunk_size_));
    chunk_used_ = 0;
  }
  char* dst = chunks_.back().get() + chunk_used_;
  std::memcpy(dst, text.data(), text.size());
  chunk_used_ += text.size();

  const auto id = static_cast<StrId>(size_);
  Entry*& segment = segments_[id >> kSegmentBits];
  if (!segment) segment = new Entry[kSegmentSize];
  segment[id & (kSegmentSize - 1)] = Entry{dst, text.size()};
  ++size_;
  if (slot == table_.size()) return id;
  table_[slot] = Slot{hash, id};
  if (size_ * 2 > table_.size()) grow_table();
  return id;
}

void StringPool::grow_table() {
  std::vector<Slot> bigger(table_.size() * 2);
  const size_t mask = bigger.size() - 1;
  for (const Slot& slot : table_) {
    if (slot.id == kNoStr) continue;
    size_t i = slot.hash & mask;
    while (bigger[i].id != kNoStr) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  table_ = std::move(bigger);
}

}  // namespace ftlens
