#include <doctest/doctest.h>

#include <string>

#include "exporters/xml_escape.h"

namespace {
std::string escaped(std::string_view s) {
  std::string out;
  ftlens::append_xml_escaped(out, s);
  return out;
}
}  // namespace

TEST_CASE("xml escape.markup characters become entities") {
  CHECK(escaped("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(escaped("plain kworker/1:3") == "plain kworker/1:3");
}

TEST_CASE("xml escape.a comm with bytes ff fe becomes replacement characters, not invalid XML") {
  CHECK(escaped("x\xff\xfey") == "x\xef\xbf\xbd\xef\xbf\xbdy");
}

TEST_CASE("xml escape.U+FFFE and U+FFFF, which XML 1.0 forbids, are replaced") {
  CHECK(escaped("a\xef\xbf\xbe" "b\xef\xbf\xbf") == "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}

TEST_CASE("xml escape.control bytes are replaced but tab, newline and carriage return stay") {
  CHECK(escaped(std::string("a\0b\x01\x1b\x7f", 6)) == "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\x7f");
  CHECK(escaped("a\tb\nc\rd") == "a\tb\nc\rd");
}

TEST_CASE("xml escape.valid multi-byte UTF-8 passes unchanged, cut and overlong sequences do not") {
  CHECK(escaped("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80");
  CHECK(escaped("cut\xe4\xb8") == "cut\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(escaped("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(escaped("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
}
