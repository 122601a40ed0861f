// stuck-function: a function the function_graph tracer saw entered and not
// returned for too long, still open at the trace end or returned late. Seed
// 000 traced with function_graph shows addrconf_dad_work -> ... ->
// __ipv6_dev_ac_inc open for 22 s: the chain its author had to get from a
// crash dump. The finding names the deepest open frame, and the chain to it.
#include <algorithm>

#include "detectors/describe.h"
#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/timestamp.h"

namespace ftlens {

namespace {

struct StuckFunctionConfig {
  // A call this long (open at the trace end, or its duration) is a warning:
  // no kernel function should run a second without returning.
  TimeNs warning = 1'000'000'000;
  // This long is an error: 10 s is half the kernel's soft-lockup threshold
  // (2 x watchdog_thresh), as for unterminated-work.
  TimeNs error = 10'000'000'000;
};

class StuckFunctionDetector final : public Detector {
 public:
  // Returned calls reported at most; the rest are counted in the last one.
  static constexpr size_t kMaxReturned = 64;

  explicit StuckFunctionDetector(const DetectorContext& context) : strings_(context.strings) {}

  std::string_view id() const override { return "stuck-function"; }
  // A function that never returned is the root cause of what it holds up.
  int cause_rank() const override { return 0; }
  EventTypeMask wanted_events() const override { return 0; }
  SpanKindMask wanted_spans() const override { return kFunctionCalls; }
  // Only an entered call can stay open (a leaf returned on its own line).
  std::vector<EventTypeMask> needed_events() const override { return {event_types({EventType::kFuncEntry})}; }
  std::vector<Option> options() override {
    return {{"warning", "a function open (or that ran) at least this long -> warning", &config_.warning},
            {"error", "a function open (or that ran) at least this long -> error", &config_.error}};
  }

  // A call that returned after too long. Its callers return later and would
  // repeat it: a call around one already reported is not reported again.
  void on_function_call(const FunctionCall& call, const SystemModel&) override {
    if (!call.end_seen || call.duration() < config_.warning) return;
    for (const Reported& r : reported_)
      if (r.cpu == call.cpu && call.start <= r.start && call.end >= r.end) return;
    if (reported_.size() >= kMaxReturned) {
      ++not_reported_;
      return;
    }
    reported_.push_back({call.cpu, call.start, call.end});
    Finding f = base(call.cpu, call, call.duration());
    f.end = call.end;
    f.message = std::string(strings_.view(call.function)) + " ran " + format_duration(call.duration()) + " on CPU" +
                std::to_string(call.cpu) + " before it returned";
    if (call.pid >= 0) f.message += " (" + task_label(strings_, call.comm, call.pid) + ")";
    f.details["open_at_end"] = false;
    report(std::move(f));
  }

  void finish(const SystemModel& model) override {
    for (const CpuTimeline& cpu : model.cpus()) {
      const FunctionStack& stack = cpu.functions;
      const size_t stored = stack.stored();
      // The deepest open frame that has been open long enough.
      size_t deepest = stored;
      for (size_t i = stored; i-- > 0;)
        if (model.last_event() - stack.open[i].start >= config_.warning) {
          deepest = i;
          break;
        }
      if (deepest == stored) continue;
      const FunctionCall& call = stack.open[deepest];
      const TimeNs open_for = model.last_event() - call.start;
      Finding f = base(cpu.cpu, call, open_for);
      auto chain = nlohmann::ordered_json::array();
      std::string path;
      for (size_t i = 0; i < stored; ++i) {
        const std::string name(strings_.view(stack.open[i].function));
        chain.push_back({{"function", name}, {"entered_ns", stack.open[i].start}});
        if (i <= deepest) path += (i ? " -> " : "") + name;
      }
      f.message = std::string(strings_.view(call.function)) + " entered on CPU" + std::to_string(cpu.cpu);
      if (call.pid >= 0) f.message += " by " + task_label(strings_, call.comm, call.pid);
      f.message += " and still open " + format_duration(open_for) + " later at the end of the trace (" + path + ")";
      f.details["open_at_end"] = true;
      f.details["chain"] = std::move(chain);
      f.details["open_calls"] = stack.size;  // more than the chain when nested past its cap
      if (not_reported_ && !reported_.empty()) f.details["returned_late_not_listed"] = not_reported_;
      report(std::move(f));
    }
  }

 private:
  struct Reported {
    int32_t cpu;
    TimeNs start, end;
  };

  Finding base(int32_t cpu, const FunctionCall& call, TimeNs duration) const {
    Finding f;
    f.cpu = cpu;
    if (call.pid >= 0) {
      f.pid = call.pid;
      f.comm = std::string(strings_.view(call.comm));
    }
    f.start = call.start;
    f.duration = duration;
    f.severity = duration >= config_.error ? Severity::kError : Severity::kWarning;
    f.details["function"] = std::string(strings_.view(call.function));
    f.details["depth"] = call.depth;
    return f;
  }

  const StringPool& strings_;
  StuckFunctionConfig config_;
  std::vector<Reported> reported_;
  uint64_t not_reported_ = 0;
};

}  // namespace

std::unique_ptr<Detector> make_stuck_function_detector(const DetectorContext& context) {
  return std::make_unique<StuckFunctionDetector>(context);
}

}  // namespace ftlens
