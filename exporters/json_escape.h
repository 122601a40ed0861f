// JSON string escaping for hand-streamed output. Comms come from untrusted
// devices: control bytes are escaped and invalid UTF-8 becomes U+FFFD, so the
// output always parses.
#pragma once

#include <string>
#include <string_view>

namespace ftlens {

void append_json_string(std::string& out, std::string_view text);

}  // namespace ftlens
