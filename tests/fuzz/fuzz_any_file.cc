// libFuzzer target: a whole file as `ftlens analyze` gets it: the format
// sniffer, gzip/zstd unwrapping, every reader, the pipeline, the JSON report
// and the Perfetto JSON, which must both be valid JSON. On failure to read,
// the error must be one line that names the file.
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "analysis/analyze.h"
#include "exporters/json_report.h"
#include "parser/trace_reader.h"
#include "tests/fuzz/fuzz_pipeline.h"
#include "tests/fuzz/memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ftlens;
  sniff_format(std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::MemoryFile file(data, size);
  if (!file.ok()) return 0;

  static const std::string perfetto_path = "/dev/shm/ftlens-fuzz-" + std::to_string(getpid()) + ".json";
  AnalyzeOptions options;
  options.trace = file.path();
  options.perfetto_path = perfetto_path;
  AnalyzeOutcome outcome = analyze(options);
  if (!outcome.ok) {
    if (outcome.error.find('\n') != std::string::npos) fuzz::fail("error message spans lines");
    if (outcome.error.rfind(file.path(), 0) != 0) fuzz::fail("error message does not start with the file name");
    return 0;
  }
  if (outcome.result.text.unaccounted_lines() != 0 && outcome.result.format != "trace-dat")
    fuzz::fail("a line was counted twice or not at all");
  fuzz::check_report(outcome.result);
  std::ifstream in(perfetto_path);
  if (nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false).is_discarded())
    fuzz::fail("Perfetto JSON is not valid JSON");
  return 0;
}
