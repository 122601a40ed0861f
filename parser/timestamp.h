// Trace timestamps as integer nanoseconds, never through double: a float
// loses nanoseconds past ~2^53 ns (104 days of uptime).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ftlens {

struct ParsedTimestamp {
  int64_t ns = 0;
  int fraction_digits = 0;  // 0 for counter clocks, 6 for usecs, 9 for nsecs
};

// "1573.162047" -> 1573162047000 ns; "2162.317831123" -> exact ns;
// "123456789" (counter clock) -> 123456789. Rejects signs, empty parts,
// more than 9 fraction digits and overflow.
std::optional<ParsedTimestamp> parse_timestamp(std::string_view text);

// Formats ns the way the trace printed it, so a reader can grep for it.
std::string format_timestamp(int64_t ns, int fraction_digits);

// How an input's times are printed back: seconds with so many fraction
// digits, or, for a kernel log stamped by a wall clock (dmesg -T, syslog,
// journalctl, logcat), as that clock, its time counted from January 1st of
// a year that is not a leap year (the log rarely prints the year).
struct TimeStyle {
  int fraction_digits = 6;
  bool wall_clock = false;
};

// format_timestamp, or "Oct 11 06:07:26" (the day padded as syslog and
// dmesg -T pad it) with the fraction digits the log printed.
std::string format_trace_time(int64_t ns, const TimeStyle& style);

// "22.482721s", "350ms", "12us": a short human duration.
std::string format_duration(int64_t ns);

}  // namespace ftlens
