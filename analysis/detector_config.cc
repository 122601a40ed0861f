#include "analysis/detector_config.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <variant>

#include "analysis/json_input.h"
#include "detectors/detector.h"
#include "model/system_model.h"
#include "parser/string_pool.h"
#include "util/closest_name.h"

namespace ftlens {

namespace {

// The model's caps, set as "model.KEY" like a detector's options.
constexpr std::string_view kModelId = "model";
std::vector<Option> model_options(ModelLimits& limits) {
  return {{"max_waiting_tasks", "woken tasks waiting to run followed at once (a count); beyond, counted in "
                                "stats.waiting_tasks_dropped", &limits.max_waiting_tasks},
          {"max_open_work", "workers with a work item open followed at once (a count); beyond, counted in "
                            "stats.open_work_dropped", &limits.max_open_work},
          {"max_data_gaps", "stretches of lost events kept for the findings (a count); beyond, counted in "
                            "stats.data_gaps_dropped", &limits.max_data_gaps},
          {"max_stack_tasks", "tasks whose latest stack trace is kept (a count); beyond, counted in "
                              "stats.stack_tasks_dropped", &limits.max_stack_tasks}};
}

std::optional<std::string> set_in(const std::vector<Option>& options, std::string_view owner, std::string_view what,
                                  std::string_view key, std::string_view value) {
  std::vector<std::string> keys;
  for (const Option& option : options) {
    keys.emplace_back(option.key);
    if (option.key == key) {
      if (Status set = option.set(value); !set.ok()) return std::string(owner) + "." + std::string(key) + ": " + set.message();
      return std::nullopt;
    }
  }
  return std::string(what) + " " + std::string(owner) + " has no option '" + std::string(key) + "'." + did_you_mean_or_list(key, keys);
}

std::optional<std::string> set_option(std::vector<std::unique_ptr<Detector>>& detectors, ModelLimits* model,
                                      std::string_view detector_id, std::string_view key, std::string_view value) {
  if (detector_id == kModelId) {
    if (!model) return std::nullopt;
    return set_in(model_options(*model), kModelId, "the", key, value);
  }
  std::vector<std::string> detector_ids{std::string(kModelId)};
  for (auto& d : detectors) {
    detector_ids.emplace_back(d->id());
    if (d->id() != detector_id) continue;
    return set_in(d->all_options(), detector_id, "detector", key, value);
  }
  return "no detector named '" + std::string(detector_id) + "'." + did_you_mean_or_list(detector_id, detector_ids);
}

std::optional<std::string> apply_config_file(std::vector<std::unique_ptr<Detector>>& detectors, ModelLimits* model,
                                             const std::string& path) {
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
      if (auto err = set_option(detectors, model, detector, key, text)) return path + ": " + *err;
    }
  }
  return std::nullopt;
}

// A default as a user writes it in --set: "500ms", "20s", not "20.000000s".
// The largest unit that keeps it exact.
std::string as_written(const Option& option) {
  const auto* ns = std::get_if<TimeNs*>(&option.target);
  if (!ns) return option.current();
  const TimeNs value = **ns;
  for (auto [unit, scale] : {std::pair{"s", 1'000'000'000LL}, std::pair{"ms", 1'000'000LL}, std::pair{"us", 1'000LL}})
    if (value % scale == 0) return std::to_string(value / scale) + unit;
  return std::to_string(value) + "ns";
}

}  // namespace

std::string describe_detector_options() {
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  std::string out;
  ModelLimits limits;
  for (const Option& o : model_options(limits))
    out += "  " + std::string(kModelId) + "." + std::string(o.key) + " (default " + as_written(o) + "): " +
           std::string(o.description) + "\n";
  for (auto& d : detectors)
    for (const Option& o : d->all_options())
      out += "  " + std::string(d->id()) + "." + std::string(o.key) + " (default " + as_written(o) + "): " +
             std::string(o.description) + "\n";
  return out;
}

std::optional<std::string> configure_detectors(std::vector<std::unique_ptr<Detector>>& detectors,
                                               const std::string& config_path, const std::vector<std::string>& sets,
                                               ModelLimits* model) {
  if (!config_path.empty())
    if (auto err = apply_config_file(detectors, model, config_path)) return err;
  for (const std::string& assignment : sets) {
    size_t dot = assignment.find('.'), eq = assignment.find('=');
    if (dot == std::string::npos || eq == std::string::npos || dot > eq) return "--set " + assignment + ": expected DETECTOR.KEY=VALUE";
    if (auto err = set_option(detectors, model, std::string_view(assignment).substr(0, dot),
                              std::string_view(assignment).substr(dot + 1, eq - dot - 1),
                              std::string_view(assignment).substr(eq + 1)))
    {
      // "--set foo.bar=1: no detector named 'foo'. ..."; a bad value names
      // its option already ("--set non-preempted.error: not a duration").
      const std::string_view name = std::string_view(assignment).substr(0, eq);
      if (err->starts_with(std::string(name) + ": ")) return "--set " + *err;
      return "--set " + assignment + ": " + *err;
    }
  }
  return std::nullopt;
}

}  // namespace ftlens
