#include "parser/flyrecord_reader.h"

#include <event-parse.h>
extern "C" {
#include <kbuffer.h>  // no extern "C" guards of its own
}
#include <sys/stat.h>  // fstat
#include <unistd.h>    // pread
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <queue>

#include "parser/dat_file_header.h"
#include "parser/event.h"
#include "parser/dat_file_progress.h"
#include "parser/record_decoder.h"
#include "parser/ring_buffer_page.h"

namespace ftlens {

namespace {

// trace-cmd.dat.v7(5): option ids, section flags.
constexpr uint16_t kOptionDone = 0;
constexpr uint16_t kOptionBuffer = 3;
constexpr uint16_t kOptionOffset = 7;
constexpr uint16_t kOptionTimeShift = 12;
constexpr uint16_t kOptionTsc2Nsec = 14;
constexpr uint16_t kSectionOptions = 0;
constexpr uint16_t kSectionBuffer = 3;
constexpr uint16_t kSectionCompressed = 1;
// A section header: id, flags, description string id, size.
constexpr size_t kSectionHeaderBytes = 2 + 2 + 4 + 8;
// Bounds that no real file comes near; a damaged one must not make us
// allocate what its numbers say.
constexpr uint64_t kMaxOptionsBytes = 16u << 20;
constexpr uint32_t kMaxChunkBytes = 256u << 20;
constexpr int kMaxOptionSections = 64;
constexpr size_t kChunkSlack = 16;

bool read_at(int fd, void* buffer, size_t size, uint64_t offset) {
  auto* out = static_cast<char*>(buffer);
  while (size > 0) {
    const ssize_t n = pread(fd, out, size, static_cast<off_t>(offset));
    if (n <= 0) return false;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// Little-endian fields out of a buffer, every read bounds-checked: a field
// past the end makes ok() false and reads as zero.
class FieldReader {
 public:
  FieldReader(const unsigned char* data, size_t size) : data_(data), size_(size) {}
  uint64_t number(size_t bytes) {
    if (!take(bytes)) return 0;
    uint64_t value = 0;
    for (size_t i = bytes; i-- > 0;) value = value << 8 | data_[at_ - bytes + i];
    return value;
  }
  uint16_t u16() { return static_cast<uint16_t>(number(2)); }
  uint32_t u32() { return static_cast<uint32_t>(number(4)); }
  uint64_t u64() { return number(8); }
  std::string text() {
    const void* nul = at_ < size_ ? std::memchr(data_ + at_, '\0', size_ - at_) : nullptr;
    if (!nul) {
      ok_ = false;
      return {};
    }
    const auto end = static_cast<size_t>(static_cast<const unsigned char*>(nul) - data_);
    std::string s(reinterpret_cast<const char*>(data_ + at_), end - at_);
    at_ = end + 1;
    return s;
  }
  bool skip(size_t bytes) { return take(bytes); }
  size_t at() const { return at_; }
  bool ok() const { return ok_; }

 private:
  bool take(size_t bytes) {
    if (!ok_ || bytes > size_ - at_) {
      ok_ = false;
      return false;
    }
    at_ += bytes;
    return true;
  }
  const unsigned char* data_;
  size_t size_;
  size_t at_ = 0;
  bool ok_ = true;
};

// One BUFFER option: returns false when it is malformed.
bool read_buffer_option(FieldReader& r, std::string* name, uint64_t* section, FlyrecordLayout* layout) {
  *section = r.u64();
  *name = r.text();
  (void)r.text();  // trace clock: timestamps are the same whatever it is
  layout->page_size = r.u32();
  const uint32_t cpus = r.u32();
  if (!r.ok() || cpus > 1u << 16) return false;
  layout->cpus.clear();
  for (uint32_t i = 0; i < cpus && r.ok(); ++i) {
    FlyrecordLayout::Cpu cpu;
    cpu.cpu = static_cast<int>(r.u32());
    cpu.offset = r.u64();
    cpu.size = r.u64();
    layout->cpus.push_back(cpu);
  }
  return r.ok();
}

}  // namespace

FlyrecordLayout read_flyrecord_layout(int fd, const std::string& instance) {
  FlyrecordLayout layout;
  auto leave = [&layout](std::string why) {
    layout.not_handled = std::move(why);
    layout.cpus.clear();
    return layout;
  };
  DatFileHeader header;
  if (Status bad = read_dat_file_header(fd, &header); !bad.ok()) return leave(bad.message());
  if (header.version != "7") return leave("file version is not 7");
  if (!header.has_compression) return leave("truncated file header");
  if (header.big_endian) return leave("big-endian file");
  layout.long_size = header.long_size;  // the page size is the buffer's own
  const std::string& compression = header.compression;
  const uint64_t first_options = header.first_options;
  // zstd only: the one Debian's libtracecmd is built with, so the one a
  // file that got this far can have.
  if (compression != "zstd")
    return leave(compression == "none" ? "uncompressed data" : "compression '" + compression + "'");

  bool found = false;
  uint64_t buffer_section = 0;
  uint64_t section = first_options;
  for (int sections = 0; section != 0; ++sections) {
    if (sections == kMaxOptionSections) return leave("options sections do not end");
    unsigned char raw[kSectionHeaderBytes];
    if (!read_at(fd, raw, sizeof raw, section)) return leave("options section past the end of the file");
    FieldReader h(raw, sizeof raw);
    const uint16_t id = h.u16(), flags = h.u16();
    (void)h.u32();
    const uint64_t size = h.u64();
    if (id != kSectionOptions) return leave("options offset does not lead to an options section");
    if (flags & kSectionCompressed) return leave("compressed options");
    if (size > kMaxOptionsBytes) return leave("options section of " + std::to_string(size) + " bytes");
    std::vector<unsigned char> options(size);
    if (!read_at(fd, options.data(), options.size(), section + kSectionHeaderBytes))
      return leave("options section past the end of the file");
    FieldReader r(options.data(), options.size());
    uint64_t next = 0;
    while (r.ok() && r.at() < options.size()) {
      const uint16_t option = r.u16();
      const uint32_t option_size = r.u32();
      if (!r.ok() || option_size > options.size() - r.at()) return leave("option past the end of its section");
      FieldReader data(options.data() + r.at(), option_size);
      r.skip(option_size);
      if (option == kOptionDone) {
        next = data.u64();
        break;
      }
      if (option == kOptionOffset || option == kOptionTimeShift || option == kOptionTsc2Nsec)
        return leave("timestamps adjusted by option " + std::to_string(option));
      if (option == kOptionBuffer) {
        std::string name;
        FlyrecordLayout candidate = layout;
        uint64_t at = 0;
        if (!read_buffer_option(data, &name, &at, &candidate)) return leave("malformed BUFFER option");
        if (name == instance) {
          layout = std::move(candidate);
          buffer_section = at;
          found = true;
        }
      }
    }
    section = next;
  }
  if (!found) return leave("no BUFFER option for this instance");
  if (layout.page_size < 1024 || layout.page_size > (1u << 24) || (layout.page_size & (layout.page_size - 1)) != 0)
    return leave("page size " + std::to_string(layout.page_size));
  unsigned char raw[kSectionHeaderBytes];
  if (!read_at(fd, raw, sizeof raw, buffer_section)) return leave("buffer section past the end of the file");
  FieldReader h(raw, sizeof raw);
  const uint16_t id = h.u16(), flags = h.u16();
  if (id != kSectionBuffer) return leave("BUFFER offset does not lead to a buffer section");
  if (!(flags & kSectionCompressed)) return leave("uncompressed data");
  return layout;
}

namespace {

// One CPU's data: one decompressed chunk, the page being read, the record.
struct CpuCursor {
  int cpu = 0;
  uint64_t next_chunk = 0;  // file offset of the next chunk's header
  uint64_t data_end = 0;    // end of the CPU's data in the file
  uint32_t chunks_left = 0;
  std::unique_ptr<char[]> chunk;
  size_t chunk_capacity = 0;
  size_t chunk_bytes = 0;
  size_t next_page = 0;
  const char* page = nullptr;
  kbuffer* kbuf = nullptr;
  void* data = nullptr;
  unsigned long long ts = 0;
  bool first_in_page = false;
  bool damaged = false;
};

class FlyrecordMerger {
 public:
  FlyrecordMerger(int fd, const FlyrecordLayout& layout, tep_handle* tep, DatFileProgress& progress)
      : fd_(fd), layout_(layout), progress_(progress) {
    cursors_.resize(layout.cpus.size());
    struct stat st {};
    file_end_ = fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;  // not lseek: libtracecmd owns the offset
    for (size_t i = 0; i < cursors_.size(); ++i) {
      CpuCursor& c = cursors_[i];
      const FlyrecordLayout::Cpu& cpu = layout.cpus[i];
      c.cpu = cpu.cpu;
      // The size counts the chunks, not the chunk count before them.
      c.data_end = std::min(file_end_, cpu.offset + 4 + cpu.size);
      unsigned char count[4];
      if (cpu.size == 0) continue;
      if (!read_at(fd, count, sizeof count, cpu.offset)) {
        c.damaged = true;
        continue;
      }
      c.chunks_left = static_cast<uint32_t>(FieldReader(count, 4).u32());
      c.next_chunk = cpu.offset + 4;
      c.kbuf = kbuffer_alloc(layout.long_size == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4, KBUFFER_ENDIAN_LITTLE);
      if (c.kbuf && tep_is_old_format(tep)) kbuffer_set_old_format(c.kbuf);
    }
    dctx_ = ZSTD_createDCtx();
  }
  ~FlyrecordMerger() {
    for (CpuCursor& c : cursors_)
      if (c.kbuf) kbuffer_free(c.kbuf);
    ZSTD_freeDCtx(dctx_);
  }
  FlyrecordMerger(const FlyrecordMerger&) = delete;
  FlyrecordMerger& operator=(const FlyrecordMerger&) = delete;

  uint64_t run(RecordDecoder& decoder) {
    uint64_t records = 0;
    // Earliest first; on a tie, the CPU listed first (libtracecmd's order).
    using Key = std::pair<unsigned long long, size_t>;
    std::priority_queue<Key, std::vector<Key>, std::greater<>> next;
    for (size_t i = 0; i < cursors_.size(); ++i)
      if (advance_page(cursors_[i])) next.emplace(cursors_[i].ts, i);
    // A CPU damaged before its first record gets its marker at the first
    // record of the trace: the sink takes events in time order.
    std::vector<int> damaged_from_start;
    for (const CpuCursor& c : cursors_)
      if (c.damaged) damaged_from_start.push_back(c.cpu);
    TimeNs last_delivered = 0;
    while (!next.empty()) {
      const size_t i = next.top().second;
      next.pop();
      CpuCursor& c = cursors_[i];
      if (!damaged_from_start.empty()) {
        for (int cpu : damaged_from_start) decoder.report_truncated_cpu(cpu, static_cast<TimeNs>(c.ts));
        damaged_from_start.clear();
      }
      tep_record record{};
      record.ts = c.ts;
      record.cpu = c.cpu;
      record.data = c.data;
      record.size = kbuffer_event_size(c.kbuf);
      record.missed_events = c.first_in_page ? kbuffer_missed_events(c.kbuf) : 0;
      const size_t room = static_cast<size_t>(c.page + layout_.page_size - static_cast<const char*>(c.data));
      if (record.size < 0 || static_cast<size_t>(record.size) > room) {
        c.damaged = true;  // an event length that runs off its page
      } else {
        decoder.on_record(&record);
        ++records;
        last_delivered = static_cast<TimeNs>(c.ts);
        if (advance_record(c)) next.emplace(c.ts, i);
      }
      if (c.damaged) {
        const TimeNs at = decoder.last_ts(c.cpu);
        decoder.report_truncated_cpu(c.cpu, at >= 0 ? at : last_delivered);
      }
    }
    return records;
  }

 private:
  bool advance_record(CpuCursor& c) {
    c.data = kbuffer_next_event(c.kbuf, &c.ts);
    c.first_in_page = false;
    return c.data || advance_page(c);
  }

  // Loads the next page with records; false at the end of the CPU's data
  // or at damage (then c.damaged).
  bool advance_page(CpuCursor& c) {
    if (!c.kbuf) return false;
    const size_t header_bytes = 8 + layout_.long_size;
    for (;;) {
      if (c.next_page + layout_.page_size > c.chunk_bytes && !load_chunk(c)) return false;
      c.page = c.chunk.get() + c.next_page;
      c.next_page += layout_.page_size;
      FieldReader page(reinterpret_cast<const unsigned char*>(c.page), header_bytes);
      page.skip(8);
      const uint64_t data_bytes = page.number(layout_.long_size) & kPageCommitMask;
      if (data_bytes > layout_.page_size - header_bytes) {
        c.damaged = true;  // kbuffer would walk past the page
        return false;
      }
      if (data_bytes == 0) continue;
      if (kbuffer_load_subbuffer(c.kbuf, const_cast<char*>(c.page)) < 0) {
        c.damaged = true;
        return false;
      }
      c.data = kbuffer_read_event(c.kbuf, &c.ts);
      c.first_in_page = true;
      if (c.data) return true;  // else a page of padding or time stamps only
    }
  }

  bool load_chunk(CpuCursor& c) {
    if (c.chunks_left == 0 || c.damaged) return false;
    unsigned char sizes[8];
    if (c.next_chunk + sizeof sizes > c.data_end || !read_at(fd_, sizes, sizeof sizes, c.next_chunk)) {
      c.damaged = true;  // fewer chunks than the count says
      return false;
    }
    FieldReader r(sizes, sizeof sizes);
    const uint32_t compressed = r.u32(), bytes = r.u32();
    const uint64_t from = c.next_chunk + sizeof sizes;
    if (compressed > c.data_end - from || bytes == 0 || bytes > kMaxChunkBytes || bytes % layout_.page_size != 0) {
      c.damaged = true;
      return false;
    }
    compressed_.resize(compressed);
    // A frame that says how much it holds must hold the chunk's size
    // (trace-cmd's frames do not say; then the decompression checks it).
    bool ok = read_at(fd_, compressed_.data(), compressed, from) && dctx_;
    if (ok) {
      const unsigned long long holds = ZSTD_getFrameContentSize(compressed_.data(), compressed);
      ok = holds == bytes || holds == ZSTD_CONTENTSIZE_UNKNOWN;
    }
    if (ok) {
      // Not zero-filled: a size damaged into hundreds of MiB costs only what
      // the frame really decompresses to. kbuffer reads an event's header (up
      // to 12 bytes) before it knows the event does not fit: zeroed slack
      // past the last page keeps that read inside the buffer, and the record
      // is then refused by its size.
      if (c.chunk_capacity < bytes + kChunkSlack) {
        c.chunk.reset(new char[bytes + kChunkSlack]);
        c.chunk_capacity = bytes + kChunkSlack;
      }
      std::fill(c.chunk.get() + bytes, c.chunk.get() + bytes + kChunkSlack, '\0');
      ok = ZSTD_decompressDCtx(dctx_, c.chunk.get(), bytes, compressed_.data(), compressed) == bytes;
    }
    if (!ok) {
      c.damaged = true;
      return false;
    }
    c.next_chunk = from + compressed;
    progress_.at(static_cast<size_t>(&c - cursors_.data()), layout_.cpus[static_cast<size_t>(&c - cursors_.data())].offset,
                 c.next_chunk);
    progress_.report();
    --c.chunks_left;
    c.chunk_bytes = bytes;
    c.next_page = 0;
    return true;
  }

  int fd_;
  const FlyrecordLayout& layout_;
  DatFileProgress& progress_;
  uint64_t file_end_ = 0;
  std::vector<CpuCursor> cursors_;
  std::vector<char> compressed_;
  ZSTD_DCtx* dctx_ = nullptr;
};

}  // namespace

uint64_t read_flyrecord(int fd, const FlyrecordLayout& layout, tep_handle* tep, RecordDecoder& decoder,
                        DatFileProgress& progress) {
  FlyrecordMerger merger(fd, layout, tep, progress);
  return merger.run(decoder);
}

}  // namespace ftlens
