// "Did you mean" for names the user typed: the known name a typo most
// likely came from, by edit distance (a swap of two neighbouring letters
// counts as one edit, as in "anlayze"). The one place ftlens guesses at
// subcommands, options and detector names.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftlens {

// Insertions, deletions, substitutions and adjacent swaps from `a` to `b`.
inline size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the table: the one before the previous is for swaps.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({previous[j] + 1, row[j - 1] + 1, substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, row);
  }
  return previous[b.size()];
}

// The candidate closest to `typed`, when it is close enough to be a typo of
// it (at most one edit in three letters, and never a whole rewrite); the
// first of equally close ones.
inline std::optional<std::string> closest_name(std::string_view typed, const std::vector<std::string>& candidates) {
  const size_t allowed = std::max<size_t>(1, typed.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    const size_t d = edit_distance(typed, candidate);
    if (d < best_distance && d < std::max(typed.size(), candidate.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

// " Did you mean 'analyze'?" to append to an error, or "" when no name is close.
inline std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates) {
  const auto closest = closest_name(typed, candidates);
  return closest ? " Did you mean '" + *closest + "'?" : "";
}

// " Did you mean 'analyze'?" when a name is close, else " It is one of:
// a, b, c." so that the user sees what there is.
inline std::string did_you_mean_or_list(std::string_view typed, const std::vector<std::string>& candidates) {
  if (const auto closest = closest_name(typed, candidates)) return " Did you mean '" + *closest + "'?";
  std::string list;
  for (const std::string& candidate : candidates) list += (list.empty() ? " It is one of: " : ", ") + candidate;
  return list.empty() ? list : list + ".";
}

}  // namespace ftlens
