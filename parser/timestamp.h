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

// "22.482721s", "350ms", "12us": a short human duration.
std::string format_duration(int64_t ns);

}  // namespace ftlens
