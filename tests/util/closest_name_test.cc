#include "util/closest_name.h"

#include <doctest/doctest.h>

using namespace ftlens;

TEST_CASE("edit distance counts insertions, deletions, substitutions and swaps of neighbours as one edit each") {
  CHECK(edit_distance("analyze", "analyze") == 0);
  CHECK(edit_distance("analze", "analyze") == 1);    // a letter left out
  CHECK(edit_distance("analyzze", "analyze") == 1);  // one too many
  CHECK(edit_distance("anolyze", "analyze") == 1);   // a wrong letter
  CHECK(edit_distance("anlayze", "analyze") == 1);   // two letters swapped
  CHECK(edit_distance("", "scan") == 4);
  CHECK(edit_distance("merge", "") == 5);
  CHECK(edit_distance("record", "export") == 4);
}

TEST_CASE("the closest name is suggested for a typo and nothing for a word that is not one") {
  const std::vector<std::string> commands = {"analyze", "export", "scan", "record", "merge", "help"};
  CHECK(closest_name("analze", commands) == "analyze");
  CHECK(closest_name("exprot", commands) == "export");
  CHECK(closest_name("sacn", commands) == "scan");
  CHECK(closest_name("non-preemted", {"unterminated-work", "non-preempted", "watchdog-gap"}) == "non-preempted");
  CHECK_FALSE(closest_name("frobnicate", commands).has_value());
  CHECK_FALSE(closest_name("x", commands).has_value());  // one letter is no typo of a word
  CHECK_FALSE(closest_name("anything", {}).has_value());
}

TEST_CASE("did you mean is a sentence to append, or nothing") {
  CHECK(did_you_mean("analze", {"analyze", "export"}) == " Did you mean 'analyze'?");
  CHECK(did_you_mean("zzz", {"analyze", "export"}).empty());
}
