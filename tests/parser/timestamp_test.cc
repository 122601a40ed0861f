#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

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

namespace {

// The digit loop parse_timestamp replaced, kept as the reference.
std::optional<ftlens::ParsedTimestamp> reference_parse(std::string_view text) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kPow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
  const size_t n = text.size();
  size_t i = 0;
  int64_t whole = 0;
  for (; i < n && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (whole > (kMax - 9) / 10) return std::nullopt;
    whole = whole * 10 + (text[i] - '0');
  }
  if (i == 0) return std::nullopt;
  if (i == n) return ftlens::ParsedTimestamp{whole, 0};
  if (text[i] != '.') return std::nullopt;
  const size_t digits = n - i - 1;
  if (digits == 0 || digits > 9 || whole > kMax / kPow10[9] - 1) return std::nullopt;
  int64_t part = 0;
  for (++i; i < n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    part = part * 10 + (text[i] - '0');
  }
  return ftlens::ParsedTimestamp{whole * kPow10[9] + part * kPow10[9 - digits], static_cast<int>(digits)};
}

}  // namespace

TEST_CASE("timestamp.the word-at-a-time fraction agrees with a digit loop on a million near-misses") {
  // Digits with a dot, and now and then a byte that is almost a digit
  // ('/' and ':' border '0'..'9'; 0xB0 is '0' with the high bit set).
  const char alphabet[] = "0123456789012345678901234567890123456789......../:a \xB0";
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  int parsed = 0;
  for (int round = 0; round < 1000000; ++round) {
    std::string text(1 + next() % 20, '0');
    for (char& c : text) c = alphabet[(next() >> 33) % (sizeof alphabet - 1)];
    const auto want = reference_parse(text);
    const auto got = parse_timestamp(text);
    CAPTURE(text);
    REQUIRE(got.has_value() == want.has_value());
    if (!want) continue;
    REQUIRE(got->ns == want->ns);
    REQUIRE(got->fraction_digits == want->fraction_digits);
    ++parsed;
  }
  CHECK(parsed > 20000);
  for (const char* edge : {"1.5", "12345.67", "1234567.8", "294.604371", "1.123456789", "12.12345678", "0.000000001",
                           "9223372035.999999999", "9223372036.0", "123456789.1234567"}) {
    CAPTURE(edge);
    const auto want = reference_parse(edge);
    const auto got = parse_timestamp(edge);
    REQUIRE(got.has_value() == want.has_value());
    if (want) CHECK(got->ns == want->ns);
  }
}

TEST_CASE("timestamp.formatting gives back what the trace printed") {
  CHECK(ftlens::format_timestamp(1573162047000, 6) == "1573.162047");
  CHECK(ftlens::format_timestamp(2162317831123, 9) == "2162.317831123");
  CHECK(ftlens::format_timestamp(42, 0) == "42");
  CHECK(ftlens::format_duration(22482721000) == "22.482721s");
  CHECK(ftlens::format_duration(350000000) == "350ms");
  CHECK(ftlens::format_duration(12500) == "12.500us");  // digits kept where any counts
  CHECK(ftlens::format_duration(7) == "7ns");
  CHECK(ftlens::format_duration(122'000'000'000) == "122s");  // a kernel log's "122 seconds"
  CHECK(ftlens::format_duration(2'500'000'000) == "2.500000s");
}

TEST_CASE("timestamp.a kernel log's wall clock prints as the log printed it, with its fraction digits") {
  using ftlens::TimeStyle;
  // Oct 11 06:07:26 as counted from January 1st of a year that is not a leap year.
  const int64_t oct11 = ((273 + 10) * 86400LL + 6 * 3600 + 7 * 60 + 26) * 1'000'000'000LL;
  CHECK(ftlens::format_trace_time(oct11, TimeStyle{0, true}) == "Oct 11 06:07:26");
  CHECK(ftlens::format_trace_time(oct11 + 379'000'000, TimeStyle{3, true}) == "Oct 11 06:07:26.379");
  CHECK(ftlens::format_trace_time(0, TimeStyle{0, true}) == "Jan  1 00:00:00");
  CHECK(ftlens::format_trace_time(364 * 86400LL * 1'000'000'000LL, TimeStyle{0, true}) == "Dec 31 00:00:00");
  CHECK(ftlens::format_trace_time(365 * 86400LL * 1'000'000'000LL, TimeStyle{0, true}) == "Jan  1 00:00:00");  // New Year
  CHECK(ftlens::format_trace_time(1573162047000, TimeStyle{6, false}) == "1573.162047");
}
