#include "parser/library_fault_guard.h"

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

namespace ftlens {
namespace {

// A page that faults when read, as a damaged trace.dat makes libtraceevent
// read where nothing is mapped.
class UnreadablePage {
 public:
  UnreadablePage() : page_(mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) {
    REQUIRE(page_ != MAP_FAILED);
  }
  ~UnreadablePage() { munmap(page_, 4096); }
  int read() const { return *static_cast<volatile const int*>(page_); }

 private:
  void* page_;
};

// Runs `body` in a child process; returns its wait status. The child writes
// one byte to the pipe if `body` returns, which a fault must prevent.
template <class Body>
bool child_came_back(Body body, int* status) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(pipe_fds[0]);
    body();
    const char done = 'x';
    (void)!write(pipe_fds[1], &done, 1);
    _exit(0);
  }
  close(pipe_fds[1]);
  char byte = 0;
  const bool came_back = ::read(pipe_fds[0], &byte, 1) == 1;
  close(pipe_fds[0]);
  REQUIRE(waitpid(child, status, 0) == child);
  return came_back;
}

TEST_CASE("a guarded call that does not fault returns 0 and keeps what it did") {
  int value = 0;
  auto call = [&] { value = 42; };
  CHECK(run_guarded_library_call(call) == 0);
  CHECK(value == 42);
}

TEST_CASE("a fault inside a guarded library call ends that call only, and says it was SIGSEGV") {
  const UnreadablePage page;
  bool reached_after_fault = false;
  auto call = [&] {
    (void)page.read();
    reached_after_fault = true;
  };
  CHECK(run_guarded_library_call(call) == SIGSEGV);
  CHECK_FALSE(reached_after_fault);
  CHECK(fault_signal_name(SIGSEGV) == std::string("SIGSEGV"));
}

TEST_CASE("after a caught fault the guard catches the next one too, nested calls included") {
  // If the jump out of the handler left SIGSEGV blocked, the second fault
  // would end the process instead.
  const UnreadablePage page;
  auto fault = [&] { (void)page.read(); };
  CHECK(run_guarded_library_call(fault) == SIGSEGV);
  CHECK(run_guarded_library_call(fault) == SIGSEGV);
  int inner = 0;
  auto outer = [&] { inner = run_guarded_library_call(fault); };
  CHECK(run_guarded_library_call(outer) == 0);
  CHECK(inner == SIGSEGV);
}

TEST_CASE("a fault in ftlens's own code called back from a guarded call is not caught") {
  int status = 0;
  const bool came_back = child_came_back(
      [] {
        const UnreadablePage page;
        auto call = [&] {
          const OwnCodeScope ours;  // as the record callback holds
          (void)page.read();
        };
        (void)run_guarded_library_call(call);
      },
      &status);
  CHECK_FALSE(came_back);
  // Plainly: killed by SIGSEGV. Under ASan: its report, then a failing exit.
  CHECK((WIFSIGNALED(status) ? WTERMSIG(status) == SIGSEGV : WEXITSTATUS(status) != 0));
}

TEST_CASE("a fault outside any guarded call is not caught, even once the guard is installed") {
  auto nothing = [] {};
  REQUIRE(run_guarded_library_call(nothing) == 0);
  int status = 0;
  const bool came_back = child_came_back(
      [] {
        const UnreadablePage page;
        (void)page.read();
      },
      &status);
  CHECK_FALSE(came_back);
  CHECK((WIFSIGNALED(status) ? WTERMSIG(status) == SIGSEGV : WEXITSTATUS(status) != 0));
}

}  // namespace
}  // namespace ftlens
