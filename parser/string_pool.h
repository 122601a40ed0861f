// Interns comms, event names and kernel symbols so that events carry 4-byte
// ids instead of strings and per-event work never allocates. Stored strings
// and the id -> view table never move once written: growing copies nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace ftlens {

using StrId = uint32_t;
inline constexpr StrId kNoStr = 0;  // the empty string

class StringPool {
 public:
  StringPool();
  ~StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  StrId intern(std::string_view text);
  std::string_view view(StrId id) const {
    const Entry& e = segments_[id >> kSegmentBits][id & (kSegmentSize - 1)];
    return {e.data, e.size};
  }
  size_t size() const { return size_; }

 private:
  static constexpr unsigned kSegmentBits = 12;
  static constexpr size_t kSegmentSize = size_t{1} << kSegmentBits;
  // 2^26 ids; a trace with more distinct strings than that is hostile, and
  // its further strings all read as empty rather than grow without bound.
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

  static uint32_t hash_of(std::string_view text);
  void grow_table();

  // Chunks never move once allocated, so views into them stay valid.
  std::deque<std::string> chunks_;
  size_t chunk_used_ = 0;
  // kMaxSegments pointers from calloc(): zero pages the kernel maps only
  // where a segment is stored, not 128 KiB written up front.
  Entry** segments_;
  size_t size_ = 0;
  // Open addressing, linear probing, at most half full.
  std::vector<Slot> table_;
};

}  // namespace ftlens
