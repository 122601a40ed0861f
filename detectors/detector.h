// The interface every detector implements. A detector sees typed events and
// the model's closed spans, never text, and reports Findings at the end.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <vector>

#include "detectors/finding.h"
#include "detectors/options.h"
#include "model/system_model.h"

namespace ftlens {

class StringPool;
struct KernelReport;

struct DetectorContext {
  const StringPool& strings;
};

// A set of event types, bit i for EventType i: which events a detector's
// on_event needs. The pipeline calls on_event for those only, so a detector
// that works from the model's spans costs nothing per event.
using EventTypeMask = uint64_t;
static_assert(static_cast<size_t>(EventType::kCount_) <= 64, "EventTypeMask has a bit per EventType");
inline constexpr EventTypeMask kAllEventTypes = ~EventTypeMask{0};
constexpr EventTypeMask event_types(std::initializer_list<EventType> types) {
  EventTypeMask mask = 0;
  for (EventType t : types) mask |= EventTypeMask{1} << static_cast<unsigned>(t);
  return mask;
}

// Which of the model's span callbacks (TimelineListener) a detector needs.
// The pipeline calls only those: every irq, softirq and timer closes a span.
using SpanKindMask = uint8_t;
inline constexpr SpanKindMask kTaskSpans = 1, kWorkDone = 2, kHandlerSpans = 4, kWakeupsServed = 8,
                               kFunctionCalls = 16;
inline constexpr SpanKindMask kAllSpanKinds = kTaskSpans | kWorkDone | kHandlerSpans | kWakeupsServed | kFunctionCalls;

class Detector : public TimelineListener {
 public:
  // The CONTRACT.md id, also the prefix of its options ("non-preempted").
  virtual std::string_view id() const = 0;
  // Which finding is the root cause when findings of several detectors share
  // a group (correlate.h): the lowest rank. Ranks go by tens, from what did
  // not finish or stopped a CPU (unterminated work 10, a held lock 20, a
  // silent CPU 30) through what that starves (40-60) to symptoms (missed
  // watchdog kicks 80) and the kernel's own reports (100); a new detector
  // picks the place between them where its findings belong.
  virtual int cause_rank() const = 0;
  // Whether its findings relay what something else reported (the kernel's
  // own lockup and stall lines) rather than what the trace shows: such a
  // finding joins a group by its task as well as its CPU and lists the
  // findings it explains.
  virtual bool relays_reports() const { return false; }
  // The detector's thresholds, bound to its config struct.
  virtual std::vector<Option> options() = 0;
  // Those and the options every detector has (max_findings): what
  // --set and --config reach.
  std::vector<Option> all_options();
  // The event types on_event needs (default: every event).
  virtual EventTypeMask wanted_events() const { return kAllEventTypes; }
  bool wants(EventType type) const { return (wanted_events() >> static_cast<unsigned>(type)) & 1U; }
  // The events it needs the trace to hold before it can judge: every entry
  // is met by an event of any one of its types. Without them its silence
  // would not mean "nothing found", and what it would find is built on what
  // the model had to guess (a task the model repaired onto a CPU is not one
  // that ran there), so a detector whose needs are not met is not judged: it
  // reports no findings and the report says which events were missing
  // (analysis/coverage.h). Default: none, always judged.
  virtual std::vector<EventTypeMask> needed_events() const { return {}; }
  // The span callbacks it overrides (default: all of them).
  virtual SpanKindMask wanted_spans() const { return kAllSpanKinds; }
  // After the model has applied `event`, for the types in wanted_events().
  virtual void on_event(const Event&, const SystemModel&) {}
  // A kernel log line (dmesg input or --dmesg), printk time in ns or -1.
  virtual void on_log_line(TimeNs /*at*/, std::string_view /*text*/) {}
  // A report the kernel printed (parser/kernel_report_parser.h), from the
  // log or from console events; all of them before finish().
  virtual void on_kernel_report(const KernelReport&) {}
  // After SystemModel::finish(): report what is still open at the trace end.
  virtual void finish(const SystemModel&) {}

  // Findings one detector lists at most (max_findings): beyond, the worst
  // are kept and the rest fold into one finding that counts them, so that
  // the report's size is bounded by configuration, not by the input.
  static constexpr uint64_t kDefaultMaxFindings = 1000;

  // Moves out every finding reported so far: at most max_findings of them,
  // plus the fold finding when more were reported.
  std::vector<Finding> take_findings();
  // What the detector had to drop (findings folded, items beyond its caps).
  const ModelStats& stats() const { return stats_; }

 protected:
  // Records a finding under this detector's id and cause rank.
  void report(Finding finding);
  // Counts an item dropped at one of the detector's caps.
  void count(ModelStat stat, uint64_t n = 1) { stats_.add(stat, n); }

 private:
  std::vector<Finding> findings_;  // a heap, least bad on top, once full
  uint64_t max_findings_ = kDefaultMaxFindings;
  // The findings folded: how many of each severity, and their time range.
  std::array<uint64_t, 3> folded_{};
  TimeNs folded_first_ = 0, folded_last_ = 0;
  ModelStats stats_;
};

// Every detector this build has, in report order (the list is in
// detectors/CMakeLists.txt).
std::vector<std::unique_ptr<Detector>> make_all_detectors(const DetectorContext& context);

}  // namespace ftlens
