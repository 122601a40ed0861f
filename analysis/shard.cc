#include "analysis/shard.h"

#include <charconv>
#include <fstream>

#include "exporters/scan_report.h"

namespace ftlens {

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
  int count = 0;
  int64_t found = -1;
  std::vector<std::string> part_of_index;  // by shard index: which part file
  std::vector<nlohmann::ordered_json> slots;
  std::vector<bool> filled;
  for (const std::string& path : part_paths) {
    std::ifstream in(path);
    auto part = nlohmann::ordered_json::parse(in, nullptr, false);
    if (!in || part.is_discarded() || !part.is_object()) {
      out.error = path + ": cannot read a JSON scan report";
      return out;
    }
    if (!part.contains("shard") || !part.contains("traces")) {
      out.error = path + ": not a shard report (written by ftlens scan without --shard?)";
      return out;
    }
    const auto& shard = part["shard"];
    const int index = shard.value("index", 0), n = shard.value("count", 0);
    const int64_t total = shard.value("found", int64_t{-1});
    const auto& positions = shard["positions"];
    if (n < 1 || index < 1 || index > n || total < 0 || !positions.is_array() || positions.size() != part["traces"].size()) {
      out.error = path + ": malformed \"shard\" section";
      return out;
    }
    if (count == 0) {
      count = n;
      found = total;
      part_of_index.assign(static_cast<size_t>(n) + 1, "");
      slots.assign(static_cast<size_t>(total), nullptr);
      filled.assign(static_cast<size_t>(total), false);
    } else if (n != count || total != found) {
      out.error = path + ": shard " + std::to_string(index) + "/" + std::to_string(n) + " of a scan that found " +
                  std::to_string(total) + " traces does not belong with " + part_paths.front() + " (" +
                  std::to_string(count) + " shards, " + std::to_string(found) + " traces)";
      return out;
    }
    if (!part_of_index[static_cast<size_t>(index)].empty()) {
      out.error = path + ": shard " + std::to_string(index) + "/" + std::to_string(n) + " was already given (" +
                  part_of_index[static_cast<size_t>(index)] + ")";
      return out;
    }
    part_of_index[static_cast<size_t>(index)] = path;
    for (size_t i = 0; i < positions.size(); ++i) {
      if (!positions[i].is_number_integer()) {
        out.error = path + ": malformed \"shard\" section (a position that is not an integer)";
        return out;
      }
      if (Status wrong = check_trace_entry(part["traces"][i]); !wrong.ok()) {
        out.error = path + ": " + wrong.message();
        return out;
      }
      const int64_t at = positions[i].get<int64_t>();
      if (at < 0 || at >= found || filled[static_cast<size_t>(at)]) {
        out.error = path + ": trace position " + std::to_string(at) + " is out of range or held by another shard";
        return out;
      }
      filled[static_cast<size_t>(at)] = true;
      slots[static_cast<size_t>(at)] = part["traces"][i];
    }
  }
  if (count == 0) {
    out.error = "no shard reports given";
    return out;
  }
  std::string missing;
  for (int i = 1; i <= count; ++i)
    if (part_of_index[static_cast<size_t>(i)].empty()) {
      if (!missing.empty()) missing += ", ";
      missing += std::to_string(i) + "/" + std::to_string(count);
    }
  if (!missing.empty()) {
    out.error = "shard " + missing + " missing: a merge of the others would look complete but is not";
    return out;
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    if (!filled[i]) {
      out.error = "trace position " + std::to_string(i) + " is in no shard report";
      return out;
    }
    out.entries.push_back(std::move(slots[i]));
  }
  return out;
}

}  // namespace ftlens
