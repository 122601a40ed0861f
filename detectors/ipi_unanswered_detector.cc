// ipi-unanswered: a cross-CPU function call or IPI sent to a CPU that never
// ran it (or ran it very late). Seed 002: CPU0 oopsed with interrupts off
// holding die_lock; every other CPU's smp_call_function_many() waited for it
// forever and each hit the soft-lockup watchdog.
//
// A csd (csd_queue_cpu) is answered when the target runs a csd function
// (csd_function_entry) after it was queued; a plain IPI (ipi_send_cpu,
// ipi_send_cpumask, ipi_raise) by any event on the target after it was sent,
// since a CPU that takes the interrupt leaves whatever it was doing.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct IpiUnansweredConfig {
  // An IPI should run within microseconds; 100 ms late is a real latency
  // (and leaves room for a virtual CPU the host did not schedule).
  TimeNs warning = 100'000'000;
  // The kernel's CSD lock watchdog complains after csd_lock_timeout (5 s).
  TimeNs error = 5'000'000'000;
  // IPIs waiting for one target CPU; beyond, the oldest is forgotten.
  uint64_t max_waiting_per_cpu = 4096;
  // And in all: a damaged target field names any CPU number.
  uint64_t max_waiting = 1 << 16;
};

constexpr size_t kListedSenders = 16;

class IpiUnansweredDetector final : public Detector {
 public:
  explicit IpiUnansweredDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "ipi-unanswered"; }
  // An unanswered call leaves its senders spinning.
  int cause_rank() const override { return 50; }
  SpanKindMask wanted_spans() const override { return 0; }
  // Any way of sending one.
  std::vector<EventTypeMask> needed_events() const override {
    return {event_types({EventType::kIpiSendCpu, EventType::kIpiSendCpumask, EventType::kIpiRaise, EventType::kCsdQueueCpu})};
  }
  std::vector<Option> options() override {
    return {{"warning", "an IPI or csd not run by its target CPU within this -> warning", &config_.warning},
            {"error", "... -> error (kernel csd_lock_timeout, 5 s)", &config_.error},
            {"max_waiting_per_cpu", "IPIs waiting for one CPU followed (a count); beyond, the oldest is forgotten "
                                    "and counted in stats.ipis_dropped", &config_.max_waiting_per_cpu},
            {"max_waiting", "IPIs waiting in all followed (a count); beyond, new ones are counted in stats.ipis_dropped",
             &config_.max_waiting}};
  }

  void on_event(const Event& e, const SystemModel&) override {
    if (e.cpu >= 0) answer(e);
    switch (e.type) {
      case EventType::kCpuhpEnter:
      case EventType::kCpuhpMultiEnter:
        // Taken offline (target 0, CPUHP_OFFLINE): what was sent to it is moot.
        if (e.number == 0) {
          if (auto it = outstanding_.find(e.target_cpu); it != outstanding_.end()) {
            waiting_ -= it->second.plain.size() + it->second.csd.size();
            outstanding_.erase(it);
          }
        }
        break;
      case EventType::kCsdQueueCpu: send(e, e.target_cpu, true); break;
      case EventType::kIpiSendCpu: send(e, e.target_cpu, false); break;
      case EventType::kIpiSendCpumask:
      case EventType::kIpiRaise:
        for (int cpu = 0; cpu < 512; ++cpu)
          if (e.targets(cpu)) send(e, cpu, false);
        break;
      default: break;
    }
  }

  void finish(const SystemModel& model) override {
    std::map<int32_t, std::vector<Sent>> unanswered;
    for (const auto& [target, queues] : outstanding_) {
      // Without csd_function_* events in the trace a csd can only be answered
      // like a plain IPI: by the target doing anything after it was sent.
      const CpuTimeline* cpu = model.cpu(target);
      for (const Sent& s : queues.csd)
        if (!(!csd_functions_seen_ && cpu && cpu->last_event > s.at) && model.last_event() - s.at >= config_.warning)
          unanswered[target].push_back(s);
      for (const Sent& s : queues.plain)
        if (model.last_event() - s.at >= config_.warning) unanswered[target].push_back(s);
    }
    for (auto& [target, sent] : unanswered) {
      std::sort(sent.begin(), sent.end(), [](const Sent& a, const Sent& b) { return a.at < b.at; });
      report_unanswered(target, sent, model);
    }
  }

 private:
  struct Sent {
    TimeNs at = 0;
    int32_t cpu = -1;
    int32_t pid = -1;
    StrId comm = kNoStr;
    StrId function = kNoStr;
    StrId site = kNoStr;
    uint64_t csd = 0;
    bool is_csd = false;
  };
  struct Outstanding {
    std::deque<Sent> plain;  // in send order
    std::deque<Sent> csd;
  };

  void send(const Event& e, int32_t target, bool is_csd) {
    if (target < 0) return;
    if (waiting_ >= config_.max_waiting) {
      ++dropped_;
      count(ModelStat::ipis_dropped);
      return;
    }
    auto& queue = is_csd ? outstanding_[target].csd : outstanding_[target].plain;
    if (queue.size() >= config_.max_waiting_per_cpu) {
      queue.pop_front();
      ++dropped_;
      count(ModelStat::ipis_dropped);
      --waiting_;
    }
    ++waiting_;
    queue.push_back(Sent{e.ts, e.cpu, e.pid, e.comm, e.function, e.site, e.address, is_csd});
  }

  void answer(const Event& e) {
    // Nearly always nothing waits (an IPI is answered within microseconds):
    // then only the first csd function can change anything.
    if (waiting_ == 0 && (csd_functions_seen_ || e.type != EventType::kCsdFunctionEntry)) return;
    auto it = outstanding_.find(e.cpu);
    if (it == outstanding_.end()) return;
    // Plain IPIs: any event on the target after the send answers all of them.
    auto& plain = it->second.plain;
    while (!plain.empty() && (plain.front().at < e.ts || (plain.front().at == e.ts && plain.front().cpu != e.cpu))) {
      if (e.ts - plain.front().at >= config_.warning) report_late(plain.front(), e.cpu, e.ts);
      plain.pop_front();
      --waiting_;
    }
    if (e.type != EventType::kCsdFunctionEntry) return;
    csd_functions_seen_ = true;
    // The target flushes its whole call queue when it takes the IPI, and the
    // ttwu wake list runs as one sched_ttwu_pending for many csds: any csd
    // function running there answers every csd queued to it before.
    auto& csd = it->second.csd;
    while (!csd.empty() && csd.front().at <= e.ts) {
      if (e.ts - csd.front().at >= config_.warning) report_late(csd.front(), e.cpu, e.ts);
      csd.pop_front();
      --waiting_;
    }
  }

  std::string describe(const Sent& s) const {
    std::string what = s.is_csd ? "cross-CPU call " : "IPI ";
    if (s.function != kNoStr && strings_.view(s.function) != "0x0") what += std::string(strings_.view(s.function));
    else what += "(reschedule)";
    if (s.site != kNoStr) what += " from " + std::string(strings_.view(s.site));
    return what;
  }

  void report_late(const Sent& s, int32_t target, TimeNs at) {
    Finding f;
    f.duration = at - s.at;
    f.severity = f.duration >= config_.error ? Severity::kError : Severity::kWarning;
    f.cpu = target;
    f.pid = s.pid;
    f.comm = std::string(strings_.view(s.comm));
    f.start = s.at;
    f.end = at;
    f.message = describe(s) + " sent by " + task_label(strings_, s.comm, s.pid) + " on CPU" + std::to_string(s.cpu) +
                " ran on CPU" + std::to_string(target) + " only after " + format_duration(f.duration);
    f.details["target_cpu"] = target;
    f.details["senders"] = nlohmann::ordered_json::array({sender_json(s)});
    f.related_cpus = {s.cpu};
    report(std::move(f));
  }

  nlohmann::ordered_json sender_json(const Sent& s) const {
    return {{"cpu", s.cpu}, {"pid", s.pid}, {"comm", strings_.view(s.comm)},
            {"function", strings_.view(s.function)}, {"callsite", strings_.view(s.site)},
            {"kind", s.is_csd ? "csd" : "ipi"}, {"sent_ns", s.at}};
  }

  void report_unanswered(int32_t target, const std::vector<Sent>& sent, const SystemModel& model) {
    // Who is left waiting: each distinct sender (CPU, task, function), first
    // those still running the task that sent (spinning in
    // smp_call_function_many), cross-CPU calls before plain IPIs.
    struct Sender {
      const Sent* sent;
      bool waiting;
    };
    std::map<std::tuple<int32_t, int32_t, StrId, bool>, Sender> distinct;
    for (const Sent& s : sent) {
      const CpuTimeline* c = model.cpu(s.cpu);
      const bool waiting = c && c->current.pid == s.pid && s.pid > 0 && c->current.start <= s.at;
      distinct.try_emplace({s.cpu, s.pid, s.function, s.is_csd}, Sender{&s, waiting});
    }
    std::vector<Sender> senders;
    for (const auto& [key, sender] : distinct) senders.push_back(sender);
    std::stable_sort(senders.begin(), senders.end(), [](const Sender& a, const Sender& b) {
      if (a.waiting != b.waiting) return a.waiting;
      if (a.sent->is_csd != b.sent->is_csd) return a.sent->is_csd;
      return a.sent->at < b.sent->at;
    });
    const Sent& lead = *senders.front().sent;
    const Sent& first = sent.front();

    Finding f;
    f.duration = model.last_event() - first.at;
    f.severity = f.duration >= config_.error ? Severity::kError : Severity::kWarning;
    f.cpu = target;
    f.pid = lead.pid;
    f.comm = std::string(strings_.view(lead.comm));
    f.start = first.at;
    const std::string cpu = "CPU" + std::to_string(target);
    const CpuTimeline* t = model.cpu(target);
    if (!t || t->events == 0) {
      // The trace shows nothing of the target at all: its events were left
      // out (trace-cmd report --cpu, a per-CPU dump), or it was offline or
      // dead before the trace began. Which, the trace cannot say.
      f.severity = Severity::kInfo;
      f.message = cpu + " has no event in this trace, so whether it ran the " + std::to_string(sent.size()) +
                  (sent.size() == 1 ? " IPI or cross-CPU call" : " IPIs and cross-CPU calls") +
                  " sent to it is not judged (its events filtered out, or it was offline or dead before the trace)";
      f.details["target_cpu"] = target;
      f.details["unanswered"] = sent.size();
      f.details["target_has_no_events"] = true;
      report(std::move(f));
      return;
    }
    f.message = cpu + " never ran " + std::to_string(sent.size()) + (sent.size() == 1 ? " IPI or cross-CPU call" : " IPIs and cross-CPU calls") +
                " sent to it (the first " + format_duration(f.duration) + " before the end of the trace); " + describe(lead) +
                " from " + task_label(strings_, lead.comm, lead.pid) + " on CPU" + std::to_string(lead.cpu);
    if (senders.front().waiting) f.message += ", which is still waiting for it";
    std::set<std::pair<int32_t, int32_t>> waiting_tasks;  // (cpu, pid)
    for (const Sender& s : senders)
      if (s.waiting) waiting_tasks.emplace(s.sent->cpu, s.sent->pid);
    if (waiting_tasks.size() > 1)
      f.message += " (" + std::to_string(waiting_tasks.size() - 1) + " more tasks waiting)";

    nlohmann::ordered_json listed = nlohmann::ordered_json::array();
    for (size_t i = 0; i < senders.size() && i < kListedSenders; ++i) {
      auto j = sender_json(*senders[i].sent);
      j["still_running_at_end"] = senders[i].waiting;
      listed.push_back(std::move(j));
      f.related_cpus.push_back(senders[i].sent->cpu);
    }
    f.details["target_cpu"] = target;
    f.details["unanswered"] = sent.size();
    f.details["first_sent_ns"] = first.at;
    f.details["senders"] = std::move(listed);
    f.details["senders_total"] = senders.size();
    f.details["target_last_event_ns"] = t->last_event;
    if (dropped_) f.details["dropped_outstanding"] = dropped_;
    report(std::move(f));
  }

  const StringPool& strings_;
  IpiUnansweredConfig config_;
  std::map<int32_t, Outstanding> outstanding_;  // by target CPU
  bool csd_functions_seen_ = false;
  uint64_t dropped_ = 0;
  size_t waiting_ = 0;  // sends in outstanding_
};

}  // namespace

std::unique_ptr<Detector> make_ipi_unanswered_detector(const DetectorContext& context) {
  return std::make_unique<IpiUnansweredDetector>(context);
}

}  // namespace ftlens
