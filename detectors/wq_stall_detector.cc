// wq-stall: a workqueue pool had pending work and started none for too long.
// Follows the kernel's workqueue watchdog (wq_watchdog_timer_fn): a pool's
// watchdog_ts is touched when work is queued onto its empty worklist and when
// a worker starts an item; the pool is stuck when its worklist is non-empty
// and watchdog_ts is older than workqueue.watchdog_thresh (seed 001: "BUG:
// workqueue lockup - pool cpus=2 ... stuck for 115s!").
//
// The trace does not name pools. A bound pool is the CPU that
// workqueue_queue_work names plus whether it is the highpri pool; a
// workqueue's kind is learned from the workers that run its items
// (kworker/N:MH: highpri, kworker/uN:M: unbound) and applies from then on.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"
#include "util/counted.h"

namespace ftlens {

namespace {

struct WqStallConfig {
  // A pool this long without progress while work waits: a latency problem.
  TimeNs warning = 10'000'000'000;
  // workqueue.watchdog_thresh: 30 s on current kernels (60 s on older ones).
  TimeNs error = 30'000'000'000;
  // Work items queued and not yet started, followed at once.
  uint64_t max_pending = 1 << 16;
};

// Pool keys: 2 * cpu for a CPU's normal pool, 2 * cpu + 1 for its highpri
// pool, kUnboundPool for the unbound ones.
constexpr int32_t kUnboundPool = -1;
int32_t pool_key(int32_t cpu, bool highpri) { return cpu * 2 + (highpri ? 1 : 0); }
int32_t pool_cpu(int32_t key) { return key / 2; }
bool pool_highpri(int32_t key) { return key >= 0 && key % 2 == 1; }

// The pool a worker belongs to, from its name: kworker/3:1 -> CPU3 normal,
// kworker/3:0H -> CPU3 highpri, kworker/u8:2 -> unbound.
int32_t pool_of_worker(std::string_view comm, int32_t cpu) {
  if (comm.starts_with("kworker/u")) return kUnboundPool;
  return pool_key(cpu, comm.ends_with("H"));
}
constexpr TimeNs kCheckEvery = 50'000'000;  // trace time between pool checks

class WqStallDetector final : public Detector {
 public:
  explicit WqStallDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "wq-stall"; }
  // A stalled pool is a symptom of what holds its workers.
  int cause_rank() const override { return 60; }
  SpanKindMask wanted_spans() const override { return 0; }
  // Pending work is what was queued and not started.
  std::vector<EventTypeMask> needed_events() const override {
    return {event_types({EventType::kWorkQueue}), event_types({EventType::kWorkStart})};
  }
  std::vector<Option> options() override {
    return {{"warning", "pool with pending work and no work started for this long -> warning", &config_.warning},
            {"error", "... this long -> error (kernel workqueue.watchdog_thresh, 30 s)", &config_.error},
            {"max_pending", "work items queued and not started followed at once (a count); beyond, new ones are "
                            "counted in stats.pending_work_dropped", &config_.max_pending}};
  }

  void on_event(const Event& e, const SystemModel&) override {
    switch (e.type) {
      case EventType::kWorkQueue: queue(e); break;
      case EventType::kWorkStart: start(e); break;
      default: break;
    }
    if (e.ts >= next_check_) {
      next_check_ = e.ts + kCheckEvery;
      for (auto& [key, pool] : pools_) check(pool, e.ts);
    }
  }

  void finish(const SystemModel& model) override {
    for (auto& [key, pool] : pools_) {
      check(pool, model.last_event());
      if (pool.stalled) report_stall(key, pool, std::nullopt, model.last_event());
    }
  }

 private:
  struct Pending {
    StrId function = kNoStr;
    StrId workqueue = kNoStr;
    TimeNs queued = 0;
    int32_t pool = 0;
  };
  struct Pool {
    TimeNs watchdog_ts = 0;  // last progress, as the kernel's pool->watchdog_ts
    size_t pending = 0;
    bool stalled = false;    // pending work and no progress for >= warning
  };

  int32_t pool_of_queue(const Event& e) const {
    if (e.site != kNoStr && unbound_workqueues_.contains(e.site)) return kUnboundPool;
    // No CPU's pool: WORK_CPU_UNBOUND (NR_CPUS on some kernels), or a
    // damaged record's garbage (which would also overflow the key).
    if (e.target_cpu < 0 || e.target_cpu >= SystemModel::kMaxCpus) return kUnboundPool;
    return pool_key(e.target_cpu, e.site != kNoStr && highpri_workqueues_.contains(e.site));
  }

  void queue(const Event& e) {
    if (pending_.size() >= config_.max_pending && !pending_.contains(e.address)) {
      count(ModelStat::pending_work_dropped);
      return;
    }
    const int32_t key = pool_of_queue(e);
    auto [it, inserted] = pending_.try_emplace(e.address);
    if (!inserted) {
      // The kernel does not queue a pending item again; seeing it queued to
      // another pool means its start was lost: it now waits on the new pool.
      if (it->second.pool == key) return;
      Pool& old = pools_[it->second.pool];
      if (old.pending > 0) --old.pending;
    }
    it->second = Pending{e.function, e.site, e.ts, key};
    Pool& pool = pools_[key];
    if (pool.pending++ == 0) pool.watchdog_ts = e.ts;  // queued onto an empty worklist
  }

  void start(const Event& e) {
    const int32_t key = pool_of_worker(strings_.view(e.comm), e.cpu);
    if (auto it = pending_.find(e.address); it != pending_.end()) {
      Pending& item = it->second;
      if (item.workqueue != kNoStr) {
        if (key == kUnboundPool) unbound_workqueues_.insert(item.workqueue);
        else if (pool_highpri(key)) highpri_workqueues_.insert(item.workqueue);
      }
      Pool& queued_on = pools_[item.pool];
      check(queued_on, e.ts);  // the checks are throttled: catch up first
      if (queued_on.pending > 0) --queued_on.pending;
      // Run by a worker of another pool: it was never the pool's work as we
      // guessed, so that pool made no progress.
      if (item.pool == key) progress(item.pool, queued_on, e.ts);
      pending_.erase(it);
    }
    Pool& own = pools_[key];
    check(own, e.ts);
    progress(key, own, e.ts);
  }

  void progress(int32_t key, Pool& pool, TimeNs at) {
    if (pool.stalled) report_stall(key, pool, at, at);
    pool.stalled = false;
    pool.watchdog_ts = at;
  }

  void check(Pool& pool, TimeNs now) const {
    if (pool.pending > 0 && now - pool.watchdog_ts >= config_.warning) pool.stalled = true;
  }

  void report_stall(int32_t key, const Pool& pool, std::optional<TimeNs> end, TimeNs now) {
    Finding f;
    f.severity = now - pool.watchdog_ts >= config_.error ? Severity::kError : Severity::kWarning;
    if (key != kUnboundPool) f.cpu = pool_cpu(key);
    f.start = pool.watchdog_ts;
    f.end = end;
    f.duration = now - pool.watchdog_ts;

    std::map<std::string_view, int> functions;
    TimeNs oldest = now;
    std::string_view oldest_function;
    for (const auto& [work, p] : pending_) {
      if (p.pool != key || p.queued > now) continue;
      ++functions[strings_.view(p.function)];
      if (p.queued < oldest) oldest = p.queued, oldest_function = strings_.view(p.function);
    }
    const std::string pool_name = key == kUnboundPool ? "unbound pool"
                                  : "pool cpus=" + std::to_string(pool_cpu(key)) + (pool_highpri(key) ? " (highpri)" : "");
    int total = 0;
    for (const auto& [fn, n] : functions) total += n;
    f.message = "workqueue " + pool_name + " had work pending and started none for " + format_duration(f.duration) +
                (end ? "" : " (until the end of the trace)");
    if (total > 0)
      f.message += "; " + counted(static_cast<uint64_t>(total), "item") + " waiting, oldest " + std::string(oldest_function) +
                   " queued " + format_duration(now - oldest) + " earlier";
    nlohmann::ordered_json pending = nlohmann::ordered_json::array();
    std::vector<std::pair<std::string_view, int>> sorted(functions.begin(), functions.end());
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    for (size_t i = 0; i < sorted.size() && i < 16; ++i) pending.push_back({{"function", sorted[i].first}, {"count", sorted[i].second}});
    f.details["pool"] = {{"cpu", key == kUnboundPool ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(pool_cpu(key))},
                         {"highpri", pool_highpri(key)},
                         {"unbound", key == kUnboundPool}};
    f.details["pending_work"] = std::move(pending);
    f.details["pending_total"] = total;
    f.details["last_progress_ns"] = pool.watchdog_ts;
    if (total > 0) f.details["oldest_pending_ns"] = oldest;
    report(std::move(f));
  }

  const StringPool& strings_;
  WqStallConfig config_;
  std::unordered_map<uint64_t, Pending> pending_;  // by work struct
  std::map<int32_t, Pool> pools_;
  std::set<StrId> unbound_workqueues_;
  std::set<StrId> highpri_workqueues_;
  TimeNs next_check_ = 0;
};

}  // namespace

std::unique_ptr<Detector> make_wq_stall_detector(const DetectorContext& context) {
  return std::make_unique<WqStallDetector>(context);
}

}  // namespace ftlens
