#include "detectors/kernel_report_reasoning.h"

#include <algorithm>
#include <string_view>

#include "parser/kernel_report_parser.h"

namespace ftlens {

namespace {

// Functions a CPU spins in while another CPU runs what it asked for.
constexpr const char* kCrossCallWaits[] = {"csd_lock_wait",          "smp_call_function_many_cond",
                                           "smp_call_function_many", "smp_call_function_single",
                                           "smp_call_function_any",  "smp_call_function",
                                           "kick_all_cpus_sync",     "on_each_cpu_cond_mask",
                                           "on_each_cpu",            "synchronize_sched_expedited"};

const char* match_cross_call(std::string_view function) {
  // "smp_call_function_many+0x308/0x370" or a bare name.
  function = function.substr(0, function.find('+'));
  for (const char* name : kCrossCallWaits)
    if (function == name) return name;
  return nullptr;
}

bool is_lockup(KernelReportKind k) {
  return k == KernelReportKind::kSoftLockup || k == KernelReportKind::kHardLockup || k == KernelReportKind::kRcuStall;
}

}  // namespace

const char* cross_call_wait_of(const KernelReport& report) {
  if (const char* hit = match_cross_call(report.pc)) return hit;
  // The innermost few frames: deeper down, a cross call is history.
  const size_t depth = std::min<size_t>(report.frames.size(), 6);
  for (size_t i = 0; i < depth; ++i)
    if (const char* hit = match_cross_call(report.frames[i].function)) return hit;
  return "";
}

std::vector<ReportVerdict> reason_across_reports(const std::vector<KernelReport>& reports, UnansweredCpu* silent) {
  if (silent) *silent = UnansweredCpu{};
  std::vector<ReportVerdict> verdicts(reports.size());
  size_t first_waiter = reports.size();
  for (size_t i = 0; i < reports.size(); ++i) {
    if (reports[i].kind == KernelReportKind::kCsdLockTimeout) {
      verdicts[i].cross_call_wait = true;
      verdicts[i].waits_in = "csd_lock_wait";
      if (first_waiter == reports.size()) first_waiter = i;
      continue;
    }
    if (!is_lockup(reports[i].kind)) continue;
    const char* in = cross_call_wait_of(reports[i]);
    if (!*in) continue;
    verdicts[i].cross_call_wait = true;
    verdicts[i].waits_in = in;
    if (first_waiter == reports.size()) first_waiter = i;
  }
  if (first_waiter == reports.size()) return verdicts;
  auto is_waiter_cpu = [&](int32_t cpu) {
    for (size_t i = 0; i < reports.size(); ++i)
      if (verdicts[i].cross_call_wait && reports[i].cpu == cpu) return true;
    return false;
  };

  // Who does not answer: a CSD timeout still stuck names it (what that CPU
  // itself reported, when it did, is the cause; else the CPU is, silent);
  // else a CPU that oopsed (an oops runs with interrupts off) before the
  // waits and never reported again on its own; else a hard-locked CPU.
  int culprit = -1;
  int32_t culprit_cpu = -1;
  int named_by = -1;
  for (size_t i = 0; i < reports.size() && culprit_cpu < 0; ++i)
    if (reports[i].kind == KernelReportKind::kCsdLockTimeout && !reports[i].csd_unstuck && !reports[i].cpus.empty() &&
        reports[i].cpus[0] >= 0) {
      culprit_cpu = reports[i].cpus[0];
      named_by = static_cast<int>(i);
      for (size_t j = 0; j < reports.size(); ++j)
        if (reports[j].cpu == culprit_cpu && !verdicts[j].cross_call_wait && reports[j].nested_in < 0 &&
            (reports[j].kind == KernelReportKind::kHardLockup || reports[j].kind == KernelReportKind::kOops ||
             reports[j].kind == KernelReportKind::kBug)) {
          culprit = static_cast<int>(j);
          break;
        }
    }
  for (size_t i = 0; i < first_waiter && culprit_cpu < 0; ++i) {
    const KernelReport& r = reports[i];
    if ((r.kind != KernelReportKind::kOops && r.kind != KernelReportKind::kBug) || r.nested_in >= 0 || r.cpu < 0 ||
        r.ended || is_waiter_cpu(r.cpu))
      continue;
    bool spoke_later = false;
    for (size_t j = i + 1; j < reports.size(); ++j)
      if (reports[j].cpu == r.cpu && reports[j].nested_in < 0 && reports[j].kind != KernelReportKind::kPanic)
        spoke_later = true;
    if (spoke_later) continue;
    culprit = static_cast<int>(i);
    culprit_cpu = r.cpu;
  }
  for (size_t i = 0; i < reports.size() && culprit_cpu < 0; ++i)
    if (reports[i].kind == KernelReportKind::kHardLockup && reports[i].cpu >= 0 && !is_waiter_cpu(reports[i].cpu)) {
      culprit = static_cast<int>(i);
      culprit_cpu = reports[i].cpu;
    }
  if (culprit_cpu < 0) return verdicts;

  // Lockups printed without a trace while the others wait ("the same as
  // above", a paste that kept only the first lines) are the same wait.
  const TimeNs storm_from = reports[first_waiter].at;
  for (size_t i = first_waiter; i < reports.size(); ++i) {
    const KernelReport& r = reports[i];
    if (r.kind != KernelReportKind::kSoftLockup || verdicts[i].cross_call_wait || !r.frames.empty() || !r.pc.empty() ||
        r.cpu < 0 || r.cpu == culprit_cpu || (storm_from >= 0 && r.at >= 0 && r.at < storm_from))
      continue;
    verdicts[i].cross_call_wait = true;
    verdicts[i].wait_inferred = true;
    verdicts[i].waits_in = verdicts[first_waiter].waits_in;
  }
  ReportVerdict unreported;  // the silent culprit's, had it a report
  ReportVerdict& answer = culprit >= 0 ? verdicts[static_cast<size_t>(culprit)] : unreported;
  answer.unanswering = true;
  TimeNs since = -1;
  for (size_t i = 0; i < reports.size(); ++i) {
    const KernelReport& r = reports[i];
    if (!verdicts[i].cross_call_wait || r.cpu == culprit_cpu || static_cast<int>(i) == culprit) continue;
    verdicts[i].waits_for_cpu = culprit_cpu;
    if (r.cpu >= 0 && std::find(answer.waiting_cpus.begin(), answer.waiting_cpus.end(), r.cpu) == answer.waiting_cpus.end())
      answer.waiting_cpus.push_back(r.cpu);
    answer.waited_until = std::max({answer.waited_until, r.at, r.csd_unstuck ? r.csd_unstuck_at : TimeNs{-1}});
    if (r.at >= 0 && r.stuck_ns > 0 && (since < 0 || r.at - r.stuck_ns < since)) since = r.at - r.stuck_ns;
  }
  if (culprit < 0) {
    if (silent) {
      silent->cpu = culprit_cpu;
      silent->waiting_cpus = answer.waiting_cpus;
      silent->since = since;
      silent->until = answer.waited_until;
      silent->named_by = named_by;
      for (size_t i = 0; i < reports.size() && silent->dump < 0; ++i)
        if (reports[i].kind == KernelReportKind::kCsdLockTimeout && !reports[i].cpus.empty() &&
            reports[i].cpus[0] == culprit_cpu &&
            (reports[i].target_pid >= 0 || !reports[i].target_pc.empty() || !reports[i].target_frames.empty()))
          silent->dump = static_cast<int>(i);
    }
    return verdicts;
  }
  // An oops nested in the culprit's die() shares its fate.
  for (size_t i = 0; i < reports.size(); ++i)
    if (reports[i].nested_in == culprit) {
      verdicts[i].unanswering = true;
      verdicts[i].waited_until = answer.waited_until;
    }
  return verdicts;
}

}  // namespace ftlens
