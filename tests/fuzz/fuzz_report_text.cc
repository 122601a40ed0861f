// libFuzzer target: trace-cmd report text through the whole pipeline; the
// "cpus=" header puts the parser in report mode whatever the input starts with.
#include "tests/fuzz/fuzz_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ftlens::fuzz::analyze_text("cpus=2\n", data, size);
  return 0;
}
