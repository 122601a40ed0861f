#include "timestamp.h"

#include <charconv>  // from_chars
#include <cstdio>    // snprintf
#include <limits>

namespace ftlens {

namespace {
constexpr int64_t kPow10[10] = {1,      10,      100,      1000,      10000,
                                100000, 1000000, 10000000, 100000000, 1000000000};

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}
}  // namespace

std::optional<ParsedTimestamp> parse_timestamp(std::string_view text) {
  size_t dot = text.find('.');
  std::string_view secs = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (!all_digits(secs)) return std::nullopt;
  if (dot != std::string_view::npos && (!all_digits(frac) || frac.size() > 9)) return std::nullopt;

  int64_t whole = 0;
  auto [p, ec] = std::from_chars(secs.data(), secs.data() + secs.size(), whole);
  if (ec != std::errc{} || p != secs.data() + secs.size()) return std::nullopt;
  if (dot == std::string_view::npos) return ParsedTimestamp{whole, 0};

  int64_t part = 0;
  std::from_chars(frac.data(), frac.data() + frac.size(), part);
  const int digits = static_cast<int>(frac.size());
  if (whole > std::numeric_limits<int64_t>::max() / kPow10[9] - 1) return std::nullopt;
  return ParsedTimestamp{whole * kPow10[9] + part * kPow10[9 - digits], digits};
}

std::string format_timestamp(int64_t ns, int fraction_digits) {
  if (fraction_digits <= 0) return std::to_string(ns);
  if (fraction_digits > 9) fraction_digits = 9;
  char buf[48];
  const int64_t secs = ns / kPow10[9];
  const int64_t frac = (ns % kPow10[9]) / kPow10[9 - fraction_digits];
  std::snprintf(buf, sizeof buf, "%lld.%0*lld", static_cast<long long>(secs), fraction_digits,
                static_cast<long long>(frac));
  return buf;
}

std::string format_duration(int64_t ns) {
  char buf[48];
  const long long v = ns;
  if (ns >= kPow10[9])
    std::snprintf(buf, sizeof buf, "%lld.%06llds", v / kPow10[9], (v % kPow10[9]) / 1000);
  else if (ns >= kPow10[6])
    std::snprintf(buf, sizeof buf, "%lld.%03lldms", v / kPow10[6], (v % kPow10[6]) / 1000);
  else if (ns >= kPow10[3])
    std::snprintf(buf, sizeof buf, "%lld.%03lldus", v / kPow10[3], v % kPow10[3]);
  else
    std::snprintf(buf, sizeof buf, "%lldns", v);
  return buf;
}

}  // namespace ftlens
