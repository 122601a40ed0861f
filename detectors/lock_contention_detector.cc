// lock-contention: lock:contention_begin with no contention_end on the same
// task for too long, and locks that many tasks wait on at once.
#include <map>
#include <unordered_map>
#include <vector>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct LockContentionConfig {
  // Waiting this long for one lock is a latency problem.
  TimeNs warning = 1'000'000'000;
  // ... this long: a spinning waiter would trip the soft-lockup watchdog.
  TimeNs error = 20'000'000'000;
  // Tasks waiting on a lock followed at once (two map entries each).
  uint64_t max_waiters = 1 << 16;
};

constexpr size_t kListed = 16;

class LockContentionDetector final : public Detector {
 public:
  explicit LockContentionDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "lock-contention"; }
  // A lock never released stops its waiters and what they hold.
  int cause_rank() const override { return 20; }
  SpanKindMask wanted_spans() const override { return 0; }
  EventTypeMask wanted_events() const override {
    return event_types({EventType::kContentionBegin, EventType::kContentionEnd});
  }
  // A wait starts with contention_begin.
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kContentionBegin})}; }
  std::vector<Option> options() override {
    return {{"warning", "contention_begin to contention_end (or trace end) on one task -> warning", &config_.warning},
            {"error", "... -> error", &config_.error},
            {"max_waiters", "tasks waiting on a lock followed at once (a count); beyond, new waits are counted in "
                            "stats.contentions_dropped", &config_.max_waiters}};
  }

  void on_event(const Event& e, const SystemModel&) override {
    if (e.type == EventType::kContentionBegin) {
      if (waits_.size() < config_.max_waiters || waits_.contains(e.pid))
        start_wait(e.pid, Wait{e.address, e.ts, e.cpu, e.comm, e.site});
      else
        count(ModelStat::contentions_dropped);
    } else if (e.type == EventType::kContentionEnd) {
      auto it = waits_.find(e.pid);
      if (it == waits_.end()) return;
      if (e.ts - it->second.since >= config_.warning) report_wait(e.pid, it->second, e.ts, e.ts);
      leave_lock(it->second);
      waits_.erase(it);
    }
  }

  void finish(const SystemModel& model) override {
    for (const auto& [pid, w] : waits_)
      if (model.last_event() - w.since >= config_.warning) report_wait(pid, w, std::nullopt, model.last_event());
  }

 private:
  struct Wait {
    uint64_t lock = 0;
    TimeNs since = 0;
    int32_t cpu = -1;
    StrId comm = kNoStr;
    StrId flags = kNoStr;
    size_t slot = 0;  // its place in waiting_on_[lock]
  };

  void start_wait(int32_t pid, Wait wait) {
    auto [it, fresh] = waits_.try_emplace(pid);
    if (!fresh) leave_lock(it->second);  // its contention_end was lost
    std::vector<int32_t>& waiting = waiting_on_[wait.lock];
    wait.slot = waiting.size();
    waiting.push_back(pid);
    it->second = wait;
  }
  void leave_lock(const Wait& wait) {
    auto it = waiting_on_.find(wait.lock);
    std::vector<int32_t>& waiting = it->second;
    const int32_t moved = waiting.back();
    waiting[wait.slot] = moved;
    waits_[moved].slot = wait.slot;
    waiting.pop_back();
    if (waiting.empty()) waiting_on_.erase(it);
  }

  void report_wait(int32_t pid, const Wait& w, std::optional<TimeNs> end, TimeNs now) {
    Finding f;
    f.duration = now - w.since;
    f.severity = f.duration >= config_.error ? Severity::kError : Severity::kWarning;
    f.cpu = w.cpu;
    f.pid = pid;
    f.comm = std::string(strings_.view(w.comm));
    f.start = w.since;
    f.end = end;
    // Everyone else waiting on the same lock at the same time.
    nlohmann::ordered_json others = nlohmann::ordered_json::array();
    size_t waiting = 0;
    for (const int32_t other : waiting_on_[w.lock]) {
      const Wait& o = waits_[other];
      if (other == pid || o.since > now) continue;
      ++waiting;
      if (others.size() < kListed)
        others.push_back({{"comm", strings_.view(o.comm)}, {"pid", other}, {"cpu", o.cpu}, {"since_ns", o.since}});
    }
    f.message = task_label(strings_, w.comm, pid) + " waited " + format_duration(f.duration) + " for lock " +
                hex_address(w.lock) + (w.flags != kNoStr ? " (" + std::string(strings_.view(w.flags)) + ")" : "") +
                (end ? "" : " and never got it (until the end of the trace)");
    if (waiting > 0) f.message += "; " + std::to_string(waiting) + " other tasks waited on the same lock";
    f.details["lock"] = hex_address(w.lock);
    f.details["flags"] = std::string(strings_.view(w.flags));
    f.details["other_waiters"] = std::move(others);
    f.details["other_waiters_total"] = waiting;
    report(std::move(f));
  }

  const StringPool& strings_;
  LockContentionConfig config_;
  std::unordered_map<int32_t, Wait> waits_;  // by waiting task
  // The tasks waiting on each lock, so that a report finds a wait's
  // companions without a look at every wait (1M waits took 17.6 s).
  std::unordered_map<uint64_t, std::vector<int32_t>> waiting_on_;
};

}  // namespace

std::unique_ptr<Detector> make_lock_contention_detector(const DetectorContext& context) {
  return std::make_unique<LockContentionDetector>(context);
}

}  // namespace ftlens
