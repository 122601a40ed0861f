// Events sent from one process to another as bytes: the trace.dat reader's
// child process (isolated_dat_reader.h) writes what it reads, the parent
// decodes it into its own string pool and hands it to its sink as if it had
// been read there.
//
// The stream is a sequence of messages, each a one-byte tag and its body, in
// the host's byte order (both ends are the same binary):
//   'S' u32 size, bytes        the next string the writer's pool interned:
//                              the first 'S' is the writer's id 1, and so on
//   'E' WireEvent [CpuMask] [u32 size, bytes]
//                              an event; the mask and the payload follow
//                              when its flags say so
//   'M' u64 line, u64 column, u32 size, bytes      on_malformed
//   'L' u64 line, i64 at, u32 size, bytes          on_log_line
//   'R' u32 size, bytes        the end: what the reader says about the file,
//                              opaque here (isolated_dat_reader.cc encodes it)
// Every string an event names is defined before the event, so the reader
// never meets an id it does not know; an id it does not know, a tag it does
// not know or a size beyond its cap is a broken stream, and decoding stops.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "parser/event.h"
#include "parser/event_sink.h"

namespace ftlens {

class StringPool;

// The writer's buffer, when it lies in memory the reader can see after the
// writer died (a shared mapping): the whole messages in it that were not yet
// delivered can still be read. `base` is where data[0] lies in the stream,
// `committed` how many bytes of data end with a whole message.
struct WireBuffer {
  static constexpr size_t kBytes = 64 * 1024;
  std::atomic<uint64_t> base{0};
  std::atomic<uint64_t> committed{0};
  char data[kBytes];
  // What of the buffer is still to be read by a reader that read `received`
  // bytes of the stream: empty if nothing.
  std::string_view undelivered(uint64_t received) const;
};

// Writes events into a buffer (WireBuffer::kBytes) and hands full buffers to
// `deliver`, which returns false when the bytes cannot be delivered (the
// reader went away).
class EventWireWriter final : public EventSink {
 public:
  using Flush = bool (*)(const char* data, size_t size, void* context);
  EventWireWriter(const StringPool& pool, Flush deliver, void* context, WireBuffer* shared = nullptr);

  void on_event(const Event& event) override;
  void on_malformed(const ParseIssue& issue) override;
  void on_log_line(uint64_t line, TimeNs at, std::string_view text) override;
  // The final message; flushes.
  void finish(std::string_view result);
  // Sends what is buffered. False once delivery failed (every later write is
  // dropped: the reader is gone).
  bool flush();

 private:
  void define_new_strings();
  void put(const void* data, size_t size);
  void put_text(std::string_view text);
  // A whole message ends here.
  void commit() {
    if (shared_) shared_->committed.store(used_, std::memory_order_release);
  }

  const StringPool& pool_;
  Flush flush_;
  void* context_;
  size_t strings_sent_ = 1;  // id 0, the empty string, is known to both ends
  bool delivered_ = true;
  WireBuffer* shared_;
  std::vector<char> own_;  // the buffer when none is shared
  char* buffer_;
  size_t used_ = 0;
};

// Decodes a stream fed in pieces of any size into events for `sink`, with
// string ids of `pool`.
class EventWireReader {
 public:
  EventWireReader(StringPool& pool, EventSink& sink);

  // False when the stream is broken (error() says how); nothing more is read.
  bool feed(std::string_view bytes);
  bool broken() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // The 'R' message, once it came.
  bool has_result() const { return has_result_; }
  const std::string& result() const { return result_; }
  uint64_t events() const { return events_; }  // lost-events markers not counted
  uint64_t lost_events() const { return lost_events_; }  // as the markers count them
  // The time of the last event on each CPU (-1 if none), for the CPUs below
  // kTrackedCpus: a reader that stopped part-way marks where each CPU's data
  // breaks off.
  static constexpr int kTrackedCpus = 4096;
  const std::vector<TimeNs>& last_ts() const { return last_ts_; }

 private:
  // Decodes one message from the front of `bytes`; 0 if it is not all there.
  size_t decode(std::string_view bytes);
  bool fail(std::string why);
  StrId map(StrId id);

  StringPool& pool_;
  EventSink& sink_;
  std::vector<StrId> ids_;  // the writer's id -> ours
  std::string pending_;     // a message cut between two feeds
  std::string error_;
  std::string result_;
  bool has_result_ = false;
  uint64_t events_ = 0;
  uint64_t lost_events_ = 0;
  std::vector<TimeNs> last_ts_;
  std::deque<std::string> reasons_;  // ParseIssue::reason must outlive the call
};

}  // namespace ftlens
