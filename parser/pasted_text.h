// Trace text that went through a web page, a blog editor or a chat before it
// reached us. Such text keeps the kernel's columns but not its bytes: spaces
// become U+00A0 no-break spaces (a post's own HTML `&nbsp;`), figure or
// ideographic spaces, or tabs, and the author cuts the boring part out with a
// line such as `// snip` or `...`. The text parser reads plain ASCII lines
// without any of this; a line that fails there, or whose columns look
// touched, comes here to be made plain and read again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ftlens {

// The kinds of blanks a pasted line may hold where the kernel printed a
// space, as bits.
enum PastedBlank : uint8_t {
  kNoBreakSpace = 1,        // U+00A0, and U+202F narrow no-break space
  kFigureSpace = 2,         // U+2007
  kIdeographicSpace = 4,    // U+3000 (CJK input methods)
  kOtherUnicodeSpace = 8,   // U+1680, U+2000-U+200A, U+205F
  kTab = 16,
};

// Words for the first kind set in `kinds` ("a no-break space (U+00A0)"), or
// nullptr when none is.
const char* describe_pasted_blank(uint8_t kinds);

// A short name for the report: "no-break-space", "figure-space",
// "ideographic-space", "unicode-space", "tab" ("" for 0).
const char* pasted_blank_name(uint8_t kinds);

// `line` with every Unicode space (UTF-8) and every tab replaced by one ASCII
// space, into `out`. Returns the kinds it replaced (0: the line is plain and
// `out` is untouched). Other bytes, UTF-8 comms included, are kept.
uint8_t plain_spaces(std::string_view line, std::string* out);

// The first Unicode space or tab in `line`: its kind (0 if none) and byte
// offset.
struct PastedBlankAt {
  uint8_t kind = 0;
  size_t column = 0;
};
PastedBlankAt find_pasted_blank(std::string_view line);

// A line that says lines were left out here, alone on its line (blanks of
// any kind around it): `...`, `…`, `[...]`, `(...)`, `<...>`, `<snip>`,
// `(snip)`, `[snip]`, `-- snip --`, and the same after `//`: `// skip`,
// `// snip`, `// omitted`, `// ...`, `// 생략`, `// .. 생략..`, `// 중략`
// (Korean: omitted, omitted in the middle), `// 省略` (Chinese, Japanese).
// `#` lines stay the trace's header and comments.
bool is_elision_line(std::string_view line);

// Where the line goes on after the quote marks of an email reply that start
// at `first` ("> ", ">> ", "> > ", each '>' followed by a blank, another
// '>' or the end), at the next non-blank byte or the end; `first` when
// there are none. No trace line starts with '>': the kernel pads a task's
// name with spaces, and "=>" starts a stack frame.
size_t after_quote_marks(std::string_view line, size_t first);

// A blogger's note between pasted trace lines: `// end of ftrace log`. Not
// data, and not damage either.
bool is_slash_comment_line(std::string_view line);

}  // namespace ftlens
