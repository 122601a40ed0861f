// The analysis side of `ftlens record --live`: the detectors and the pipeline
// that the recording decodes its events into, and what they would report if
// the trace ended now.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/pipeline.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"

namespace ftlens {

class LiveAnalysis {
 public:
  // Every detector, with the options of a config file and assignments
  // applied; nullptr and the error (one line) when they do not apply.
  static std::unique_ptr<LiveAnalysis> create(const std::string& config_path, const std::vector<std::string>& sets,
                                              std::string* error);

  StringPool& strings() { return strings_; }
  Pipeline& pipeline() { return *pipeline_; }
  bool empty() const { return pipeline_->model().empty(); }

  // The findings' part of the report (an array) if the trace ended now. The
  // model and the detectors are forked: the child closes every open span,
  // collects the findings on its copy and sends them back as JSON; this
  // process's state is untouched and recording goes on. Every detector works
  // live this way, unchanged, with exactly the findings a later `analyze`
  // would give for the trace up to this point. An empty array when the fork
  // fails.
  nlohmann::ordered_json findings_if_ended_now();

 private:
  LiveAnalysis() = default;

  StringPool strings_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace ftlens
