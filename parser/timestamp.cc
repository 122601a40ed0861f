#include "timestamp.h"

#include <cstdio>    // snprintf
#include <cstring>   // memcpy
#include <limits>

#include "byte_scan.h"  // is_eight_digits, eight_digits_value

namespace ftlens {

namespace {
constexpr int64_t kPow10[10] = {1,      10,      100,      1000,      10000,
                                100000, 1000000, 10000000, 100000000, 1000000000};

}  // namespace

// No from_chars: this runs once per trace line. The fraction (6 digits for
// usecs, 9 for nsecs) is read as one word: the 8 bytes that end the text,
// with those before the fraction turned into '0's.
std::optional<ParsedTimestamp> parse_timestamp(std::string_view text) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const size_t n = text.size();
  size_t i = 0;
  int64_t whole = 0;
  // Nine digits cannot overflow; only longer runs (counter clocks) check.
  for (; i < n && i < 9 && static_cast<unsigned>(text[i] - '0') <= 9; ++i) whole = whole * 10 + (text[i] - '0');
  for (; i < n && static_cast<unsigned>(text[i] - '0') <= 9; ++i) {
    if (whole > (kMax - 9) / 10) return std::nullopt;
    whole = whole * 10 + (text[i] - '0');
  }
  if (i == 0) return std::nullopt;
  if (i == n) return ParsedTimestamp{whole, 0};  // a counter clock: raw ticks
  if (text[i] != '.') return std::nullopt;
  const size_t digits = n - i - 1;
  if (digits == 0 || digits > 9 || whole > kMax / kPow10[9] - 1) return std::nullopt;
  int64_t part = 0;
  size_t first = i + 1;
  if (digits == 9) {  // one digit, then the word
    if (static_cast<unsigned>(text[first] - '0') > 9) return std::nullopt;
    part = text[first] - '0';
    ++first;
  }
  const size_t in_word = n - first;  // fraction digits left: 1..8
  if (n >= 8) {  // the word stays inside the text ("294.604371" and longer)
    uint64_t word;
    std::memcpy(&word, text.data() + n - 8, 8);
    const unsigned pad = static_cast<unsigned>(8 - in_word) * 8;  // low bytes before the fraction
    if (pad > 0) word = (word & (~uint64_t{0} << pad)) | (0x3030303030303030ULL & ~(~uint64_t{0} << pad));
    if (!is_eight_digits(word)) return std::nullopt;
    part = part * kPow10[in_word] + eight_digits_value(word);
  } else {
    for (size_t k = first; k < n; ++k) {
      if (static_cast<unsigned>(text[k] - '0') > 9) return std::nullopt;
      part = part * 10 + (text[k] - '0');
    }
  }
  return ParsedTimestamp{whole * kPow10[9] + part * kPow10[9 - digits], static_cast<int>(digits)};
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

std::string format_trace_time(int64_t ns, const TimeStyle& style) {
  if (!style.wall_clock || ns < 0) return format_timestamp(ns, style.fraction_digits);
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr int kDaysBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
  const int64_t secs = ns / kPow10[9];
  int64_t day_of_year = secs / 86400;
  const int64_t in_day = secs % 86400;
  // A span that runs past December 31st (a log across New Year) goes on
  // in the days after it, counted as days of January.
  int month = 0;
  if (day_of_year >= 365) {
    day_of_year -= 365;
    month = 0;
  } else {
    while (month < 11 && day_of_year >= kDaysBefore[month + 1]) ++month;
    day_of_year -= kDaysBefore[month];
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %2lld %02lld:%02lld:%02lld", kMonths[month], static_cast<long long>(day_of_year + 1),
                static_cast<long long>(in_day / 3600), static_cast<long long>(in_day / 60 % 60),
                static_cast<long long>(in_day % 60));
  std::string out = buf;
  const int digits = style.fraction_digits > 9 ? 9 : style.fraction_digits;
  if (digits > 0) {
    std::snprintf(buf, sizeof buf, ".%0*lld", digits, static_cast<long long>((ns % kPow10[9]) / kPow10[9 - digits]));
    out += buf;
  }
  return out;
}

std::string format_duration(int64_t ns) {
  char buf[48];
  const long long v = ns;
  const char* unit = "ns";
  if (ns >= kPow10[9])
    std::snprintf(buf, sizeof buf, "%lld.%06lld", v / kPow10[9], (v % kPow10[9]) / 1000), unit = "s";
  else if (ns >= kPow10[6])
    std::snprintf(buf, sizeof buf, "%lld.%03lld", v / kPow10[6], (v % kPow10[6]) / 1000), unit = "ms";
  else if (ns >= kPow10[3])
    std::snprintf(buf, sizeof buf, "%lld.%03lld", v / kPow10[3], v % kPow10[3]), unit = "us";
  else
    std::snprintf(buf, sizeof buf, "%lld", v);
  // "122s", not "122.000000s": a whole number of units is printed as one (a
  // kernel log's "122 seconds" reads back as it was); any other keeps every
  // digit, so that durations line up.
  std::string out = buf;
  if (const size_t dot = out.find('.'); dot != std::string::npos && out.find_first_not_of('0', dot + 1) == std::string::npos)
    out.resize(dot);
  return out + unit;
}

}  // namespace ftlens
