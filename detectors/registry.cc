#include "detectors/registry.h"

#include "detectors/detector.h"

namespace ftlens {

std::vector<std::unique_ptr<Detector>> make_all_detectors(const DetectorContext& context) {
  std::vector<std::unique_ptr<Detector>> all;
  all.push_back(make_unterminated_work_detector(context));
  all.push_back(make_long_work_detector(context));
  all.push_back(make_non_preempted_detector(context));
  all.push_back(make_watchdog_gap_detector(context));
  all.push_back(make_wq_stall_detector(context));
  all.push_back(make_ipi_unanswered_detector(context));
  all.push_back(make_cpu_silent_detector(context));
  all.push_back(make_hung_task_detector(context));
  all.push_back(make_lock_contention_detector(context));
  all.push_back(make_kernel_report_detector(context));
  all.push_back(make_stuck_function_detector(context));
  return all;
}

}  // namespace ftlens
