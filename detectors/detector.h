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
  // A kernel log line (dmesg input or --dmesg), printk time in ns or -1.
  virtual void on_log_line(TimeNs /*at*/, std::string_view /*text*/) {}
  // After SystemModel::finish(): report what is still open at the trace end.
  virtual void finish(const SystemModel&) {}

  // Moves out every finding reported so far.
  std::vector<Finding> take_findings() { return std::move(findings_); }

 protected:
  // Records a finding under this detector's id.
  void report(Finding finding) {
    finding.detector = std::string(id());
    findings_.push_back(std::move(finding));
  }

 private:
  std::vector<Finding> findings_;
};

// Every detector this build has, in report order.
std::vector<std::unique_ptr<Detector>> make_all_detectors(const DetectorContext& context);

}  // namespace ftlens
