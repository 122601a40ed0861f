#include "string_pool.h"

#include <cstring>  // memcpy

namespace ftlens {

namespace {
constexpr size_t kChunkBytes = 64 * 1024;
}

StringPool::StringPool() { views_.emplace_back(); ids_.emplace(std::string_view{}, kNoStr); }

StrId StringPool::intern(std::string_view text) {
  if (auto it = ids_.find(text); it != ids_.end()) return it->second;
  if (chunks_.empty() || chunk_used_ + text.size() > chunks_.back().size()) {
    chunks_.emplace_back(std::max(kChunkBytes, text.size()), '\0');
    chunk_used_ = 0;
  }
  char* dst = chunks_.back().data() + chunk_used_;
  std::memcpy(dst, text.data(), text.size());
  chunk_used_ += text.size();
  std::string_view stored(dst, text.size());
  auto id = static_cast<StrId>(views_.size());
  views_.push_back(stored);
  ids_.emplace(stored, id);
  return id;
}

}  // namespace ftlens
