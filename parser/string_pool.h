// Interns comms, event names and kernel symbols so that events carry 4-byte
// ids instead of strings and per-event work never allocates.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ftlens {

using StrId = uint32_t;
inline constexpr StrId kNoStr = 0;  // the empty string

class StringPool {
 public:
  StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  StrId intern(std::string_view text);
  std::string_view view(StrId id) const { return views_[id]; }
  size_t size() const { return views_.size(); }

 private:
  // Chunks never move once allocated, so views into them stay valid.
  std::deque<std::string> chunks_;
  size_t chunk_used_ = 0;
  std::vector<std::string_view> views_;
  std::unordered_map<std::string_view, StrId> ids_;
};

}  // namespace ftlens
