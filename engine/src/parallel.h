// File: engine/src/parallel.h
//
// The one way the engine runs work on several threads: ParallelFor(threads,
// count, body) calls body(i) for every i in [0, count) inside a
// oneTBB arena of `threads` (0: oneTBB's choice), and returns when all are
// done. Callers write only to slot i in body(i), so the result never depends
// on scheduling.
//
// ThreadSanitizer: Debian's libtbb is not instrumented, so TSan cannot see
// that a task's start happens after the caller handed it its work, nor that
// parallel_for returns after every task ended: each slot written by a task
// and read by the caller would be reported as a race. Under TSan the
// wrapper tells it exactly those two guarantees (release before the tasks
// start and when each ends, acquire when each starts and after the join);
// races between tasks themselves are still reported.
#pragma once

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cstddef>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define CASHMATCH_TSAN_RELEASE(addr) __tsan_release(addr)
#define CASHMATCH_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define CASHMATCH_TSAN_RELEASE(addr) static_cast<void>(addr)
#define CASHMATCH_TSAN_ACQUIRE(addr) static_cast<void>(addr)
#endif

namespace cashmatch {

template <class Body>
void ParallelFor(int threads, size_t count, const Body& body) {
  // An arena of the requested size limits this call only, where a
  // global_control would limit every oneTBB user in the process.
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  // The index form keeps oneTBB's range splitting inside its own headers,
  // where tools/tsan.supp expects it; the task sees only its index. The
  // synchronisation object is static so that a task reaches it without
  // reading anything the caller wrote.
  static int handoff;
  const auto task = [&body](size_t i) {
    CASHMATCH_TSAN_ACQUIRE(&handoff);
    body(i);
    CASHMATCH_TSAN_RELEASE(&handoff);
  };
  CASHMATCH_TSAN_RELEASE(&handoff);
  arena.execute([&] { tbb::parallel_for(size_t{0}, count, task); });
  CASHMATCH_TSAN_ACQUIRE(&handoff);
}

}  // namespace cashmatch
