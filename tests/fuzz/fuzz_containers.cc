// libFuzzer target: the container decoders (atrace -z, systrace pages,
// Chrome trace JSON) on any bytes. The first byte picks the decoder and the
// sizes of the reads it gets; the decoder must give the same text and the
// same verdict whatever the reads, never more than a few times its input,
// with an error of one line; the text then goes through the whole pipeline.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "parser/container_source.h"
#include "tests/fuzz/fuzz_pipeline.h"

namespace {

using namespace ftlens;

class ChunkedMemory final : public ByteSource {
 public:
  ChunkedMemory(std::string_view data, size_t step) : data_(data), step_(step) {}
  ssize_t read(char* buf, size_t size) override {
    // Reads of 1..step bytes, varying, so that every cut is tried.
    const size_t n = std::min({size, data_.size() - at_, 1 + (at_ * 7 + turn_++) % step_});
    std::memcpy(buf, data_.data() + at_, n);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  uint64_t raw_bytes() const override { return at_; }

 private:
  std::string_view data_;
  size_t step_, at_ = 0, turn_ = 0;
};

struct Decoded {
  std::string text, error, container;
  bool failed = false;
};

Decoded decode(Container container, std::string_view data, size_t step) {
  auto source = open_container_source(container, std::make_unique<ChunkedMemory>(data, step));
  Decoded d;
  std::vector<char> buf(1 + step % 4096);
  for (;;) {
    const ssize_t n = source->read(buf.data(), buf.size());
    if (n < 0) {
      d.failed = true;
      d.error = source->error();
      break;
    }
    if (n == 0) break;
    d.text.append(buf.data(), static_cast<size_t>(n));
  }
  d.container = std::string(source->container());
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Container container = data[0] % 3 == 0   ? Container::kAtraceZlib
                              : data[0] % 3 == 1 ? Container::kSystraceHtml
                                                 : Container::kTraceJson;
  const size_t step = 1 + data[0] / 3;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const Decoded whole = decode(container, input, 1 << 20), cut = decode(container, input, step);
  if (whole.text != cut.text || whole.failed != cut.failed || whole.error != cut.error || whole.container != cut.container)
    fuzz::fail("a container decodes differently when its input breaks elsewhere");
  // \u escapes of 6 bytes give at most 3; zlib's output is its own.
  if (container != Container::kAtraceZlib && whole.text.size() > 4 * input.size() + 128)
    fuzz::fail("a container's text is more than 4 times its input");
  if (whole.error.find('\n') != std::string::npos) fuzz::fail("a container's error spans lines");
  std::string text(1, '\xff');  // reads of 64 bytes (fuzz_pipeline.h)
  text += whole.text.substr(0, 1 << 20);
  fuzz::analyze_text("", reinterpret_cast<const uint8_t*>(text.data()), text.size());
  return 0;
}
