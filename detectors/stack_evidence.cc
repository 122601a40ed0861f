#include "detectors/stack_evidence.h"

#include "detectors/describe.h"
#include "model/system_model.h"
#include "parser/string_pool.h"

namespace ftlens {

namespace {

bool inside(const StackTrace& stack, TimeNs from, TimeNs to) { return stack.ts >= from && stack.ts <= to; }

// The latest stack printed inside the finding's span by its task, else by
// its CPU; a finding with neither has none.
const StackTrace* evidence(const Finding& f, const SystemModel& model) {
  if (!f.pid && !f.cpu) return nullptr;
  const TimeNs from = f.start, to = f.end.value_or(f.start + f.duration);
  const StackTrace* by_task = nullptr;
  const StackTrace* by_cpu = nullptr;
  for (const StackTrace& s : model.stacks()) {
    if (!inside(s, from, to) || s.frames_total == 0) continue;
    if (f.pid && s.pid == *f.pid && (!by_task || s.ts > by_task->ts)) by_task = &s;
    if (f.cpu && s.cpu == *f.cpu && (!by_cpu || s.ts > by_cpu->ts)) by_cpu = &s;
  }
  if (!by_task && f.pid) {  // older than the stacks kept
    const StackTrace* own = model.latest_stack_of(*f.pid);
    if (own && inside(*own, from, to)) by_task = own;
  }
  return by_task ? by_task : by_cpu;
}

}  // namespace

void attach_stacks(std::vector<Finding>& findings, const SystemModel& model, const StringPool& strings) {
  for (Finding& f : findings) {
    const StackTrace* stack = evidence(f, model);
    if (!stack || stack->frames_total == 0) continue;
    auto frames = nlohmann::ordered_json::array();
    for (size_t i = 0; i < stack->stored() && i < kStackFramesShown; ++i)
      frames.push_back(std::string(strings.view(stack->frames[i])));
    f.details["stack"] = {{"ts_ns", stack->ts},
                          {"cpu", stack->cpu},
                          {"task", task_label(strings, stack->comm, stack->pid)},
                          {"user", stack->user},
                          {"frames_total", stack->frames_total},
                          {"frames", std::move(frames)}};
  }
}

}  // namespace ftlens
