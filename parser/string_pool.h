// Interns comms, event names and kernel symbols so that events carry 4-byte
// ids instead of strings and per-event work never allocates. Stored strings
// and the id -> view table never move once written: growing copies nothing.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parser/str_id.h"

namespace ftlens {

class StringPool {
 public:
  // Distinct strings kept by default: far more than a real trace names
  // (comms, event names, kernel symbols: tens of thousands), few enough that
  // a trace naming millions stays within the memory goal.
  static constexpr size_t kDefaultMaxStrings = size_t{1} << 19;
  // What every string beyond the cap reads as.
  static constexpr std::string_view kNotKeptText = "(name not kept)";

  explicit StringPool(size_t max_strings = kDefaultMaxStrings);
  ~StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  StrId intern(std::string_view text) {
    if (text.empty()) return kNoStr;
    if (text.size() > kRecentBytes) return intern_new(text);
    const RecentKey key = recent_key(text);
    Recent& r = recent_[key.index];
    if (r.size == text.size() && r.words == key.words) return r.id;
    r = Recent{key.words, static_cast<uint32_t>(text.size()), intern_new(text)};
    return r.id;
  }
  std::string_view view(StrId id) const {
    const Entry& e = segments_[id >> kSegmentBits][id & (kSegmentSize - 1)];
    return {e.data, e.size};
  }
  size_t size() const { return size_; }
  // Lookups of strings the pool had no room for (each read as kNotKeptText;
  // a string repeated at once is counted once).
  uint64_t not_kept() const { return not_kept_; }
  bool is_not_kept(StrId id) const { return id == not_kept_id_ && id != kNoStr; }

 private:
  static constexpr unsigned kSegmentBits = 12;
  static constexpr size_t kSegmentSize = size_t{1} << kSegmentBits;
  // 2^26 ids at most, whatever the cap asked.
  static constexpr size_t kMaxSegments = 16384;

  // Trivial, so that a new segment is not written before it is used: every
  // page first touched costs a fault, and on a VM a fault costs ~13 us.
  struct Entry {
    const char* data;
    size_t size;
  };
  struct Slot {
    uint32_t hash = 0;
    StrId id = kNoStr;  // kNoStr: empty slot (the empty string is never looked up here)
  };

  // Almost every line names a comm, an event and often a kernel symbol that
  // earlier lines named too. A direct-mapped cache of recent strings up to
  // 32 bytes answers those from four words read straight from the line: no
  // hash over the bytes, no probe of the table, no memcmp of the stored copy.
  static constexpr size_t kRecentBytes = 32;
  static constexpr size_t kRecentSlots = 512;
  struct RecentWords {
    uint64_t w[4];
    bool operator==(const RecentWords&) const = default;
  };
  struct Recent {
    RecentWords words;
    uint32_t size;  // 0: empty slot
    StrId id;
  };
  struct RecentKey {
    RecentWords words;
    size_t index;
  };
  // Overlapping loads cover every byte of a 1-32 byte text, so that
  // (size, words) identifies it exactly: [0,8)+[n-8,n) for n <= 16, plus
  // [8,16)+[n-16,n-8) above; [0,4)+[n-4,n) below 8; bytes 0, n/2, n-1 below 4.
  static RecentKey recent_key(std::string_view text) {
    const char* p = text.data();
    const size_t n = text.size();
    RecentWords w{};
    if (n >= 8) {
      w.w[0] = load(p, 8);
      w.w[1] = load(p + n - 8, 8);
      if (n > 16) {
        w.w[2] = load(p + 8, 8);
        w.w[3] = load(p + n - 16, 8);
      }
    } else if (n >= 4) {
      w.w[0] = load(p, 4);
      w.w[1] = load(p + n - 4, 4);
    } else {
      w.w[0] = static_cast<uint8_t>(p[0]) | static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2])) << 8 |
               static_cast<uint64_t>(static_cast<uint8_t>(p[n - 1])) << 16;
    }
    uint64_t h = (w.w[0] ^ n) * 0x9E3779B97F4A7C15ULL;
    h ^= (w.w[1] + w.w[2] + w.w[3]) * 0xFF51AFD7ED558CCDULL;
    return {w, static_cast<size_t>(h >> 55) & (kRecentSlots - 1)};
  }
  static uint64_t load(const char* p, size_t bytes) {
    uint64_t v = 0;
    std::memcpy(&v, p, bytes);
    return v;
  }

  StrId intern_new(std::string_view text);
  StrId store(std::string_view text, size_t slot, uint32_t hash);
  StrId not_kept_id();
  static uint32_t hash_of(std::string_view text);
  void grow_table();

  // Chunks never move once allocated, so views into them stay valid. Not
  // zero-filled: a page is touched when a string is stored in it, not before
  // (a first touch costs ~13 us on a VM; a pool per parsing thread).
  std::deque<std::unique_ptr<char[]>> chunks_;
  size_t chunk_size_ = 0;
  size_t chunk_used_ = 0;
  // kMaxSegments pointers from calloc(): zero pages the kernel maps only
  // where a segment is stored, not 128 KiB written up front.
  Entry** segments_;
  size_t size_ = 0;
  // Open addressing, linear probing, at most half full.
  std::vector<Slot> table_;
  std::array<Recent, kRecentSlots> recent_{};
  size_t max_strings_;
  uint64_t not_kept_ = 0;
  StrId not_kept_id_ = kNoStr;
};

}  // namespace ftlens
