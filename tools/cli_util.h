// File: cli_util.h
//
// What every subcommand of the cashmatch CLI shares: the exit codes, error
// printing, opening a ledger so that "not a ledger" is exit 4 from every
// command, output paths that must stay outside the ledger, and progress on
// stderr.
//
// Exit codes scripts can trust (README.md, "Exit codes"):
//   0 success (including "already applied: nothing to do")
//   1 bad input (a file, line or field is wrong; that batch committed nothing)
//   2 usage error (unknown option, missing or malformed argument)
//   3 the ledger is in use by another process
//   4 the ledger is corrupt, foreign, or from a newer cashmatch
//   5 an I/O error (disk full, permissions)
//   6 verify found books that do not balance
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cashmatch/engine/status.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/progress.h"

namespace cashmatch::tools {

inline constexpr int kExitUsage = 2;

int ExitCodeFor(const Status& s);

// Prints "cashmatch[ COMMAND]: error: MESSAGE" on stderr; returns its exit code.
int Fail(const Status& s, const char* command = nullptr);

// Ledger::Open, the one place every command opens a ledger. Ledger::Open
// names what it finds itself: a path holding something other than a ledger
// (a file, or a directory with other contents) and a missing ledger are both
// LedgerCorrupt, exit 4, whichever command opens it.
Result<std::unique_ptr<io::Ledger>> OpenLedger(const std::string& db, const io::LedgerOptions& options);

// A usage error (a message naming both paths) when `output` lies inside the
// ledger directory `db`, after resolving symlinks and "..": writing there
// would corrupt the ledger. Empty when the path is fine.
std::string OutputInsideLedger(const std::string& output, const std::string& db, const char* what);

// --threads: 0 lets oneTBB choose; more than this is a usage error.
inline constexpr int kThreadsMax = 256;

// A CLI11 check that the value is a valid date, YYYY-MM-DD: a bad date is
// a usage error (2) like any malformed option value.
extern const CLI::Validator kIsoDate;

// Progress of one long job on stderr: what is done, the rate and, when the
// total is known, the ETA, redrawn in place four times a second by a ticker
// thread (so a job without a counter still shows it is alive). Silent
// unless stderr is a terminal and --quiet is not given: logs and pipes
// never see it.
// Thread safety: Add and SetTotal may be called from any thread; Done
// from the owner.
class Progress {
 public:
  // `unit` is "rows" or "bytes", or empty for a job that only shows its
  // elapsed time; total 0: unknown (no ETA).
  Progress(bool enabled, std::string what, std::string unit = {}, uint64_t total = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  // For a job that learns its total as it goes (io::ProgressHook::on_total).
  void SetTotal(uint64_t total) { total_.store(total, std::memory_order_relaxed); }
  // A hook that tells this display; empty when it is not shown, so that the
  // job spares what it does only for progress (load counts its files' lines).
  io::ProgressHook Hook();
  // Stops the ticker and clears the line (call before printing a result).
  void Done();
  // Clears the line so that the caller can print one of its own, and holds
  // the ticker off until the returned lock is released; it redraws on its
  // next tick.
  std::unique_lock<std::mutex> Pause();

  // Whether progress is shown at all: stderr is a terminal and not quiet.
  static bool Wanted(bool quiet);

 private:
  void Draw();

  const bool enabled_;
  const std::string what_, unit_;
  std::atomic<uint64_t> total_;
  std::atomic<uint64_t> done_{0};
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;   // guarded by mu_
  bool drawn_ = false;  // guarded by mu_ (the ticker draws holding it)
  std::thread ticker_;
};

}  // namespace cashmatch::tools
