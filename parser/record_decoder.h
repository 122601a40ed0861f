// Turns binary ring-buffer records (from a trace.dat through libtracecmd, or
// read live from tracefs) into Events, with libtraceevent's field
// descriptors resolved once per event id: one decoder for every binary
// source, so a recording analyzed live and later from its file gives the
// same events.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "parser/event.h"
#include "parser/event_sink.h"

struct tep_handle;
struct tep_record;

namespace ftlens {

class StringPool;

class RecordDecoder {
 public:
  RecordDecoder(tep_handle* tep, StringPool& pool, EventSink& sink);
  ~RecordDecoder();
  RecordDecoder(const RecordDecoder&) = delete;
  RecordDecoder& operator=(const RecordDecoder&) = delete;

  // Hands the record to the sink as an Event (a lost-events marker first
  // when the ring buffer dropped events before it). Returns 0.
  int on_record(tep_record* record);

  uint64_t events() const;
  uint64_t lost_events() const;
  // Records with event ids the format list does not define (corrupt data).
  uint64_t unknown_ids() const;
  std::string corrupt_cpus() const;  // "1,3": CPUs that had such records
  TimeNs last_ts(int cpu) const;     // of the last record on `cpu`; -1 if none
  // Tells the sink that `cpu` lost events after its last record.
  void report_truncated_cpu(int cpu, TimeNs at);
  // The same for every CPU that had records, at its last one.
  void report_all_cpus_truncated();
  std::string truncated_cpus() const;  // "1,3": the CPUs reported so

 private:
  class Impl;
  std::unique_ptr<Impl> decoder_;
};

}  // namespace ftlens
