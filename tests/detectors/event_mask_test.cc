#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "detectors/detector.h"
#include "parser/string_pool.h"
#include "parser/trace_reader.h"

using namespace ftlens;

TEST_CASE("event type masks hold exactly the listed types") {
  const EventTypeMask mask = event_types({EventType::kContentionBegin, EventType::kContentionEnd});
  for (size_t t = 0; t < static_cast<size_t>(EventType::kCount_); ++t) {
    const auto type = static_cast<EventType>(t);
    CHECK(((mask >> t) & 1U) == (type == EventType::kContentionBegin || type == EventType::kContentionEnd));
  }
}

namespace {

// Every detector twice over one trace: `told_all` is called for every event
// and every span, `told_wanted` only for the event types and span kinds it
// declares, as the pipeline calls it.
struct TwinRun final : EventSink, TimelineListener {
  StringPool pool;
  SystemModel model{this};
  std::vector<std::unique_ptr<Detector>> told_all, told_wanted;

  TwinRun() : told_all(make_all_detectors(DetectorContext{pool})), told_wanted(make_all_detectors(DetectorContext{pool})) {
    // A hundredth of every threshold, so that healthy traces have findings.
    for (auto* detectors : {&told_all, &told_wanted})
      for (auto& d : *detectors)
        for (const Option& o : d->all_options())
          if (auto* ns = std::get_if<TimeNs*>(&o.target)) **ns /= 100;
  }
  void on_event(const Event& e) override {
    if (!model.apply(e)) return;
    for (size_t i = 0; i < told_all.size(); ++i) {
      told_all[i]->on_event(e, model);
      if (told_wanted[i]->wants(e.type)) told_wanted[i]->on_event(e, model);
    }
  }
  void on_malformed(const ParseIssue&) override {}
  void on_log_line(uint64_t, TimeNs at, std::string_view text) override {
    for (auto* detectors : {&told_all, &told_wanted})
      for (auto& d : *detectors) d->on_log_line(at, text);
  }
  template <typename Call>
  void span(SpanKindMask kind, Call call) {
    for (size_t i = 0; i < told_all.size(); ++i) {
      call(*told_all[i]);
      if (told_wanted[i]->wanted_spans() & kind) call(*told_wanted[i]);
    }
  }
  void on_task_span(const TaskSpan& s, const SystemModel& m) override {
    span(kTaskSpans, [&](Detector& d) { d.on_task_span(s, m); });
  }
  void on_work_done(const WorkItem& w, TimeNs end, const SystemModel& m) override {
    span(kWorkDone, [&](Detector& d) { d.on_work_done(w, end, m); });
  }
  void on_handler_span(const HandlerSpan& s, const SystemModel& m) override {
    span(kHandlerSpans, [&](Detector& d) { d.on_handler_span(s, m); });
  }
  void on_wakeup_served(const WaitingTask& t, int32_t cpu, TimeNs at, const SystemModel& m) override {
    span(kWakeupsServed, [&](Detector& d) { d.on_wakeup_served(t, cpu, at, m); });
  }
  void on_function_call(const FunctionCall& c, const SystemModel& m) override {
    span(kFunctionCalls, [&](Detector& d) { d.on_function_call(c, m); });
  }
};

std::string findings_of(Detector& d, const SystemModel& model, size_t* count) {
  d.finish(model);
  std::string out;
  const auto findings = d.take_findings();
  *count += findings.size();
  for (const Finding& f : findings)
    out += std::string(severity_name(f.severity)) + " " + std::to_string(f.start) + " " + f.message + " " + f.details.dump() + "\n";
  return out;
}

}  // namespace

TEST_CASE("a detector called only for the events and spans it declares reports what it reports when called for all") {
  // One trace per kind of trouble the detectors look for, and a healthy one.
  for (const char* name : {"derived_seed000_stuck_work_cpu1.txt", "derived_seed001_wq_pool_stall_cpu1.txt",
                           "derived_seed002_unanswered_ipi_cpu0.txt", "derived_dmesg_dump_light30_last2s.txt",
                           "dev_hotplug.txt", "dev_rthog.txt", "real_small_v7.dat"}) {
    CAPTURE(name);
    TwinRun run;
    const ReadResult read = read_trace(std::string(FTLENS_TRACES) + "/" + name, ReadOptions{}, run.pool, run);
    REQUIRE(read.status.ok());
    run.model.finish();
    size_t findings = 0;
    for (size_t i = 0; i < run.told_all.size(); ++i) {
      const std::string id(run.told_all[i]->id());
      CAPTURE(id);
      CHECK(findings_of(*run.told_wanted[i], run.model, &findings) == findings_of(*run.told_all[i], run.model, &findings));
    }
    CHECK(findings > 0);  // with no findings the comparison proves nothing
  }
}
