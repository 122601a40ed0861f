// libFuzzer target: trace.dat (v6, v7, compressed or not) through
// libtracecmd + libtraceevent, our field extraction and the pipeline. Seeds
// are small real recordings (traces/record_small_dat.sh).
#include "parser/trace_reader.h"
#include "tests/fuzz/fuzz_pipeline.h"
#include "tests/fuzz/memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ftlens;
  fuzz::MemoryFile file(data, size);
  if (!file.ok()) return 0;
  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  Pipeline pipeline(detectors, nullptr);
  ReadResult read = read_trace(file.path(), ReadOptions{}, strings, pipeline);
  if (!read.status.ok()) {
    if (read.status.message().find('\n') != std::string::npos) fuzz::fail("error message spans lines");
    return 0;
  }
  AnalysisResult result;
  result.format = read.format;
  result.events = read.events;
  result.lost_events = read.lost_events;
  pipeline.finish(result);
  fuzz::check_report(result);
  return 0;
}
