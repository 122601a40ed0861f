// Ties findings that one root cause produced (seed 000: the unterminated work
// item, the CPU that stopped switching and the missed watchdog kicks on CPU4
// are one problem) into groups, and names each group's root cause. Works on
// findings only; detectors do not know about each other.
#pragma once

#include <vector>

#include "detectors/finding.h"

namespace ftlens {

// Findings must have ids. Sets group, root_cause and related; reports
// (Finding::is_report: the kernel's own) get details["explains"] with the
// findings they match.
void correlate_findings(std::vector<Finding>& findings, TimeNs trace_end);

}  // namespace ftlens
