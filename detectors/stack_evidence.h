// Stacks the trace printed ("<stack trace>" after an event) as evidence for
// findings: a finding whose task or CPU printed a stack inside its span shows
// the latest one in details.stack.
#pragma once

#include <vector>

#include "detectors/finding.h"

namespace ftlens {

class StringPool;
class SystemModel;

// Frames the report and the summary list at most (details.stack.frames_total
// says how many the trace printed).
inline constexpr size_t kStackFramesShown = 32;

void attach_stacks(std::vector<Finding>& findings, const SystemModel& model, const StringPool& strings);

}  // namespace ftlens
