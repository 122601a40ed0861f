#include "parser/library_fault_guard.h"

#include <csetjmp>
#include <csignal>
#include <cstddef>
#include <memory>
#include <mutex>

namespace ftlens {

namespace {

struct Guard {
  sigjmp_buf resume;
  volatile sig_atomic_t own_code_depth = 0;
  volatile sig_atomic_t signal = 0;
};

thread_local Guard* t_guard = nullptr;

constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
struct sigaction g_previous[std::size(kFaultSignals)];

int slot_of(int signal) {
  for (size_t i = 0; i < std::size(kFaultSignals); ++i)
    if (kFaultSignals[i] == signal) return static_cast<int>(i);
  return -1;
}

void on_fault(int signal, siginfo_t* info, void*) {
  Guard* guard = t_guard;
  // A fault raised by the faulting instruction itself (si_code > 0; a kill()
  // of this signal is not one), inside a guarded call, outside our callback.
  if (guard && guard->own_code_depth == 0 && info && info->si_code > 0) {
    guard->signal = signal;
    siglongjmp(guard->resume, 1);
  }
  // Not ours to catch: give the signal back to whoever had it before (ASan,
  // or the default action). Returning re-runs the faulting instruction,
  // which faults again into that handler; a sent signal is sent again.
  const int slot = slot_of(signal);
  if (slot >= 0) sigaction(signal, &g_previous[slot], nullptr);
  if (!info || info->si_code <= 0) raise(signal);
}

// Installs on_fault for each fault signal where it is not the handler, and
// keeps the one it replaces to hand faults on to. Checked on every guarded
// call: whoever installed a handler after ours (a test framework, say) would
// otherwise have turned the guard off without a word.
void ensure_handlers() {
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  struct sigaction ours {};
  ours.sa_sigaction = on_fault;
  // SA_ONSTACK: a fault from a runaway recursion in the format parser has no
  // stack left to run the handler on.
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&ours.sa_mask);
  for (size_t i = 0; i < std::size(kFaultSignals); ++i) {
    struct sigaction current {};
    if (sigaction(kFaultSignals[i], nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_fault) continue;
    sigaction(kFaultSignals[i], &ours, &g_previous[i]);
  }
}

// Each thread needs its own alternate signal stack; keep one that was there.
void ensure_alternate_stack() {
  thread_local std::unique_ptr<char[]> stack;
  thread_local bool checked = false;
  if (checked) return;
  checked = true;
  stack_t current {};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
  constexpr size_t kSize = 64 * 1024;
  stack = std::make_unique<char[]>(kSize);
  stack_t fresh {};
  fresh.ss_sp = stack.get();
  fresh.ss_size = kSize;
  if (sigaltstack(&fresh, nullptr) != 0) stack.reset();
}

}  // namespace

int run_guarded_library_call(void (*fn)(void*), void* context) {
  ensure_handlers();
  ensure_alternate_stack();
  Guard guard;
  Guard* const outer = t_guard;
  t_guard = &guard;
  // sigsetjmp(.., 1) saves the signal mask: the jump out of the handler
  // restores it, so the fault signal is not left blocked.
  if (sigsetjmp(guard.resume, 1) != 0) {
    t_guard = outer;
    return guard.signal;
  }
  fn(context);
  t_guard = outer;
  return 0;
}

OwnCodeScope::OwnCodeScope() {
  if (t_guard) t_guard->own_code_depth = t_guard->own_code_depth + 1;
}

OwnCodeScope::~OwnCodeScope() {
  if (t_guard) t_guard->own_code_depth = t_guard->own_code_depth - 1;
}

const char* fault_signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "a signal";
  }
}

}  // namespace ftlens
