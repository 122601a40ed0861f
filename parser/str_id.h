// The id of an interned string (string_pool.h): what events carry instead of
// text. Apart so that whoever only holds ids need not see the pool.
#pragma once

#include <cstdint>

namespace ftlens {

using StrId = uint32_t;
inline constexpr StrId kNoStr = 0;  // the empty string

}  // namespace ftlens
