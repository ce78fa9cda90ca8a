// Internal: 128-bit integers for exact intermediate arithmetic on int64
// amounts (a product or a magnitude that may not fit 64 bits). GCC and
// Clang provide them; __extension__ keeps -Wpedantic quiet about it.
#pragma once

namespace cashmatch {
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;
}  // namespace cashmatch
