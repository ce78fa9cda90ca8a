// The cashmatch command line: load, apply, release, export, report, verify,
// gen and eval. Each subcommand has its options struct and its Run function
// here (gen and eval in gen_eval_cmd.cc); what they share (exit codes,
// opening a ledger, progress) is in cli_util.h, which lists the exit codes.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <thread>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/money.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/policy_toml.h"
#include "cashmatch/io/reports.h"
#include "cli_util.h"
#include "gen_eval_cmd.h"

namespace cm = cashmatch;
namespace cmio = cashmatch::io;

namespace {

using cashmatch::tools::ExitCodeFor;
using cashmatch::tools::Fail;
using cashmatch::tools::kExitUsage;
using cashmatch::tools::Progress;

// Options every subcommand accepts, before or after its name.
struct GlobalArgs {
  bool quiet = false;
};

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) fmt::print(stderr, "cashmatch: warning: {}\n", w);
}

cm::Result<std::unique_ptr<cmio::Ledger>> OpenLedger(
    const std::string& db, bool read_only, uint64_t ingest_keys_min = cmio::LedgerOptions::kDefaultCommitIngestKeysMin,
    bool create = false) {
  cmio::LedgerOptions options;
  options.read_only = read_only;
  options.create_if_missing = create;  // only load and init create a ledger
  options.commit_ingest_keys_min = ingest_keys_min;
  return cashmatch::tools::OpenLedger(db, options);
}

// load and init finish a ledger an interrupted creation left half-made
// (Ledger::finished_half_created); they say so, since the directory was
// refused by every other command until now.
void SayIfFinished(const cmio::Ledger& ledger, const std::string& db) {
  if (!ledger.finished_half_created()) return;
  fmt::print(stderr, "cashmatch: {} was a half-created ledger (an earlier creation was interrupted); finished it\n",
             db);
}

struct LoadArgs {
  std::string db, customers, invoices;
  bool abandon_unfinished = false;
  bool no_compact = false;  // hidden: benchmarks measure what the compaction saves
};

// After --abandon-unfinished replaced an unfinished load: what that load
// wrote stays, and only a number or Stripe id it moved across its chunks
// can be left half-moved. Verify finds exactly that, so it runs here, once,
// rather than leaving it to the next `verify` (exit 6 names the invoice).
int VerifyAfterAbandon(const cmio::Ledger& ledger, const std::string& abandoned) {
  fmt::print(stderr, "cashmatch load: {}: abandoned it; what it wrote stays, with these files upserted over it\n",
             abandoned);
  cmio::VerifyReport report;
  cm::Status s = ledger.Verify(&report);
  if (s.ok()) return 0;
  return Fail(s.WithContext("the abandoned load left the books inconsistent (load a file that gives the named "
                            "invoice its number or Stripe id)"),
              "load");
}

int RunLoad(const LoadArgs& a, const GlobalArgs& g) {
  if (a.customers.empty() && a.invoices.empty()) {
    fmt::print(stderr, "cashmatch load: give --customers, --invoices or both\n");
    return kExitUsage;
  }
  // Rows of every pass: the load reads each file twice (it checks, then
  // writes); then the time spent compacting the ledger it wrote.
  std::optional<Progress> progress;
  std::optional<Progress> compacting;
  cmio::LedgerOptions options;
  options.create_if_missing = true;
  if (a.no_compact) options.compact_after_load_rows_min = UINT64_MAX;
  options.on_load_compacting = [&] {
    if (progress) progress->Done();
    compacting.emplace(Progress::Wanted(g.quiet), "load: compacting the ledger");
  };
  auto ledger = cashmatch::tools::OpenLedger(a.db, options);
  if (!ledger.ok()) return Fail(ledger.status());
  SayIfFinished(*ledger.value(), a.db);
  progress.emplace(Progress::Wanted(g.quiet), "load", "rows");
  auto r = cmio::LoadBookFiles(
      *ledger.value(), a.customers, a.invoices, progress->Hook(),
      a.abandon_unfinished ? cmio::OtherUnfinishedLoad::kAbandon : cmio::OtherUnfinishedLoad::kRefuse);
  progress->Done();
  if (compacting) compacting->Done();
  if (!r.ok()) return Fail(r.status().WithContext("load failed"));
  PrintWarnings(r.value().warnings);
  fmt::print("loaded {} customers and {} invoices into {}\n", r.value().customers_count, r.value().invoices_count,
             a.db);
  if (!r.value().abandoned_load.empty()) return VerifyAfterAbandon(*ledger.value(), r.value().abandoned_load);
  return 0;
}

struct ApplyArgs {
  std::string db, policy, format = "auto", rejects;
  std::vector<std::string> files;
  int threads = 0;
  bool skip_bad_records = false;
  bool timings = false;
  uint64_t ingest_keys_min = cmio::LedgerOptions::kDefaultCommitIngestKeysMin;
  size_t chunk_payments = cmio::ApplyOptions::kDefaultChunkPayments;
  std::string resident_book = "auto";
  std::string watch;  // --watch DIR
  int poll_ms = 500;
};

// Whether apply keeps the book resident (--resident-book): "on", "off", or
// "auto": always for a watch, else when the files are large against the
// book. Building it reads every invoice once (about 1 µs each here), where LoadBook reads about ten
// invoices per payment from RocksDB (tens of µs): it pays from about one
// payment per twenty invoices, and a payment is about 200 bytes of input.
bool WantResidentBook(const std::string& mode, bool watching, uint64_t input_bytes, uint64_t invoices) {
  if (mode != "auto") return mode == "on";
  if (watching) return true;  // a watch serves every batch to come
  constexpr uint64_t kBytesPerPayment = 200;
  constexpr uint64_t kInvoicesPerPayment = 20;
  return input_bytes / kBytesPerPayment * kInvoicesPerPayment >= invoices;
}

// One line of wall seconds per stage, on stderr.
void PrintTimings(const std::string& what, const std::array<double, cmio::kApplyStageCount>& seconds) {
  std::string line;
  double total = 0;
  for (size_t i = 0; i < seconds.size(); ++i) {
    line += fmt::format(" {} {:.3f}", cmio::kApplyStageNames[i], seconds[i]);
    total += seconds[i];
  }
  fmt::print(stderr, "cashmatch: timings (wall seconds) {}:{}; total {:.3f}\n", what, line, total);
}

// The rejects file(s) this run may write must lie outside the ledger: one
// byte written into its CURRENT file or a table makes it unreadable.
std::string RejectsInsideLedger(const ApplyArgs& a) {
  if (!a.rejects.empty()) return cashmatch::tools::OutputInsideLedger(a.rejects, a.db, "--rejects");
  if (!a.skip_bad_records) return {};
  for (const std::string& path : a.files) {
    std::string bad = cashmatch::tools::OutputInsideLedger(path + ".rejects.ndjson", a.db, "the rejects file");
    if (!bad.empty()) return bad + " (give --rejects elsewhere)";
  }
  return {};
}

// The line of one committed file, printed and flushed as soon as its batch
// commits, so that a later file failing hard cannot take it with it.
void PrintApplied(const std::string& path, const cmio::ApplyResult& res, size_t chunk_payments) {
  fmt::print(
      "{}: {} batch {}: {} payments, {} applied, {} exceptions, {} duplicates, {} returns ({} reversed), "
      "{} released, {} payouts ({} linked); events {}..{}\n",
      path, cmio::SettlementFormatName(res.format), res.batch.batch_id, res.payments_count, res.applied_count,
      res.exception_count, res.duplicate_count, res.returns_count, res.reversed_count, res.released_count,
      res.payouts_count, res.payouts_linked_count, res.batch.first_seq, res.batch.last_seq);
  if (res.chunks_count > 1) {
    fmt::print("{}: applied in {} chunks of up to {} payments, each its own batch{}\n", path, res.chunks_count,
               chunk_payments,
               res.chunks_resumed == 0 ? ""
                                       : fmt::format(" ({} committed by an earlier apply that was cut off; their "
                                                     "applied and exception counts are not in the "
                                                     "line above)",
                                                     res.chunks_resumed));
  }
  if (res.rejected_count > 0) {
    fmt::print("{}: skipped {} bad records, written to {}\n", path, res.rejected_count, res.rejects_path);
  }
  std::fflush(stdout);
}

uint64_t FileBytes(const std::vector<std::string>& files) {
  uint64_t total = 0;
  for (const std::string& f : files) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(f, ec);
    if (!ec) total += n;
  }
  return total;
}

volatile std::sig_atomic_t g_stop = 0;
extern "C" void OnStopSignal(int) { g_stop = 1; }

// A file `apply --watch` takes: a regular file whose name does not start
// with '.' and does not end in ".tmp", ".part" or ".rejects.ndjson" (how
// writers stage a file before renaming it into place, and apply's own
// rejects).
bool WatchedName(const std::string& name) {
  auto ends = [&](std::string_view tail) { return name.size() >= tail.size() && name.ends_with(tail); };
  return !name.empty() && name[0] != '.' && !ends(".tmp") && !ends(".part") && !ends(".rejects.ndjson");
}

// `apply --watch DIR`: applies each file that appears in `dir`, in name
// order, once it has kept its size and modification time for one poll
// (a file still being written waits), until SIGINT or SIGTERM. Each file is
// taken once per run, applied or not (a bad file is reported and left; a
// corrected one under a new name is taken). Files already there when the
// watch starts are taken too: those applied before are recognised by their
// content and change nothing. Returns the files taken.
size_t WatchDirectory(const std::string& dir, int poll_ms, const std::function<bool(const std::string&)>& apply) {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  struct Seen {
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
  };
  std::map<std::string, Seen> waiting;  // name -> as seen at the last poll
  std::set<std::string> taken;
  fmt::print(stderr, "cashmatch: watching {} (every {} ms; SIGINT or SIGTERM stops)\n", dir, poll_ms);
  bool warned = false;
  while (g_stop == 0) {
    std::error_code ec;
    std::vector<std::string> ready;
    std::map<std::string, Seen> now;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (taken.count(name) != 0 || !WatchedName(name) || !entry.is_regular_file(ec)) continue;
      Seen seen{entry.file_size(ec), entry.last_write_time(ec)};
      if (ec) continue;
      auto it = waiting.find(name);
      if (it != waiting.end() && it->second.size == seen.size && it->second.mtime == seen.mtime) {
        ready.push_back(name);
      } else {
        now[name] = seen;
      }
    }
    if (ec && !warned) {
      fmt::print(stderr, "cashmatch: cannot list {}: {} (still watching)\n", dir, ec.message());
      warned = true;
    }
    waiting = std::move(now);
    std::sort(ready.begin(), ready.end());
    for (const std::string& name : ready) {
      if (g_stop != 0) break;
      taken.insert(name);
      if (!apply((std::filesystem::path(dir) / name).string())) return taken.size();
    }
    for (int slept = 0; slept < poll_ms && g_stop == 0; slept += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10, poll_ms - slept)));
    }
  }
  fmt::print(stderr, "cashmatch: watch of {} stopped; {} files taken\n", dir, taken.size());
  return taken.size();
}

int RunApply(const ApplyArgs& a, const GlobalArgs& g) {
  if (a.files.empty() == a.watch.empty()) {
    fmt::print(stderr, "cashmatch apply: give the settlement files, or --watch DIR (not both)\n");
    return kExitUsage;
  }
  if (std::string bad = RejectsInsideLedger(a); !bad.empty()) {
    fmt::print(stderr, "cashmatch apply: {}\n", bad);
    return kExitUsage;
  }
  cm::Policy policy;
  if (!a.policy.empty()) {
    auto p = cmio::LoadPolicyFile(a.policy);
    if (!p.ok()) return Fail(p.status());
    policy = std::move(p).value();
  }
  auto extractor = cm::HintExtractor::Create(policy);
  if (!extractor.ok()) return Fail(extractor.status());
  auto ledger = OpenLedger(a.db, false, a.ingest_keys_min);
  if (!ledger.ok()) return Fail(ledger.status());
  if (WantResidentBook(a.resident_book, !a.watch.empty(), FileBytes(a.files),
                       ledger.value()->EstimatedInvoicesCount())) {
    cm::Status s = ledger.value()->EnableResidentBook();
    if (!s.ok()) return Fail(s);
    if (a.timings) {
      const cmio::ResidentBookStats rs = ledger.value()->resident_book_stats();
      fmt::print(stderr,
                 "cashmatch: resident book: {} invoices, {} customers, {} index entries, {:.1f} MiB, built in "
                 "{:.3f} s\n",
                 rs.invoices_count, rs.customers_count, rs.postings_count, rs.bytes / 1048576.0, rs.build_seconds);
    }
  }
  cm::MatchOptions options;
  options.threads = a.threads;
  cmio::ApplyOptions apply_options;
  if (!cmio::ParseSettlementFormat(a.format, &apply_options.format)) {
    fmt::print(stderr, "cashmatch apply: unknown --format '{}'\n", a.format);
    return kExitUsage;
  }
  apply_options.skip_bad_records = a.skip_bad_records;
  apply_options.rejects_path = a.rejects;
  apply_options.chunk_payments = a.chunk_payments;
  // Each file is its own batch and its own commit: a bad file is reported
  // and skipped, and the others still go in. The exit code says whether
  // every file went in.
  cm::Status first_error;
  size_t failed = 0;
  std::array<double, cmio::kApplyStageCount> stage_totals{};
  // No progress line for a watch: it has no end to show.
  Progress progress(Progress::Wanted(g.quiet || !a.watch.empty()), "apply", "bytes", FileBytes(a.files));
  // Applies one file; false when the ledger refuses every further write.
  auto apply_file = [&](const std::string& path) -> bool {
    std::error_code ec;
    const uint64_t bytes = std::filesystem::file_size(path, ec);
    // A file applied in chunks moves the progress chunk by chunk, in
    // proportion to its payments, and says each chunk once it commits.
    uint64_t bytes_shown = 0;
    size_t chunks_committed = 0;
    apply_options.on_chunk_committed = [&](const cmio::ChunkCommitted& c) {
      chunks_committed = c.index;
      const uint64_t now = c.payments_total == 0 ? 0 : bytes * c.payments_done / c.payments_total;
      if (!ec && now > bytes_shown) progress.Add(now - bytes_shown);
      bytes_shown = std::max(bytes_shown, now);
      if (c.index == c.count) return cm::Status::Ok();  // the file's own line follows
      auto paused = progress.Pause();
      fmt::print("{}: chunk {} of {}: batch {}{}; payments 1..{} of {}; events {}..{}\n", path, c.index, c.count,
                 c.batch.batch_id, c.already_applied ? " (committed by an earlier apply)" : "", c.payments_done,
                 c.payments_total, c.batch.first_seq, c.batch.last_seq);
      std::fflush(stdout);
      return cm::Status::Ok();
    };
    auto r = cmio::ApplyPaymentFile(*ledger.value(), path, policy, *extractor.value(), options, apply_options);
    if (!ec && bytes > bytes_shown) progress.Add(bytes - bytes_shown);
    if (!r.ok()) {
      auto paused = progress.Pause();  // the other files go on, with their progress
      if (chunks_committed == 0) {
        fmt::print(stderr, "cashmatch: error: {} (batch not applied, nothing committed)\n", r.status().message());
      } else {
        fmt::print(stderr,
                   "cashmatch: error: {} (chunks 1..{} of this file are committed, the rest is not; apply the file "
                   "again to commit the rest)\n",
                   r.status().message(), chunks_committed);
      }
      if (first_error.ok()) first_error = r.status();
      ++failed;
      // After a failed write (disk full) the ledger refuses every further
      // one: stop here rather than fail each remaining file.
      return r.status().code() != cm::StatusCode::kIOError;
    }
    const cmio::ApplyResult& res = r.value();
    auto paused = progress.Pause();  // this file's lines, then the progress again
    PrintWarnings(res.warnings);
    if (res.already_applied) {
      fmt::print("{}: already applied as batch {} (events {}..{}); nothing changed\n", path, res.batch.batch_id,
                 res.batch.first_seq, res.batch.last_seq);
      std::fflush(stdout);
      return true;
    }
    PrintApplied(path, res, a.chunk_payments);
    std::fflush(stdout);
    for (size_t i = 0; i < stage_totals.size(); ++i) stage_totals[i] += res.stage_seconds[i];
    if (a.timings) PrintTimings(path, res.stage_seconds);
    return true;
  };
  size_t files_count = a.files.size();
  if (a.watch.empty()) {
    for (const std::string& path : a.files) {
      if (!apply_file(path)) break;
    }
  } else {
    files_count = WatchDirectory(a.watch, a.poll_ms, apply_file);
  }
  progress.Done();
  if (a.timings && files_count > 1) PrintTimings("all files", stage_totals);
  if (failed > 0) {
    fmt::print(stderr, "cashmatch: {} of {} files failed\n", failed, files_count);
    return ExitCodeFor(first_error);
  }
  return 0;
}

struct ReleaseArgs {
  std::string db;
  std::string policy;
  std::vector<std::string> invoices;
  bool verbose = false;
};

int RunRelease(const ReleaseArgs& a) {
  cm::Policy policy;
  if (!a.policy.empty()) {
    auto p = cmio::LoadPolicyFile(a.policy);
    if (!p.ok()) return Fail(p.status());
    policy = std::move(p).value();
  }
  auto ledger = OpenLedger(a.db, false);
  if (!ledger.ok()) return Fail(ledger.status());
  auto r =
      cmio::ReleaseFinalHolds(*ledger.value(), policy, std::set<std::string>(a.invoices.begin(), a.invoices.end()));
  if (!r.ok()) return Fail(r.status());
  const cmio::ReleaseResult& res = r.value();
  // Still-reconciling invoices are a count: they are the same ones every
  // night until their usage is final. --verbose names them.
  if (!res.still_reconciling.empty()) {
    fmt::print(
        "{} invoices with held cash are still reconciling usage; their cash stays held (load them as final "
        "to release{})\n",
        res.still_reconciling.size(), a.verbose ? "" : "; --verbose lists them");
  }
  if (a.verbose) {
    for (const std::string& id : res.still_reconciling) fmt::print("  invoice {}: usage still reconciling\n", id);
  }
  if (res.nothing_to_release) {
    fmt::print("nothing to release: no cash is held against a final invoice\n");
    return 0;
  }
  fmt::print("released {} holds as batch {}; events {}..{}\n", res.holds_released, res.batch.batch_id,
             res.batch.first_seq, res.batch.last_seq);
  return 0;
}

std::string Amount(int64_t minor, const std::string& code) {
  const cm::Currency* c = cm::Currency::Find(code);
  return cm::FormatAmountMinor(minor, c == nullptr ? 2 : c->exponent());
}

struct ExportArgs {
  std::string db;
  uint64_t since = 0;
  bool follow = false;
  int poll_ms = 500;
  uint64_t until_seq = 0;
};

// Writes every event after `since`; returns the last seq written. A failed
// write (the reader went away) ends the export quietly.
cm::Status WriteEvents(const cmio::Ledger& ledger, uint64_t* since, uint64_t until_seq, bool* stdout_closed) {
  std::string line;
  cm::Status s = ledger.ForEachEvent(*since, [&](const cm::Event& e) {
    if (until_seq != 0 && e.seq > until_seq) return false;
    line = cmio::EventToJson(e);
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size()) {
      *stdout_closed = true;
      return false;
    }
    *since = e.seq;
    return true;
  });
  if (std::fflush(stdout) != 0) *stdout_closed = true;
  return s;
}

int RunExport(const ExportArgs& a) {
  cmio::LedgerOptions options;
  options.read_only = true;
  options.follow = a.follow;
  auto ledger = cashmatch::tools::OpenLedger(a.db, options);
  if (!ledger.ok()) return Fail(ledger.status());
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  uint64_t since = a.since;
  bool closed = false;
  cm::Status s = WriteEvents(*ledger.value(), &since, a.until_seq, &closed);
  // --follow: tail new commits until a signal, a closed stdout, or --until-seq.
  while (s.ok() && a.follow && !closed && g_stop == 0 && (a.until_seq == 0 || since < a.until_seq)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(a.poll_ms));
    s = ledger.value()->CatchUp();
    if (s.ok()) s = WriteEvents(*ledger.value(), &since, a.until_seq, &closed);
  }
  if (!s.ok()) return Fail(s);
  return 0;
}

struct ReportArgs {
  std::string db, format = "table", id, as_of, from, to;
};

int RunReport(const ReportArgs& a, const std::string& which) {
  cmio::ReportFormat format = cmio::ReportFormat::kTable;
  if (!cmio::ParseReportFormat(a.format, &format)) {
    fmt::print(stderr, "cashmatch report: --format must be table, json or csv\n");
    return kExitUsage;
  }
  auto date = [](const std::string& text, const char* flag, cm::Date* out) -> cm::Status {
    auto d = cm::ParseIsoDate(text);
    if (!d.ok()) return d.status().WithContext(flag);
    *out = d.value();
    return cm::Status::Ok();
  };
  auto ledger = OpenLedger(a.db, true);
  if (!ledger.ok()) return Fail(ledger.status());
  const cmio::Ledger& l = *ledger.value();
  cm::Status s;
  if (which == "summary") {
    s = cmio::ReportSummary(l, format, stdout);
  } else if (which == "aging") {
    cm::Date as_of{static_cast<int32_t>(std::time(nullptr) / 86400)};
    if (!a.as_of.empty()) s = date(a.as_of, "--as-of", &as_of);
    if (s.ok()) s = cmio::ReportAging(l, as_of, format, stdout);
  } else if (which == "unapplied") {
    s = cmio::ReportUnapplied(l, format, stdout);
  } else if (which == "exceptions") {
    s = cmio::ReportExceptions(l, format, stdout);
  } else if (which == "invoice" || which == "payment" || which == "customer") {
    cmio::Subject subject = which == "invoice"   ? cmio::Subject::kInvoice
                            : which == "payment" ? cmio::Subject::kPayment
                                                 : cmio::Subject::kCustomer;
    s = cmio::ReportTrail(l, subject, a.id, format, stdout);
  } else {  // dso, cei
    cm::Date from, to;
    s = date(a.from, "--from", &from);
    if (s.ok()) s = date(a.to, "--to", &to);
    if (s.ok()) s = cmio::ReportDsoCei(l, from, to, format, stdout);
  }
  std::fflush(stdout);
  if (!s.ok()) return Fail(s);
  return 0;
}

int RunVerify(const std::string& db, const GlobalArgs& g) {
  auto ledger = OpenLedger(db, true);
  if (!ledger.ok()) return Fail(ledger.status());
  cmio::VerifyReport report;
  // Records: events, then payments, then invoices.
  Progress progress(Progress::Wanted(g.quiet), "verify", "records");
  cm::Status s = ledger.value()->Verify(&report, progress.Hook());
  progress.Done();
  if (!s.ok()) {
    fmt::print(stderr, "cashmatch verify: FAILED after {} events, {} payments, {} invoices checked\n",
               report.events_checked, report.payments_checked, report.invoices_checked);
    return Fail(s);
  }
  fmt::print("verify ok: {} events, {} payments, {} invoices checked\n", report.events_checked, report.payments_checked,
             report.invoices_checked);
  for (const auto& [code, t] : report.totals) {
    fmt::print(
        "  {}: received {} = applied {} + unapplied {} + held {} + in review {} + returned {}; written off {}; "
        "fees {}; Stripe payout bank lines linked {}\n",
        code, Amount(t.received_minor, code), Amount(t.applied_minor, code), Amount(t.unapplied_minor, code),
        Amount(t.held_minor, code), Amount(t.exceptions_minor, code), Amount(t.reversed_minor, code),
        Amount(t.written_off_minor, code), Amount(t.fees_minor, code), Amount(t.payout_lines_minor, code));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cashmatch: cash application for B2B receivables.\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage, 3 ledger in use, 4 ledger corrupt or newer, 5 I/O error,\n"
      "6 verify found a violation."};
  app.require_subcommand(1);
  // Options are accepted after a subcommand's name as before it: what a
  // subcommand does not know goes up to its parent (`report exceptions --db L`
  // is `report --db L exceptions`). Subcommands inherit this when added.
  app.fallthrough();
  app.set_version_flag("--version", "cashmatch " CASHMATCH_VERSION);
  GlobalArgs global;
  app.add_flag("-q,--quiet", global.quiet, "No progress on stderr (it is shown only when stderr is a terminal)");

  LoadArgs load;
  auto* load_cmd = app.add_subcommand("load", "Load or update customers and open invoices (CSV) into the ledger");
  load_cmd->add_option("--db", load.db, "Ledger directory (created if absent)")->required();
  load_cmd->add_option("--customers", load.customers, "customers.csv");
  load_cmd->add_option("--invoices", load.invoices, "invoices.csv");
  // Hidden: for benchmarks that measure the first apply after an uncompacted load.
  load_cmd->add_flag("--no-compact", load.no_compact, "Leave the ledger uncompacted after the load (benchmarks)")
      ->group("");
  load_cmd->add_flag("--abandon-unfinished", load.abandon_unfinished,
                     "When an earlier load was interrupted and its files have changed since: load these instead "
                     "(what it wrote stays, upserted over; the ledger is verified afterwards)");

  std::string init_db;
  auto* init_cmd = app.add_subcommand("init", "Create an empty ledger (load creates one too; no other command does)");
  init_cmd->add_option("--db", init_db, "Ledger directory to create (absent or empty)")->required();

  ApplyArgs apply;
  auto* apply_cmd = app.add_subcommand("apply", "Apply payment files; each file is one atomic, idempotent batch");
  apply_cmd->add_option("--db", apply.db, "Ledger directory")->required();
  apply_cmd->add_option("--policy", apply.policy, "Policy file (TOML); defaults apply when absent");
  apply_cmd->add_option("--threads", apply.threads, "Threads for the parallel stages (0: all cores)")
      ->check(CLI::Range(0, cashmatch::tools::kThreadsMax));
  std::vector<std::string> format_names;
  for (const cmio::SettlementFormatInfo& f : cmio::SettlementFormats()) format_names.emplace_back(f.name);
  apply_cmd
      ->add_option("--format", apply.format,
                   "Settlement format (auto: detect from content): " + cmio::SettlementFormatNames())
      ->check(CLI::IsMember(format_names));
  apply_cmd->add_flag("--skip-bad-records", apply.skip_bad_records,
                      "Write bad records to a rejects file and apply the rest (default: a bad record fails its file)");
  apply_cmd->add_flag(
      "--timings", apply.timings,
      "Print the wall time of each stage (read, parse, hints, load_book, match, commit) per file on stderr");
  apply_cmd
      ->add_option("--ingest-keys-min", apply.ingest_keys_min,
                   "Commit a file that writes at least this many keys as ingested SST files instead of a "
                   "WriteBatch (0: every file); both are atomic and synced")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  apply_cmd
      ->add_option("--chunk-payments", apply.chunk_payments,
                   "Apply a file with more payments than this in chunks of this many, each its own atomic batch, "
                   "after the whole file is checked: memory stays bounded whatever the file size (0: never split)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  apply_cmd
      ->add_option("--resident-book", apply.resident_book,
                   "Keep the book's invoices, customers and their index in memory for the whole apply instead of "
                   "reading them from the ledger per batch (auto: when the files are large against the book)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "on", "off"}));
  apply_cmd->add_option("--rejects", apply.rejects, "Rejects file (default: FILE.rejects.ndjson beside each input)");
  apply_cmd->add_option("files", apply.files,
                        "Settlement files: NDJSON, BAI2, camt.053/054, Stripe JSON or payout CSV, NACHA, MT940");
  apply_cmd->add_option("--watch", apply.watch,
                        "Keep running and apply each file that appears in DIR, in name order, once it stops "
                        "changing (names starting with '.' or ending in .tmp or .part wait for their rename), until "
                        "SIGINT or SIGTERM; the book stays resident between files");
  apply_cmd->add_option("--poll-ms", apply.poll_ms, "With --watch: how often to look at DIR")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600000));

  ExportArgs exp;
  auto* export_cmd = app.add_subcommand("export", "Write events as NDJSON to stdout (schema: docs/events.md)");
  export_cmd->add_option("--db", exp.db, "Ledger directory")->required();
  export_cmd->add_option("--since", exp.since, "Only events with seq greater than this (the last seq you saw)")
      ->check(CLI::NonNegativeNumber);
  export_cmd->add_flag("--follow", exp.follow, "Keep tailing new commits until interrupted (SIGINT/SIGTERM)");
  export_cmd->add_option("--poll-ms", exp.poll_ms, "With --follow: how often to look for new commits")
      ->check(CLI::Range(10, 60000));
  export_cmd->add_option("--until-seq", exp.until_seq, "Stop after the event with this seq (0: no limit)")
      ->check(CLI::NonNegativeNumber);

  ReportArgs rep;
  auto* report_cmd = app.add_subcommand("report", "Reports over the ledger (read-only; safe beside a writer)");
  report_cmd->add_option("--db", rep.db, "Ledger directory")->required();
  report_cmd->add_option("--format", rep.format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
  report_cmd->require_subcommand(1);
  std::vector<std::pair<std::string, CLI::App*>> reports;
  auto add_report = [&](const char* name, const char* help) {
    CLI::App* cmd = report_cmd->add_subcommand(name, help);
    cmd->add_option("--format", rep.format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
    reports.emplace_back(name, cmd);
    return cmd;
  };
  add_report("summary", "Counts and totals per currency");
  add_report("aging", "Open amount per days-past-due bucket (current, 1-30, 31-60, 61-90, 90+), per customer")
      ->add_option("--as-of", rep.as_of, "Date the ages are counted to, YYYY-MM-DD (default: today, UTC)")
      ->check(cashmatch::tools::kIsoDate);
  add_report("unapplied", "Cash on account per customer");
  add_report("exceptions", "The review queue, highest amount first, with reasons and signals");
  for (const char* subject : {"invoice", "payment", "customer"}) {
    add_report(subject, "Audit trail: every event that touched it, with batch, rule, score and signals")
        ->add_option("id", rep.id, std::string(subject) + " id")
        ->required();
  }
  for (auto [name, help] :
       {std::pair{"dso",
                  "Days sales outstanding over a period:\n"
                  "  DSO = AR(to) / sales * days, sales = total of invoices issued in [from, to],\n"
                  "  days = to - from + 1, AR(t) = open amount at the end of day t of invoices\n"
                  "  issued by t (payments count on their value date)"},
        std::pair{"cei",
                  "Collection effectiveness index over a period:\n"
                  "  CEI = (AR(from-1) + sales - AR(to)) / (AR(from-1) + sales - current AR(to)) * 100,\n"
                  "  current AR(to) = the part of AR(to) not yet due at `to`"}}) {
    CLI::App* cmd = add_report(name, help);
    cmd->add_option("--from", rep.from, "First day of the period, YYYY-MM-DD")
        ->required()
        ->check(cashmatch::tools::kIsoDate);
    cmd->add_option("--to", rep.to, "Last day of the period, YYYY-MM-DD")
        ->required()
        ->check(cashmatch::tools::kIsoDate);
  }

  ReleaseArgs release;
  auto* release_cmd = app.add_subcommand(
      "release",
      "Release cash held against usage invoices that are now final (load them again with usage_status final):\n"
      "the held cash is applied up to what the invoice owes, any rest left unapplied on the customer's account,\n"
      "and dunning cancelled, softened or resumed. One atomic batch; nothing to release commits nothing.");
  release_cmd->add_option("--db", release.db, "Ledger directory")->required();
  release_cmd->add_option("--policy", release.policy, "Policy file (TOML); defaults apply when absent");
  release_cmd->add_option("--invoice", release.invoices, "Only these invoices (repeatable; default: every final one)");
  release_cmd->add_flag("-v,--verbose", release.verbose, "Name each invoice whose usage is still reconciling");

  std::string verify_db;
  auto* verify_cmd = app.add_subcommand(
      "verify",
      "Check the ledger's invariants: per payment, received = applied + unapplied + held + in review + returned\n"
      "(applied net of returns);\n"
      "per invoice, open at load - open now = applied + written off - reversed since; no open amount below zero;\n"
      "every invoice's index keys present and naming it; gapless event sequence. Exits 6 naming the first violation.");
  verify_cmd->add_option("--db", verify_db, "Ledger directory")->required();

  // gen and eval: options and runners in gen_eval_cmd.cc.
  cashmatch::tools::GenArgs gen;
  CLI::App* gen_cmd = cashmatch::tools::AddGenCommand(app, &gen);
  cashmatch::tools::EvalArgs eval;
  CLI::App* eval_cmd = cashmatch::tools::AddEvalCommand(app, &eval);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (load_cmd->parsed()) return RunLoad(load, global);
  if (init_cmd->parsed()) {
    auto created = OpenLedger(init_db, false, cmio::LedgerOptions::kDefaultCommitIngestKeysMin, /*create=*/true);
    if (!created.ok()) return Fail(created.status());
    SayIfFinished(*created.value(), init_db);
    fmt::print("ledger ready at {}\n", init_db);
    return 0;
  }
  if (apply_cmd->parsed()) return RunApply(apply, global);
  if (export_cmd->parsed()) return RunExport(exp);
  if (verify_cmd->parsed()) return RunVerify(verify_db, global);
  if (release_cmd->parsed()) return RunRelease(release);
  if (gen_cmd->parsed()) return cashmatch::tools::RunGen(gen, global.quiet);
  if (eval_cmd->parsed()) return cashmatch::tools::RunEval(eval);
  for (const auto& [name, cmd] : reports) {
    if (cmd->parsed()) return RunReport(rep, name);
  }
  return kExitUsage;
}
