// The cashmatch command line: load, apply, export, report.
//
// Exit codes scripts can trust:
//   0 success (including "already applied: nothing to do")
//   1 bad input (a file, line or field is wrong; that batch committed nothing)
//   2 usage error (unknown option, missing argument)
//   3 the ledger is in use by another process
//   4 the ledger is corrupt, foreign, or from a newer cashmatch
//   5 an I/O error (disk full, permissions)
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cashmatch/engine/hints.h"
#include "cashmatch/engine/money.h"
#include "cashmatch/engine/policy.h"
#include "cashmatch/io/export.h"
#include "cashmatch/io/ledger.h"
#include "cashmatch/io/pipeline.h"
#include "cashmatch/io/policy_toml.h"

namespace cm = cashmatch;
namespace cmio = cashmatch::io;

namespace {

constexpr int kExitUsage = 2;

int ExitCodeFor(const cm::Status& s) {
  switch (s.code()) {
    case cm::StatusCode::kOk: return 0;
    case cm::StatusCode::kInvalidInput:
    case cm::StatusCode::kNotFound: return 1;
    case cm::StatusCode::kLedgerBusy: return 3;
    case cm::StatusCode::kLedgerCorrupt:
    case cm::StatusCode::kUnsupported: return 4;
    case cm::StatusCode::kIOError: return 5;
  }
  return 1;
}

int Fail(const cm::Status& s) {
  fmt::print(stderr, "cashmatch: error: {}\n", s.message());
  return ExitCodeFor(s);
}

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) fmt::print(stderr, "cashmatch: warning: {}\n", w);
}

cm::Result<std::unique_ptr<cmio::Ledger>> OpenLedger(const std::string& db, bool read_only) {
  cmio::LedgerOptions options;
  options.read_only = read_only;
  return cmio::Ledger::Open(db, options);
}

struct LoadArgs {
  std::string db, customers, invoices;
};

int RunLoad(const LoadArgs& a) {
  if (a.customers.empty() && a.invoices.empty()) {
    fmt::print(stderr, "cashmatch load: give --customers, --invoices or both\n");
    return kExitUsage;
  }
  auto ledger = OpenLedger(a.db, false);
  if (!ledger.ok()) return Fail(ledger.status());
  auto r = cmio::LoadBookFiles(*ledger.value(), a.customers, a.invoices);
  if (!r.ok()) return Fail(r.status().WithContext("load failed, nothing was written"));
  PrintWarnings(r.value().warnings);
  fmt::print("loaded {} customers and {} invoices into {}\n", r.value().customers_count, r.value().invoices_count,
             a.db);
  return 0;
}

struct ApplyArgs {
  std::string db, policy;
  std::vector<std::string> files;
  int threads = 0;
};

int RunApply(const ApplyArgs& a) {
  cm::Policy policy;
  if (!a.policy.empty()) {
    auto p = cmio::LoadPolicyFile(a.policy);
    if (!p.ok()) return Fail(p.status());
    policy = std::move(p).value();
  }
  auto extractor = cm::HintExtractor::Create(policy);
  if (!extractor.ok()) return Fail(extractor.status());
  auto ledger = OpenLedger(a.db, false);
  if (!ledger.ok()) return Fail(ledger.status());
  cm::MatchOptions options;
  options.threads = a.threads;
  // Each file is its own batch and its own commit: a bad file is reported
  // and skipped, and the others still go in. The exit code says whether
  // every file went in.
  cm::Status first_error;
  size_t failed = 0;
  for (const std::string& path : a.files) {
    auto r = cmio::ApplyPaymentFile(*ledger.value(), path, policy, *extractor.value(), options);
    if (!r.ok()) {
      fmt::print(stderr, "cashmatch: error: {} (batch not applied, nothing committed)\n", r.status().message());
      if (first_error.ok()) first_error = r.status();
      ++failed;
      continue;
    }
    const cmio::ApplyResult& res = r.value();
    PrintWarnings(res.warnings);
    if (res.already_applied) {
      fmt::print("{}: already applied as batch {} (events {}..{}); nothing changed\n", path, res.batch.batch_id,
                 res.batch.first_seq, res.batch.last_seq);
      continue;
    }
    fmt::print("{}: batch {}: {} payments, {} applied, {} exceptions, {} duplicates; events {}..{}\n", path,
               res.batch.batch_id, res.payments_count, res.applied_count, res.exception_count, res.duplicate_count,
               res.batch.first_seq, res.batch.last_seq);
  }
  if (failed > 0) {
    fmt::print(stderr, "cashmatch: {} of {} files failed\n", failed, a.files.size());
    return ExitCodeFor(first_error);
  }
  return 0;
}

struct ExportArgs {
  std::string db;
  uint64_t since = 0;
};

int RunExport(const ExportArgs& a) {
  auto ledger = OpenLedger(a.db, true);
  if (!ledger.ok()) return Fail(ledger.status());
  std::string line;
  cm::Status s = ledger.value()->ForEachEvent(a.since, [&](const cm::Event& e) {
    line = cmio::EventToJson(e);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    return true;
  });
  std::fflush(stdout);
  if (!s.ok()) return Fail(s);
  return 0;
}

struct ReportArgs {
  std::string db, format = "table";
};

std::string Amount(int64_t minor, const std::string& code) {
  const cm::Currency* c = cm::Currency::Find(code);
  return cm::FormatAmountMinor(minor, c == nullptr ? 2 : c->exponent());
}

int RunReportSummary(const ReportArgs& a) {
  auto ledger = OpenLedger(a.db, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto sum = ledger.value()->Summarize();
  if (!sum.ok()) return Fail(sum.status());
  const cmio::LedgerSummary& s = sum.value();
  if (a.format == "json") {
    std::string out = fmt::format("{{\"customers\":{},\"invoices\":{},\"batches\":{},\"events\":{},\"currencies\":{{",
                                  s.customers_count, s.invoices_count, s.batches_count, s.events_count);
    bool first = true;
    for (const auto& [code, c] : s.by_currency) {
      out += fmt::format(
          "{}\"{}\":{{\"payments\":{},\"received\":\"{}\",\"applied\":\"{}\",\"unapplied\":\"{}\","
          "\"exceptions\":{},\"exceptions_amount\":\"{}\",\"open_invoices\":{},\"open_amount\":\"{}\"}}",
          first ? "" : ",", code, c.payments_count, Amount(c.received_minor, code), Amount(c.applied_minor, code),
          Amount(c.unapplied_minor, code), c.exceptions_count, Amount(c.exceptions_minor, code),
          c.open_invoices_count, Amount(c.open_minor, code));
      first = false;
    }
    out += "}}\n";
    fmt::print("{}", out);
    return 0;
  }
  fmt::print("ledger {}: {} customers, {} invoices, {} batches, {} events\n", a.db, s.customers_count,
             s.invoices_count, s.batches_count, s.events_count);
  fmt::print("{:<8} {:>8} {:>14} {:>14} {:>12} {:>10} {:>14} {:>9} {:>14}\n", "currency", "payments", "received",
             "applied", "unapplied", "exceptions", "in review", "open inv", "open amount");
  for (const auto& [code, c] : s.by_currency) {
    fmt::print("{:<8} {:>8} {:>14} {:>14} {:>12} {:>10} {:>14} {:>9} {:>14}\n", code, c.payments_count,
               Amount(c.received_minor, code), Amount(c.applied_minor, code), Amount(c.unapplied_minor, code),
               c.exceptions_count, Amount(c.exceptions_minor, code), c.open_invoices_count,
               Amount(c.open_minor, code));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cashmatch: cash application for B2B receivables.\n"
               "Exit codes: 0 ok, 1 bad input, 2 usage, 3 ledger in use, 4 ledger corrupt or newer, 5 I/O error."};
  app.require_subcommand(1);

  LoadArgs load;
  auto* load_cmd = app.add_subcommand("load", "Load or update customers and open invoices (CSV) into the ledger");
  load_cmd->add_option("--db", load.db, "Ledger directory (created if absent)")->required();
  load_cmd->add_option("--customers", load.customers, "customers.csv");
  load_cmd->add_option("--invoices", load.invoices, "invoices.csv");

  ApplyArgs apply;
  auto* apply_cmd = app.add_subcommand("apply", "Apply payment files; each file is one atomic, idempotent batch");
  apply_cmd->add_option("--db", apply.db, "Ledger directory")->required();
  apply_cmd->add_option("--policy", apply.policy, "Policy file (TOML); defaults apply when absent");
  apply_cmd->add_option("--threads", apply.threads, "Threads for the parallel stages (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  apply_cmd->add_option("files", apply.files, "Payment files (NDJSON)")->required();

  ExportArgs exp;
  auto* export_cmd = app.add_subcommand("export", "Write events as NDJSON to stdout");
  export_cmd->add_option("--db", exp.db, "Ledger directory")->required();
  export_cmd->add_option("--since", exp.since, "Only events with seq greater than this (resume point)");

  ReportArgs rep;
  auto* report_cmd = app.add_subcommand("report", "Reports over the ledger");
  report_cmd->add_option("--db", rep.db, "Ledger directory")->required();
  report_cmd->require_subcommand(1);
  auto* summary_cmd = report_cmd->add_subcommand("summary", "Counts and totals per currency");
  summary_cmd->add_option("--format", rep.format, "table or json")->check(CLI::IsMember({"table", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (load_cmd->parsed()) return RunLoad(load);
  if (apply_cmd->parsed()) return RunApply(apply);
  if (export_cmd->parsed()) return RunExport(exp);
  if (summary_cmd->parsed()) return RunReportSummary(rep);
  return kExitUsage;
}
