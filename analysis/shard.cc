#include "analysis/shard.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "analysis/json_input.h"
#include "exporters/scan_report.h"

namespace ftlens {

namespace {

// Past these a shard section is damaged, not a scan: no allocation is sized
// by a count read from a part.
constexpr int64_t kMaxShards = 100'000;
// How many missing shards an error names.
constexpr int64_t kMissingShardsNamed = 10;

}  // namespace

std::optional<Shard> parse_shard(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Shard s;
  auto a = std::from_chars(text.data(), text.data() + slash, s.index);
  auto b = std::from_chars(text.data() + slash + 1, text.data() + text.size(), s.count);
  if (a.ec != std::errc{} || a.ptr != text.data() + slash || b.ec != std::errc{} || b.ptr != text.data() + text.size())
    return std::nullopt;
  if (s.count < 1 || s.index < 1 || s.index > s.count) return std::nullopt;
  return s;
}

bool in_shard(std::string_view relative_path, const Shard& shard) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : relative_path) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash % static_cast<uint64_t>(shard.count) == static_cast<uint64_t>(shard.index - 1);
}

MergedEntries merge_shard_entries(const std::vector<std::string>& part_paths) {
  MergedEntries out;
  int64_t count = 0, found = -1;
  std::vector<std::string> part_of_index;  // by shard index: which part file
  // (position in the whole scan, entry); `filled` by position. Sized by the
  // entries the parts hold, never by a count a part claims.
  std::vector<std::pair<int64_t, nlohmann::ordered_json>> slots;
  std::vector<int64_t> times;  // by slot
  std::vector<bool> filled;
  for (const std::string& path : part_paths) {
    auto read = read_json_file<nlohmann::ordered_json>(path, kScanReportInput);
    if (!read.ok()) {
      out.error = read.status().message();
      return out;
    }
    nlohmann::ordered_json& part = *read;
    if (!part.is_object() || !part.contains("shard") || !part.contains("traces")) {
      out.error = path + ": not a shard report (written by ftlens scan without --shard?)";
      return out;
    }
    const auto& shard = part["shard"];
    auto& traces = part["traces"];
    if (!shard.is_object() || !traces.is_array()) {
      out.error = path + ": malformed \"shard\" section (\"shard\" must be an object and \"traces\" an array)";
      return out;
    }
    const auto field = [&](const char* key, int64_t min, int64_t max) {
      return shard.contains(key) ? json_integer_in(shard[key], min, max) : std::nullopt;
    };
    const auto n = field("count", 1, kMaxShards), total = field("found", 0, kMaxScanTraces);
    const auto index = n ? field("index", 1, *n) : std::nullopt;
    if (!n || !index || !total) {
      out.error = path + ": malformed \"shard\" section (\"count\" must be an integer from 1 to " +
                  std::to_string(kMaxShards) + ", \"index\" from 1 to the count, \"found\" from 0 to " +
                  std::to_string(kMaxScanTraces) + ")";
      return out;
    }
    const auto& positions = shard.contains("positions") ? shard["positions"] : nlohmann::ordered_json();
    if (!positions.is_array() || positions.size() != traces.size()) {
      out.error = path + ": malformed \"shard\" section (\"positions\" must list one position per trace)";
      return out;
    }
    auto skipped = part.contains("skipped") ? std::move(part["skipped"]) : nlohmann::ordered_json::array();
    if (Status wrong = check_skipped_list(skipped); !wrong.ok()) {
      out.error = path + ": " + wrong.message();
      return out;
    }
    const auto& part_times = shard.contains("analysis_ns") ? shard["analysis_ns"] : nlohmann::ordered_json();
    const bool timed = part_times.is_array() && part_times.size() == traces.size();
    if (count == 0) {
      if (part.contains("scan") && part["scan"].is_object() && part["scan"].contains("roots") &&
          part["scan"]["roots"].is_array())
        for (const auto& root : part["scan"]["roots"])
          if (root.is_string()) out.roots.push_back(root);
      out.skipped = std::move(skipped);
      count = *n;
      found = *total;
      part_of_index.assign(static_cast<size_t>(count) + 1, "");
      filled.assign(static_cast<size_t>(found), false);
    } else if (*n == count && *total == found && skipped != out.skipped) {
      out.error = path + ": lists other skipped files than " + part_paths.front() + ": parts of different scans";
      return out;
    } else if (*n != count || *total != found) {
      out.error = path + ": shard " + std::to_string(*index) + "/" + std::to_string(*n) + " of a scan that found " +
                  std::to_string(*total) + " traces does not belong with " + part_paths.front() + " (" +
                  std::to_string(count) + " shards, " + std::to_string(found) + " traces)";
      return out;
    }
    if (!part_of_index[static_cast<size_t>(*index)].empty()) {
      out.error = path + ": shard " + std::to_string(*index) + "/" + std::to_string(*n) + " was already given (" +
                  part_of_index[static_cast<size_t>(*index)] + ")";
      return out;
    }
    part_of_index[static_cast<size_t>(*index)] = path;
    for (size_t i = 0; i < positions.size(); ++i) {
      if (!positions[i].is_number_integer()) {
        out.error = path + ": malformed \"shard\" section (a position that is not an integer)";
        return out;
      }
      if (Status wrong = check_trace_entry(traces[i]); !wrong.ok()) {
        out.error = path + ": " + wrong.message();
        return out;
      }
      const auto at = json_integer_in(positions[i], 0, found - 1);
      if (!at || filled[static_cast<size_t>(*at)]) {
        out.error = path + ": trace position " + positions[i].dump() + " is out of range or held by another shard";
        return out;
      }
      filled[static_cast<size_t>(*at)] = true;
      slots.emplace_back(*at, std::move(traces[i]));
      times.push_back(timed ? json_integer_in(part_times[i], 0, INT64_MAX).value_or(0) : 0);
    }
  }
  if (count == 0) {
    out.error = "no shard reports given";
    return out;
  }
  std::string missing;
  int64_t missing_count = 0;
  for (int64_t i = 1; i <= count; ++i)
    if (part_of_index[static_cast<size_t>(i)].empty() && ++missing_count <= kMissingShardsNamed) {
      if (!missing.empty()) missing += ", ";
      missing += std::to_string(i) + "/" + std::to_string(count);
    }
  if (missing_count > kMissingShardsNamed) missing += " and " + std::to_string(missing_count - kMissingShardsNamed) + " more";
  if (!missing.empty()) {
    out.error = "shard " + missing + " missing: a merge of the others would look complete but is not";
    return out;
  }
  for (size_t i = 0; i < filled.size(); ++i) {
    if (!filled[i]) {
      out.error = "trace position " + std::to_string(i) + " is in no shard report";
      return out;
    }
  }
  std::vector<size_t> order(slots.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return slots[a].first < slots[b].first; });
  for (size_t i : order) {
    out.entries.push_back(std::move(slots[i].second));
    out.analysis_ns.push_back(times[i]);
  }
  return out;
}

}  // namespace ftlens
