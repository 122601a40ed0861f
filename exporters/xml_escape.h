// Text and attribute escaping for the XML and HTML writers (JUnit, the scan
// page). Comms and messages are untrusted bytes; XML 1.0 forbids most control
// characters even as character references, U+FFFE and U+FFFF, and any byte
// that is not UTF-8, so a CI server's parser would reject the whole file.
#pragma once

#include <string>
#include <string_view>

namespace ftlens {

// Appends `text` with & < > " ' escaped, and every byte or code point XML 1.0
// does not allow (invalid UTF-8, C0 controls but tab, newline and carriage
// return, U+FFFE, U+FFFF) replaced by U+FFFD.
void append_xml_escaped(std::string& out, std::string_view text);

}  // namespace ftlens
