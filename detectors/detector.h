// The interface every detector implements. A detector sees typed events and
// the model's closed spans, never text, and reports Findings at the end.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "detectors/finding.h"
#include "detectors/options.h"
#include "model/system_model.h"

namespace ftlens {

class StringPool;

struct DetectorContext {
  const StringPool& strings;
};

class Detector : public TimelineListener {
 public:
  // The CONTRACT.md id, also the prefix of its options ("non-preempted").
  virtual std::string_view id() const = 0;
  // The detector's thresholds, bound to its config struct.
  virtual std::vector<Option> options() = 0;
  // After the model has applied `event`.
  virtual void on_event(const Event&, const SystemModel&) {}
  // After SystemModel::finish(): append findings.
  virtual void finish(const SystemModel& model, std::vector<Finding>& out) = 0;
};

// Every detector this build has, in report order.
std::vector<std::unique_ptr<Detector>> make_all_detectors(const DetectorContext& context);

}  // namespace ftlens
