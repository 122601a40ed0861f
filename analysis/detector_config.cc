#include "analysis/detector_config.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include "analysis/json_input.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"

namespace ftlens {

namespace {

std::optional<std::string> set_option(std::vector<std::unique_ptr<Detector>>& detectors, std::string_view detector_id,
                                      std::string_view key, std::string_view value) {
  for (auto& d : detectors) {
    if (d->id() != detector_id) continue;
    for (const Option& option : d->all_options())
      if (option.key == key) {
        if (Status set = option.set(value); !set.ok())
          return std::string(detector_id) + "." + std::string(key) + ": " + set.message();
        return std::nullopt;
      }
    return "detector " + std::string(detector_id) + " has no option '" + std::string(key) + "'";
  }
  return "no detector named '" + std::string(detector_id) + "'";
}

std::optional<std::string> apply_config_file(std::vector<std::unique_ptr<Detector>>& detectors, const std::string& path) {
  auto read = read_json_file<nlohmann::json>(path, kConfigInput);
  if (!read.ok()) return read.status().message();
  const nlohmann::json& config = *read;
  if (!config.is_object()) return path + ": not a JSON object of {\"detector\": {\"key\": value}}";
  for (const auto& [detector, keys] : config.items()) {
    if (!keys.is_object()) return path + ": \"" + detector + "\" must map option names to values";
    for (const auto& [key, value] : keys.items()) {
      std::string text;
      if (value.is_string()) text = value.get<std::string>();
      else if (value.is_array()) {
        for (const auto& item : value) {
          if (!text.empty()) text += ',';
          text += item.is_string() ? item.get<std::string>() : item.dump();
        }
      } else text = value.dump();
      if (auto err = set_option(detectors, detector, key, text)) return path + ": " + *err;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string describe_detector_options() {
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  std::string out;
  for (auto& d : detectors)
    for (const Option& o : d->all_options())
      out += "  " + std::string(d->id()) + "." + std::string(o.key) + " (default " + o.current() + "): " +
             std::string(o.description) + "\n";
  return out;
}

std::optional<std::string> configure_detectors(std::vector<std::unique_ptr<Detector>>& detectors,
                                               const std::string& config_path, const std::vector<std::string>& sets) {
  if (!config_path.empty())
    if (auto err = apply_config_file(detectors, config_path)) return err;
  for (const std::string& assignment : sets) {
    size_t dot = assignment.find('.'), eq = assignment.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot > eq) return "--set " + assignment + ": expected DETECTOR.KEY=VALUE";
    if (auto err = set_option(detectors, std::string_view(assignment).substr(0, dot),
                              std::string_view(assignment).substr(dot + 1, eq - dot - 1),
                              std::string_view(assignment).substr(eq + 1)))
      return "--set " + *err;
  }
  return std::nullopt;
}

}  // namespace ftlens
