#include "cli_util.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "cashmatch/engine/date.h"
#include "cashmatch/io/reports.h"

namespace cashmatch::tools {

namespace fs = std::filesystem;

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInvalidInput:
    case StatusCode::kNotFound: return 1;
    case StatusCode::kLedgerBusy: return 3;
    case StatusCode::kLedgerCorrupt:
    case StatusCode::kUnsupported: return 4;
    case StatusCode::kIOError: return 5;
    case StatusCode::kInvariantViolated: return 6;
  }
  return 1;
}

int Fail(const Status& s, const char* command) {
  if (command == nullptr) {
    fmt::print(stderr, "cashmatch: error: {}\n", s.message());
  } else {
    fmt::print(stderr, "cashmatch {}: error: {}\n", command, s.message());
  }
  return ExitCodeFor(s);
}

Result<std::unique_ptr<io::Ledger>> OpenLedger(const std::string& db, const io::LedgerOptions& options) {
  return io::Ledger::Open(db, options);
}

namespace {

// The absolute path with symlinks and ".." resolved as far as it exists.
fs::path Resolved(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) return fs::path(path).lexically_normal();
  fs::path r = fs::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal() : r;
}

}  // namespace

std::string OutputInsideLedger(const std::string& output, const std::string& db, const char* what) {
  const fs::path out = Resolved(output);
  const fs::path dir = Resolved(db);
  // Component-wise prefix: /x/ledger2 is not inside /x/ledger.
  auto o = out.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++o) {
    if (d->empty()) continue;  // a trailing separator
    if (o == out.end() || *o != *d) return {};
  }
  return fmt::format("{} '{}' is inside the ledger directory '{}' ({}); writing there would corrupt the ledger", what,
                     output, db, out.string());
}

const CLI::Validator kIsoDate(
    [](std::string& text) -> std::string {
      auto d = ParseIsoDate(text);
      return d.ok() ? std::string() : d.status().message();
    },
    "YYYY-MM-DD");

bool Progress::Wanted(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(bool enabled, std::string what, std::string unit, uint64_t total)
    : enabled_(enabled),
      what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  ticker_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) Draw();
  });
}

Progress::~Progress() { Done(); }

io::ProgressHook Progress::Hook() {
  if (!enabled_) return {};
  io::ProgressHook hook;
  hook.on_total = [this](uint64_t total) { SetTotal(total); };
  hook.on_done = [this](uint64_t n) { Add(n); };
  return hook;
}

void Progress::Done() {
  if (!ticker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  ticker_.join();
  if (!drawn_) return;  // the job ended before the first redraw
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
}

std::unique_lock<std::mutex> Progress::Pause() {
  std::unique_lock<std::mutex> lock(mu_);
  if (drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
  }
  return lock;
}

namespace {

// "12,345" for a count, "3.4 MB" for bytes.
std::string Figure(double n, const std::string& unit) {
  if (unit == "bytes") {
    constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
    size_t u = 0;
    while (n >= 1000 && u + 1 < std::size(kUnits)) {
      n /= 1000;
      ++u;
    }
    return fmt::format("{:.1f} {}", n, kUnits[u]);
  }
  return io::GroupThousands(std::to_string(static_cast<uint64_t>(n + 0.5)));
}

// "12,345 rows" or "3.4 MB".
std::string Quantity(double n, const std::string& unit) {
  return unit == "bytes" ? Figure(n, unit) : Figure(n, unit) + " " + unit;
}

std::string Clock(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

void Progress::Draw() {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = what_ + ": ";
  if (!unit_.empty()) {
    const uint64_t done = done_.load(std::memory_order_relaxed);
    const uint64_t total = total_.load(std::memory_order_relaxed);
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    // "12,345 of 520,000 rows": the unit once.
    if (total > 0) {
      line += Figure(static_cast<double>(done), unit_) + " of " + Quantity(static_cast<double>(total), unit_);
    } else {
      line += Quantity(static_cast<double>(done), unit_);
    }
    line += ", " + Quantity(rate, unit_) + "/s, ";
    if (total > done && rate > 0) line += "ETA " + Clock(static_cast<double>(total - done) / rate) + ", ";
  }
  line += Clock(seconds) + " elapsed";
  fmt::print(stderr, "\r{}\x1b[K", line);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace cashmatch::tools
