// Test helper: parser -> model -> one detector, the way the CLI wires them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "detectors/detector.h"
#include "feed_text.h"

namespace ftlens::testing {

struct DetectorRun final : TimelineListener {
  StringPool pool;
  std::unique_ptr<Detector> detector;
  SystemModel model{this};
  std::vector<Finding> findings;

  explicit DetectorRun(std::string_view id) {
    for (auto& d : make_all_detectors(DetectorContext{pool}))
      if (d->id() == id) detector = std::move(d);
    REQUIRE(detector);
  }
  void set(std::string_view key, std::string_view value) {
    for (const Option& o : detector->all_options())
      if (o.key == key) {
        REQUIRE(o.set(value).ok());
        return;
      }
    FAIL("no option ", std::string(key));
  }
  void on_task_span(const TaskSpan& s, const SystemModel& m) override { detector->on_task_span(s, m); }
  void on_work_done(const WorkItem& w, TimeNs end, const SystemModel& m) override { detector->on_work_done(w, end, m); }
  void on_function_call(const FunctionCall& c, const SystemModel& m) override { detector->on_function_call(c, m); }

  std::vector<Finding>& run(std::string_view text) {
    REQUIRE(feed_text(pool, text, [&](const Event& e) {
              model.apply(e);
              if (detector->wants(e.type)) detector->on_event(e, model);
            }) == 0);
    model.finish();
    detector->finish(model);
    findings = detector->take_findings();
    return findings;
  }
};

}  // namespace ftlens::testing
