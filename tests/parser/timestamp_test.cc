#include <doctest/doctest.h>

#include "parser/timestamp.h"

using ftlens::parse_timestamp;

TEST_CASE("timestamp.malformed text is rejected") {
  for (const char* bad : {"", ".", "1.", ".5", "-1.0", "1.2.3", "1.0000000001", "12a.5", "99999999999999999999.0"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_timestamp(bad).has_value());
  }
}

TEST_CASE("timestamp.microsecond text becomes exact nanoseconds") {
  auto ts = parse_timestamp("1573.162047");
  REQUIRE(ts);
  CHECK(ts->ns == 1573162047000);
  CHECK(ts->fraction_digits == 6);
}

TEST_CASE("timestamp.large uptimes keep every nanosecond (a double would not)") {
  auto ts = parse_timestamp("9000000.123456789");
  REQUIRE(ts);
  CHECK(ts->ns == 9000000123456789LL);
  CHECK(parse_timestamp("9000000.000000001")->ns == 9000000000000001LL);
}

TEST_CASE("timestamp.counter clocks are integers") {
  auto ts = parse_timestamp("123456789012");
  REQUIRE(ts);
  CHECK(ts->ns == 123456789012);
  CHECK(ts->fraction_digits == 0);
}

TEST_CASE("timestamp.formatting gives back what the trace printed") {
  CHECK(ftlens::format_timestamp(1573162047000, 6) == "1573.162047");
  CHECK(ftlens::format_timestamp(2162317831123, 9) == "2162.317831123");
  CHECK(ftlens::format_timestamp(42, 0) == "42");
  CHECK(ftlens::format_duration(22482721000) == "22.482721s");
  CHECK(ftlens::format_duration(350000000) == "350.000ms");
  CHECK(ftlens::format_duration(12500) == "12.500us");
  CHECK(ftlens::format_duration(7) == "7ns");
}
