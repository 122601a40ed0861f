#include "parser/kernel_symbols.h"

#include <dlfcn.h>  // dlsym, RTLD_NEXT
#include <traceevent/event-parse.h>

#include <algorithm>
#include <cstring>

#include "parser/library_fault_guard.h"

namespace ftlens {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls fn(addr, name) for each symbol kept, in file order. Returns false at
// the first line that is not "address type name" (sscanf's "%16llx %c %s").
template <class Fn>
bool for_each_symbol(std::string_view text, Fn&& fn) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty()) continue;  // strtok skips empty lines

    size_t i = 0;
    while (i < line.size() && is_space(line[i])) ++i;
    uint64_t addr = 0;
    size_t digits = 0;
    for (; i < line.size() && digits < 16; ++i, ++digits) {
      const int d = hex_digit(line[i]);
      if (d < 0) break;
      addr = addr << 4 | static_cast<unsigned>(d);
    }
    if (digits == 0) return false;
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) return false;
    const char type = line[i++];
    while (i < line.size() && is_space(line[i])) ++i;
    const size_t name_start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i == name_start) return false;
    const std::string_view name = line.substr(name_start, i - name_start);
    // libtraceevent's hacks: arm's bogus '$a' symbols, x86-64's per-cpu
    // offsets reported as absolute symbols.
    if (name[0] == '$' || type == 'A' || type == 'a') continue;
    fn(addr, name);
  }
  return true;
}

thread_local tep_handle* claimed_tep = nullptr;
thread_local KernelSymbols* claimed_symbols = nullptr;

char* resolve(void* priv, unsigned long long* addrp, char** modp) {
  uint64_t start = 0;
  const char* name = static_cast<const KernelSymbols*>(priv)->find(*addrp, &start);
  if (!name) return nullptr;
  *addrp = start;
  *modp = nullptr;
  return const_cast<char*>(name);  // libtraceevent only reads it
}

}  // namespace

bool KernelSymbols::parse(std::string_view text) {
  // Counted first, so that nothing grows by doubling: a kallsyms section
  // holds ~130k symbols.
  size_t count = 0, name_bytes = 0;
  for_each_symbol(text, [&](uint64_t, std::string_view name) {
    ++count;
    name_bytes += name.size() + 1;
  });
  symbols_.clear();
  names_.clear();
  symbols_.reserve(count);
  names_.reserve(name_bytes);
  const bool whole = for_each_symbol(text, [&](uint64_t addr, std::string_view name) {
    symbols_.push_back(Symbol{addr, static_cast<uint32_t>(names_.size())});
    names_.append(name);
    names_.push_back('\0');
  });
  std::stable_sort(symbols_.begin(), symbols_.end(), [](const Symbol& a, const Symbol& b) { return a.addr < b.addr; });
  symbols_.erase(std::unique(symbols_.begin(), symbols_.end(), [](const Symbol& a, const Symbol& b) { return a.addr == b.addr; }),
                 symbols_.end());
  return whole;
}

const char* KernelSymbols::find(uint64_t addr, uint64_t* start) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), addr,
                             [](uint64_t a, const Symbol& s) { return a < s.addr; });
  if (it == symbols_.begin()) return nullptr;
  --it;
  if (it->addr != addr && it + 1 == symbols_.end()) return nullptr;
  *start = it->addr;
  return names_.data() + it->name;
}

ClaimKallsyms::ClaimKallsyms(tep_handle* tep, KernelSymbols& symbols) {
  claimed_tep = tep;
  claimed_symbols = &symbols;
}

ClaimKallsyms::~ClaimKallsyms() {
  claimed_tep = nullptr;
  claimed_symbols = nullptr;
}

}  // namespace ftlens

// See kernel_symbols.h: this definition, not libtraceevent's, is the one
// libtracecmd's tracecmd_read_headers calls.
extern "C" int tep_parse_kallsyms(tep_handle* tep, const char* kallsyms) {
  using namespace ftlens;
  if (tep && tep == claimed_tep && kallsyms) {
    const OwnCodeScope ours;  // called from inside a guarded libtracecmd call
    KernelSymbols& symbols = *claimed_symbols;
    bool whole = false;
    try {
      whole = symbols.parse(kallsyms);
    } catch (...) {  // out of memory: no exception may cross libtracecmd's frames
      return -1;
    }
    if (tep_set_function_resolver(tep, resolve, &symbols) < 0) return -1;
    return whole ? 0 : -1;
  }
  using Parse = int (*)(tep_handle*, const char*);
  static const auto libtraceevent_parse = reinterpret_cast<Parse>(dlsym(RTLD_NEXT, "tep_parse_kallsyms"));
  return libtraceevent_parse ? libtraceevent_parse(tep, kallsyms) : -1;
}
