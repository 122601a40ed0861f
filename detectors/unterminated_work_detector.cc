// unterminated-work: a workqueue_execute_start whose worker never printed the
// matching workqueue_execute_end before the trace ended. In seed 000 this is
// addrconf_dad_work spinning with rtnl_mutex held for 22 s.
#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct UnterminatedWorkConfig {
  // Open this long at the trace end: the item is more than a trace cut-off.
  TimeNs warning = 1'000'000'000;
  // Open this long: the worker is hung. 10 s is half the kernel's soft-lockup
  // threshold (2 x watchdog_thresh) and a third of the workqueue watchdog's.
  TimeNs error = 10'000'000'000;
};

class UnterminatedWorkDetector final : public Detector {
 public:
  explicit UnterminatedWorkDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "unterminated-work"; }
  // Work that never finished is what everything else on its CPU waits for.
  int cause_rank() const override { return 10; }
  SpanKindMask wanted_spans() const override { return 0; }
  // Work is seen to start only by workqueue_execute_start.
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kWorkStart})}; }
  // Works from the model's spans only.
  EventTypeMask wanted_events() const override { return 0; }
  std::vector<Option> options() override {
    return {{"warning", "open at least this long at the trace end -> warning (shorter: info, a cut-off)", &config_.warning},
            {"error", "open at least this long at the trace end -> error", &config_.error}};
  }

  void finish(const SystemModel& model) override {
    for (const auto& [pid, item] : model.open_work()) {
      Finding f;
        f.cpu = item.cpu;
      f.pid = item.worker_pid;
      f.comm = std::string(strings_.view(item.worker_comm));
      f.start = item.start;
      f.duration = model.last_event() - item.start;
      f.severity = f.duration >= config_.error ? Severity::kError
                   : f.duration >= config_.warning ? Severity::kWarning : Severity::kInfo;
      const std::string function(strings_.view(item.function));
      f.message = function + " (work " + hex_address(item.work) + ") started on CPU" + std::to_string(item.cpu) +
                  " by " + task_label(strings_, item.worker_comm, item.worker_pid) + " and never finished (" +
                  format_duration(f.duration) + " to the end of the trace)";
      const CpuTimeline* cpu = model.cpu(item.cpu);
      f.details["function"] = function;
      f.details["work"] = hex_address(item.work);
      f.details["worker_running_at_end"] = cpu && cpu->current.pid == item.worker_pid;
      if (f.severity == Severity::kInfo) f.details["note"] = "started shortly before the trace ended; likely cut off";
      report(std::move(f));
    }
  }

 private:
  const StringPool& strings_;
  UnterminatedWorkConfig config_;
};

}  // namespace

std::unique_ptr<Detector> make_unterminated_work_detector(const DetectorContext& context) {
  return std::make_unique<UnterminatedWorkDetector>(context);
}

}  // namespace ftlens
