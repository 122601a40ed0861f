// make_all_detectors() from the list in detectors/CMakeLists.txt, which the
// build writes as detector_list.inc: FTLENS_DETECTOR(name) for each, in
// report order, each one the factory make_<name>_detector in
// <name>_detector.cc.
#include <memory>
#include <vector>

#include "detectors/detector.h"

namespace ftlens {

#define FTLENS_DETECTOR(name) std::unique_ptr<Detector> make_##name##_detector(const DetectorContext&);
#include "detector_list.inc"
#undef FTLENS_DETECTOR

std::vector<std::unique_ptr<Detector>> make_all_detectors(const DetectorContext& context) {
  std::vector<std::unique_ptr<Detector>> all;
#define FTLENS_DETECTOR(name) all.push_back(make_##name##_detector(context));
#include "detector_list.inc"
#undef FTLENS_DETECTOR
  return all;
}

}  // namespace ftlens
