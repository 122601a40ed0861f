// The compressed trace.dat v7 reader on files built here byte by byte
// (trace-cmd.dat.v7(5)), so that each damage is exactly one thing. Real
// files are compared with libtracecmd's reading in tests/e2e/inputs_test.cc.
#include "parser/flyrecord_reader.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <traceevent/event-parse.h>
#include <unistd.h>
#include <zstd.h>

#include <cstring>
#include <string>
#include <vector>

#include "parser/dat_file_progress.h"
#include "parser/record_decoder.h"
#include "parser/string_pool.h"
#include "parser/text_trace_parser.h"

namespace ftlens {
namespace {

constexpr uint32_t kPage = 4096;
constexpr int kEventId = 42;

// One event in a ring-buffer page: `delta` ns after the previous one, with
// an int payload after the common fields.
struct TestEvent {
  uint32_t delta;
  int32_t value;
};

std::string le(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(value >> (8 * i) & 0xff);
  return out;
}

// A page: timestamp, commit word (data size, plus flags), then events of 12
// data bytes each (type_len 3: common fields and the int).
std::string page(uint64_t ts, const std::vector<TestEvent>& events, uint64_t commit_flags = 0,
                 int64_t claimed_size = -1) {
  std::string data;
  for (const TestEvent& e : events) {
    data += le(3u | e.delta << 5, 4);
    data += le(kEventId, 2) + le(0, 1) + le(0, 1) + le(100, 4) + le(static_cast<uint32_t>(e.value), 4);
  }
  const uint64_t size = claimed_size >= 0 ? static_cast<uint64_t>(claimed_size) : data.size();
  std::string p = le(ts, 8) + le(size | commit_flags, 8) + data;
  p.resize(kPage, '\0');
  return p;
}

std::string zstd(const std::string& raw) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A chunk of pages; `corrupt` breaks its zstd frame's magic number (a flip
// in the data itself may still decompress: the frames carry no checksum).
std::string chunk(const std::string& pages, bool corrupt = false) {
  std::string z = zstd(pages);
  if (corrupt) z[0] = static_cast<char>(z[0] ^ 0xff);
  return le(z.size(), 4) + le(pages.size(), 4) + z;
}

struct CpuData {
  int cpu;
  std::vector<std::string> chunks;
};

// A v7 file: header, one options section (BUFFER for each name in
// `instances`, `extra_options`, DONE), the buffer section header, the data.
std::string trace_dat(const std::vector<CpuData>& cpus, const std::string& extra_options = "",
                      uint16_t options_flags = 0) {
  std::string file = std::string("\x17\x08\x44tracing", 10) + std::string("7\0", 2) + le(0, 1) + le(8, 1) + le(kPage, 4) +
                     std::string("zstd\0" "1.5.4\0", 11);
  const size_t options_offset_at = file.size();
  file += le(0, 8);
  // Data first (offsets are known once written), then sections.
  std::vector<std::pair<uint64_t, uint64_t>> where;
  for (const CpuData& c : cpus) {
    std::string data = le(c.chunks.size(), 4);
    for (const std::string& k : c.chunks) data += k;
    where.emplace_back(file.size(), data.size() - 4);
    file += data;
  }
  const uint64_t buffer_section = file.size();
  file += le(3, 2) + le(1, 2) + le(0, 4) + le(0, 8);
  std::string buffer = le(buffer_section, 8) + std::string("\0local\0", 7) + le(kPage, 4) + le(cpus.size(), 4);
  for (size_t i = 0; i < cpus.size(); ++i)
    buffer += le(static_cast<uint32_t>(cpus[i].cpu), 4) + le(where[i].first, 8) + le(where[i].second, 8);
  std::string options = le(3, 2) + le(buffer.size(), 4) + buffer + extra_options + le(0, 2) + le(8, 4) + le(0, 8);
  const uint64_t options_section = file.size();
  file += le(0, 2) + le(options_flags, 2) + le(0, 4) + le(options.size(), 8) + options;
  file.replace(options_offset_at, 8, le(options_section, 8));
  return file;
}

struct Events final : EventSink {
  std::vector<Event> seen;
  void on_event(const Event& e) override { seen.push_back(e); }
  void on_malformed(const ParseIssue&) override {}
};

// Reads `content` as a file: the layout, then the records into `sink`.
class Reading {
 public:
  explicit Reading(const std::string& content, const std::string& instance = "") {
    char name[] = "/tmp/ftlens_flyrecord_XXXXXX";
    fd_ = mkstemp(name);
    REQUIRE(fd_ >= 0);
    unlink(name);
    REQUIRE(write(fd_, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    tep_ = tep_alloc();
    static const char kFormat[] =
        "name: test_event\nID: 42\nformat:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
        "\tfield:int value;\toffset:8;\tsize:4;\tsigned:1;\n\n"
        "print fmt: \"value=%d\", REC->value\n";
    REQUIRE(tep_parse_event(tep_, kFormat, sizeof kFormat - 1, "test") == TEP_ERRNO__SUCCESS);
    layout = read_flyrecord_layout(fd_, instance);
    if (layout.not_handled.empty()) {
      RecordDecoder decoder(tep_, pool_, sink);
      const DatPhaseHook hook{nullptr, &file_bytes, [](uint64_t bytes, void* seen) {
                                static_cast<std::vector<uint64_t>*>(seen)->push_back(bytes);
                              }};
      DatFileProgress progress(hook, content.size());
      records = read_flyrecord(fd_, layout, tep_, decoder, progress);
      truncated_cpus = decoder.truncated_cpus();
    }
  }
  ~Reading() {
    tep_free(tep_);
    close(fd_);
  }
  Reading(const Reading&) = delete;
  Reading& operator=(const Reading&) = delete;

  // "cpu@ts" of each record, "lost cpu@ts" of each marker, in order.
  std::vector<std::string> timeline() const {
    std::vector<std::string> out;
    for (const Event& e : sink.seen)
      out.push_back((e.type == EventType::kLostEvents ? "lost " : "") + std::to_string(e.cpu) + "@" + std::to_string(e.ts));
    return out;
  }

  FlyrecordLayout layout;
  uint64_t records = 0;
  std::string truncated_cpus;  // "0": CPUs the reader found damaged part-way
  std::vector<uint64_t> file_bytes;  // each progress report, in order
  Events sink;

 private:
  int fd_ = -1;
  tep_handle* tep_ = nullptr;
  StringPool pool_;
};

using Timeline = std::vector<std::string>;

TEST_CASE("two CPUs' records come out merged by time, a tie going to the CPU listed first") {
  const std::string file = trace_dat({{0, {chunk(page(1000, {{0, 1}, {20, 2}}) + page(5000, {{0, 3}}))}},
                                      {1, {chunk(page(1010, {{0, 4}, {10, 5}})), chunk(page(4000, {{0, 6}}))}}});
  Reading r(file);
  REQUIRE(r.layout.not_handled.empty());
  CHECK(r.layout.page_size == kPage);
  CHECK(r.records == 6);
  CHECK(r.truncated_cpus.empty());
  CHECK(r.timeline() == Timeline{"0@1000", "1@1010", "0@1020", "1@1020", "1@4000", "0@5000"});
}

TEST_CASE("the bytes behind the reading grow chunk by chunk to the end of the last CPU's data") {
  const std::vector<std::string> cpu0 = {chunk(page(1000, {{0, 1}})), chunk(page(3000, {{0, 2}}))};
  const std::vector<std::string> cpu1 = {chunk(page(2000, {{0, 3}}))};
  const std::string file = trace_dat({{0, cpu0}, {1, cpu1}});
  Reading r(file);
  REQUIRE(r.layout.cpus.size() == 2);
  const uint64_t start0 = r.layout.cpus[0].offset, start1 = r.layout.cpus[1].offset;
  // CPU 0's first chunk, CPU 1's only one, CPU 0's second: the data of each
  // is read side by side, so both count from the first CPU's start.
  const uint64_t after0 = start0 + 4 + cpu0[0].size();
  const std::vector<uint64_t> expected = {after0, after0 + (4 + cpu1[0].size()),
                                          after0 + cpu0[1].size() + 4 + cpu1[0].size()};
  CHECK(r.file_bytes == expected);
  // The last is where CPU 1's data ends: all of the event data is behind.
  CHECK(r.file_bytes.back() == start1 + 4 + cpu1[0].size());
}

TEST_CASE("a chunk that does not decompress stops its CPU there with a lost-events marker; the other CPU reads on") {
  const std::string file = trace_dat({{0, {chunk(page(1000, {{0, 1}})), chunk(page(2000, {{0, 2}}), true)}},
                                      {1, {chunk(page(1500, {{0, 3}}) + page(3000, {{0, 4}}))}}});
  Reading r(file);
  REQUIRE(r.layout.not_handled.empty());
  CHECK(r.truncated_cpus == "0");
  CHECK(r.timeline() == Timeline{"0@1000", "lost 0@1000", "1@1500", "1@3000"});
}

TEST_CASE("a page whose header claims more data than a page holds stops its CPU before kbuffer reads past it") {
  const std::string file = trace_dat({{0, {chunk(page(1000, {{0, 1}}) + page(2000, {{0, 2}}, 0, kPage))}},
                                      {1, {chunk(page(3000, {{0, 3}}))}}});
  Reading r(file);
  CHECK(r.truncated_cpus == "0");
  CHECK(r.timeline() == Timeline{"0@1000", "lost 0@1000", "1@3000"});
}

TEST_CASE("a page the kernel flagged for missed events gives a lost-events marker before its first record") {
  constexpr uint64_t kMissedEvents = 1ull << 31;
  const std::string file = trace_dat({{0, {chunk(page(1000, {{0, 1}}) + page(2000, {{0, 2}, {5, 3}}, kMissedEvents))}}});
  Reading r(file);
  CHECK(r.truncated_cpus.empty());
  CHECK(r.timeline() == Timeline{"0@1000", "lost 0@2000", "0@2000", "0@2005"});
}

TEST_CASE("a chunk count larger than the chunks there, or a chunk past the CPU's data, is damage, not a read past it") {
  std::string file = trace_dat({{0, {chunk(page(1000, {{0, 1}}))}}, {1, {chunk(page(1100, {{0, 2}}))}}});
  // CPU 0 claims 3 chunks; the bytes after its one chunk are CPU 1's. Its
  // data starts right after the file header (magic, "7", endianness, long
  // size, page size, "zstd" "1.5.4", options offset).
  const size_t count_at = 10 + 2 + 1 + 1 + 4 + 11 + 8;
  REQUIRE(file.substr(count_at, 4) == le(1, 4));
  file.replace(count_at, 4, le(3, 4));
  Reading r(file);
  CHECK(r.truncated_cpus == "0");
  CHECK(r.records == 2);
}

TEST_CASE("a chunk whose stated size disagrees with its zstd frame is damage, found before the buffer is sized") {
  std::string bad = chunk(page(2000, {{0, 2}}));
  bad.replace(4, 4, le(200u << 20, 4));  // 200 MiB of pages, says the chunk header; the frame holds one page
  const std::string file = trace_dat({{0, {chunk(page(1000, {{0, 1}})), bad}}});
  Reading r(file);
  CHECK(r.truncated_cpus == "0");
  CHECK(r.timeline() == Timeline{"0@1000", "lost 0@1000"});
}

TEST_CASE("files whose timestamps libtracecmd would adjust, or whose options are compressed, are left to libtracecmd") {
  const std::vector<CpuData> data = {{0, {chunk(page(1000, {{0, 1}}))}}};
  const std::string offset_option = le(7, 2) + le(4, 4) + std::string("100\0", 4);
  CHECK(Reading(trace_dat(data, offset_option)).layout.not_handled == "timestamps adjusted by option 7");
  CHECK(Reading(trace_dat(data, "", 1)).layout.not_handled == "compressed options");
  CHECK(Reading(trace_dat(data), "nosuch").layout.not_handled == "no BUFFER option for this instance");
  std::string none = trace_dat(data);
  none.replace(none.find("zstd"), 4, "none");
  CHECK(Reading(none).layout.not_handled == "uncompressed data");
}

}  // namespace
}  // namespace ftlens
