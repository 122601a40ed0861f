// A progress line on a terminal: bytes done of the total, MB/s and the time
// left, refreshed at most 4 times a second and cleared at the end. The
// caller makes one only when stderr is a terminal; nothing here asks.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

namespace ftlens {

class ProgressLine {
 public:
  // `total_bytes` 0: unknown (a pipe), shown without a share or ETA.
  ProgressLine(std::string label, uint64_t total_bytes, std::FILE* out = stderr)
      : label_(std::move(label)), total_(total_bytes), out_(out), started_(Clock::now()) {}
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Cheap when called often: it draws only when a quarter second has passed.
  // `note` follows the figures ("3/10 traces").
  void update(uint64_t done_bytes, const std::string& note = {}) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    if (drawn_ && now - last_draw_ < kRefresh) return;
    last_draw_ = now;
    drawn_ = true;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double mb = static_cast<double>(done_bytes) / 1e6;
    const double rate = seconds > 0 ? mb / seconds : 0;
    std::string line = "\rftlens: " + label_ + " " + fixed(mb, 0) + " MB";
    if (total_ > 0) {
      const double share = static_cast<double>(done_bytes) / static_cast<double>(total_);
      line += " of " + fixed(static_cast<double>(total_) / 1e6, 0) + " MB (" + fixed(100 * share, 0) + "%)";
      if (rate > 0 && done_bytes <= total_)
        line += ", " + fixed(rate, 0) + " MB/s, ETA " + fixed(static_cast<double>(total_ - done_bytes) / 1e6 / rate, 0) + "s";
    } else if (rate > 0) {
      line += ", " + fixed(rate, 0) + " MB/s";
    }
    if (!note.empty()) line += ", " + note;
    line += "\033[K";  // whatever a longer line left
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
  }
  // Removes the line, once something was drawn.
  void clear() {
    std::lock_guard lock(mutex_);
    if (!drawn_) return;
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
    drawn_ = false;
    last_draw_ = Clock::now();  // no redraw right after
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kRefresh = std::chrono::milliseconds(250);
  static std::string fixed(double v, int digits) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
  }

  std::string label_;
  uint64_t total_;
  std::FILE* out_;
  Clock::time_point started_, last_draw_{};
  bool drawn_ = false;
  std::mutex mutex_;
};

}  // namespace ftlens
