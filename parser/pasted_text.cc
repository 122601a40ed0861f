#include "parser/pasted_text.h"

namespace ftlens {

namespace {

// The UTF-8 length of the Unicode space at `i` and its kind, or {0, 0}.
struct BlankMatch {
  size_t length;
  uint8_t kind;
};
BlankMatch blank_at(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<uint8_t>(s[i + k]) : uint8_t{0}; };
  switch (byte(0)) {
    case '\t': return {1, kTab};
    case 0xC2: return byte(1) == 0xA0 ? BlankMatch{2, kNoBreakSpace} : BlankMatch{0, 0};
    case 0xE1: return byte(1) == 0x9A && byte(2) == 0x80 ? BlankMatch{3, kOtherUnicodeSpace} : BlankMatch{0, 0};
    case 0xE2:
      if (byte(1) == 0x80) {
        const uint8_t third = byte(2);
        if (third == 0x87) return {3, kFigureSpace};
        if (third == 0xAF) return {3, kNoBreakSpace};
        if (third >= 0x80 && third <= 0x8A) return {3, kOtherUnicodeSpace};
      }
      if (byte(1) == 0x81 && byte(2) == 0x9F) return {3, kOtherUnicodeSpace};
      return {0, 0};
    case 0xE3: return byte(1) == 0x80 && byte(2) == 0x80 ? BlankMatch{3, kIdeographicSpace} : BlankMatch{0, 0};
    default: return {0, 0};
  }
}

bool is_ascii_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// `s` without blanks of any kind at either end.
std::string_view trim_all_blanks(std::string_view s) {
  for (;;) {
    if (!s.empty() && is_ascii_blank(s.front())) {
      s.remove_prefix(1);
    } else if (const BlankMatch m = blank_at(s, 0); m.length) {
      s.remove_prefix(m.length);
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && is_ascii_blank(s.back())) {
      s.remove_suffix(1);
      continue;
    }
    // Unicode spaces are 2 or 3 bytes long.
    if (s.size() >= 2 && blank_at(s, s.size() - 2).length == 2) {
      s.remove_suffix(2);
      continue;
    }
    if (s.size() >= 3 && blank_at(s, s.size() - 3).length == 3) {
      s.remove_suffix(3);
      continue;
    }
    break;
  }
  return s;
}

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// Dots and ellipses only (at least two dots or one ellipsis), with blanks
// between them allowed: "...", ". . .", "…".
bool is_dots(std::string_view s) {
  size_t dots = 0;
  while (!s.empty()) {
    if (s.front() == '.') {
      ++dots;
      s.remove_prefix(1);
    } else if (s.starts_with(kEllipsis)) {
      dots += 3;
      s.remove_prefix(kEllipsis.size());
    } else if (s.front() == ' ') {
      s.remove_prefix(1);
    } else {
      return false;
    }
  }
  return dots >= 2;
}

// `s` without dots, ellipses and blanks at either end (".. 생략.." -> "생략").
std::string_view trim_dots(std::string_view s) {
  for (bool changed = true; changed;) {
    changed = false;
    s = trim_all_blanks(s);
    while (!s.empty() && (s.front() == '.' || s.front() == '-')) s.remove_prefix(1), changed = true;
    while (!s.empty() && (s.back() == '.' || s.back() == '-')) s.remove_suffix(1), changed = true;
    if (s.starts_with(kEllipsis)) s.remove_prefix(kEllipsis.size()), changed = true;
    if (s.ends_with(kEllipsis)) s.remove_suffix(kEllipsis.size()), changed = true;
  }
  return s;
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Words bloggers put where they cut a log.
constexpr std::string_view kCutWords[] = {"snip", "snipped", "skip",  "skipped", "omit", "omitted", "cut", "truncated",
                                         "elided", "생략",  "중략", "이하 생략", "하략", "省略",  "略"};

bool is_cut_word(std::string_view s) {
  for (std::string_view word : kCutWords)
    if (equals_ignoring_ascii_case(s, word)) return true;
  return false;
}

// "[x]", "(x)", "<x>", "{x}" -> "x" (once); anything else unchanged.
std::string_view unbracket(std::string_view s) {
  static constexpr std::string_view kPairs[] = {"[]", "()", "<>", "{}"};
  for (std::string_view pair : kPairs)
    if (s.size() >= 2 && s.front() == pair[0] && s.back() == pair[1]) return trim_all_blanks(s.substr(1, s.size() - 2));
  return s;
}

}  // namespace

const char* describe_pasted_blank(uint8_t kinds) {
  if (kinds & kNoBreakSpace) return "a no-break space (U+00A0 or U+202F)";
  if (kinds & kFigureSpace) return "a figure space (U+2007)";
  if (kinds & kIdeographicSpace) return "an ideographic space (U+3000)";
  if (kinds & kOtherUnicodeSpace) return "a Unicode space";
  if (kinds & kTab) return "a tab";
  return nullptr;
}

const char* pasted_blank_name(uint8_t kinds) {
  if (kinds & kNoBreakSpace) return "no-break-space";
  if (kinds & kFigureSpace) return "figure-space";
  if (kinds & kIdeographicSpace) return "ideographic-space";
  if (kinds & kOtherUnicodeSpace) return "unicode-space";
  if (kinds & kTab) return "tab";
  return "";
}

uint8_t plain_spaces(std::string_view line, std::string* out) {
  uint8_t kinds = 0;
  size_t copied = 0;  // bytes of `line` already in `out`
  for (size_t i = 0; i < line.size();) {
    const auto byte = static_cast<uint8_t>(line[i]);
    if (byte != '\t' && byte < 0x80) {
      ++i;
      continue;
    }
    const BlankMatch m = blank_at(line, i);
    if (m.length == 0) {
      ++i;
      continue;
    }
    if (kinds == 0) out->clear();
    kinds |= m.kind;
    out->append(line.substr(copied, i - copied));
    out->push_back(' ');
    i += m.length;
    copied = i;
  }
  if (kinds) out->append(line.substr(copied));
  return kinds;
}

PastedBlankAt find_pasted_blank(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    const auto byte = static_cast<uint8_t>(line[i]);
    if (byte != '\t' && byte < 0x80) continue;
    if (const BlankMatch m = blank_at(line, i); m.length) return {m.kind, i};
  }
  return {};
}

bool is_elision_line(std::string_view line) {
  std::string_view s = trim_all_blanks(line);
  if (s.starts_with("//")) {
    s = trim_all_blanks(s.substr(2));
    if (s.empty()) return false;
  }
  if (is_dots(s)) return true;
  for (int level = 0; level < 2; ++level) {
    const std::string_view inner = unbracket(s);
    if (inner.size() == s.size()) break;
    s = inner;
    if (is_dots(s)) return true;
  }
  return is_cut_word(trim_dots(s));
}

size_t after_quote_marks(std::string_view line, size_t first) {
  size_t at = first;
  while (at < line.size() && line[at] == '>') {
    const size_t next = at + 1;
    if (next < line.size() && line[next] != ' ' && line[next] != '\t' && line[next] != '>') break;
    at = next;
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
  }
  return at;
}

bool is_slash_comment_line(std::string_view line) { return trim_all_blanks(line).starts_with("//"); }

}  // namespace ftlens
