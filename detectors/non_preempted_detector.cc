// non-preempted: one non-idle task held a CPU with no context switch. What
// makes such a span harmful is who it starved, so the finding lists the tasks
// woken onto that CPU that had to wait, and whether the task itself was still
// doing anything traceable or only interrupts ran (seed 000: a kworker
// spinning with preemption off while netd waits on CPU4).
#include <algorithm>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct NonPreemptedConfig {
  // A span this long is a latency problem when someone was left waiting.
  TimeNs warning = 1'000'000'000;
  // How long a woken task must have waited for a warning-level span to count.
  // CFS would normally have run it within a few scheduling periods (~24 ms).
  TimeNs starved = 100'000'000;
  // The kernel soft-lockup threshold: 2 x watchdog_thresh (10 s by default).
  TimeNs error = 20'000'000'000;
  size_t max_listed_waiters = 16;
};

class NonPreemptedDetector final : public Detector {
 public:
  explicit NonPreemptedDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "non-preempted"; }
  // A task that never let go of its CPU starves what else wanted it.
  int cause_rank() const override { return 40; }
  SpanKindMask wanted_spans() const override { return kTaskSpans; }
  // A span without a context switch means something only where switches
  // are traced: without them every span is one the model repaired.
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kSchedSwitch})}; }
  // Works from the model's spans only.
  EventTypeMask wanted_events() const override { return 0; }
  std::vector<Option> options() override {
    return {{"warning", "span length that is reported as warning when a woken task waited >= starved", &config_.warning},
            {"starved", "wait of a woken task that makes a warning-length span worth reporting", &config_.starved},
            {"error", "span length that is always an error (kernel soft lockup: 2 x watchdog_thresh)", &config_.error}};
  }

  void on_task_span(const TaskSpan& span, const SystemModel& model) override {
    if (span.idle() || span.duration() < config_.warning) return;

    struct Waiter { const WaitingTask* task; TimeNs waited; };
    std::vector<Waiter> waiters;
    TimeNs longest_wait = 0;
    for (const auto& [pid, task] : model.waiting()) {
      if (task.cpu != span.cpu || task.woken >= span.end) continue;
      const TimeNs waited = span.end - task.woken;
      waiters.push_back({&task, waited});
      longest_wait = std::max(longest_wait, waited);
    }
    const bool is_error = span.duration() >= config_.error;
    if (!is_error && longest_wait < config_.starved) return;
    std::sort(waiters.begin(), waiters.end(), [](const Waiter& a, const Waiter& b) {
      return a.waited != b.waited ? a.waited > b.waited : a.task->pid < b.task->pid;
    });

    Finding f;
    f.severity = is_error ? Severity::kError : Severity::kWarning;
    f.cpu = span.cpu;
    f.pid = span.pid;
    f.comm = std::string(strings_.view(span.comm));
    f.start = span.start;
    if (span.end_seen || span.repaired) f.end = span.end;
    f.duration = span.duration();

    const std::string cpu = "CPU" + std::to_string(span.cpu);
    f.message = task_label(strings_, span.comm, span.pid) + " ran on " + cpu + " for " +
                (span.start_seen ? "" : "at least ") + format_duration(span.duration()) +
                " without a context switch" + (f.end ? "" : " (until the end of the trace)");
    const bool only_irqs = span.last_task_event < span.end && span.irq_events > 0 &&
                           span.end - span.last_task_event >= config_.warning;
    if (only_irqs) f.message += "; only interrupts ran for the last " + format_duration(span.end - span.last_task_event);
    if (!waiters.empty()) {
      f.message += "; " + task_label(strings_, waiters[0].task->comm, waiters[0].task->pid) + " was woken onto " +
                   cpu + " and waited " + format_duration(waiters[0].waited);
      if (waiters.size() > 1) f.message += " (" + std::to_string(waiters.size() - 1) + " more waiting)";
    }
    const WorkItem* work = model.open_work_of(span.pid);
    if (work && work->start <= span.end) f.message += "; it was executing " + std::string(strings_.view(work->function));

    auto& d = f.details;
    d["ended_by"] = span.end_seen ? "sched_switch" : span.repaired ? "a later event of another task (switch not traced)" : "end of trace";
    d["started_before_trace"] = !span.start_seen;
    d["task_events"] = span.task_events;
    d["irq_events"] = span.irq_events;
    d["last_task_event_ns"] = span.last_task_event;
    d["only_irqs_after_ns"] = only_irqs ? nlohmann::ordered_json(span.last_task_event) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json listed = nlohmann::ordered_json::array();
    for (size_t i = 0; i < waiters.size() && i < config_.max_listed_waiters; ++i)
      listed.push_back({{"comm", strings_.view(waiters[i].task->comm)},
                        {"pid", waiters[i].task->pid},
                        {"woken_ns", waiters[i].task->woken},
                        {"waited_ns", waiters[i].waited}});
    d["waiting_tasks"] = std::move(listed);
    d["waiting_tasks_total"] = waiters.size();
    if (work && work->start <= span.end)
      d["work"] = {{"function", strings_.view(work->function)}, {"work", hex_address(work->work)}, {"start_ns", work->start}};
    if (span.lost_events) {
      d["lost_events"] = span.lost_events;
      d["confidence"] = "low: events were lost on this CPU during the span; a switch may be among them";
    }
    report(std::move(f));
  }

 private:
  const StringPool& strings_;
  NonPreemptedConfig config_;
};

}  // namespace

std::unique_ptr<Detector> make_non_preempted_detector(const DetectorContext& context) {
  return std::make_unique<NonPreemptedDetector>(context);
}

}  // namespace ftlens
