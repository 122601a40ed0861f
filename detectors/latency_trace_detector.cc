// latency-trace: the maximum a latency tracer measured (irqsoff,
// preemptoff, preemptirqsoff: a section with interrupts or preemption off;
// wakeup, wakeup_rt, wakeup_dl: the highest-priority task's wait from its
// wakeup to running), as its header states it. The trace below the header
// is that section, so the finding spans the CPU's events from its start.
#include <limits>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct LatencyTraceConfig {
  // A section this long with interrupts or preemption off, or a wakeup
  // latency this long, is worth a look: 1 ms is far beyond what an
  // RT-minded kernel allows (cyclictest targets are tens of microseconds).
  TimeNs warning = 1'000'000;
  // This long stalls the CPU's interrupts, timers and scheduling for as long
  // as a user notices (a 100 Hz tick is 10 ms).
  TimeNs error = 10'000'000;
};

// What the latency is, in words, for the message.
std::string what_was_measured(std::string_view tracer) {
  if (tracer == "irqsoff") return "interrupts were off";
  if (tracer == "preemptoff") return "preemption was off";
  if (tracer == "preemptirqsoff") return "interrupts or preemption were off";
  if (tracer == "wakeup_rt") return "the highest-priority RT task waited from its wakeup to running";
  if (tracer == "wakeup_dl") return "the deadline task waited from its wakeup to running";
  return "the highest-priority task waited from its wakeup to running";
}

class LatencyTraceDetector final : public Detector {
 public:
  explicit LatencyTraceDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "latency-trace"; }
  // A CPU that kept interrupts or preemption off starved everything behind
  // it: a cause, just after a held lock.
  int cause_rank() const override { return 25; }
  SpanKindMask wanted_spans() const override { return 0; }
  EventTypeMask wanted_events() const override { return event_types({EventType::kLatencyMax}); }
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kLatencyMax})}; }
  std::vector<Option> options() override {
    return {{"warning", "the latency tracer's measured maximum -> warning (below: info)", &config_.warning},
            {"error", "the latency tracer's measured maximum -> error", &config_.error}};
  }

  void on_event(const Event& e, const SystemModel&) override {
    if (e.type != EventType::kLatencyMax) return;
    // One per header; a file of several recordings has several.
    if (maxima_.size() == kMaxMaxima) {
      ++dropped_;
      return;
    }
    maxima_.push_back(e);
    maxima_.back().payload = {};  // a view into the parser's line
  }

  void finish(const SystemModel& model) override {
    for (const Event& e : maxima_) {
      const TimeNs latency = e.number;
      Finding f;
      f.severity = latency >= config_.error ? Severity::kError
                   : latency >= config_.warning ? Severity::kWarning : Severity::kInfo;
      f.cpu = e.cpu;
      if (e.pid >= 0) {
        f.pid = e.pid;
        f.comm = std::string(strings_.view(e.comm));
      }
      const CpuTimeline* cpu = model.cpu(e.cpu);
      f.start = cpu ? cpu->first_event : model.first_event();
      f.end = latency > std::numeric_limits<TimeNs>::max() - f.start ? std::numeric_limits<TimeNs>::max() : f.start + latency;
      f.duration = latency;
      const std::string tracer(strings_.view(e.name));
      f.message = tracer + ": " + what_was_measured(tracer) + " for " + format_duration(latency) + " on CPU" +
                  std::to_string(e.cpu);
      if (e.pid >= 0) f.message += " in " + task_label(strings_, e.comm, e.pid);
      if (e.function != kNoStr)
        f.message += ", from " + std::string(strings_.view(e.function)) + " to " +
                     (e.site != kNoStr ? std::string(strings_.view(e.site)) : std::string("?"));
      f.message += " (the tracer's maximum)";
      f.details["tracer"] = tracer;
      f.details["latency_ns"] = latency;
      if (e.function != kNoStr) f.details["started_at"] = std::string(strings_.view(e.function));
      if (e.site != kNoStr) f.details["ended_at"] = std::string(strings_.view(e.site));
      f.details["section_events"] = cpu ? cpu->events : 0;
      report(std::move(f));
    }
    if (dropped_ > 0) {
      Finding f;
      f.severity = Severity::kInfo;
      f.message = std::to_string(dropped_) + " more latency tracer maxima were not judged: only the first " +
                  std::to_string(kMaxMaxima) + " headers are kept";
      f.details["not_judged"] = dropped_;
      report(std::move(f));
    }
  }

 private:
  static constexpr size_t kMaxMaxima = 256;
  const StringPool& strings_;
  LatencyTraceConfig config_;
  std::vector<Event> maxima_;
  uint64_t dropped_ = 0;
};

}  // namespace

std::unique_ptr<Detector> make_latency_trace_detector(const DetectorContext& context) {
  return std::make_unique<LatencyTraceDetector>(context);
}

}  // namespace ftlens
