#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "exporters/json_escape.h"

using ftlens::append_json_string;

namespace {
std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
}  // namespace

TEST_CASE("json escape.quotes, backslashes and control bytes are escaped") {
  CHECK(escaped("a\"b") == "\"a\\\"b\"");
  CHECK(escaped("a\\b") == "\"a\\\\b\"");
  CHECK(escaped("a\nb\tc") == "\"a\\nb\\tc\"");
  CHECK(escaped(std::string("x\x01y\x7f", 4)) == "\"x\\u0001y\x7f\"");
  CHECK(escaped(std::string("nul\0", 4)) == "\"nul\\u0000\"");
}

TEST_CASE("json escape.valid UTF-8 passes and invalid bytes become U+FFFD") {
  CHECK(escaped("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(escaped("\xe4\xb8\xad") == "\"\xe4\xb8\xad\"");
  CHECK(escaped("bad\xff") == "\"bad\\ufffd\"");
  CHECK(escaped("cut\xe4\xb8") == "\"cut\\ufffd\\ufffd\"");
  CHECK(escaped("\xc0\xaf") == "\"\\ufffd\\ufffd\"");         // overlong '/'
  CHECK(escaped("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
}

TEST_CASE("json escape.every byte string gives JSON that parses back") {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  auto parsed = nlohmann::json::parse(escaped(all), nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  CHECK(parsed.get<std::string>().substr(0, 32).size() == 32);
}

TEST_CASE("json escape.bytes 0xF5-0xFF never start a sequence, even when continuation bytes follow") {
  std::string out;
  append_json_string(out, "a\xfb\xa3\x84z\xf8\x88\x80\x80\xff");
  CHECK(out == "\"a\\ufffd\\ufffd\\ufffdz\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
  CHECK_FALSE(nlohmann::json::parse(out, nullptr, false).is_discarded());
}
