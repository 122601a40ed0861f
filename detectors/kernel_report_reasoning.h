// Reasoning across the kernel's reports, as a person reading the log does:
// lockups on many CPUs whose call traces wait in a cross-CPU call
// (smp_call_function_many, kick_all_cpus_sync, csd_lock_wait...) wait for one
// CPU, and the CPU that oopsed with interrupts off (or that a CSD timeout
// names, or that is hard-locked) and never reported again is that CPU. A
// CSD lock that got unstuck was answered, late: it names no culprit.
#pragma once

#include <cstdint>
#include <vector>

#include "parser/event.h"

namespace ftlens {

struct KernelReport;

struct ReportVerdict {
  bool cross_call_wait = false;         // its trace waits in a cross-CPU call
  bool wait_inferred = false;           // no trace shown; taken to be the same wait as the others
  const char* waits_in = "";            // the cross-call function its trace waits in
  int32_t waits_for_cpu = -1;           // the CPU that does not answer
  bool unanswering = false;             // this report's CPU is the one the others wait for
  std::vector<int32_t> waiting_cpus;    // unanswering: who waits for it, in report order
  TimeNs waited_until = -1;             // unanswering: the last report of a CPU still waiting
};

// The CPU CSD lock timeouts wait for when it printed no report of its own
// (the usual case: a CPU with interrupts off prints nothing). It is the
// cause all the same, and its NMI backtrace or task dump, printed by a
// waiting CPU, shows what it was doing.
struct UnansweredCpu {
  int32_t cpu = -1;                  // -1: none
  std::vector<int32_t> waiting_cpus; // in report order
  TimeNs since = -1;                 // the earliest wait on it began
  TimeNs until = -1;                 // the last report of a CPU still waiting
  int named_by = -1;                 // the first CSD timeout naming it (index)
  int dump = -1;                     // the CSD timeout holding its backtrace (index), -1 if none
};

// The cross-CPU call function a report's pc or call trace waits in, or "".
const char* cross_call_wait_of(const KernelReport& report);

// One verdict per report, same order. When the CPU the others wait for has
// no report of its own, `silent` (if given) describes it instead of a
// verdict's `unanswering`.
std::vector<ReportVerdict> reason_across_reports(const std::vector<KernelReport>& reports,
                                                 UnansweredCpu* silent = nullptr);

}  // namespace ftlens
