#include "exporters/xml_escape.h"

#include "exporters/utf8.h"

namespace ftlens {

void append_xml_escaped(std::string& out, std::string_view text) {
  static constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&apos;"; ++i; continue;
      default: break;
    }
    const size_t len = utf8_sequence(text, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    const uint32_t cp = utf8_code_point(text, i, len);
    const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
    if (allowed) out.append(text.substr(i, len));
    else out += kReplacement;
    i += len;
  }
}

}  // namespace ftlens
