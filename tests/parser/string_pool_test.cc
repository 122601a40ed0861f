#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "parser/string_pool.h"

using ftlens::StringPool;
using ftlens::StrId;

TEST_CASE("string pool.texts that differ in one byte anywhere get different ids, and a text its id again") {
  StringPool pool;
  std::vector<std::string> texts;
  for (size_t size = 1; size <= 40; ++size) {
    texts.emplace_back(size, 'a');
    for (size_t at = 0; at < size; ++at) {
      std::string variant(size, 'a');
      variant[at] = 'b';
      texts.push_back(variant);
    }
  }
  std::vector<StrId> ids;
  for (const std::string& text : texts) ids.push_back(pool.intern(text));
  CHECK(std::set<StrId>(ids.begin(), ids.end()).size() == texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    CAPTURE(texts[i]);
    CHECK(pool.view(ids[i]) == texts[i]);
    CHECK(pool.intern(std::string(texts[i])) == ids[i]);  // a copy elsewhere in memory
  }
}

TEST_CASE("string pool.a text pushed out of the recent cache keeps its id") {
  StringPool pool;
  std::vector<StrId> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(pool.intern("comm-" + std::to_string(i)));
  for (int i = 0; i < 20000; i += 97) CHECK(pool.intern("comm-" + std::to_string(i)) == ids[static_cast<size_t>(i)]);
  CHECK(pool.size() == 20001);  // and the empty string
  CHECK(pool.intern("") == ftlens::kNoStr);
  CHECK(pool.view(ftlens::kNoStr).empty());
}

TEST_CASE("string pool.texts with zero bytes and long texts are kept whole") {
  StringPool pool;
  const std::string with_nul("ab\0c", 4), prefix("ab");
  CHECK(pool.intern(with_nul) != pool.intern(prefix));
  CHECK(pool.view(pool.intern(with_nul)) == with_nul);
  const std::string long_text(300, 'x');
  CHECK(pool.view(pool.intern(long_text)) == long_text);
  CHECK(pool.intern(long_text) == pool.intern(std::string(300, 'x')));
}

TEST_CASE("string pool.beyond its cap every new text reads as the placeholder, is counted, and the kept texts keep their ids") {
  StringPool pool(100);
  std::vector<StrId> kept;
  for (int i = 1; i < 100; ++i) kept.push_back(pool.intern("comm" + std::to_string(i)));
  CHECK(pool.size() == 100);
  CHECK(pool.not_kept() == 0);
  const StrId beyond = pool.intern("comm-beyond-1");
  CHECK(pool.view(beyond) == StringPool::kNotKeptText);
  CHECK(pool.is_not_kept(beyond));
  CHECK(pool.intern("comm-beyond-2") == beyond);
  CHECK(pool.not_kept() == 2);
  CHECK(pool.size() == 101);  // the placeholder alone is stored past the cap
  for (int i = 1; i < 100; ++i) CHECK(pool.intern("comm" + std::to_string(i)) == kept[static_cast<size_t>(i - 1)]);
  CHECK(!pool.is_not_kept(kept.front()));
  CHECK(!pool.is_not_kept(ftlens::kNoStr));
}
