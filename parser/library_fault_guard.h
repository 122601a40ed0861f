// A corrupt trace.dat can crash libtraceevent 1.7.1 and libtracecmd 3.1.6 in
// places ftlens cannot check beforehand: the event format parser on a damaged
// format (a NULL dereference, found by fuzz_trace_dat), kbuffer walking a page
// whose header claims more data than the page holds. One such file must not
// end an `ftlens scan` of a whole archive, so calls into those libraries run
// under a guard: a SIGSEGV, SIGBUS, SIGFPE or SIGILL raised while the thread
// is inside the call (and not inside ftlens's own callback) ends that call
// only, and the reader reports the file as damaged.
//
// What is given up: the library's state for that file (it is abandoned, never
// closed, so its memory leaks) and any locks it held (it takes none). A fault
// in ftlens's own code is never caught: it reaches whoever handled the signal
// before (ASan's report, or the default action that ends the process).
#pragma once

namespace ftlens {

// Runs fn(context) under the guard. Returns 0 when it ran to its end, or the
// signal that cut it short. Calls may nest; each thread has its own guard.
int run_guarded_library_call(void (*fn)(void*), void* context);

template <class Fn>
int run_guarded_library_call(Fn& fn) {
  return run_guarded_library_call([](void* f) { (*static_cast<Fn*>(f))(); }, &fn);
}

// While one exists on a thread, a fault on that thread is ftlens's own: the
// record callback holds one, because libtracecmd calls back into ftlens from
// inside a guarded call.
class OwnCodeScope {
 public:
  OwnCodeScope();
  ~OwnCodeScope();
  OwnCodeScope(const OwnCodeScope&) = delete;
  OwnCodeScope& operator=(const OwnCodeScope&) = delete;
};

// "SIGSEGV" for SIGSEGV, and so on; "a signal" for others.
const char* fault_signal_name(int signal);

}  // namespace ftlens
