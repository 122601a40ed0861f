// libFuzzer target: kernel trace text (the tracefs `trace` file, any column
// layout) through the whole pipeline.
#include "tests/fuzz/fuzz_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ftlens::fuzz::analyze_text("", data, size);
  return 0;
}
