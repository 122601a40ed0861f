#include "detectors/registry.h"

#include "detectors/detector.h"

namespace ftlens {

std::vector<std::unique_ptr<Detector>> make_all_detectors(const DetectorContext& context) {
  std::vector<std::unique_ptr<Detector>> all;
  all.push_back(make_unterminated_work_detector(context));
  all.push_back(make_long_work_detector(context));
  all.push_back(make_non_preempted_detector(context));
  all.push_back(make_watchdog_gap_detector(context));
  return all;
}

}  // namespace ftlens
