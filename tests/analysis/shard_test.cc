#include <doctest/doctest.h>

#include <string>

#include "analysis/shard.h"

using namespace ftlens;

TEST_CASE("shard.K/N is read only when 1 <= K <= N") {
  auto s = parse_shard("2/5");
  REQUIRE(s);
  CHECK(s->index == 2);
  CHECK(s->count == 5);
  for (const char* bad : {"0/5", "6/5", "1/0", "-1/2", "1/2x", "x/2", "12", "", "/", "1/"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_shard(bad));
  }
}

TEST_CASE("shard.every path is in exactly one shard, and the choice is a fixed function of the path") {
  for (int n : {1, 2, 3, 7}) {
    for (const char* path : {"a.txt", "night/b/light30.dat", "x/y/z.txt.gz", ""}) {
      int owners = 0;
      for (int k = 1; k <= n; ++k) owners += in_shard(path, Shard{k, n});
      CAPTURE(n);
      CAPTURE(path);
      CHECK(owners == 1);
    }
  }
  // FNV-1a 64 of "a.txt" is 0x7ed582b5571bbd5a; pinned so that a change of hash (which
  // would move traces between shards of a running nightly) is noticed.
  CHECK(in_shard("a.txt", Shard{1 + static_cast<int>(0x7ed582b5571bbd5aULL % 5), 5}));
}

TEST_CASE("shard.about one N-th of many paths land in each shard") {
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4000; ++i)
    for (int k = 1; k <= 4; ++k)
      if (in_shard("archive/device" + std::to_string(i) + "/trace.txt", Shard{k, 4})) ++counts[k - 1];
  for (int c : counts) CHECK((c > 850 && c < 1150));
}
