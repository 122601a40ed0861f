#include "parser/record_decoder.h"

#include <event-parse.h>

#include <algorithm>
#include <array>
#include <cstdio>   // snprintf
#include <cstring>  // memchr, strlen
#include <string>
#include <unordered_map>
#include <vector>

#include "parser/event.h"
#include "parser/event_types.h"
#include "parser/string_pool.h"

namespace ftlens {

namespace {

// The fields the model reads, per event type (event_types.def names them),
// resolved once per event id. Index meaning depends on the type (see
// extract()).
constexpr size_t kMaxFields = kMaxBinaryFields;

struct EventLayout {
  bool resolved = false;
  EventType type = EventType::kOther;
  StrId name = kNoStr;
  std::array<tep_format_field*, kMaxFields> fields{};
};

constexpr std::array<std::string_view, 10> kSoftirqNames = {"HI",    "TIMER",   "NET_TX", "NET_RX", "BLOCK",
                                                            "IRQ_POLL", "TASKLET", "SCHED",  "HRTIMER", "RCU"};

}  // namespace

class RecordDecoder::Impl {
 public:
  Impl(tep_handle* tep, StringPool& pool, EventSink& sink) : tep_(tep), pool_(pool), sink_(sink) {
    const int formats = tep_get_events_count(tep_);
    for (int i = 0; i < formats; ++i)
      if (const tep_event* event = tep_get_event(tep_, i)) max_defined_id_ = std::max(max_defined_id_, event->id);
  }

  int on_record(tep_record* record) {
    if (record->cpu >= 0 && record->cpu < kMaxTrackedCpus) {
      if (static_cast<size_t>(record->cpu) >= last_ts_.size()) last_ts_.resize(static_cast<size_t>(record->cpu) + 1, -1);
      last_ts_[static_cast<size_t>(record->cpu)] = static_cast<TimeNs>(record->ts);
    }
    if (record->missed_events != 0) {
      // -1: the kernel knows events were lost but not how many.
      const int64_t missed = record->missed_events > 0 ? record->missed_events : 1;
      lost_events_ += static_cast<uint64_t>(missed);
      emit_lost(record->cpu, static_cast<TimeNs>(record->ts), missed);
    }
    // Shorter than the common fields (type, flags, preempt count, pid): a
    // damaged page; libtraceevent would read past the record for its id.
    const int id = record->size >= kCommonFieldsBytes ? tep_data_type(tep_, record) : -1;
    const EventLayout* layout = resolve(id);
    if (!layout) {
      // An id the file defines no format for: the page holds garbage (a
      // damaged block that still decompressed). Mark the CPU's view as
      // incomplete there rather than trust what the page says.
      ++unknown_ids_;
      mark(corrupt_cpus_, record->cpu);
      emit_lost(record->cpu, static_cast<TimeNs>(record->ts), 0);  // how many is unknown
      return 0;
    }
    Event e;
    e.ts = static_cast<TimeNs>(record->ts);
    e.cpu = record->cpu;
    e.pid = tep_data_pid(tep_, record);
    e.comm = comm_of(e.pid);
    e.name = layout->name;
    e.type = layout->type;
    e.irq_flags = Event::irq_flags_from_kernel_bits(static_cast<unsigned>(tep_data_flags(tep_, record)));
    if (e.type != EventType::kOther) extract(*layout, record, &e);
    ++events_;
    sink_.on_event(e);
    return 0;
  }

  uint64_t events() const { return events_; }
  uint64_t unknown_ids() const { return unknown_ids_; }
  std::string corrupt_cpus() const { return cpu_list(corrupt_cpus_); }
  std::string truncated_cpus() const { return cpu_list(truncated_cpus_); }
  // The time of the last record read on `cpu`; -1 when none was.
  TimeNs last_ts(int cpu) const {
    return cpu >= 0 && static_cast<size_t>(cpu) < last_ts_.size() ? last_ts_[static_cast<size_t>(cpu)] : -1;
  }
  // Tells the sink that `cpu` lost events after its last record read.
  void report_truncated_cpu(int cpu, TimeNs at) {
    mark(truncated_cpus_, cpu);
    emit_lost(cpu, at, 0);  // how many is unknown
  }
  void report_all_cpus_truncated() {
    for (size_t cpu = 0; cpu < last_ts_.size(); ++cpu)
      if (last_ts_[cpu] >= 0) report_truncated_cpu(static_cast<int>(cpu), last_ts_[cpu]);
  }
  uint64_t lost_events() const { return lost_events_; }

 private:
  // A lost-events marker at `at`, the time of the record it precedes: the
  // live recorder sorts a poll's events by time, and a marker without one
  // would be sorted before that CPU's earlier events.
  static void mark(std::vector<bool>& cpus, int cpu) {
    if (cpu < 0 || cpu >= kMaxTrackedCpus) return;
    cpus.resize(std::max(cpus.size(), static_cast<size_t>(cpu) + 1));
    cpus[static_cast<size_t>(cpu)] = true;
  }
  // "1,3"
  static std::string cpu_list(const std::vector<bool>& cpus) {
    std::string out;
    for (size_t cpu = 0; cpu < cpus.size(); ++cpu)
      if (cpus[cpu]) {
        if (!out.empty()) out += ',';
        out += std::to_string(cpu);
      }
    return out;
  }

  void emit_lost(int cpu, TimeNs at, int64_t count) {
    Event lost;
    lost.type = EventType::kLostEvents;
    lost.cpu = cpu;
    lost.ts = at;
    lost.number = count;
    sink_.on_event(lost);
  }

  const EventLayout* resolve(int id) {
    // Beyond the highest id the file defines there is nothing to resolve (a
    // garbage id from a damaged page must not size the table: 64 bytes each).
    if (id < 0 || id > max_defined_id_) return nullptr;
    auto index = static_cast<size_t>(id);
    if (index >= layouts_.size()) layouts_.resize(index + 1);
    EventLayout& layout = layouts_[index];
    if (!layout.resolved) {
      layout.resolved = true;
      tep_event* event = tep_find_event(tep_, id);
      if (!event) return nullptr;
      layout.name = pool_.intern(event->name);
      layout.type = event_type_from_name(event->name);
      const auto& names = event_type_info(layout.type).binary_fields;
      for (size_t i = 0; i < kMaxFields; ++i)
        layout.fields[i] = names[i] ? tep_find_field(event, names[i]) : nullptr;
    }
    return layout.name == kNoStr ? nullptr : &layout;
  }

  StrId comm_of(int pid) {
    auto [it, inserted] = comms_.try_emplace(pid, kNoStr);
    if (inserted) {
      const char* comm = pid == 0 ? "<idle>" : tep_data_comm_from_pid(tep_, pid);
      it->second = pool_.intern(comm ? comm : "<...>");
    }
    return it->second;
  }

  static int64_t number(const tep_format_field* field, const tep_record* record, int64_t fallback = -1) {
    unsigned long long value = 0;
    // A damaged format can place a field past the end of the record.
    if (!field || !inside(field, record) ||
        tep_read_number_field(const_cast<tep_format_field*>(field), record->data, &value) != 0)
      return fallback;
    // Sign-extend fields narrower than 64 bits that the format declares signed.
    if ((field->flags & TEP_FIELD_IS_SIGNED) && field->size > 0 && field->size < 8) {
      const unsigned bits = static_cast<unsigned>(field->size) * 8;
      const unsigned long long sign = 1ULL << (bits - 1);
      if (value & sign) value |= ~((sign << 1) - 1);
    }
    return static_cast<int64_t>(value);
  }
  static bool inside(const tep_format_field* field, const tep_record* record) {
    return field->offset >= 0 && field->size >= 0 && record->size >= 0 &&
           static_cast<int64_t>(field->offset) + field->size <= record->size;
  }
  static int32_t number32(const tep_format_field* field, const tep_record* record) {
    return static_cast<int32_t>(number(field, record));
  }

  // A char array ("prev_comm[16]") or a __data_loc/__rel_loc string.
  static std::string_view text(const tep_format_field* field, const tep_record* record) {
    if (!field) return {};
    const char* data = static_cast<const char*>(record->data);
    size_t offset = static_cast<size_t>(field->offset), size = static_cast<size_t>(field->size);
    if (field->flags & TEP_FIELD_IS_DYNAMIC) {
      unsigned long long loc = 0;
      if (!inside(field, record) || tep_read_number_field(const_cast<tep_format_field*>(field), record->data, &loc) != 0) return {};
      size = static_cast<size_t>(loc >> 16);
      offset = static_cast<size_t>(loc & 0xffff);
      if (field->flags & TEP_FIELD_IS_RELATIVE) offset += static_cast<size_t>(field->offset + field->size);
    }
    if (offset + size > static_cast<size_t>(record->size)) return {};
    std::string_view s(data + offset, size);
    if (const void* nul = std::memchr(s.data(), '\0', s.size()))
      s = s.substr(0, static_cast<size_t>(static_cast<const char*>(nul) - s.data()));
    return s;
  }

  StrId intern_text(const tep_format_field* field, const tep_record* record) {
    return pool_.intern(text(field, record));
  }

  // A kernel pointer printed as %ps: the symbol when the file has kallsyms.
  StrId symbol(const tep_format_field* field, const tep_record* record) {
    if (!field) return kNoStr;
    auto addr = static_cast<unsigned long long>(number(field, record, 0));
    auto [it, inserted] = symbols_.try_emplace(addr, kNoStr);
    if (inserted) {
      const char* name = tep_find_function(tep_, addr);
      if (name) {
        it->second = pool_.intern(name);
      } else {
        char hex[24];
        std::snprintf(hex, sizeof hex, "0x%llx", addr);
        it->second = pool_.intern(hex);
      }
    }
    return it->second;
  }

  // The event's targets, kept in targets_ for the callback (Event::cpumask).
  void cpumask(const tep_format_field* field, const tep_record* record, Event* e) {
    CpuMask* mask = &targets_;
    *mask = {};
    e->cpumask = mask;
    std::string_view bits = text(field, record);  // raw bitmap bytes, little-endian longs
    for (size_t byte = 0; byte < bits.size() && byte < 64; ++byte)
      for (unsigned b = 0; b < 8; ++b)
        if (static_cast<unsigned>(static_cast<unsigned char>(bits[byte])) >> b & 1U)
          mask->set(static_cast<int>(byte * 8 + b));
  }

  void extract(const EventLayout& l, const tep_record* r, Event* e) {
    const auto& f = l.fields;
    switch (e->type) {
      case EventType::kSchedSwitch: {
        e->task = {intern_text(f[0], r), number32(f[1], r), number32(f[2], r)};
        const int64_t state = number(f[3], r, 0);
        // The kernel prints prev_state as one letter from the low bits, "R"
        // when none is set, and "+" for TASK_REPORT_MAX (preempted).
        static constexpr char kStates[] = "SDTtXZPI";
        const auto low = static_cast<uint64_t>(state) & 0xff;
        e->prev_state = 'R';
        for (unsigned bit = 0; bit < 8; ++bit)
          if (low >> bit & 1U) {
            e->prev_state = kStates[bit];
            break;
          }
        e->preempted = (static_cast<uint64_t>(state) & 0x100) != 0;
        e->next = {intern_text(f[4], r), number32(f[5], r), number32(f[6], r)};
        break;
      }
      case EventType::kSchedWakeup:
      case EventType::kSchedWakeupNew:
      case EventType::kSchedWaking:
        e->task = {intern_text(f[0], r), number32(f[1], r), number32(f[2], r)};
        e->target_cpu = number32(f[3], r);
        break;
      case EventType::kSchedMigrateTask:
        e->task = {intern_text(f[0], r), number32(f[1], r), number32(f[2], r)};
        e->source_cpu = number32(f[3], r);
        e->target_cpu = number32(f[4], r);
        break;
      case EventType::kSchedProcessFork:
        e->task = {intern_text(f[0], r), number32(f[1], r), -1};
        e->next = {intern_text(f[2], r), number32(f[3], r), -1};
        break;
      case EventType::kSchedProcessExit:
        e->task = {intern_text(f[0], r), number32(f[1], r), number32(f[2], r)};
        break;
      case EventType::kWorkQueue:
        e->address = static_cast<uint64_t>(number(f[0], r, 0));
        e->function = symbol(f[1], r);
        // Current kernels store the workqueue name; older ones a pointer.
        e->site = f[2] && (f[2]->flags & TEP_FIELD_IS_DYNAMIC) ? intern_text(f[2], r) : kNoStr;
        e->source_cpu = number32(f[3], r);
        e->target_cpu = number32(f[4], r);
        break;
      case EventType::kIrqEntry:
        e->number = number(f[0], r);
        e->function = intern_text(f[1], r);
        break;
      case EventType::kIrqExit:
        e->number = number(f[0], r);
        e->function = pool_.intern(number(f[1], r, 0) ? "handled" : "unhandled");
        break;
      case EventType::kSoftirqEntry:
      case EventType::kSoftirqExit:
      case EventType::kSoftirqRaise:
        e->number = number(f[0], r);
        if (e->number >= 0 && static_cast<size_t>(e->number) < kSoftirqNames.size())
          e->function = pool_.intern(kSoftirqNames[static_cast<size_t>(e->number)]);
        break;
      case EventType::kWorkActivate:  // work, function
      case EventType::kWorkStart:
      case EventType::kWorkEnd:
      case EventType::kHrtimerEntry:  // hrtimer/timer, function
      case EventType::kTimerEntry:
        e->address = static_cast<uint64_t>(number(f[0], r, 0));
        e->function = symbol(f[1], r);
        break;
      case EventType::kHrtimerExit:
      case EventType::kTimerExit:
        e->address = static_cast<uint64_t>(number(f[0], r, 0));
        break;
      case EventType::kIpiSendCpu:
        e->target_cpu = number32(f[0], r);
        e->site = symbol(f[1], r);
        e->function = symbol(f[2], r);
        break;
      case EventType::kIpiSendCpumask:
        cpumask(f[0], r, e);
        e->site = symbol(f[1], r);
        e->function = symbol(f[2], r);
        break;
      case EventType::kIpiRaise:
        cpumask(f[0], r, e);
        break;
      case EventType::kCsdQueueCpu:
        e->target_cpu = number32(f[0], r);
        e->site = symbol(f[1], r);
        e->function = symbol(f[2], r);
        e->address = static_cast<uint64_t>(number(f[3], r, 0));
        break;
      case EventType::kCsdFunctionEntry:
      case EventType::kCsdFunctionExit:
        e->function = symbol(f[0], r);
        e->address = static_cast<uint64_t>(number(f[1], r, 0));
        break;
      case EventType::kContentionBegin:
      case EventType::kContentionEnd:
        e->address = static_cast<uint64_t>(number(f[0], r, 0));
        e->number = number(f[1], r, 0);
        break;
      case EventType::kCpuhpEnter:
      case EventType::kCpuhpMultiEnter:
        e->target_cpu = number32(f[0], r);
        e->number = number(f[1], r, 0);
        e->function = symbol(f[3], r);
        break;
      case EventType::kCpuhpExit:
        e->target_cpu = number32(f[0], r);
        e->number = number(f[1], r, 0);
        break;
      case EventType::kConsole: {
        std::string_view msg = text(f[0], r);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
        e->payload = msg;
        break;
      }
      default:
        break;
    }
  }

  tep_handle* tep_;
  StringPool& pool_;
  EventSink& sink_;
  std::vector<EventLayout> layouts_;
  std::unordered_map<int, StrId> comms_;
  std::unordered_map<unsigned long long, StrId> symbols_;
  CpuMask targets_;  // of the event being handed on (Event::cpumask)
  uint64_t events_ = 0;
  uint64_t lost_events_ = 0;
  uint64_t unknown_ids_ = 0;
  static constexpr int kMaxTrackedCpus = 4096;
  static constexpr int kCommonFieldsBytes = 8;
  int max_defined_id_ = -1;
  std::vector<TimeNs> last_ts_;
  std::vector<bool> corrupt_cpus_;
  std::vector<bool> truncated_cpus_;
};


RecordDecoder::RecordDecoder(tep_handle* tep, StringPool& pool, EventSink& sink)
    : decoder_(std::make_unique<Impl>(tep, pool, sink)) {}
RecordDecoder::~RecordDecoder() = default;
int RecordDecoder::on_record(tep_record* record) { return decoder_->on_record(record); }
uint64_t RecordDecoder::events() const { return decoder_->events(); }
uint64_t RecordDecoder::lost_events() const { return decoder_->lost_events(); }
uint64_t RecordDecoder::unknown_ids() const { return decoder_->unknown_ids(); }
std::string RecordDecoder::corrupt_cpus() const { return decoder_->corrupt_cpus(); }
TimeNs RecordDecoder::last_ts(int cpu) const { return decoder_->last_ts(cpu); }
void RecordDecoder::report_truncated_cpu(int cpu, TimeNs at) { decoder_->report_truncated_cpu(cpu, at); }
void RecordDecoder::report_all_cpus_truncated() { decoder_->report_all_cpus_truncated(); }
std::string RecordDecoder::truncated_cpus() const { return decoder_->truncated_cpus(); }

}  // namespace ftlens
