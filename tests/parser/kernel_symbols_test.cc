#include <doctest/doctest.h>
#include <traceevent/event-parse.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "parser/kernel_symbols.h"

using ftlens::ClaimKallsyms;
using ftlens::KernelSymbols;

namespace {

const char* kSmallKallsyms =
    "ffffffff81000000 T _stext\n"
    "ffffffff81000000 T _text\n"
    "ffffffff81000100 t process_one_work\n"
    "0000000000001000 A fixed_percpu_data\n"
    "ffffffff81000200 t $x.1\n"
    "\n"
    "ffffffff81000300 T vmstat_update\n"
    "ffffffffc0a01000 t e1000_watchdog\t[e1000]\n"
    "ffffffffc0a02000 T e1000_intr\t[e1000]\n";

std::string find_name(const KernelSymbols& symbols, uint64_t addr) {
  uint64_t start = 0;
  const char* name = symbols.find(addr, &start);
  return name ? std::string(name) + "@" + std::to_string(addr - start) : "";
}

// libtraceevent's own table, for comparison: a handle nobody claimed is
// parsed by libtraceevent's tep_parse_kallsyms.
struct LibtraceeventTable {
  explicit LibtraceeventTable(const std::string& text) : tep(tep_alloc()) { tep_parse_kallsyms(tep, text.c_str()); }
  ~LibtraceeventTable() { tep_free(tep); }
  std::string find_name(uint64_t addr) const {
    const char* name = tep_find_function(tep, addr);
    return name ? std::string(name) + "@" + std::to_string(addr - tep_find_function_address(tep, addr)) : "";
  }
  tep_handle* tep;
};

}  // namespace

TEST_CASE("kernel symbols.an address finds the function it is inside, as libtraceevent finds it") {
  KernelSymbols symbols;
  REQUIRE(symbols.parse(kSmallKallsyms));
  CHECK(symbols.size() == 5);  // _stext/_text share an address; 'A' and '$' skipped
  CHECK(find_name(symbols, 0xffffffff81000100) == "process_one_work@0");
  CHECK(find_name(symbols, 0xffffffff81000123) == "process_one_work@35");
  CHECK(find_name(symbols, 0xffffffff81000000) == "_stext@0");
  CHECK(find_name(symbols, 0xffffffff81000050) == "_stext@80");
  CHECK(find_name(symbols, 0xffffffff81000250) == "process_one_work@336");  // '$x.1' is not a symbol
  CHECK(find_name(symbols, 0xffffffffc0a01010) == "e1000_watchdog@16");   // module name not in it
  CHECK(find_name(symbols, 0xffffffff80ffffff).empty());                  // below the first
  CHECK(find_name(symbols, 0xffffffffc0a02000) == "e1000_intr@0");        // the last, exactly
  CHECK(find_name(symbols, 0xffffffffc0a02001).empty());                  // past the last one's start

  const LibtraceeventTable theirs(kSmallKallsyms);
  for (uint64_t addr : {0xffffffff80ffffffULL, 0xffffffff81000000ULL, 0xffffffff81000050ULL, 0xffffffff81000100ULL,
                        0xffffffff81000123ULL, 0xffffffff81000250ULL, 0xffffffff81000300ULL, 0xffffffffc0a01010ULL,
                        0xffffffffc0a02000ULL, 0xffffffffc0a02001ULL}) {
    CAPTURE(addr);
    if (addr == 0xffffffff81000000ULL) continue;  // two names at one address: libtraceevent's bsearch picks either
    CHECK(find_name(symbols, addr) == theirs.find_name(addr));
  }
}

TEST_CASE("kernel symbols.a malformed line stops the reading and keeps what came before, as libtraceevent does") {
  KernelSymbols symbols;
  CHECK_FALSE(symbols.parse("ffffffff81000100 t first\nnot a symbol line\nffffffff81000300 T after\n"));
  CHECK(symbols.size() == 1);
  CHECK(find_name(symbols, 0xffffffff81000100) == "first@0");
  CHECK_FALSE(symbols.parse("ffffffff81000100 t\n"));  // no name
  CHECK(symbols.size() == 0);
  CHECK(symbols.parse(""));
  CHECK(symbols.size() == 0);
}

TEST_CASE("kernel symbols.this machine's kallsyms resolve as libtraceevent resolves them") {
  std::ifstream in("/proc/kallsyms");
  std::stringstream text;
  text << in.rdbuf();
  const std::string kallsyms = text.str();
  if (kallsyms.empty() || kallsyms.starts_with("0000000000000000")) {
    MESSAGE("skipped: /proc/kallsyms is not readable with addresses here (not root, or kptr_restrict)");
    return;
  }
  KernelSymbols symbols;
  REQUIRE(symbols.parse(kallsyms));
  const LibtraceeventTable theirs(kallsyms);
  // Every 97th symbol's start and a point inside it.
  size_t line_no = 0, compared = 0;
  std::istringstream lines(kallsyms);
  std::string line;
  while (std::getline(lines, line)) {
    if (++line_no % 97 != 0) continue;
    const uint64_t addr = std::stoull(line.substr(0, line.find(' ')), nullptr, 16);
    uint64_t start = 0;
    const char* mine = symbols.find(addr, &start);
    // Where several symbols share an address, libtraceevent's pick among them
    // depends on its bsearch; compare the start address there, names elsewhere.
    const char* other = tep_find_function(theirs.tep, addr);
    REQUIRE((mine == nullptr) == (other == nullptr));
    if (!mine) continue;
    CHECK(start == tep_find_function_address(theirs.tep, addr));
    CAPTURE(line);
    CHECK(find_name(symbols, addr + 1) == theirs.find_name(addr + 1));
    ++compared;
  }
  CHECK(compared > 100);
}

TEST_CASE("kernel symbols.a claimed handle's kallsyms go to ftlens's table and resolve through it") {
  KernelSymbols symbols;
  tep_handle* claimed = tep_alloc();
  {
    const ClaimKallsyms claim(claimed, symbols);
    CHECK(tep_parse_kallsyms(claimed, kSmallKallsyms) == 0);
  }
  CHECK(symbols.size() == 5);
  CHECK(std::string(tep_find_function(claimed, 0xffffffff81000123)) == "process_one_work");
  CHECK(tep_find_function_address(claimed, 0xffffffff81000123) == 0xffffffff81000100);

  // Claims end with their scope: the next handle is libtraceevent's to fill.
  tep_handle* other = tep_alloc();
  CHECK(tep_parse_kallsyms(other, "ffffffff81000100 t other_function\nffffffff81000200 t next\n") == 0);
  CHECK(std::string(tep_find_function(other, 0xffffffff81000123)) == "other_function");
  CHECK(symbols.size() == 5);
  CHECK(find_name(symbols, 0xffffffff81000123) == "process_one_work@35");
  tep_free(other);
  tep_free(claimed);
}
