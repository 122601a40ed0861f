#include <doctest/doctest.h>

#include "detectors/options.h"

using ftlens::glob_match;
using ftlens::parse_duration;

TEST_CASE("options.malformed durations are rejected") {
  for (const char* bad : {"", "s", "ten", "5 s", "5sec", "-5s", "1.s", "5m", "99999999999999999999s"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("options.durations in s, ms, us, ns with exact fractions") {
  CHECK(*parse_duration("20s") == 20'000'000'000);
  CHECK(*parse_duration("20") == 20'000'000'000);
  CHECK(*parse_duration("1.05s") == 1'050'000'000);
  CHECK(*parse_duration("250ms") == 250'000'000);
  CHECK(*parse_duration("0.5ms") == 500'000);
  CHECK(*parse_duration("100us") == 100'000);
  CHECK(*parse_duration("7ns") == 7);
  CHECK(*parse_duration("1.0000000019s") == 1'000'000'001);  // finer than a ns is dropped
}

TEST_CASE("options.glob patterns for kickers") {
  CHECK(glob_match("migration/*", "migration/12"));
  CHECK_FALSE(glob_match("migration/*", "kmigration/1"));
  CHECK(glob_match("wdtk-?", "wdtk-3"));
  CHECK_FALSE(glob_match("wdtk-?", "wdtk-13"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("a*b*c", "axxbyyc"));
  CHECK_FALSE(glob_match("a*b*c", "axxbyy"));
}

TEST_CASE("options.set parses into the bound config field") {
  ftlens::TimeNs threshold = 0;
  bool flag = false;
  std::vector<std::string> list;
  ftlens::Option d{"error", "", &threshold}, b{"on", "", &flag}, l{"kicks", "", &list};
  CHECK(d.set("5s").ok());
  CHECK(threshold == 5'000'000'000);
  CHECK(d.set("five").code() == ftlens::ErrorCode::kBadArgument);
  CHECK(threshold == 5'000'000'000);  // unchanged on error
  CHECK(b.set("true").ok());
  CHECK(flag);
  CHECK(b.set("maybe").code() == ftlens::ErrorCode::kBadArgument);
  CHECK(l.set("comm:a*,event:b").ok());
  CHECK(list == std::vector<std::string>{"comm:a*", "event:b"});
  CHECK(l.current() == "comm:a*,event:b");
  CHECK(d.current() == "5s");
}
