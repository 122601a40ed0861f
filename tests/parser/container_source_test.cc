#include <doctest/doctest.h>
#include <sys/resource.h>  // getrusage
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <tuple>
#include <string>
#include <vector>

#include "parser/container_source.h"

using namespace ftlens;

namespace {

const std::string kText =
    "# tracer: nop\n"
    "#\n"
    "          atrace-14662 (14662) [000] ...1 50260.647576: sched_switch: prev_comm=atrace prev_pid=14662 "
    "prev_prio=120 prev_state=S ==> next_comm=kworker/0:0 next_pid=13696 next_prio=120\n"
    "     kworker/0:0-13696 (13696) [000] ...1 50260.647602: tracing_mark_write: B|13696|say \"hi\" C:\\tmp\ttab\n";

// Hands out `data` in reads whose sizes cycle through `sizes`, so that a
// decoder sees its input break at every offset.
class ChunkedSource final : public ByteSource {
 public:
  ChunkedSource(std::string data, std::vector<size_t> sizes) : data_(std::move(data)), sizes_(std::move(sizes)) {}
  ssize_t read(char* buf, size_t size) override {
    size_t n = std::min({size, data_.size() - at_, sizes_[turn_++ % sizes_.size()]});
    std::memcpy(buf, data_.data() + at_, n);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  uint64_t raw_bytes() const override { return at_; }

 private:
  std::string data_;
  std::vector<size_t> sizes_;
  size_t at_ = 0, turn_ = 0;
};

// Makes bytes without holding them: `size` bytes of `pattern` after `head`.
class GeneratedSource final : public ByteSource {
 public:
  GeneratedSource(std::string head, std::string pattern, uint64_t size, std::string tail)
      : head_(std::move(head)), pattern_(std::move(pattern)), tail_(std::move(tail)), size_(size) {}
  ssize_t read(char* buf, size_t size) override {
    size_t n = 0;
    while (n < size) {
      if (at_ < head_.size()) buf[n++] = head_[at_];
      else if (at_ < head_.size() + size_) buf[n++] = pattern_[(at_ - head_.size()) % pattern_.size()];
      else if (at_ < head_.size() + size_ + tail_.size()) buf[n++] = tail_[at_ - head_.size() - size_];
      else break;
      ++at_;
    }
    return static_cast<ssize_t>(n);
  }
  uint64_t raw_bytes() const override { return at_; }

 private:
  std::string head_, pattern_, tail_;
  uint64_t size_, at_ = 0;
};

struct Decoded {
  std::string text;
  uint64_t bytes = 0;
  bool failed = false;
  std::string error, container, damage;
  uint64_t raw_bytes = 0;
};

// `keep`: false counts the bytes and keeps none of them.
Decoded decode(Container container, std::unique_ptr<ByteSource> inner, size_t read_size = 4096, bool keep = true) {
  auto source = open_container_source(container, std::move(inner));
  Decoded d;
  std::vector<char> buf(read_size);
  for (;;) {
    ssize_t n = source->read(buf.data(), buf.size());
    if (n < 0) {
      d.failed = true;
      d.error = source->error();
      break;
    }
    if (n == 0) break;
    d.bytes += static_cast<uint64_t>(n);
    if (keep) d.text.append(buf.data(), static_cast<size_t>(n));
  }
  d.container = std::string(source->container());
  d.damage = source->damage();
  d.raw_bytes = source->raw_bytes();
  return d;
}

Decoded decode(Container container, const std::string& bytes, std::vector<size_t> sizes) {
  return decode(container, std::make_unique<ChunkedSource>(bytes, std::move(sizes)));
}

// Every way of cutting the input into reads of 1..13 bytes, and a few
// uneven patterns, gives `expected`.
void check_every_cut(Container container, const std::string& bytes, const std::string& expected) {
  std::vector<std::vector<size_t>> patterns = {{1 << 20}, {7, 1, 3}, {2, 11, 5, 1}};
  for (size_t n = 1; n <= 13; ++n) patterns.push_back({n});
  for (const auto& sizes : patterns) {
    CAPTURE(sizes[0]);
    Decoded d = decode(container, bytes, sizes);
    CHECK_FALSE(d.failed);
    CHECK(d.text == expected);
    CHECK(d.raw_bytes == bytes.size());
  }
}

std::string zlib_bytes(const std::string& text) {
  uLongf size = compressBound(text.size());
  std::string out(size, '\0');
  REQUIRE(compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(text.data()),
                    text.size(), Z_DEFAULT_COMPRESSION) == Z_OK);
  out.resize(size);
  return out;
}

std::string js_string_lines(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\\n\\\n";
    else if (c == '"' || c == '\\') out += '\\', out += c;
    else out += c;
  }
  return out;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '"' || c == '\\') out += '\\', out += c;
    else out += c;
  }
  return out + "\"";
}

size_t lines_of(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

const std::string kLegacyHead =
    "<!DOCTYPE HTML>\n<html>\n<head>\n<title>Android System Trace</title>\n"
    "<script language=\"javascript\">if (/^  var linuxPerfData = \"\\\\$/.test(l)) legacy();</script>\n"
    "</head>\n<body>\n  <div class=\"view\">\n  </div>\n  <script>\n  var linuxPerfData = \"\\\n";
const std::string kLegacyTail = "\";\n  var timelineViewEl;\n  </script>\n</body>\n</html>\n";

}  // namespace

TEST_CASE("containers are recognised from their first bytes, and plain text is left to the text parser") {
  CHECK(sniff_container("capturing trace... done\nTRACE:\n" + zlib_bytes(kText)) == Container::kAtraceZlib);
  CHECK(sniff_container("TRACE:\r\n" + zlib_bytes(kText)) == Container::kAtraceZlib);
  CHECK(sniff_container("capturing trace... done\nTRACE:\n" + kText) == Container::kNone);  // atrace without -z
  CHECK(sniff_container("TRACE:\n\x78\x02") == Container::kNone);  // the check bits are wrong
  CHECK(sniff_container(kLegacyHead) == Container::kSystraceHtml);
  CHECK(sniff_container("\n<!DOCTYPE html>\n<html>") == Container::kSystraceHtml);
  CHECK(sniff_container("  {\"traceEvents\": [], \"systemTraceEvents\": \"\"}") == Container::kTraceJson);
  CHECK(sniff_container("{\"systemTraceEvents\": \"# tracer: nop\\n\"") == Container::kTraceJson);
  CHECK(sniff_container("{\"schema\": 1, \"tool\": {\"name\": \"ftlens\"}}") == Container::kNone);
  CHECK(sniff_container(kText) == Container::kNone);
}

TEST_CASE("atrace -z output inflates to the text after TRACE:, its status lines left blank, however the reads break") {
  const std::string expected = "\nTRACE:\n" + kText;
  check_every_cut(Container::kAtraceZlib, "capturing trace... done\nTRACE:\n" + zlib_bytes(kText), expected);
  CHECK(decode(Container::kAtraceZlib, "TRACE:\n" + zlib_bytes(kText), {5}).container == "atrace-zlib");
}

TEST_CASE("atrace -z output that went through a terminal (every LF made CR LF) inflates all the same") {
  std::string output = "capturing trace... done\nTRACE:\n" + zlib_bytes(kText + kText + kText), crlf;
  for (char c : output) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  check_every_cut(Container::kAtraceZlib, crlf, "\nTRACE:\n" + kText + kText + kText);
}

TEST_CASE("atrace -z output cut short or damaged gives the text before the damage, then an error that says so") {
  const std::string whole = "TRACE:\n" + zlib_bytes(kText + kText + kText + kText);
  Decoded cut = decode(Container::kAtraceZlib, whole.substr(0, whole.size() - 6), {3});
  CHECK(cut.failed);
  CHECK(cut.error == "atrace -z: unexpected end of compressed data (truncated file)");
  CHECK(cut.text.starts_with("TRACE:\n# tracer: nop\n"));

  std::string flipped = whole;
  flipped[12] = static_cast<char>(flipped[12] ^ 0x55);
  Decoded bad = decode(Container::kAtraceZlib, flipped, {64});
  CHECK(bad.failed);
  CHECK(bad.error.starts_with("atrace -z: corrupt compressed data ("));
}

TEST_CASE("a legacy systrace page's string becomes a trace-data block, every line keeping its number") {
  const std::string page = kLegacyHead + js_string_lines(kText) + kLegacyTail;
  // The string's line becomes the opening tag; its last line break gives way
  // to the closing tag, which the text parser reads as a block's end.
  std::string text = kText;
  text.pop_back();
  const std::string expected = kLegacyHead.substr(0, kLegacyHead.rfind("  var")) + std::string(kLegacyTraceBlockOpen) +
                               "\n" + text + "</script>;\n  var timelineViewEl;\n  </script>\n</body>\n</html>\n";
  check_every_cut(Container::kSystraceHtml, page, expected);
  CHECK(lines_of(expected) == lines_of(page) - 1);  // the string's `";` line joins its last line
  Decoded d = decode(Container::kSystraceHtml, page, {9});
  CHECK(d.container == "systrace-legacy-html");
  CHECK(d.damage.empty());
}

TEST_CASE("a legacy string with CR LF line ends, and JavaScript's other escapes, decodes as JavaScript reads it") {
  const std::string page = kLegacyHead + "a\\x41\\u00e9\\u{1}\\'b\\n\\\r\nc\\n\";\n";
  // `\u{1}` is not read (only four-digit \u escapes are): counted, kept as U+FFFD.
  Decoded d = decode(Container::kSystraceHtml, page, {1});
  CHECK_FALSE(d.failed);
  CHECK(d.text.ends_with(std::string(kLegacyTraceBlockOpen) + "\naA\xc3\xa9\xef\xbf\xbd{1}'b\nc</script>;\n"));
  CHECK(d.damage.find("1 line breaks or escapes") != std::string::npos);
}

TEST_CASE("a legacy string whose lines lack the continuation is read all the same, each bare line break counted") {
  // `\n` then a bare line break, twice; the last line as it should be.
  Decoded d = decode(Container::kSystraceHtml, kLegacyHead + "# tracer: nop\\n\na\\n\nb\\n\\\n\";\n", {3});
  CHECK_FALSE(d.failed);
  CHECK(d.text.ends_with(std::string(kLegacyTraceBlockOpen) + "\n# tracer: nop\n\na\n\nb</script>;\n"));
  CHECK(d.damage.starts_with("systrace-legacy-html: 2 line breaks or escapes"));
}

TEST_CASE("a newer systrace page passes through byte for byte and claims no container") {
  std::string page = "<!DOCTYPE html>\n<html>\n<script class=\"trace-data\" type=\"application/text\">\n" + kText +
                     "  </script>\n" + std::string(300, 'x') + "\n</html>";
  check_every_cut(Container::kSystraceHtml, page, page);
  CHECK(decode(Container::kSystraceHtml, page, {7}).container.empty());
}

TEST_CASE("a legacy string that never closes is an error, after the text it held") {
  Decoded d = decode(Container::kSystraceHtml, kLegacyHead + js_string_lines(kText), {100});
  CHECK(d.failed);
  CHECK(d.error.find("linuxPerfData string breaks off before its closing quote") != std::string::npos);
  CHECK(d.text.find("tracing_mark_write: B|13696|say \"hi\" C:\\tmp\ttab") != std::string::npos);
}

TEST_CASE("trace JSON gives its systemTraceEvents string, before or after traceEvents, however the reads break") {
  const std::string events =
      "[{\"name\": \"a \\\"systemTraceEvents\\\" b\", \"args\": {\"systemTraceEvents\": \"not this\"}}, [1, {\"x\": [\"]}\"]}]]";
  check_every_cut(Container::kTraceJson,
                  "{\"traceEvents\": " + events + ", \"systemTraceEvents\": " + json_string(kText) + ", \"metadata\": {}}",
                  kText);
  check_every_cut(Container::kTraceJson,
                  "{\n  \"systemTraceEvents\" : " + json_string(kText) + ",\n  \"traceEvents\": " + events + "\n}\n", kText);
  CHECK(decode(Container::kTraceJson, "{\"systemTraceEvents\": \"x\"}", {3}).container == "trace-json");
}

TEST_CASE("trace JSON escapes decode to UTF-8, surrogate pairs joined, lone halves counted") {
  Decoded d = decode(Container::kTraceJson,
                     "{\"systemTraceEvents\": \"\\u00e9\\u20ac\\ud83d\\ude00\\/\\b\\f\\r|\\ud800x|\\udc00|\\q\"}", {2});
  CHECK_FALSE(d.failed);
  CHECK(d.text == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\b\f\r|\xef\xbf\xbdx|\xef\xbf\xbd|\\q");
  CHECK(d.damage == "trace-json: 3 escapes or control bytes in the systemTraceEvents string are not JSON's and were "
                    "read as they stand");
}

TEST_CASE("trace JSON without ftrace text, or with its string cut, is an error that says which") {
  Decoded none = decode(Container::kTraceJson, "{\"traceEvents\": [{\"systemTraceEvents\": \"nested\"}]}", {4});
  CHECK(none.failed);
  CHECK(none.error.find("no systemTraceEvents string") != std::string::npos);
  Decoded object = decode(Container::kTraceJson, "{\"systemTraceEvents\": {\"type\": \"fuchsia\"}}", {4});
  CHECK(object.failed);
  CHECK(object.error.find("is not a string of ftrace text") != std::string::npos);
  Decoded cut = decode(Container::kTraceJson, "{\"systemTraceEvents\": " + json_string(kText).substr(0, 40), {4});
  CHECK(cut.failed);
  CHECK(cut.error.find("string breaks off before its closing quote") != std::string::npos);
  CHECK(cut.text == kText.substr(0, 37));  // 39 bytes of the string, "\n" twice
  // A key longer than any the decoder keeps is not taken for the one it wants.
  Decoded long_key = decode(Container::kTraceJson, "{\"" + std::string(100, 'k') + "systemTraceEvents\": \"x\"}", {4});
  CHECK(long_key.failed);
}

TEST_CASE("128 MiB of traceEvents before the text, and a 16 MiB line in a page, go by in constant memory") {
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  const std::string event = "{\"ph\": \"X\", \"name\": \"a]\\\"}\"}, ";
  Decoded json = decode(Container::kTraceJson,
                        std::make_unique<GeneratedSource>("{\"traceEvents\": [", event, (uint64_t{128} << 20) / event.size() * event.size(),
                                                          "0], \"systemTraceEvents\": \"# tracer: nop\\n\"}"),
                        1 << 17);
  CHECK_FALSE(json.failed);
  CHECK(json.text == "# tracer: nop\n");
  const std::string head = "<!DOCTYPE HTML>\n<script>", tail = "\n</html>\n";
  Decoded page = decode(Container::kSystraceHtml,
                        std::make_unique<GeneratedSource>(head, "var linuxPerfData = ", uint64_t{16} << 20, tail), 1 << 17,
                        /*keep=*/false);
  CHECK_FALSE(page.failed);
  CHECK(page.bytes == head.size() + (uint64_t{16} << 20) + tail.size());
  getrusage(RUSAGE_SELF, &after);
  CHECK(after.ru_maxrss - before.ru_maxrss < 16 * 1024);  // KiB: buffers, not the input
}

TEST_CASE("bytes after the end of atrace -z's zlib stream are passed over and counted, however the reads break") {
  const std::string trailer = std::string("UM\x87\xd0\xa8xm:r", 10) + std::string(500, '\x5a');
  const std::string bytes = "TRACE:\n" + zlib_bytes(kText) + trailer;
  std::vector<std::vector<size_t>> patterns = {{1 << 20}, {7, 1, 3}};
  for (size_t n = 1; n <= 9; ++n) patterns.push_back({n});
  for (const auto& sizes : patterns) {
    CAPTURE(sizes[0]);
    Decoded d = decode(Container::kAtraceZlib, bytes, sizes);
    CHECK_FALSE(d.failed);
    CHECK(d.text == "TRACE:\n" + kText);
    CHECK(d.damage == "atrace -z: 510 bytes after the end of the compressed data, passed over");
  }
}

TEST_CASE("gzip members back to back are one stream; bytes after the last member are passed over and counted") {
  auto gzip_bytes = [](const std::string& text) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(compressBound(text.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
  };
  const std::string two = gzip_bytes("first\n") + gzip_bytes("second\n");
  for (size_t read : {size_t{1}, size_t{3}, size_t{1 << 16}}) {
    CAPTURE(read);
    for (const auto& [input, trailing] : {std::pair{two, std::string()}, std::pair{two + std::string(40, '\0'), std::string(
                                              "gzip: 40 bytes after the end of the compressed data, passed over")}}) {
      auto source = open_gzip_source(std::make_unique<ChunkedSource>(input, std::vector<size_t>{read}));
      std::string out;
      std::vector<char> buf(7);
      for (ssize_t n; (n = source->read(buf.data(), buf.size())) > 0;) out.append(buf.data(), static_cast<size_t>(n));
      CHECK(source->error().empty());
      CHECK(out == "first\nsecond\n");
      CHECK(source->note() == trailing);
    }
  }
}

TEST_CASE("a zlib stream read out a byte at a time gives every byte, whole or cut, as big reads do") {
  std::string text;
  for (int i = 0; i < 200; ++i) text += kText;  // long matches, copied out of the window
  const std::string whole = zlib_bytes(text);
  for (size_t keep : {whole.size(), whole.size() - 4, whole.size() / 2}) {
    CAPTURE(keep);
    std::string big, small;
    bool big_failed = false, small_failed = false;
    for (auto [out, failed, size] : {std::tuple<std::string*, bool*, size_t>{&big, &big_failed, 1 << 16},
                                     std::tuple<std::string*, bool*, size_t>{&small, &small_failed, 1}}) {
      auto source = open_zlib_source(std::make_unique<ChunkedSource>(whole.substr(0, keep), std::vector<size_t>{5}), "t");
      std::vector<char> buf(size);
      for (ssize_t n; (n = source->read(buf.data(), buf.size())) != 0;) {
        if (n < 0) {
          *failed = true;
          break;
        }
        out->append(buf.data(), static_cast<size_t>(n));
      }
    }
    CHECK(small == big);
    CHECK(small_failed == big_failed);
    CHECK(small_failed == (keep != whole.size()));
    CHECK(text.starts_with(small));
  }
}
