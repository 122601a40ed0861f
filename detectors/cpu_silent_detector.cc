// cpu-silent: a CPU stopped producing events long before the others. Going
// offline (cpuhp_* with target 0, "CPU N is now offline") explains it; so can
// being idle with the tick stopped. What is left is a CPU that died or runs
// with interrupts off (seed 002: CPU0 spinning on die_lock). The finding says
// which evidence it used.
#include <charconv>
#include <vector>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"
#include "util/counted.h"

namespace ftlens {

namespace {

struct CpuSilentConfig {
  // Silent this long before the trace end while a task was running.
  TimeNs warning = 5'000'000'000;
  // ... this long: the soft-lockup threshold would have fired there.
  TimeNs error = 20'000'000'000;
};

class CpuSilentDetector final : public Detector {
 public:
  explicit CpuSilentDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "cpu-silent"; }
  // A CPU that stopped comes before what it left unanswered.
  int cause_rank() const override { return 30; }
  SpanKindMask wanted_spans() const override { return 0; }
  // A CPU's silence says something only where it would have spoken: a
  // running CPU switches tasks, and who was running when it fell silent is
  // known only from sched_switch. A trace of file-system events alone is
  // silent wherever nobody did I/O.
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kSchedSwitch})}; }
  std::vector<Option> options() override {
    return {{"warning", "a CPU with a task running produced no event for this long before the trace end -> warning", &config_.warning},
            {"error", "... -> error; an idle CPU is only reported as info, unless IPIs sent to it went unanswered", &config_.error}};
  }

  void on_event(const Event& e, const SystemModel&) override {
    if (e.cpu < 0 || e.type == EventType::kLostEvents || e.type == EventType::kBufferStarted) return;
    PerCpu& self = at(e.cpu);
    self.last_flags = e.irq_flags;
    self.last_was_switch = e.type == EventType::kSchedSwitch;
    self.last_name = e.name;
    self.ipis_after_last_event = 0;
    switch (e.type) {
      case EventType::kCpuhpEnter:
      case EventType::kCpuhpMultiEnter:
        // target 0 is CPUHP_OFFLINE: the CPU is being taken down.
        at(e.target_cpu).offline_since = e.number == 0 ? e.ts : -1;
        break;
      case EventType::kConsole: console(e); break;
      case EventType::kIpiSendCpu:
      case EventType::kCsdQueueCpu: ++at(e.target_cpu).ipis_after_last_event; break;
      case EventType::kIpiSendCpumask:
        for (int cpu = 0; cpu < 512; ++cpu)
          if (e.targets(cpu) && cpu != e.cpu) ++at(cpu).ipis_after_last_event;
        break;
      default: break;
    }
  }

  void on_log_line(TimeNs at_ns, std::string_view text) override { offline_message(text, at_ns); }

  void finish(const SystemModel& model) override {
    for (const CpuTimeline& cpu : model.cpus()) {
      if (!cpu.seen) continue;
      const TimeNs silent = model.last_event() - cpu.last_event;
      if (silent < config_.warning) continue;
      const PerCpu& s = at(cpu.cpu);
      if (s.offline_since >= 0) continue;  // hotplugged out: silence explained
      const bool idle = cpu.current.pid == kIdlePid;
      // The scheduler switches with interrupts off: a sched_switch's 'd' says
      // nothing of the task it switched to.
      const bool irqs_off = (s.last_flags & Event::kIrqsOff) && !s.last_was_switch;
      Finding f;
      f.cpu = cpu.cpu;
      f.start = cpu.last_event;
      f.duration = silent;
      if (!idle) {
        f.pid = cpu.current.pid;
        f.comm = std::string(strings_.view(cpu.current.comm));
      }
      if (idle && s.ipis_after_last_event == 0) f.severity = Severity::kInfo;
      else f.severity = silent >= config_.error ? Severity::kError : Severity::kWarning;

      const std::string name = "CPU" + std::to_string(cpu.cpu);
      f.message = name + " produced no event for the last " + format_duration(silent) + " of the trace";
      std::string evidence;
      if (idle) {
        f.message += s.ipis_after_last_event ? "; it was idle, but did not answer " + counted(s.ipis_after_last_event, "IPI") +
                                                   " sent to it: dead or interrupts off"
                                             : "; it was idle (tick stopped): likely quiet, not stuck";
      } else {
        f.message += " while " + task_label(strings_, cpu.current.comm, cpu.current.pid) + " was running";
        f.message += irqs_off ? ", last seen with interrupts disabled: stuck with interrupts off or dead"
                              : ": stuck with interrupts off or dead (a running CPU still takes timer interrupts)";
        if (s.ipis_after_last_event) f.message += "; " + counted(s.ipis_after_last_event, "IPI") + " sent to it after that";
      }
      f.details["state_at_silence"] = idle ? "idle" : "running";
      f.details["last_event"] = std::string(strings_.view(s.last_name));
      f.details["last_event_irqs_off"] = irqs_off;
      f.details["ipis_sent_after_last_event"] = s.ipis_after_last_event;
      f.details["hotplug_offline_seen"] = false;
      if (cpu.lost_events) f.details["lost_events"] = cpu.lost_events;
      report(std::move(f));
    }
  }

 private:
  struct PerCpu {
    TimeNs offline_since = -1;  // >= 0 while hotplugged out
    uint8_t last_flags = 0;
    bool last_was_switch = false;
    StrId last_name = kNoStr;
    uint64_t ipis_after_last_event = 0;
  };

  // A negative CPU (an unknown target), or one past any machine the model
  // keeps (a damaged record's garbage), goes to a slot no CPU reads.
  PerCpu& at(int32_t cpu) {
    if (cpu < 0 || cpu >= SystemModel::kMaxCpus) return discarded_ = PerCpu{};
    if (static_cast<size_t>(cpu) >= cpus_.size()) cpus_.resize(static_cast<size_t>(cpu) + 1);
    return cpus_[static_cast<size_t>(cpu)];
  }
  const PerCpu& at(int32_t cpu) const {
    static const PerCpu kNone;
    return cpu >= 0 && static_cast<size_t>(cpu) < cpus_.size() ? cpus_[static_cast<size_t>(cpu)] : kNone;
  }

  void console(const Event& e) { offline_message(e.payload, e.ts); }

  // "smpboot: CPU 1 is now offline" / "... CPU1 is now offline"
  void offline_message(std::string_view text, TimeNs ts) {
    size_t at_pos = text.find(" is now offline");
    if (at_pos == std::string_view::npos) return;
    size_t cpu_pos = text.rfind("CPU", at_pos);
    if (cpu_pos == std::string_view::npos) return;
    std::string_view digits = text.substr(cpu_pos + 3, at_pos - cpu_pos - 3);
    while (!digits.empty() && digits.front() == ' ') digits.remove_prefix(1);
    int32_t cpu = -1;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cpu);
    if (ec == std::errc{} && p == digits.data() + digits.size() && cpu >= 0) at(cpu).offline_since = ts < 0 ? 0 : ts;
  }

  const StringPool& strings_;
  CpuSilentConfig config_;
  std::vector<PerCpu> cpus_;
  PerCpu discarded_;
};

}  // namespace

std::unique_ptr<Detector> make_cpu_silent_detector(const DetectorContext& context) {
  return std::make_unique<CpuSilentDetector>(context);
}

}  // namespace ftlens
