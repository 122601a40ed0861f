#include "parser/dat_file_header.h"

#include <unistd.h>  // pread

#include <cstdlib>  // atoi
#include <cstring>  // memcmp

namespace ftlens {

Status read_dat_file_header(int fd, DatFileHeader* header) {
  const auto bad = [](std::string what) { return Status(ErrorCode::kBadInput, std::move(what)); };
  *header = DatFileHeader{};
  unsigned char head[512];
  const ssize_t got = pread(fd, head, sizeof head, 0);
  const size_t n = got > 0 ? static_cast<size_t>(got) : 0;
  if (n < 10 || std::memcmp(head, "\x17\x08\x44tracing", 10) != 0) return bad("no trace.dat magic");
  size_t at = 10;
  while (at < n && head[at] != 0) ++at;  // version string, e.g. "7"
  if (at + 7 > n) return bad("truncated file header");
  header->version.assign(reinterpret_cast<const char*>(head) + 10, at - 10);
  header->big_endian = head[at + 1] != 0;
  header->long_size = head[at + 2];
  // A number of `bytes` bytes at `p`, in the file's byte order.
  auto number = [&](size_t p, size_t bytes) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; ++i) value = value << 8 | head[p + (header->big_endian ? i : bytes - 1 - i)];
    return value;
  };
  header->page_size = static_cast<uint32_t>(number(at + 3, 4));
  if (header->long_size != 4 && header->long_size != 8)
    return bad("size of long is " + std::to_string(header->long_size) + ", not 4 or 8");
  const uint32_t page_size = header->page_size;
  if (page_size < 1024 || page_size > (1u << 24) || (page_size & (page_size - 1)) != 0)
    return bad("page size " + std::to_string(page_size) + " is not a power of two from 1 KiB to 16 MiB");
  if (std::atoi(header->version.c_str()) < 7) return ok_status();

  // The compression name, its version, then the options offset. Cut short
  // within a file shorter than what was read: truncated. Longer strings than
  // that (no real file has them) are left for libtracecmd to judge.
  const bool whole_file_read = n < sizeof head;
  size_t p = at + 7;
  const size_t name = p;
  for (int strings = 0; strings < 2; ++strings) {
    while (p < n && head[p] != 0) ++p;
    if (p == n) return whole_file_read ? bad("truncated file header") : ok_status();
    ++p;
  }
  if (p + 8 > n) return whole_file_read ? bad("truncated file header") : ok_status();
  header->compression.assign(reinterpret_cast<const char*>(head) + name);
  header->first_options = number(p, 8);
  header->has_compression = true;
  return ok_status();
}

}  // namespace ftlens
