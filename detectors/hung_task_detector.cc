// hung-task: a task that switched out in D (uninterruptible) state and was not
// woken for too long; the kernel's khungtaskd reports these after
// hung_task_timeout_secs (120 s). Seed 000's dozen tasks waiting on rtnl_lock
// are this.
#include <unordered_map>
#include <vector>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct HungTaskConfig {
  // D state this long is worth a look (I/O waits are usually < 1 s).
  TimeNs warning = 10'000'000'000;
  // kernel.hung_task_timeout_secs.
  TimeNs error = 120'000'000'000;
  // Tasks in D state followed at once (a map entry each, ~64 bytes).
  uint64_t max_tasks = 1 << 16;
};

class HungTaskDetector final : public Detector {
 public:
  explicit HungTaskDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "hung-task"; }
  // A task in D state waits for something else.
  int cause_rank() const override { return 90; }
  SpanKindMask wanted_spans() const override { return 0; }
  // The D state is in sched_switch's prev_state.
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kSchedSwitch})}; }
  std::vector<Option> options() override {
    return {{"warning", "time in D state without a wakeup -> warning", &config_.warning},
            {"error", "... -> error (kernel hung_task_timeout_secs, 120 s)", &config_.error},
            {"max_tasks", "tasks in D state followed at once (a count); beyond, new ones are counted in "
                          "stats.d_state_tasks_dropped", &config_.max_tasks}};
  }

  void on_event(const Event& e, const SystemModel&) override {
    switch (e.type) {
      case EventType::kSchedSwitch:
        if (e.prev_state == 'D' && e.task.pid > 0 && sleepers_.size() >= config_.max_tasks && !sleepers_.contains(e.task.pid)) {
          count(ModelStat::d_state_tasks_dropped);
        } else if (e.prev_state == 'D' && e.task.pid > 0) {
          const LastEvent last = e.cpu >= 0 && static_cast<size_t>(e.cpu) < last_on_cpu_.size()
                                     ? last_on_cpu_[static_cast<size_t>(e.cpu)] : LastEvent{};
          sleepers_[e.task.pid] = Sleeper{e.task.comm, e.cpu, e.ts, last.pid == e.task.pid ? last.name : kNoStr};
        }
        woke(e.next.pid, e.ts, false);
        break;
      case EventType::kSchedWakeup:
      case EventType::kSchedWaking:
      case EventType::kSchedWakeupNew:
        woke(e.task.pid, e.ts, true);
        break;
      case EventType::kSchedProcessExit:
        sleepers_.erase(e.task.pid);
        break;
      default:
        break;
    }
    // What the running task did last on this CPU: a task that blocks was
    // running here, so this is "what it last did" before blocking.
    if (e.pid > 0 && e.cpu >= 0 && e.type != EventType::kSchedSwitch &&
        !(e.irq_flags & (Event::kInHardirq | Event::kInSoftirq))) {
      if (static_cast<size_t>(e.cpu) >= last_on_cpu_.size()) last_on_cpu_.resize(static_cast<size_t>(e.cpu) + 1);
      last_on_cpu_[static_cast<size_t>(e.cpu)] = LastEvent{e.pid, e.name};
    }
  }

  void finish(const SystemModel& model) override {
    for (const auto& [pid, s] : sleepers_)
      if (model.last_event() - s.since >= config_.warning) report_sleep(pid, s, std::nullopt, model.last_event());
  }

 private:
  struct Sleeper {
    StrId comm = kNoStr;
    int32_t cpu = -1;
    TimeNs since = 0;
    StrId last_event = kNoStr;
  };

  void woke(int32_t pid, TimeNs at, bool by_wakeup) {
    auto it = sleepers_.find(pid);
    if (it == sleepers_.end()) return;
    if (at - it->second.since >= config_.warning) report_sleep(pid, it->second, at, at, by_wakeup);
    sleepers_.erase(it);
  }

  void report_sleep(int32_t pid, const Sleeper& s, std::optional<TimeNs> end, TimeNs now, bool by_wakeup = true) {
    Finding f;
    f.duration = now - s.since;
    f.severity = f.duration >= config_.error ? Severity::kError : Severity::kWarning;
    f.cpu = s.cpu;
    f.pid = pid;
    f.comm = std::string(strings_.view(s.comm));
    f.start = s.since;
    f.end = end;
    f.message = task_label(strings_, s.comm, pid) + " blocked in D state on CPU" + std::to_string(s.cpu) + " for " +
                format_duration(f.duration) + (end ? (by_wakeup ? " before it was woken" : " before it ran again")
                                                   : " and was never woken (until the end of the trace)");
    if (s.last_event != kNoStr) f.message += "; its last event before blocking was " + std::string(strings_.view(s.last_event));
    f.details["last_event"] = s.last_event == kNoStr ? nlohmann::ordered_json(nullptr)
                                                     : nlohmann::ordered_json(strings_.view(s.last_event));
    report(std::move(f));
  }

  const StringPool& strings_;
  HungTaskConfig config_;
  std::unordered_map<int32_t, Sleeper> sleepers_;
  struct LastEvent {
    int32_t pid = -1;
    StrId name = kNoStr;
  };
  std::vector<LastEvent> last_on_cpu_;  // by CPU
};

}  // namespace

std::unique_ptr<Detector> make_hung_task_detector(const DetectorContext& context) {
  return std::make_unique<HungTaskDetector>(context);
}

}  // namespace ftlens
