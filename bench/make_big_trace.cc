// Makes a large kernel-text trace from a real recording for the memory and
// speed benchmarks: the recording's events repeated, each copy shifted later
// in time by the recording's span plus 10 us, so the result reads as one long
// monotonic trace with no silence at the seams, and every timestamp stays
// exact (integer ns, printed with the recording's own fraction digits).
//
//   make_big_trace IN.txt OUT.txt TARGET_MB
//
// Header and marker lines are written once, before the first copy. Generated
// under bench/data/ by bench/run.sh; never committed.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/ftrace_line.h"
#include "parser/line_tokenizer.h"
#include "parser/timestamp.h"

namespace {

struct EventLine {
  std::string prefix;  // everything before the timestamp
  int64_t ns = 0;
  int fraction_digits = 0;
  std::string suffix;  // ':' and everything after
};

int fail(const std::string& what) {
  std::fprintf(stderr, "make_big_trace: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fail("usage: make_big_trace IN.txt OUT.txt TARGET_MB");
  const uint64_t target_bytes = std::strtoull(argv[3], nullptr, 10) * 1000 * 1000;
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) return fail(std::string("cannot read ") + argv[1]);

  std::string header;
  std::vector<EventLine> events;
  std::string line;
  while (std::getline(in, line)) {
    ftlens::FtraceLine cols;
    std::optional<ftlens::ParsedTimestamp> ts;
    if (!ftlens::tokenize_ftrace_line(line, &cols)) ts = ftlens::parse_timestamp(cols.timestamp);
    if (!ts) {
      if (events.empty()) header += line + '\n';
      continue;
    }
    const size_t at = static_cast<size_t>(cols.timestamp.data() - line.data());
    events.push_back({line.substr(0, at), ts->ns, ts->fraction_digits, line.substr(at + cols.timestamp.size())});
  }
  if (events.empty()) return fail(std::string(argv[1]) + " has no kernel-text events");

  const int64_t shift = events.back().ns - events.front().ns + 10'000;  // +10 us: no silence at the seams
  std::FILE* out = std::fopen(argv[2], "wb");
  if (!out) return fail(std::string("cannot write ") + argv[2]);
  std::vector<char> buffer(1 << 20);
  std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());
  std::fwrite(header.data(), 1, header.size(), out);
  uint64_t written = header.size();
  for (int64_t copy = 0; written < target_bytes; ++copy) {
    for (const EventLine& e : events) {
      std::string ts = ftlens::format_timestamp(e.ns + copy * shift, e.fraction_digits);
      std::fwrite(e.prefix.data(), 1, e.prefix.size(), out);
      std::fwrite(ts.data(), 1, ts.size(), out);
      std::fwrite(e.suffix.data(), 1, e.suffix.size(), out);
      std::fputc('\n', out);
      written += e.prefix.size() + ts.size() + e.suffix.size() + 1;
    }
  }
  if (std::fclose(out) != 0) return fail(std::string("write failed: ") + argv[2]);
  std::printf("%s: %llu MB, %zu events per copy\n", argv[2], static_cast<unsigned long long>(written / 1000000),
              events.size());
  return 0;
}
