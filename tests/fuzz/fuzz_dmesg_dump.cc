// libFuzzer target: a console log with an ftrace_dump_on_oops block through
// the whole pipeline; the prefix opens the dump, so the input is read as
// dump lines until it closes the block itself.
#include "tests/fuzz/fuzz_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ftlens::fuzz::analyze_text(
      "[  100.000000] Dumping ftrace buffer:\n[  100.000000] ---------------------------------\n", data, size);
  return 0;
}
