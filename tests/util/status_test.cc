#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "util/status.h"

using namespace ftlens;

namespace {

Status fails_when(bool fail) { return fail ? Status(ErrorCode::kIo, "trace.txt: cannot open") : ok_status(); }

Status first_failure_of(bool a, bool b, int* reached) {
  FTLENS_RETURN_IF_ERROR(fails_when(a));
  ++*reached;
  FTLENS_RETURN_IF_ERROR(fails_when(b));
  ++*reached;
  return ok_status();
}

Expected<std::unique_ptr<int>> owned(bool fail) {
  if (fail) return Status(ErrorCode::kNotFound, "no buffer instance named 'x'");
  return std::make_unique<int>(7);
}

}  // namespace

TEST_CASE("status.a default Status is success with no message") {
  const Status s;
  CHECK(s.ok());
  CHECK(s.code() == ErrorCode::kOk);
  CHECK(s.message().empty());
}

TEST_CASE("status.a failure keeps its code and its one-line message") {
  const Status s = fails_when(true);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == ErrorCode::kIo);
  CHECK(s.message() == "trace.txt: cannot open");
  CHECK(error_code_name(s.code()) == "io");
}

TEST_CASE("status.FTLENS_RETURN_IF_ERROR returns the first failure and stops there") {
  int reached = 0;
  CHECK(first_failure_of(false, false, &reached).ok());
  CHECK(reached == 2);
  reached = 0;
  CHECK(first_failure_of(true, false, &reached).code() == ErrorCode::kIo);
  CHECK(reached == 0);
  reached = 0;
  CHECK_FALSE(first_failure_of(false, true, &reached).ok());
  CHECK(reached == 1);
}

TEST_CASE("status.an Expected holds a move-only value or the reason it has none") {
  Expected<std::unique_ptr<int>> good = owned(false);
  REQUIRE(good.ok());
  CHECK(good.status().ok());
  CHECK(**good == 7);
  std::unique_ptr<int> taken = std::move(good).value();
  CHECK(*taken == 7);

  Expected<std::unique_ptr<int>> bad = owned(true);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kNotFound);
  const Status why = std::move(bad).take_status();
  CHECK(why.message() == "no buffer instance named 'x'");
}

TEST_CASE("status.every error code has its own name") {
  CHECK(error_code_name(ErrorCode::kOk) == "ok");
  CHECK(error_code_name(ErrorCode::kBadInput) == "bad-input");
  CHECK(error_code_name(ErrorCode::kNoCpuColumn) == "no-cpu-column");
  CHECK(error_code_name(ErrorCode::kNotFound) != error_code_name(ErrorCode::kUnsupported));
}
