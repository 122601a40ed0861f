// Detector options from the command line and config files: a JSON file of
// {"detector": {"key": value}} and "detector.key=value" assignments, applied
// to the detectors' typed Options (detectors/options.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ftlens {

class Detector;
struct ModelLimits;

// Applies a JSON config file and "detector.key=value" assignments to the
// detectors, and "model.key=value" to `model` (the model's caps; without
// `model`, those are left alone); returns the first error (one line).
std::optional<std::string> configure_detectors(std::vector<std::unique_ptr<Detector>>& detectors,
                                               const std::string& config_path, const std::vector<std::string>& sets,
                                               ModelLimits* model = nullptr);

// "detector.key (default): description" for every option, for --help output.
std::string describe_detector_options();

}  // namespace ftlens
