// long-work: a work item that did end, but held its worker far longer than
// work items should (the kernel itself warns when one hogs a CPU for 10 ms).
#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct LongWorkConfig {
  // Runtime from workqueue_execute_start to _end that is worth a look.
  TimeNs warning = 500'000'000;
  // A worker held this long stalls its pool: the soft-lockup threshold.
  TimeNs error = 20'000'000'000;
};

class LongWorkDetector final : public Detector {
 public:
  explicit LongWorkDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "long-work"; }
  // Slow work is a symptom more often than a cause.
  int cause_rank() const override { return 70; }
  SpanKindMask wanted_spans() const override { return kWorkDone; }
  // A run time is from workqueue_execute_start to workqueue_execute_end.
  std::vector<EventTypeMask> needed_events() const override {
    return {event_types({EventType::kWorkStart}), event_types({EventType::kWorkEnd})};
  }
  // Works from the model's spans only.
  EventTypeMask wanted_events() const override { return 0; }
  std::vector<Option> options() override {
    return {{"warning", "work item runtime (execute_start to execute_end) -> warning", &config_.warning},
            {"error", "work item runtime -> error", &config_.error}};
  }

  void on_work_done(const WorkItem& item, TimeNs end, const SystemModel&) override {
    const TimeNs duration = end - item.start;
    if (duration < config_.warning) return;
    Finding f;
    f.severity = duration >= config_.error ? Severity::kError : Severity::kWarning;
    f.cpu = item.cpu;
    f.pid = item.worker_pid;
    f.comm = std::string(strings_.view(item.worker_comm));
    f.start = item.start;
    f.end = end;
    f.duration = duration;
    const std::string function(strings_.view(item.function));
    f.message = function + " (work " + hex_address(item.work) + ") ran for " + format_duration(duration) + " in " +
                task_label(strings_, item.worker_comm, item.worker_pid) + " on CPU" + std::to_string(item.cpu);
    f.details["function"] = function;
    f.details["work"] = hex_address(item.work);
    report(std::move(f));
  }

 private:
  const StringPool& strings_;
  LongWorkConfig config_;
};

}  // namespace

std::unique_ptr<Detector> make_long_work_detector(const DetectorContext& context) {
  return std::make_unique<LongWorkDetector>(context);
}

}  // namespace ftlens
