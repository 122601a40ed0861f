// libFuzzer target: a kernel log alone through the whole pipeline, fed in
// chunks of a size the first byte picks (so records are cut everywhere),
// and the same log fed whole must give the same records.
#include "parser/kernel_log_reader.h"
#include "tests/fuzz/fuzz_pipeline.h"

namespace {

struct RecordDigest final : ftlens::LogRecordSink {
  uint64_t h = 0xCBF29CE484222325ULL;
  void mix(uint64_t v) { h = (h ^ v) * 0x100000001B3ULL; }
  void on_log_record(const ftlens::LogRecord& r) override {
    for (int64_t v : {int64_t(r.line), r.at, int64_t{r.cpu}, int64_t{r.pid}, int64_t{r.stamped}}) mix(static_cast<uint64_t>(v));
    for (char c : r.text) mix(static_cast<unsigned char>(c));
    for (char c : r.comm) mix(static_cast<unsigned char>(c));
  }
};

struct NoEvents final : ftlens::EventSink {
  void on_event(const ftlens::Event&) override {}
  void on_malformed(const ftlens::ParseIssue&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using namespace ftlens;
  size_t chunk = size;
  if (size > 0) {
    chunk = bytes[0] < 128 ? size : static_cast<size_t>(bytes[0] - 127);
    ++bytes;
    --size;
  }
  std::string_view data(reinterpret_cast<const char*>(bytes), size);

  StringPool strings;
  auto detectors = make_all_detectors(DetectorContext{strings});
  Pipeline pipeline(detectors, nullptr);
  KernelLogReader reader(strings, pipeline, pipeline);
  for (size_t at = 0; at < data.size(); at += chunk) reader.feed(data.substr(at, chunk == 0 ? data.size() : chunk));
  reader.finish();
  AnalysisResult result;
  result.format = "kernel-log";
  pipeline.finish(result);
  fuzz::check_report(result);

  // Chunks must not change what the records are.
  StringPool a_pool, b_pool;
  NoEvents none;
  RecordDigest whole, cut;
  KernelLogReader a(a_pool, none, whole), b(b_pool, none, cut);
  a.feed(data);
  a.finish();
  for (size_t at = 0; at < data.size(); at += 7) b.feed(data.substr(at, 7));
  b.finish();
  if (whole.h != cut.h || a.info().lines != b.info().lines) fuzz::fail("a kernel log read in chunks differs from it read whole");
  return 0;
}
