// Internal: simdjson as its own release build compiles it.
//
// The project keeps assert() on in release builds (CMakeLists.txt drops
// -DNDEBUG) so that our programmer errors never pass silently. simdjson
// turns every internal SIMDJSON_ASSUME into an assert() when NDEBUG is not
// defined; those check simdjson's own invariants (for example, that its
// value iterator is where it thinks it is), not our input or our code, and
// cost about 7% of the NDJSON parse in instructions. So simdjson.h is read
// with NDEBUG defined and assert() is restored for the code that follows.
//
// Every translation unit that uses simdjson must include this header
// instead of <simdjson.h>, so that its inline functions are the same
// everywhere (one definition rule).
#pragma once

#ifdef NDEBUG
#include <simdjson.h>
#else
#define NDEBUG
#include <simdjson.h>
#undef NDEBUG
// <assert.h> defines assert() anew on every inclusion, from NDEBUG as it is now.
#include <cassert>
#endif
