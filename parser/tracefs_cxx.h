// Includes libtracefs (and through it what trace-cmd.h needs) so that C++
// compilers accept it. tracefs.h is written for C only: it has no
// extern "C" guards, so C++ callers would look for mangled names, and its
// inline tracefs_hist_start() passes a plain 0 for an enum parameter, an error
// in C++ (GCC with -fpermissive only, clang never). The int overload declared
// here takes that call; it has C++ linkage, so it coexists with the library's
// C function of the same name. Include this before <trace-cmd.h>.
#pragma once

struct tracefs_instance;
struct tracefs_hist;
static inline int tracefs_hist_command(struct tracefs_instance* instance, struct tracefs_hist* hist, int command);

extern "C" {
#include <tracefs.h>
}

static inline int tracefs_hist_command(struct tracefs_instance* instance, struct tracefs_hist* hist, int command) {
  return tracefs_hist_command(instance, hist, static_cast<enum tracefs_hist_command>(command));
}
