// Splitting a scan over machines: `ftlens scan --shard K/N` analyzes the
// traces whose root-relative path hashes to slice K of N, and writes which
// positions of the whole scan they hold; `ftlens merge` puts the shard
// reports back together into the report one machine would have written.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftlens {

struct Shard {
  int index = 0;  // 1-based
  int count = 0;
};

// "K/N" with 1 <= K <= N; nullopt otherwise.
std::optional<Shard> parse_shard(std::string_view text);

// Whether a trace belongs to `shard`. Decided by a hash (FNV-1a, 64 bit) of
// its path relative to the scan root it was found under: the same on every
// machine and every night, whatever the mount point, and a trace keeps its
// shard when the archive grows.
bool in_shard(std::string_view relative_path, const Shard& shard);

// The most traces a merged scan can hold (a part claiming more is damaged).
inline constexpr int64_t kMaxScanTraces = 10'000'000;

// The parts' trace entries in the order of the whole scan, or an error naming
// the part and what is wrong (a shard missing or given twice, parts from
// different scans, a file that is not a shard report). Parts are read with
// analysis/json_input.h's limits, and their counts are range-checked.
struct MergedEntries {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  // The files the scan did not analyze: every part lists all of them.
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  nlohmann::ordered_json roots = nlohmann::ordered_json::array();  // the scan's, as the first part lists them
  std::vector<int64_t> analysis_ns;  // by entry, from the parts' shard.analysis_ns (0 where a part has none)
  std::string error;
};
MergedEntries merge_shard_entries(const std::vector<std::string>& part_paths);

}  // namespace ftlens
