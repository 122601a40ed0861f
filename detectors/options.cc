#include "detectors/options.h"

#include <boost/spirit/home/x3.hpp>

#include "parser/timestamp.h"

namespace ftlens {

namespace x3 = boost::spirit::x3;

std::optional<TimeNs> parse_duration(std::string_view text) {
  // uint ['.' digits] [unit]; the fraction is kept as digits so that "1.05s"
  // is exactly 1050000000 ns, never rounded through a double.
  struct Units : x3::symbols<int64_t> {
    Units() { add("s", 1000000000)("ms", 1000000)("us", 1000)("ns", 1); }
  } const units;
  uint64_t whole = 0;
  std::string fraction;
  int64_t scale = 1000000000;
  auto set_whole = [&](auto& ctx) { whole = x3::_attr(ctx); };
  auto set_fraction = [&](auto& ctx) { fraction.assign(x3::_attr(ctx).begin(), x3::_attr(ctx).end()); };
  auto set_unit = [&](auto& ctx) { scale = x3::_attr(ctx); };
  auto first = text.begin();
  const auto grammar = x3::uint64[set_whole] >> -('.' >> x3::raw[+x3::digit][set_fraction]) >> -units[set_unit];
  if (!x3::parse(first, text.end(), grammar) || first != text.end()) return std::nullopt;
  if (whole > static_cast<uint64_t>(INT64_MAX / scale)) return std::nullopt;
  auto ns = static_cast<TimeNs>(whole) * scale;
  int64_t place = scale / 10;
  for (char digit : fraction) {
    if (place == 0) break;  // finer than a nanosecond
    ns += (digit - '0') * place;
    place /= 10;
  }
  return ns;
}

Status Option::set(std::string_view value) const {
  if (auto* ns = std::get_if<TimeNs*>(&target)) {
    auto parsed = parse_duration(value);
    if (!parsed)
      return Status(ErrorCode::kBadArgument,
                    "expected a duration such as 20s, 500ms or 100us, got '" + std::string(value) + "'");
    **ns = *parsed;
  } else if (auto* flag = std::get_if<bool*>(&target)) {
    if (value == "true" || value == "1" || value == "on") **flag = true;
    else if (value == "false" || value == "0" || value == "off") **flag = false;
    else return Status(ErrorCode::kBadArgument, "expected true or false, got '" + std::string(value) + "'");
  } else if (auto* number = std::get_if<uint64_t*>(&target)) {
    uint64_t parsed = 0;
    auto first = value.begin();
    if (!x3::parse(first, value.end(), x3::uint64, parsed) || first != value.end())
      return Status(ErrorCode::kBadArgument, "expected a count such as 1000, got '" + std::string(value) + "'");
    **number = parsed;
  } else if (auto* list = std::get_if<std::vector<std::string>*>(&target)) {
    (*list)->clear();
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string_view item = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (!item.empty()) (*list)->emplace_back(item);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return ok_status();
}

std::string Option::current() const {
  if (auto* ns = std::get_if<TimeNs*>(&target)) return format_duration(**ns);
  if (auto* flag = std::get_if<bool*>(&target)) return **flag ? "true" : "false";
  if (auto* number = std::get_if<uint64_t*>(&target)) return std::to_string(**number);
  std::string out;
  for (const auto& item : **std::get_if<std::vector<std::string>*>(&target)) out += (out.empty() ? "" : ",") + item;
  return out;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++, resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1, t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace ftlens
