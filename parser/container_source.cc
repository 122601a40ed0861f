#include "parser/container_source.h"

#include <algorithm>  // min
#include <cstring>    // memcpy
#include <vector>

namespace ftlens {

namespace {

// atrace prints a line or two ("capturing trace... done") before "TRACE:".
constexpr size_t kAtraceHeaderBytes = 4096;
constexpr size_t kFilterInBytes = 64 * 1024;
// `var linuxPerfData = "\` with its indentation fits; a longer line is not it.
constexpr size_t kLegacyLineHeadBytes = 96;
constexpr size_t kJsonKeyBytes = 32;
constexpr std::string_view kSystemTraceKey = "systemTraceEvents";

bool is_zlib_header(std::string_view bytes) {
  if (bytes.size() < 2) return false;
  const auto cmf = static_cast<unsigned char>(bytes[0]), flg = static_cast<unsigned char>(bytes[1]);
  // Deflate, a window of at most 32 KiB, and the check bits (RFC 1950 2.2).
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

// Where the zlib stream of `atrace -z` output starts, npos when `head` is
// not that. Before it: lines of text, the last one "TRACE:". `crlf`: the
// lines end in CR LF, as `adb shell` on a terminal turns every LF of the
// output into, the compressed bytes included.
size_t atrace_zlib_start(std::string_view head, bool* crlf) {
  head = head.substr(0, kAtraceHeaderBytes);
  for (size_t at = 0; at < head.size();) {
    const size_t end = head.find('\n', at);
    if (end == std::string_view::npos) return std::string_view::npos;
    std::string_view line = head.substr(at, end - at);
    const bool cr = !line.empty() && line.back() == '\r';
    if (cr) line.remove_suffix(1);
    if (line == "TRACE:") {
      if (!is_zlib_header(head.substr(end + 1))) return std::string_view::npos;
      *crlf = cr;
      return end + 1;
    }
    for (char c : line)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return std::string_view::npos;
    at = end + 1;
  }
  return std::string_view::npos;
}

size_t first_non_space(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
  return i;
}

// --- A decoder that turns each chunk of its input into output as it comes.
class FilterSource : public ContainerSource {
 public:
  explicit FilterSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)), in_(kFilterInBytes) {}
  ssize_t read(char* buf, size_t size) final {
    while (out_at_ == out_.size()) {
      if (failed_) return -1;
      if (ended_) return 0;
      out_.clear();
      out_at_ = 0;
      const ssize_t n = inner_->read(in_.data(), in_.size());
      if (n < 0) {
        error_ = inner_->error();
        failed_ = true;
      } else if (n == 0) {
        ended_ = true;
        failed_ = !finish(out_);
      } else {
        decode(std::string_view(in_.data(), static_cast<size_t>(n)), out_);
      }
    }
    const size_t n = std::min(size, out_.size() - out_at_);
    std::memcpy(buf, out_.data() + out_at_, n);
    out_at_ += n;
    return static_cast<ssize_t>(n);
  }
  uint64_t raw_bytes() const final { return inner_->raw_bytes(); }

 protected:
  // Appends what `in` stands for; at most a few times its size.
  virtual void decode(std::string_view in, std::string& out) = 0;
  // At the end of the input; false, with error_ said, when it ended inside
  // what was being decoded or never held it.
  virtual bool finish(std::string& out) = 0;

 private:
  std::unique_ptr<ByteSource> inner_;
  std::vector<char> in_;
  std::string out_;  // reused: its capacity settles after the first chunks
  size_t out_at_ = 0;
  bool ended_ = false, failed_ = false;
};

// --- CR LF back to LF, for compressed bytes that went through a terminal.
class CrlfSource final : public FilterSource {
 public:
  using FilterSource::FilterSource;
  std::string_view container() const override { return {}; }

 protected:
  void decode(std::string_view in, std::string& out) override {
    for (char c : in) {
      if (held_cr_ && c != '\n') out.push_back('\r');
      held_cr_ = c == '\r';
      if (!held_cr_) out.push_back(c);
    }
  }
  bool finish(std::string& out) override {
    if (held_cr_) out.push_back('\r');
    return true;
  }

 private:
  bool held_cr_ = false;
};

// --- atrace -z: the status lines become blank lines (so that line numbers
// of the header stay those of the file), "TRACE:" stays (the text parser
// knows it: systrace text), the zlib stream is inflated after it.
class AtraceZlibSource final : public ContainerSource {
 public:
  explicit AtraceZlibSource(std::unique_ptr<ByteSource> inner) : inner_(std::move(inner)) {}
  std::string_view container() const override { return "atrace-zlib"; }
  ssize_t read(char* buf, size_t size) override {
    if (!stream_ && !open_stream()) return -1;
    const ssize_t n = stream_->read(buf, size);
    if (n < 0) error_ = stream_->error();
    return n;
  }
  uint64_t raw_bytes() const override { return stream_ ? stream_->raw_bytes() : inner_->raw_bytes(); }
  std::string damage() const override { return zlib_ ? zlib_->note() : std::string(); }

 private:
  bool open_stream() {
    std::string head(kAtraceHeaderBytes + 2, '\0');  // + the zlib header
    const ssize_t n = read_full(*inner_, head.data(), head.size());
    if (n < 0) {
      error_ = inner_->error();
      return false;
    }
    head.resize(static_cast<size_t>(n));
    bool crlf = false;
    const size_t start = atrace_zlib_start(head, &crlf);
    if (start == std::string::npos) {
      error_ = "atrace -z: no \"TRACE:\" line followed by zlib data in the first 4 KiB";
      return false;
    }
    const size_t lines = static_cast<size_t>(std::count(head.begin(), head.begin() + static_cast<ptrdiff_t>(start), '\n'));
    std::unique_ptr<ByteSource> compressed = with_prefix(head.substr(start), std::move(inner_));
    if (crlf) compressed = std::make_unique<CrlfSource>(std::move(compressed));
    std::unique_ptr<ByteSource> zlib = open_zlib_source(std::move(compressed), "atrace -z");
    zlib_ = zlib.get();
    stream_ = with_prefix(std::string(lines - 1, '\n') + "TRACE:\n", std::move(zlib));
    return true;
  }

  std::unique_ptr<ByteSource> inner_;
  std::unique_ptr<ByteSource> stream_;
  const ByteSource* zlib_ = nullptr;  // inside stream_
};

// --- The body of a quoted string, JSON's or JavaScript's, decoded a byte at
// a time, so that an escape may break across reads.
class QuotedString {
 public:
  enum class Syntax { kJson, kJavaScript };
  explicit QuotedString(Syntax syntax) : syntax_(syntax) {}

  void open() {
    state_ = State::kText;
    high_surrogate_ = 0;
  }
  bool closed() const { return state_ == State::kClosed; }
  // Escapes the syntax does not have, lone surrogates, and line breaks
  // written as they are (neither syntax allows them): kept as they stand.
  uint64_t malformed() const { return malformed_; }

  // Takes the bytes after the opening quote, appending what they stand for,
  // up to and with the closing quote; returns how many it took.
  size_t take(std::string_view in, std::string& out) {
    size_t i = 0;
    while (i < in.size() && state_ != State::kClosed) {
      const char c = in[i];
      switch (state_) {
        case State::kText: {
          if (c != '\\') end_surrogate(out);
          size_t run = i;
          while (run < in.size() && in[run] != '"' && in[run] != '\\' && in[run] != '\n') ++run;
          out.append(in.data() + i, run - i);
          i = run;
          if (i == in.size()) break;
          if (in[i] == '"') state_ = State::kClosed;
          else if (in[i] == '\\') state_ = State::kEscape;
          else ++malformed_, out.push_back('\n');
          ++i;
          break;
        }
        case State::kEscape:
          ++i;
          state_ = State::kText;
          if (c != 'u') end_surrogate(out);
          escape(c, out);
          break;
        case State::kEscapeCr:  // JavaScript: `\` CR LF continues the line as `\` LF does
          state_ = State::kText;
          if (c == '\n') ++i;
          break;
        case State::kHex: {
          const int digit = hex_digit(c);
          if (digit < 0) {  // `\u12` then something else
            ++malformed_;
            append_utf8(0xfffd, out);
            state_ = State::kText;
            break;
          }
          ++i;
          code_ = code_ * 16 + static_cast<uint32_t>(digit);
          if (--hex_left_ == 0) {
            state_ = State::kText;
            code_point(out);
          }
          break;
        }
        case State::kClosed: break;
      }
    }
    if (state_ == State::kClosed) end_surrogate(out);
    return i;
  }

 private:
  enum class State { kText, kEscape, kEscapeCr, kHex, kClosed };

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  void escape(char c, std::string& out) {
    switch (c) {
      case 'n': out.push_back('\n'); return;
      case 't': out.push_back('\t'); return;
      case 'r': out.push_back('\r'); return;
      case 'b': out.push_back('\b'); return;
      case 'f': out.push_back('\f'); return;
      case '"': case '\\': case '/': out.push_back(c); return;
      case 'u':
        start_hex(4, true);
        return;
      default: break;
    }
    if (syntax_ == Syntax::kJson) {
      ++malformed_;
      out.push_back('\\');
      out.push_back(c);
      return;
    }
    switch (c) {
      case '\n': return;  // a line continuation
      case '\r': state_ = State::kEscapeCr; return;
      case 'v': out.push_back('\v'); return;
      case '0': out.push_back('\0'); return;
      case 'x': start_hex(2, false); return;
      default: out.push_back(c); return;  // `\'`, and JavaScript's identity escapes
    }
  }

  void start_hex(int digits, bool utf16) {
    state_ = State::kHex;
    hex_left_ = digits;
    code_ = 0;
    utf16_ = utf16;
  }

  void code_point(std::string& out) {
    if (!utf16_) return append_utf8(code_, out);
    if (code_ >= 0xdc00 && code_ <= 0xdfff && high_surrogate_ != 0) {
      append_utf8(0x10000 + ((high_surrogate_ - 0xd800) << 10) + (code_ - 0xdc00), out);
      high_surrogate_ = 0;
      return;
    }
    end_surrogate(out);
    if (code_ >= 0xd800 && code_ <= 0xdbff) {
      high_surrogate_ = code_;  // its low half comes in the next escape
      return;
    }
    if (code_ >= 0xdc00 && code_ <= 0xdfff) {
      ++malformed_;
      code_ = 0xfffd;
    }
    append_utf8(code_, out);
  }

  // A high surrogate not followed by its low half.
  void end_surrogate(std::string& out) {
    if (high_surrogate_ == 0) return;
    high_surrogate_ = 0;
    ++malformed_;
    append_utf8(0xfffd, out);
  }

  static void append_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  Syntax syntax_;
  State state_ = State::kText;
  int hex_left_ = 0;
  bool utf16_ = false;
  uint32_t code_ = 0;
  uint32_t high_surrogate_ = 0;
  uint64_t malformed_ = 0;
};

// `var linuxPerfData = "\` alone on its line (the viewer's own script holds
// the same words inside a regular expression, not alone on a line).
bool is_legacy_string_start(std::string_view line) {
  auto skip_blanks = [&line] {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  };
  auto take = [&line](std::string_view word) {
    if (!line.starts_with(word)) return false;
    line.remove_prefix(word.size());
    return true;
  };
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  skip_blanks();
  if (!take("var")) return false;
  const size_t before = line.size();
  skip_blanks();
  if (line.size() == before || !take("linuxPerfData")) return false;
  skip_blanks();
  if (!take("=")) return false;
  skip_blanks();
  return line == "\"\\";
}

// --- A systrace page. Lines pass through as they are until the legacy
// string starts; its line becomes the opening tag of a trace-data block
// (what the text parser reads in a newer page), the string's lines become
// the text they stand for, and its closing quote becomes `</script>` on the
// last of them, so that every line keeps its number in the file.
class SystraceHtmlSource final : public FilterSource {
 public:
  explicit SystraceHtmlSource(std::unique_ptr<ByteSource> inner)
      : FilterSource(std::move(inner)), text_(QuotedString::Syntax::kJavaScript) {}
  std::string_view container() const override { return found_ ? "systrace-legacy-html" : ""; }
  std::string damage() const override {
    if (text_.malformed() == 0) return {};
    return "systrace-legacy-html: " + std::to_string(text_.malformed()) +
           " line breaks or escapes in the linuxPerfData string are not JavaScript's and were read as they stand";
  }

 protected:
  void decode(std::string_view in, std::string& out) override {
    size_t i = 0;
    while (i < in.size()) {
      switch (state_) {
        case State::kLineHead: {
          const char c = in[i];
          if (c == '\n') {
            ++i;
            const std::string_view line(head_, head_bytes_);
            head_bytes_ = 0;
            if (is_legacy_string_start(line)) {
              found_ = true;
              state_ = State::kString;
              text_.open();
              out.append(kLegacyTraceBlockOpen);
              out.push_back('\n');
            } else {
              out.append(line);
              out.push_back('\n');
            }
          } else if (head_bytes_ == kLegacyLineHeadBytes) {
            out.append(head_, head_bytes_);
            head_bytes_ = 0;
            state_ = State::kRestOfLine;
          } else {
            head_[head_bytes_++] = c;
            ++i;
          }
          break;
        }
        case State::kRestOfLine: {
          const size_t end = in.find('\n', i);
          const size_t stop = end == std::string_view::npos ? in.size() : end + 1;
          out.append(in.data() + i, stop - i);
          i = stop;
          if (end != std::string_view::npos) state_ = State::kLineHead;
          break;
        }
        case State::kString: {
          // The string's last line break is held back: the closing quote
          // puts `</script>` in front of it.
          const size_t mark = out.size();
          if (held_newline_) out.push_back('\n'), held_newline_ = false;
          i += text_.take(in.substr(i), out);
          const bool ends_in_newline = out.size() > mark && out.back() == '\n';
          if (text_.closed()) {
            if (ends_in_newline) out.pop_back();
            out.append("</script>");
            state_ = State::kRestOfLine;
          } else if (ends_in_newline) {
            out.pop_back();
            held_newline_ = true;
          }
          break;
        }
      }
    }
  }

  bool finish(std::string& out) override {
    if (held_newline_) out.push_back('\n');
    if (state_ == State::kString) {
      error_ = "systrace-legacy-html: the linuxPerfData string breaks off before its closing quote (truncated file?)";
      return false;
    }
    out.append(head_, head_bytes_);
    return true;
  }

 private:
  enum class State { kLineHead, kRestOfLine, kString };
  State state_ = State::kLineHead;
  char head_[kLegacyLineHeadBytes];
  size_t head_bytes_ = 0;
  bool found_ = false, held_newline_ = false;
  QuotedString text_;
};

// --- Chrome trace JSON: everything is skipped (strings, nesting) but the
// top-level "systemTraceEvents" string, which is decoded; the first one
// counts. The input is read to its end, so that input.bytes is the file's.
class TraceJsonSource final : public FilterSource {
 public:
  explicit TraceJsonSource(std::unique_ptr<ByteSource> inner)
      : FilterSource(std::move(inner)), text_(QuotedString::Syntax::kJson) {}
  std::string_view container() const override { return "trace-json"; }
  std::string damage() const override {
    if (text_.malformed() == 0) return {};
    return "trace-json: " + std::to_string(text_.malformed()) +
           " escapes or control bytes in the systemTraceEvents string are not JSON's and were read as they stand";
  }

 protected:
  void decode(std::string_view in, std::string& out) override {
    size_t i = 0;
    while (i < in.size()) {
      if (decoding_) {
        i += text_.take(in.substr(i), out);
        if (text_.closed()) decoding_ = false, decoded_ = true;
        continue;
      }
      if (in_string_) {
        i = skip_string(in, i);
        continue;
      }
      const char c = in[i++];
      const bool at_top = depth_ == 1 && top_is_object_;
      switch (c) {
        case ' ': case '\t': case '\n': case '\r': break;
        case '"':
          in_string_ = true;
          if (at_top && expect_key_) {
            expect_key_ = false;
            key_ = true;
            key_bytes_ = 0;
            key_escaped_ = false;
          } else if (at_top && value_is_text_) {
            value_is_text_ = false;
            if (!decoded_) {
              in_string_ = false;
              decoding_ = true;
              text_.open();
            }
          }
          break;
        case ':':
          if (at_top && key_done_) {
            key_done_ = false;
            value_is_text_ = !key_escaped_ && std::string_view(key_text_, key_bytes_) == kSystemTraceKey;
          }
          break;
        case ',':
          if (at_top) expect_key_ = true, value_is_text_ = false;
          break;
        case '{': case '[':
          if (at_top && value_is_text_) not_text_ = true, value_is_text_ = false;
          if (depth_ == 0) top_is_object_ = c == '{', expect_key_ = top_is_object_;
          ++depth_;
          break;
        case '}': case ']':
          if (depth_ > 0) --depth_;
          break;
        default:
          if (at_top && value_is_text_) not_text_ = true, value_is_text_ = false;
          break;
      }
    }
  }

  bool finish(std::string&) override {
    if (decoding_) {
      error_ = "trace-json: the systemTraceEvents string breaks off before its closing quote (truncated file?)";
      return false;
    }
    if (!decoded_) {
      error_ = not_text_ ? "trace-json: systemTraceEvents is not a string of ftrace text (another system tracer's events?)"
                         : "trace-json: no systemTraceEvents string, so no ftrace text (a Chrome or Perfetto JSON trace without "
                           "the kernel's part, such as a browser's trace or ftlens's own export)";
      return false;
    }
    return true;
  }

 private:
  // A string that is skipped, or a key that is kept (its first 32 bytes).
  size_t skip_string(std::string_view in, size_t i) {
    for (; i < in.size(); ++i) {
      const char c = in[i];
      if (escaped_) {
        escaped_ = false;
        key_escaped_ = key_escaped_ || key_;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
        if (key_) key_ = false, key_done_ = true;
        return i + 1;
      } else if (key_) {
        if (key_bytes_ == kJsonKeyBytes) key_escaped_ = true;  // too long to be ours
        else key_text_[key_bytes_++] = c;
      }
    }
    return i;
  }

  uint64_t depth_ = 0;
  bool top_is_object_ = false;
  bool in_string_ = false, escaped_ = false;
  bool expect_key_ = false, key_ = false, key_done_ = false, key_escaped_ = false;
  char key_text_[kJsonKeyBytes];
  size_t key_bytes_ = 0;
  bool value_is_text_ = false, not_text_ = false, decoding_ = false, decoded_ = false;
  QuotedString text_;
};

}  // namespace

Container sniff_container(std::string_view head) {
  bool crlf = false;
  if (atrace_zlib_start(head, &crlf) != std::string_view::npos) return Container::kAtraceZlib;
  const std::string_view text = head.substr(first_non_space(head));
  // As the text parser tells an HTML page.
  if (text.starts_with("<!DOCTYPE") || text.starts_with("<!doctype") || text.starts_with("<html"))
    return Container::kSystraceHtml;
  if (text.starts_with("{") && (text.find("\"traceEvents\"") != std::string_view::npos ||
                                text.find("\"systemTraceEvents\"") != std::string_view::npos))
    return Container::kTraceJson;
  return Container::kNone;
}

std::unique_ptr<ContainerSource> open_container_source(Container container, std::unique_ptr<ByteSource> inner) {
  switch (container) {
    case Container::kAtraceZlib: return std::make_unique<AtraceZlibSource>(std::move(inner));
    case Container::kSystraceHtml: return std::make_unique<SystraceHtmlSource>(std::move(inner));
    case Container::kTraceJson: return std::make_unique<TraceJsonSource>(std::move(inner));
    case Container::kNone: break;
  }
  return nullptr;
}

}  // namespace ftlens
