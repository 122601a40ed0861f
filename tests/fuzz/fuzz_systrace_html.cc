// libFuzzer target: systrace HTML through the whole pipeline; the prefix
// opens a trace-data block, so the input starts inside it.
#include "tests/fuzz/fuzz_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ftlens::fuzz::analyze_text("<!DOCTYPE html>\n<html>\n<script class=\"trace-data\" type=\"application/text\">\n", data, size);
  return 0;
}
