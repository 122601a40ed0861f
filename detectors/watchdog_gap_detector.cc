// watchdog-gap: a busy CPU went too long without a watchdog kick. On current
// kernels the soft-lockup watchdog's hrtimer wakes the CPU stopper
// (migration/N) every 4 s and the stopper's run is the kick; older kernels
// use watchdog/N threads and vendor kernels their own kickers (MediaTek
// wdtk-N), so kicks are patterns. Idle time does not count: an idle CPU is
// not locked up. The kick-bit view per watchdog period mirrors what vendor
// watchdogs print (cpus_kick_bit / kick_bit in seed 000).
#include <algorithm>
#include <map>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct WatchdogGapConfig {
  // "comm:GLOB" matches a task running on the CPU, "event:NAME" an event on it.
  std::vector<std::string> kicks = {"comm:migration/*", "comm:watchdog/*", "comm:wdtk-*", "event:watchdog_ping"};
  // Kernel sample_period: watchdog_thresh (10 s) * 2 / 5.
  TimeNs period = 4'000'000'000;
  // Two missed periods of busy time.
  TimeNs warning = 8'000'000'000;
  // Soft-lockup threshold: 2 x watchdog_thresh.
  TimeNs error = 20'000'000'000;
  // Periods in which some CPU kicked, kept for the kick-bit view (one entry
  // per period with a kick, not one per period: a trace that jumps ahead by
  // days costs nothing).
  uint64_t max_kicked_periods = 1 << 16;
};

constexpr size_t kListedPeriods = 12;

class WatchdogGapDetector final : public Detector {
 public:
  explicit WatchdogGapDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "watchdog-gap"; }
  // Missed kicks are a symptom of whatever kept the CPU busy.
  int cause_rank() const override { return 80; }
  SpanKindMask wanted_spans() const override { return 0; }
  // Busy time is the time a non-idle task ran, and the stopper's run is the
  // kick: both come from sched_switch.
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kSchedSwitch})}; }
  std::vector<Option> options() override {
    return {{"kicks", "comma-separated kick patterns: comm:GLOB (task runs on the CPU) or event:NAME", &config_.kicks},
            {"period", "watchdog period for the kick-bit view (kernel: watchdog_thresh * 2 / 5)", &config_.period},
            {"warning", "busy time without a kick -> warning", &config_.warning},
            {"error", "busy time without a kick -> error (soft lockup: 2 x watchdog_thresh)", &config_.error},
            {"max_kicked_periods", "watchdog periods with a kick kept for the kick-bit view (a count); beyond, "
                                   "counted in stats.watchdog_periods_dropped", &config_.max_kicked_periods}};
  }

  void on_event(const Event& e, const SystemModel& model) override {
    if (e.cpu < 0 || e.type == EventType::kLostEvents || e.type == EventType::kBufferStarted) return;
    if (!started_) {
      started_ = true;
      origin_ = e.ts;
    }
    const bool kick = (kick_kind(e.comm) & kKickComm) || (kick_kind(e.name) & kKickEvent) ||
                      (e.type == EventType::kSchedSwitch && (kick_kind(e.next.comm) & kKickComm));
    if (!kick) return;
    const CpuTimeline* cpu = model.cpu(e.cpu);
    if (!cpu) return;
    PerCpu& state = per_cpu(e.cpu);
    mark_period(e.cpu, e.ts);
    any_kick_ = true;
    if (state.kicked) {
      check_gap(e.cpu, state.last_kick, e.ts, cpu->busy_until(e.ts) - state.busy_at_kick, true, model);
    } else {
      state.first_event = cpu->first_event;
      check_gap(e.cpu, cpu->first_event, e.ts, cpu->busy_until(e.ts), true, model, /*before_first=*/true);
    }
    state.kicked = true;
    state.last_kick = e.ts;
    state.busy_at_kick = cpu->busy_until(e.ts);
  }

  void finish(const SystemModel& model) override {
    if (!any_kick_) {
      if (model.last_event() - model.first_event() >= config_.warning) {
        Finding f;
            f.severity = Severity::kInfo;
        f.start = model.first_event();
        f.duration = model.last_event() - model.first_event();
        f.message = "no watchdog kick recognised on any CPU; watchdog gaps were not checked (set watchdog-gap.kicks)";
        f.details["kicks"] = config_.kicks;
        report(std::move(f));
      }
    } else {
      for (const CpuTimeline& cpu : model.cpus()) {
        if (!cpu.seen) continue;
        PerCpu& state = per_cpu(cpu.cpu);
        const TimeNs from = state.kicked ? state.last_kick : cpu.first_event;
        check_gap(cpu.cpu, from, model.last_event(), cpu.busy_until(model.last_event()) - state.busy_at_kick, false,
                  model, !state.kicked);
      }
    }
  }

 private:
  struct PerCpu {
    bool kicked = false;
    TimeNs first_event = 0;
    TimeNs last_kick = 0;
    TimeNs busy_at_kick = 0;
  };

  PerCpu& per_cpu(int32_t cpu) {
    if (static_cast<size_t>(cpu) >= cpus_.size()) cpus_.resize(static_cast<size_t>(cpu) + 1);
    return cpus_[static_cast<size_t>(cpu)];
  }

  // What a string is as a kick: a comm that kicks, an event name that does
  // (kKickComm, kKickEvent, both or neither), matched once per interned
  // string, not once per event: three of these run for every event.
  static constexpr uint8_t kKnown = 1, kKickComm = 2, kKickEvent = 4;
  uint8_t kick_kind(StrId id) {
    if (id < kick_kinds_.size() && kick_kinds_[id]) [[likely]]
      return kick_kinds_[id];
    return learn_kick_kind(id);
  }
  uint8_t learn_kick_kind(StrId id) {
    if (!patterns_ready_) {
      patterns_ready_ = true;
      for (const auto& p : config_.kicks) {
        if (p.starts_with("comm:")) comm_globs_.push_back(p.substr(5));
        else if (p.starts_with("event:")) event_names_.push_back(p.substr(6));
        else comm_globs_.push_back(p);
      }
    }
    auto any = [&](const std::vector<std::string>& patterns) {
      return id != kNoStr && std::any_of(patterns.begin(), patterns.end(),
                                         [&](const std::string& p) { return glob_match(p, strings_.view(id)); });
    };
    const uint8_t kind = static_cast<uint8_t>(kKnown | (any(comm_globs_) ? kKickComm : 0) | (any(event_names_) ? kKickEvent : 0));
    if (id >= kick_kinds_.size()) kick_kinds_.resize(id + 1, 0);
    kick_kinds_[id] = kind;
    return kind;
  }

  void mark_period(int32_t cpu, TimeNs ts) {
    if (config_.period <= 0 || ts < origin_) return;
    const auto index = static_cast<uint64_t>((ts - origin_) / config_.period);
    auto it = kicked_periods_.find(index);
    if (it == kicked_periods_.end()) {
      if (kicked_periods_.size() >= config_.max_kicked_periods) {
        count(ModelStat::watchdog_periods_dropped);
        return;
      }
      it = kicked_periods_.emplace(index, CpuMask{}).first;
    }
    it->second.set(cpu);
  }

  void check_gap(int32_t cpu, TimeNs from, TimeNs to, TimeNs busy, bool closed, const SystemModel& model,
                 bool before_first = false) {
    if (busy < config_.warning) return;
    Finding f;
    f.severity = busy >= config_.error ? Severity::kError : Severity::kWarning;
    f.cpu = cpu;
    f.start = from;
    if (closed) f.end = to;
    f.duration = to - from;
    // Only an open gap names a task: a closed one ends at the kicker's own
    // event, so the task current then is the kicker, not the culprit.
    const CpuTimeline* timeline = model.cpu(cpu);
    if (!closed && timeline && timeline->current.pid > 0 && timeline->current.start <= to) {
      f.pid = timeline->current.pid;
      f.comm = std::string(strings_.view(timeline->current.comm));
    }
    const std::string cpu_name = "CPU" + std::to_string(cpu);
    f.message = cpu_name + " went " + (before_first ? "at least " : "") + format_duration(to - from) +
                " without a watchdog kick" + (closed ? "" : " (until the end of the trace)") + ", busy for " +
                format_duration(busy) + " of it";
    if (f.comm) f.message += "; " + task_label(strings_, timeline->current.comm, *f.pid) + " was running";
    f.details["busy_ns"] = busy;
    f.details["kick_seen_before"] = !before_first;
    f.details["kick_patterns"] = config_.kicks;

    // Kick-bit view of the periods inside the gap: which CPUs kicked.
    CpuMask expected;
    for (const CpuTimeline& c : model.cpus())
      if (c.seen) expected.set(c.cpu);
    nlohmann::ordered_json view = nlohmann::ordered_json::array();
    if (config_.period > 0 && from >= origin_) {
      const auto first = static_cast<uint64_t>((from - origin_) / config_.period);
      const auto last = static_cast<uint64_t>((to - origin_) / config_.period);
      for (uint64_t i = first; i <= last && view.size() < kListedPeriods; ++i) {
        const auto it = kicked_periods_.find(i);
        const CpuMask kicked = it != kicked_periods_.end() ? it->second : CpuMask{};
        view.push_back({{"start_ns", origin_ + static_cast<TimeNs>(i) * config_.period},
                        {"expected_kick_bits", hex_cpumask(expected)},
                        {"kick_bits", hex_cpumask(kicked)}});
      }
    }
    f.details["kick_bits_per_period"] = std::move(view);
    report(std::move(f));
  }

  const StringPool& strings_;
  WatchdogGapConfig config_;
  bool patterns_ready_ = false;
  std::vector<std::string> comm_globs_, event_names_;
  std::vector<uint8_t> kick_kinds_;  // by StrId; 0: not matched yet
  std::vector<PerCpu> cpus_;
  std::map<uint64_t, CpuMask> kicked_periods_;  // by period since origin_
  bool started_ = false, any_kick_ = false;
  TimeNs origin_ = 0;
};

}  // namespace

std::unique_ptr<Detector> make_watchdog_gap_detector(const DetectorContext& context) {
  return std::make_unique<WatchdogGapDetector>(context);
}

}  // namespace ftlens
