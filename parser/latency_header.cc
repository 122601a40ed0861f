#include "parser/latency_header.h"

#include "parser/byte_scan.h"

#include <charconv>
#include <cstdint>

namespace ftlens {

namespace {

// The decimal number `s` starts with (blanks before it skipped), and how
// far it went; false when there is none.
template <typename Int>
bool leading_number(std::string_view s, Int* out, size_t* end) {
  size_t at = 0;
  while (at < s.size() && s[at] == ' ') ++at;
  auto [p, ec] = std::from_chars(s.data() + at, s.data() + s.size(), *out);
  if (ec != std::errc{}) return false;
  *end = static_cast<size_t>(p - s.data());
  return true;
}

// "__lock_task_sighand+0x2c/0x80" -> "__lock_task_sighand": the sym-offset
// option prints offsets; the name is what the reader looks for.
std::string_view symbol(std::string_view s) {
  s = trim_blanks(s);
  return s.substr(0, s.find_first_of("+ "));
}

}  // namespace

LatencyHeaderLine read_latency_header_line(std::string_view line) {
  if (!line.starts_with('#')) return {};
  return read_latency_header_text(trim_blanks(line.substr(1)));
}

LatencyHeaderLine read_latency_header_text(std::string_view body) {
  LatencyHeaderLine out;
  if (const size_t at = body.find(" latency trace v"); at != std::string_view::npos && at > 0 &&
                                                      body.find(' ') == at) {
    out.kind = LatencyHeaderLine::kTitle;
    out.text = body.substr(0, at);
    return out;
  }
  if (body.starts_with("latency: ")) {
    size_t end = 0;
    int64_t usecs = 0;
    // Beyond what nanoseconds hold in int64 (292 years) it is damage.
    if (!leading_number(body.substr(9), &usecs, &end) || usecs < 0 || usecs > INT64_MAX / 1000) return out;
    const size_t cpu_at = body.find(", CPU#");
    int32_t cpu = -1;
    if (cpu_at == std::string_view::npos || !leading_number(body.substr(cpu_at + 6), &cpu, &end) || cpu < 0)
      return out;
    out.kind = LatencyHeaderLine::kLatency;
    out.value = usecs;
    out.cpu = cpu;
    return out;
  }
  if (body.starts_with("| task: ")) {
    // "%.16s-%d (uid:..." : the comm may hold '-', the pid follows the last
    // one before " (".
    std::string_view task = body.substr(8);
    task = task.substr(0, task.find(" (uid:"));
    const size_t dash = task.rfind('-');
    int64_t pid = -1;
    size_t end = 0;
    if (dash == std::string_view::npos || !leading_number(task.substr(dash + 1), &pid, &end) ||
        end != task.size() - dash - 1 || pid < 0 || pid > INT32_MAX)
      return out;
    out.kind = LatencyHeaderLine::kTask;
    out.text = task.substr(0, dash);
    out.value = pid;
    return out;
  }
  if (body.starts_with("=> started at:")) {
    out.kind = LatencyHeaderLine::kStartedAt;
    out.text = symbol(body.substr(14));
    return out;
  }
  if (body.starts_with("=> ended at:")) {
    out.kind = LatencyHeaderLine::kEndedAt;
    out.text = symbol(body.substr(12));
    return out;
  }
  return out;
}

bool is_latency_tracer(std::string_view tracer) {
  return tracer == "irqsoff" || tracer == "preemptoff" || tracer == "preemptirqsoff" || tracer == "wakeup" ||
         tracer == "wakeup_rt" || tracer == "wakeup_dl";
}

}  // namespace ftlens
