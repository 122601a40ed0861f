// One factory per detector; registry.cc lists them in report order. Adding a
// detector adds a line here and in registry.cc, and touches no other detector.
#pragma once

#include <memory>

namespace ftlens {

class Detector;
struct DetectorContext;

std::unique_ptr<Detector> make_unterminated_work_detector(const DetectorContext&);
std::unique_ptr<Detector> make_long_work_detector(const DetectorContext&);
std::unique_ptr<Detector> make_non_preempted_detector(const DetectorContext&);
std::unique_ptr<Detector> make_watchdog_gap_detector(const DetectorContext&);
std::unique_ptr<Detector> make_wq_stall_detector(const DetectorContext&);
std::unique_ptr<Detector> make_ipi_unanswered_detector(const DetectorContext&);
std::unique_ptr<Detector> make_cpu_silent_detector(const DetectorContext&);
std::unique_ptr<Detector> make_hung_task_detector(const DetectorContext&);
std::unique_ptr<Detector> make_lock_contention_detector(const DetectorContext&);
std::unique_ptr<Detector> make_kernel_report_detector(const DetectorContext&);
std::unique_ptr<Detector> make_stuck_function_detector(const DetectorContext&);

}  // namespace ftlens
