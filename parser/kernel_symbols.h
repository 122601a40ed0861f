// The kernel symbol table a trace.dat carries (its /proc/kallsyms section),
// held as one sorted array of addresses and one block of names.
//
// Why not libtraceevent's: tep_parse_kallsyms copies the whole section
// (strdup), then builds a linked list with a malloc and a strdup per symbol,
// then an array from that; with libtracecmd's own copy of the section and,
// for v7, the decompressed section itself, reading a 5.4 MB kallsyms peaks at
// ~23 MB, most of ftlens's memory for a trace.dat. This table is ~4 MB for
// the same section and is built without the copies.
//
// libtracecmd parses the section itself, inside tracecmd_read_headers, by
// calling tep_parse_kallsyms; it has no option to skip it or hand it over.
// So ftlens defines tep_parse_kallsyms too: the executable's definition is
// the one libtracecmd's call binds to. For a tep handle the calling thread
// has claimed (ClaimKallsyms) it parses into that table and installs it as
// the handle's function resolver (tep_set_function_resolver, libtraceevent's
// interface for tools that keep their own symbols), so tep_find_function and
// every %ps libtraceevent prints use it. Any other handle is passed on to
// libtraceevent's own tep_parse_kallsyms unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct tep_handle;

namespace ftlens {

class KernelSymbols {
 public:
  // Reads kallsyms text ("ffffffff81000000 T _stext", an optional
  // "\t[module]" after the name) by libtraceevent's rules: '$' names and
  // absolute symbols (type 'A'/'a') are skipped, and the first line that is
  // not address-type-name stops the reading (what came before is kept).
  // Returns false when it stopped at such a line.
  bool parse(std::string_view text);

  // The symbol that contains `addr`, as tep_find_function finds it: the last
  // symbol starting at or below it, except that past the start of the last
  // symbol only an exact address matches. Of several symbols at one address,
  // the first in the file. nullptr when none; *start gets its address.
  const char* find(uint64_t addr, uint64_t* start) const;

  size_t size() const { return symbols_.size(); }

 private:
  struct Symbol {
    uint64_t addr;
    uint32_t name;  // offset of its NUL-terminated name in names_
  };
  std::vector<Symbol> symbols_;
  std::string names_;
};

// While one exists, a tep_parse_kallsyms call on this thread for `tep` fills
// `symbols` (which must outlive `tep`'s use) instead of libtraceevent's table.
class ClaimKallsyms {
 public:
  ClaimKallsyms(tep_handle* tep, KernelSymbols& symbols);
  ~ClaimKallsyms();
  ClaimKallsyms(const ClaimKallsyms&) = delete;
  ClaimKallsyms& operator=(const ClaimKallsyms&) = delete;
};

}  // namespace ftlens
