// File: cashmatch/io/progress.h
//
// How a long job (a load, verify, gen) tells whoever watches how far it is,
// without knowing about terminals: the CLI's Progress (tools/cli_util.h)
// draws what it is told on stderr. A job with an empty hook pays nothing
// for it beyond an increment per unit.
//
// Example:
//   ProgressHook hook;
//   hook.on_total = [&](uint64_t n) { total = n; };
//   hook.on_done = [&](uint64_t n) { done += n; };
//   Status s = ledger.Verify(&report, hook);  // at the end, done == total
//
// Thread safety: a job calls its hook from the thread it runs on.
#pragma once

#include <cstdint>
#include <functional>

namespace cashmatch::io {

struct ProgressHook {
  // The units (rows, records) the whole job will do, as far as the job
  // knows: told before the first unit and again whenever it learns better
  // (a count replacing an estimate, another pass it must make). A job that
  // succeeds ends with done == the last total told. Default: not told.
  std::function<void(uint64_t total)> on_total;
  // Units done since the previous call, told in steps of about
  // ProgressCounter::kStep units, not once per unit. Default: not told.
  std::function<void(uint64_t done)> on_done;
};

// Counts units in a job's loop and passes them to on_done in steps, so that
// the loop pays an increment and a compare per unit, not a call through a
// std::function. Flush before the job tells a new total or returns.
class ProgressCounter {
 public:
  // Large enough that the call is lost in the work of the units, small
  // enough that a display redrawn four times a second moves smoothly.
  static constexpr uint64_t kStep = 4096;

  // `on_done` (possibly empty) must outlive the counter.
  explicit ProgressCounter(const std::function<void(uint64_t)>& on_done) : on_done_(on_done) {}
  ~ProgressCounter() { Flush(); }
  ProgressCounter(const ProgressCounter&) = delete;
  ProgressCounter& operator=(const ProgressCounter&) = delete;

  void Add(uint64_t n = 1) {
    count_ += n;
    pending_ += n;
    if (pending_ >= kStep) Flush();
  }
  void Flush() {
    if (pending_ > 0 && on_done_) on_done_(pending_);
    pending_ = 0;
  }
  // Every unit added so far, told or not.
  uint64_t count() const { return count_; }

 private:
  const std::function<void(uint64_t)>& on_done_;
  uint64_t count_ = 0;
  uint64_t pending_ = 0;
};

}  // namespace cashmatch::io
