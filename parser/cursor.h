// Bounds-checked reading of a string_view: every read advances the view and
// reports failure instead of reading past the end.
#pragma once

#include <charconv>  // from_chars
#include <cstdint>
#include <optional>
#include <string_view>

namespace ftlens {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  std::string_view rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

  void skip_spaces() {
    size_t i = 0;
    while (i < rest_.size() && (rest_[i] == ' ' || rest_[i] == '\t')) ++i;
    rest_.remove_prefix(i);
  }
  // Consumes `literal` if the text starts with it.
  bool expect(std::string_view literal) {
    if (!rest_.starts_with(literal)) return false;
    rest_.remove_prefix(literal.size());
    return true;
  }
  // Consumes everything up to and including the first `literal`.
  bool skip_past(std::string_view literal) {
    size_t at = rest_.find(literal);
    if (at == std::string_view::npos) return false;
    rest_.remove_prefix(at + literal.size());
    return true;
  }
  // Returns the text before the first `literal` (which stays unread), or
  // nullopt when it does not occur.
  std::optional<std::string_view> read_until(std::string_view literal) {
    size_t at = rest_.find(literal);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view out = rest_.substr(0, at);
    rest_.remove_prefix(at);
    return out;
  }
  // Returns the text up to the next space (or all of it).
  std::string_view read_token() {
    size_t at = rest_.find(' ');
    std::string_view out = rest_.substr(0, at);
    rest_.remove_prefix(out.size());
    return out;
  }
  std::optional<int64_t> read_int() {
    int64_t value = 0;
    auto [p, ec] = std::from_chars(rest_.data(), rest_.data() + rest_.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    rest_.remove_prefix(static_cast<size_t>(p - rest_.data()));
    return value;
  }
  // Hex with or without "0x", as %p prints it ("0xd8c3cb7c", "0000000010064415"),
  // and trace-cmd's "(nil)" for a null pointer.
  std::optional<uint64_t> read_hex() {
    if (expect("(nil)")) return 0;
    expect("0x");
    uint64_t value = 0;
    auto [p, ec] = std::from_chars(rest_.data(), rest_.data() + rest_.size(), value, 16);
    if (ec != std::errc{}) return std::nullopt;
    rest_.remove_prefix(static_cast<size_t>(p - rest_.data()));
    return value;
  }

 private:
  std::string_view rest_;
};

}  // namespace ftlens
