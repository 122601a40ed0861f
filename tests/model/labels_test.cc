#include <doctest/doctest.h>

#include "model/labels.h"
#include "parser/string_pool.h"

using namespace ftlens;

TEST_CASE("labels.a task is its comm and pid joined by a dash, as ps and the trace print it") {
  StringPool pool;
  CHECK(task_label(pool, pool.intern("kworker/4:3"), 10711) == "kworker/4:3-10711");
  CHECK(task_label(pool, kNoStr, 0) == "-0");
}

TEST_CASE("labels.a kernel address is lower-case hex without zero padding") {
  CHECK(hex_address(0xd8c3cb7c) == "0xd8c3cb7c");
  CHECK(hex_address(0xffff8881'00000000ULL) == "0xffff888100000000");
  CHECK(hex_address(0) == "0x0");
}
